// The Windows socket table and process resolver: real Winsock sockets held by a child listener
// (found by port, with family, address and owner PID), and the IP Helper rows of recorded tables for
// what Wine cannot produce (an owner PID on TCP/IPv6, PID 4, rows that are not listening).
#include "platform/processes.h"
#include "platform/sockettable.h"
#include "platform/windows/tablerows.h"
#include "winchildlistener.h"

#include <QDateTime>
#include <QFileInfo>
#include <QTest>

#include <cstring>
#include <vector>

using namespace portwatch::platform;
using portwatch::testing::WinChildListener;

namespace {

std::vector<SocketEntry> onPort(Protocol protocol, quint16 port)
{
    SocketQuery query;
    query.items.push_back({protocol, {port, port}});
    SocketList list = makeSocketTable()->query(query);
    if (!list.ok())
        qWarning("socket table: %s", list.error.c_str());
    return list.sockets;
}

const SocketEntry *find(const std::vector<SocketEntry> &sockets, Family family, const char *address)
{
    for (const SocketEntry &socket : sockets) {
        if (socket.family == family && socket.address == address)
            return &socket;
    }
    return nullptr;
}

// A recorded table: the header's row count, then the rows, in the buffer layout the API returns.
template<typename Table, typename Row>
std::vector<std::uint64_t> table(const std::vector<Row> &rows)
{
    std::vector<std::uint64_t> buffer((sizeof(Table) + rows.size() * sizeof(Row)) / sizeof(std::uint64_t) + 1);
    auto *header = reinterpret_cast<Table *>(buffer.data());
    header->dwNumEntries = static_cast<DWORD>(rows.size());
    if (!rows.empty())
        std::memcpy(header->table, rows.data(), rows.size() * sizeof(Row));
    return buffer;
}

} // namespace

