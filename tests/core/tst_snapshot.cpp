// Unit tests for Snapshot and its diff: identity by (protocol, family, address, port, inode), order.
#include "core/snapshot.h"

#include <QSet>
#include <QTest>

using portwatch::ListenerKey;
using portwatch::Snapshot;
using portwatch::platform::Family;
using portwatch::platform::Protocol;
using portwatch::platform::SocketEntry;

namespace {

SocketEntry entry(Protocol protocol, Family family, const char *address, quint16 port, quint64 inode)
{
    SocketEntry socket;
    socket.protocol = protocol;
    socket.family = family;
    socket.address = address;
    socket.port = port;
    socket.inode = inode;
    socket.uid = 1000;
    return socket;
}

QList<quint64> inodes(const QList<SocketEntry> &sockets)
{
    QList<quint64> result;
    for (const auto &socket : sockets)
        result.append(socket.inode);
    return result;
}

} // namespace

class TestSnapshot final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void emptySnapshotsHaveNoDiff()
    {
        const auto diff = Snapshot::diff(Snapshot(), Snapshot());
        QVERIFY(diff.isEmpty());
    }

    void identicalSnapshotsHaveNoDiff()
    {
        const std::vector<SocketEntry> sockets{entry(Protocol::Tcp, Family::IPv4, "0.0.0.0", 80, 11),
                                               entry(Protocol::Udp, Family::IPv6, "::", 53, 12)};
        QVERIFY(Snapshot::diff(Snapshot(sockets), Snapshot(sockets)).isEmpty());
    }

    void appearedAndVanished()
    {
        const auto a = entry(Protocol::Tcp, Family::IPv4, "0.0.0.0", 80, 11);
        const auto b = entry(Protocol::Tcp, Family::IPv4, "127.0.0.1", 8080, 12);
        const auto c = entry(Protocol::Udp, Family::IPv4, "0.0.0.0", 5353, 13);
        const auto diff = Snapshot::diff(Snapshot({a, b}), Snapshot({b, c}));
        QCOMPARE(diff.appeared, QList<SocketEntry>{c});
        QCOMPARE(diff.vanished, QList<SocketEntry>{a});
        QVERIFY(!diff.isEmpty());

        const auto fromNothing = Snapshot::diff(Snapshot(), Snapshot({a, b}));
        QCOMPARE(inodes(fromNothing.appeared), (QList<quint64>{11, 12}));
        QVERIFY(fromNothing.vanished.isEmpty());
    }

    // A server restarted on the same port gets a new socket: the old one vanished, a new one appeared.
    void newInodeOnSamePortIsANewListener()
    {
        const auto before = entry(Protocol::Tcp, Family::IPv4, "0.0.0.0", 80, 100);
        const auto after = entry(Protocol::Tcp, Family::IPv4, "0.0.0.0", 80, 200);
        const auto diff = Snapshot::diff(Snapshot({before}), Snapshot({after}));
        QCOMPARE(diff.appeared, QList<SocketEntry>{after});
        QCOMPARE(diff.vanished, QList<SocketEntry>{before});
    }

    void everyKeyFieldDistinguishes_data()
    {
        QTest::addColumn<int>("field");
        QTest::newRow("protocol") << 0;
        QTest::newRow("family") << 1;
        QTest::newRow("address") << 2;
        QTest::newRow("port") << 3;
        QTest::newRow("inode") << 4;
    }

    void everyKeyFieldDistinguishes()
    {
        QFETCH(int, field);
        const auto base = entry(Protocol::Tcp, Family::IPv4, "127.0.0.1", 80, 7);
        auto other = base;
        switch (field) {
        case 0: other.protocol = Protocol::Udp; break;
        case 1: other.family = Family::IPv6; break;
        case 2: other.address = "127.0.0.2"; break;
        case 3: other.port = 8080; break;
        default: other.inode = 8; break;
        }
        QVERIFY(ListenerKey::of(base) != ListenerKey::of(other));
        const Snapshot snapshot({base});
        QVERIFY(snapshot.contains(ListenerKey::of(base)));
        QVERIFY(!snapshot.contains(ListenerKey::of(other)));
        const auto diff = Snapshot::diff(snapshot, Snapshot({other}));
        QCOMPARE(diff.appeared.size(), 1);
        QCOMPARE(diff.vanished.size(), 1);
    }

    // uid and v6Only describe the socket but are not its identity: a change there is no new listener.
    void nonKeyFieldsDoNotMakeADiff()
    {
        const auto base = entry(Protocol::Tcp, Family::IPv6, "::", 443, 9);
        auto changed = base;
        changed.uid = 0;
        changed.v6Only = true;
        QCOMPARE(ListenerKey::of(base), ListenerKey::of(changed));
        QCOMPARE(qHash(ListenerKey::of(base)), qHash(ListenerKey::of(changed)));
        QVERIFY(Snapshot::diff(Snapshot({base}), Snapshot({changed})).isEmpty());
    }

    void duplicateEntriesCollapse()
    {
        const auto a = entry(Protocol::Tcp, Family::IPv4, "0.0.0.0", 80, 11);
        const Snapshot snapshot({a, a});
        QCOMPARE(snapshot.size(), 1);
        QCOMPARE(snapshot.sockets(), QList<SocketEntry>{a});
    }

    void socketsAndDiffAreSorted()
    {
        const std::vector<SocketEntry> sockets{
            entry(Protocol::Udp, Family::IPv4, "0.0.0.0", 53, 1),
            entry(Protocol::Tcp, Family::IPv6, "::", 8080, 2),
            entry(Protocol::Tcp, Family::IPv4, "0.0.0.0", 8080, 3),
            entry(Protocol::Tcp, Family::IPv4, "0.0.0.0", 80, 5),
            entry(Protocol::Tcp, Family::IPv4, "0.0.0.0", 80, 4),
            entry(Protocol::Tcp, Family::IPv4, "127.0.0.1", 8080, 6),
        };
        // tcp before udp; then port; then family (v4 first), address, inode.
        const QList<quint64> expected{4, 5, 3, 6, 2, 1};
        QCOMPARE(inodes(Snapshot(sockets).sockets()), expected);
        QCOMPARE(inodes(Snapshot::diff(Snapshot(), Snapshot(sockets)).appeared), expected);
        QCOMPARE(inodes(Snapshot::diff(Snapshot(sockets), Snapshot()).vanished), expected);
    }

    // The monitor's quiet poll normalizes in place instead of building a snapshot: it must hold what
    // a snapshot would, in the same order, with the same entry kept where an identity repeats.
    void normalizeHoldsWhatASnapshotHolds()
    {
        auto later = entry(Protocol::Tcp, Family::IPv4, "0.0.0.0", 80, 5);
        later.uid = 0; // same identity as an earlier entry, other details
        std::vector<SocketEntry> sockets{
            entry(Protocol::Udp, Family::IPv4, "0.0.0.0", 53, 1),
            entry(Protocol::Tcp, Family::IPv4, "0.0.0.0", 80, 5),
            entry(Protocol::Tcp, Family::IPv6, "::", 8080, 2),
            entry(Protocol::Udp, Family::IPv4, "0.0.0.0", 53, 1),
            entry(Protocol::Tcp, Family::IPv4, "0.0.0.0", 80, 4),
            later,
            entry(Protocol::Tcp, Family::IPv4, "127.0.0.1", 8080, 6),
            entry(Protocol::Udp, Family::IPv4, "0.0.0.0", 53, 1),
        };
        const QList<SocketEntry> expected = Snapshot(sockets).sockets();
        Snapshot::normalize(sockets);
        QCOMPARE(QList<SocketEntry>(sockets.cbegin(), sockets.cend()), expected);
        QCOMPARE(inodes(expected), (QList<quint64>{4, 5, 6, 2, 1}));
        QCOMPARE(sockets[1].uid, 0u);

        std::vector<SocketEntry> none;
        Snapshot::normalize(none);
        QVERIFY(none.empty());
    }

    void keysWorkInHashes()
    {
        QSet<ListenerKey> keys;
        keys.insert(ListenerKey::of(entry(Protocol::Tcp, Family::IPv4, "0.0.0.0", 80, 1)));
        keys.insert(ListenerKey::of(entry(Protocol::Tcp, Family::IPv4, "0.0.0.0", 80, 1)));
        keys.insert(ListenerKey::of(entry(Protocol::Tcp, Family::IPv6, "0.0.0.0", 80, 1)));
        QCOMPARE(keys.size(), 2);
    }
};

QTEST_GUILESS_MAIN(TestSnapshot)
#include "tst_snapshot.moc"