class TestWinSocketTable : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void findsEveryFamilyAndProtocolByPort()
    {
        WinChildListener child({QStringLiteral("tcp:127.0.0.1:0"), QStringLiteral("udp:0.0.0.0:0"), QStringLiteral("tcp:[::1]:0"),
                                QStringLiteral("udp:[::]:0")});
        QVERIFY2(child.start(), qPrintable(child.error()));
        const QList<quint16> ports = child.ports();
        QCOMPARE(ports.size(), 4);
        const auto pid = static_cast<std::uint32_t>(child.pid());

        const auto tcp4 = onPort(Protocol::Tcp, ports[0]);
        const SocketEntry *entry = find(tcp4, Family::IPv4, "127.0.0.1");
        QVERIFY(entry);
        QCOMPARE(entry->port, ports[0]);
        QCOMPARE(entry->ownerPid, pid);

        const auto udp4 = onPort(Protocol::Udp, ports[1]);
        entry = find(udp4, Family::IPv4, "0.0.0.0");
        QVERIFY(entry);
        QCOMPARE(entry->ownerPid, pid);

        const auto tcp6 = onPort(Protocol::Tcp, ports[2]);
        entry = find(tcp6, Family::IPv6, "::1");
        QVERIFY(entry);
        QVERIFY(entry->v6Only);
        // Wine 8 reports PID 0 for every TCP/IPv6 row (recordedTcp6Rows covers a real PID there);
        // anything else than 0 or the child would be a wrong owner.
        QVERIFY2(entry->ownerPid == pid || entry->ownerPid == 0, qPrintable(QString::number(entry->ownerPid)));

        const auto udp6 = onPort(Protocol::Udp, ports[3]);
        entry = find(udp6, Family::IPv6, "::");
        QVERIFY(entry);
        QCOMPARE(entry->ownerPid, pid);
    }

    void portsAreFilteredAndProtocolsKeptApart()
    {
        WinChildListener child({QStringLiteral("tcp:127.0.0.1:0"), QStringLiteral("udp:127.0.0.1:0")});
        QVERIFY2(child.start(), qPrintable(child.error()));
        const quint16 tcpPort = child.ports().value(0);
        const quint16 udpPort = child.ports().value(1);

        SocketQuery query;
        query.items.push_back({Protocol::Tcp, {tcpPort, tcpPort}});
        const SocketList list = makeSocketTable()->query(query);
        QVERIFY2(list.ok(), list.error.c_str());
        for (const SocketEntry &socket : list.sockets) {
            QCOMPARE(socket.protocol, Protocol::Tcp);
            QCOMPARE(socket.port, tcpPort);
        }
        QVERIFY(find(list.sockets, Family::IPv4, "127.0.0.1"));
        if (udpPort != tcpPort)
            QVERIFY(onPort(Protocol::Tcp, udpPort).empty() || find(onPort(Protocol::Tcp, udpPort), Family::IPv4, "127.0.0.1") == nullptr);

        // A range holding both ports, and the whole table, both include the child's socket.
        SocketQuery range;
        range.items.push_back({Protocol::Udp, {static_cast<std::uint16_t>(udpPort - 1), static_cast<std::uint16_t>(udpPort + 1)}});
        QVERIFY(find(makeSocketTable()->query(range).sockets, Family::IPv4, "127.0.0.1"));
        const SocketList all = makeSocketTable()->query(SocketQuery{});
        QVERIFY(all.ok());
        bool seen = false;
        for (const SocketEntry &socket : all.sockets)
            seen = seen || (socket.protocol == Protocol::Udp && socket.port == udpPort);
        QVERIFY(seen);
        QCOMPARE(makeSocketTable()->backendName(), std::string("iphlpapi"));
    }

    void resolvesTheOwningProcess()
    {
        WinChildListener child({QStringLiteral("tcp:127.0.0.1:0")});
        QVERIFY2(child.start(), qPrintable(child.error()));
        const quint16 port = child.ports().value(0);
        const auto sockets = onPort(Protocol::Tcp, port);
        QCOMPARE(sockets.size(), std::size_t(1));

        const auto listeners = makeProcessResolver()->resolve(sockets);
        QCOMPARE(listeners.size(), std::size_t(1));
        const Listener &listener = listeners.front();
        QVERIFY(listener.ownersVisible);
        QCOMPARE(listener.owners.size(), std::size_t(1));
        const ProcessInfo &owner = listener.owners.front();
        QCOMPARE(owner.pid, int(child.pid()));
        QCOMPARE(owner.name, std::string("portwatch-test-listener.exe"));
        QVERIFY2(QString::fromStdString(owner.exe).endsWith(QStringLiteral("\\portwatch-test-listener.exe"), Qt::CaseInsensitive),
                 owner.exe.c_str());
        QVERIFY2(QString::fromStdString(owner.sid).startsWith(QStringLiteral("S-1-5-")), owner.sid.c_str());
        QVERIFY(!owner.user.empty());
        QCOMPARE(listener.user, owner.user);
        QVERIFY(owner.startTicks > 0);
        const QDateTime started = QDateTime::fromMSecsSinceEpoch(owner.startTimeMs, Qt::UTC);
        QVERIFY2(qAbs(started.secsTo(QDateTime::currentDateTimeUtc())) < 120, qPrintable(started.toString(Qt::ISODate)));
        // The command line, through the documented call or the PEB.
        QVERIFY(owner.cmdline.size() >= 3);
        QCOMPARE(owner.cmdline[1], std::string("--listen"));
        QCOMPARE(owner.cmdline[2], std::string("tcp:127.0.0.1:0"));

        // The same process through process(), and our own.
        const auto again = makeProcessResolver()->process(owner.pid);
        QVERIFY(again);
        QCOMPARE(again->startTicks, owner.startTicks);
        const auto self = makeProcessResolver()->process(currentProcessId());
        QVERIFY(self);
        QVERIFY(QString::fromStdString(self->exe).endsWith(QStringLiteral("tst_winsockettable.exe"), Qt::CaseInsensitive));
    }

    void anExitedProcessIsNotFound()
    {
        qint64 pid = 0;
        std::uint64_t startTicks = 0;
        {
            WinChildListener child({QStringLiteral("tcp:127.0.0.1:0")});
            QVERIFY2(child.start(), qPrintable(child.error()));
            pid = child.pid();
            const auto before = makeProcessResolver()->process(int(pid));
            QVERIFY(before);
            startTicks = before->startTicks;
            child.process().kill();
            QVERIFY(child.waitForExit(10000));
        }
        // Gone, or (if the PID was reused at once) another process with another start time.
        const auto after = makeProcessResolver(ResolveMode::Thorough)->process(int(pid));
        QVERIFY(!after || after->startTicks != startTicks);
    }

    void unknownOwnerIsNotVisible()
    {
        // What Wine shows for TCP/IPv6 (and Windows for a socket whose owner has just exited).
        SocketEntry socket;
        socket.family = Family::IPv6;
        socket.address = "::";
        socket.port = 445;
        const auto listeners = makeProcessResolver()->resolve({socket});
        QCOMPARE(listeners.size(), std::size_t(1));
        QVERIFY(!listeners.front().ownersVisible);
        QVERIFY(listeners.front().owners.empty());
    }

    // Recorded answers of GetExtendedTcpTable(AF_INET6, TCP_TABLE_OWNER_PID_LISTENER) on Windows 11:
    // ports in network byte order in the low word, an owner PID on every row, System (PID 4) on 445.
    void recordedTcp6Rows()
    {
        MIB_TCP6ROW_OWNER_PID any{};
        any.dwState = MIB_TCP_STATE_LISTEN;
        any.dwLocalPort = htons(445);
        any.dwOwningPid = 4;
        MIB_TCP6ROW_OWNER_PID loopback{};
        loopback.ucLocalAddr[15] = 1;
        loopback.dwState = MIB_TCP_STATE_LISTEN;
        loopback.dwLocalPort = htons(8080);
        loopback.dwOwningPid = 6140;
        MIB_TCP6ROW_OWNER_PID established = loopback; // not a LISTENER row: never reported
        established.dwState = MIB_TCP_STATE_ESTAB;
        established.dwLocalPort = htons(8081);
        const auto buffer = table<MIB_TCP6TABLE_OWNER_PID>(std::vector{any, loopback, established});

        SocketQuery query;
        query.items.push_back({Protocol::Tcp, {445, 8081}});
        std::vector<SocketEntry> rows;
        win::appendRows(*reinterpret_cast<const MIB_TCP6TABLE_OWNER_PID *>(buffer.data()), query, rows);
        QCOMPARE(rows.size(), std::size_t(2));
        QCOMPARE(rows[0].address, std::string("::"));
        QCOMPARE(rows[0].port, std::uint16_t(445));
        QCOMPARE(rows[0].ownerPid, 4u);
        QCOMPARE(rows[1].address, std::string("::1"));
        QCOMPARE(rows[1].port, std::uint16_t(8080));
        QCOMPARE(rows[1].ownerPid, 6140u);
        QCOMPARE(rows[1].inode, std::uint64_t(6140));

        SocketQuery only8080;
        only8080.items.push_back({Protocol::Tcp, {8080, 8080}});
        rows.clear();
        win::appendRows(*reinterpret_cast<const MIB_TCP6TABLE_OWNER_PID *>(buffer.data()), only8080, rows);
        QCOMPARE(rows.size(), std::size_t(1));
        SocketQuery udpOnly;
        udpOnly.items.push_back({Protocol::Udp, {0, 65535}});
        rows.clear();
        win::appendRows(*reinterpret_cast<const MIB_TCP6TABLE_OWNER_PID *>(buffer.data()), udpOnly, rows);
        QVERIFY(rows.empty());
    }

    void recordedUdp4Rows()
    {
        MIB_UDPROW_OWNER_PID dns{};
        dns.dwLocalAddr = htonl(0x7f000001); // 127.0.0.1
        dns.dwLocalPort = htons(53);
        dns.dwOwningPid = 2212;
        MIB_UDPROW_OWNER_PID mdns{};
        mdns.dwLocalAddr = 0;
        mdns.dwLocalPort = htons(5353);
        mdns.dwOwningPid = 1880;
        const auto buffer = table<MIB_UDPTABLE_OWNER_PID>(std::vector{dns, mdns});
        std::vector<SocketEntry> rows;
        win::appendRows(*reinterpret_cast<const MIB_UDPTABLE_OWNER_PID *>(buffer.data()), SocketQuery{}, rows);
        QCOMPARE(rows.size(), std::size_t(2));
        QCOMPARE(rows[0].protocol, Protocol::Udp);
        QCOMPARE(rows[0].address, std::string("127.0.0.1"));
        QCOMPARE(rows[0].port, std::uint16_t(53));
        QCOMPARE(rows[0].ownerPid, 2212u);
        QVERIFY(!rows[0].v6Only);
        QCOMPARE(rows[1].address, std::string("0.0.0.0"));
        QCOMPARE(rows[1].port, std::uint16_t(5353));
    }
};

QTEST_GUILESS_MAIN(TestWinSocketTable)
#include "tst_winsockettable.moc"
