// Unit tests of the /proc/net parser on text recorded from a real kernel (tests/platform/data).
#include "socketdescribe.h"
#include "platform/linux/procnetparser.h"

#include <QFile>
#include <QStringList>
#include <QTest>

#include <algorithm>
#include <string>

using namespace portwatch::platform;

namespace {

std::string recorded(const char *name)
{
    QFile file(QStringLiteral(PORTWATCH_PLATFORM_TEST_DATA "/") + QLatin1String(name));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot open recorded sample %s", qPrintable(file.fileName()));
    return file.readAll().toStdString();
}

using portwatch::testing::describe;
using portwatch::testing::describeAll;

QStringList sorted(QStringList lines)
{
    lines.sort();
    return lines;
}

SocketQuery queryFor(std::initializer_list<SocketQuery::Item> items)
{
    SocketQuery query;
    query.items = items;
    return query;
}

constexpr procnet::FileKind tcp4{Protocol::Tcp, Family::IPv4, false};
constexpr procnet::FileKind tcp6{Protocol::Tcp, Family::IPv6, false};
constexpr procnet::FileKind udp4{Protocol::Udp, Family::IPv4, false};
constexpr procnet::FileKind udp6{Protocol::Udp, Family::IPv6, false};

} // namespace

class TestProcNetParser : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void tcpIpv4ListenersOnly()
    {
        // The established connection on 41081 (two rows, state 01) must not show up.
        QCOMPARE(describeAll(procnet::parse(recorded("proc-net-tcp.txt"), tcp4)),
                 sorted({"tcp ipv4 127.0.0.1 41080 inode=23829 uid=0 v6only=0",
                         "tcp ipv4 0.0.0.0 4108 inode=23830 uid=0 v6only=0",
                         "tcp ipv4 127.0.0.1 41081 inode=23831 uid=0 v6only=0",
                         "tcp ipv4 127.0.0.1 41089 inode=25561 uid=65534 v6only=0"}));
    }

    void tcpIpv6Listeners()
    {
        QCOMPARE(describeAll(procnet::parse(recorded("proc-net-tcp6.txt"), tcp6)),
                 sorted({"tcp ipv6 ::1 41082 inode=23834 uid=0 v6only=1",
                         "tcp ipv6 :: 41083 inode=23835 uid=0 v6only=0",
                         "tcp ipv6 :: 41084 inode=23836 uid=0 v6only=0",
                         "tcp ipv6 ::ffff:127.0.0.1 41085 inode=23837 uid=0 v6only=0",
                         "tcp ipv6 fd00::2 41086 inode=23838 uid=0 v6only=1",
                         "tcp ipv6 ::1 41087 inode=23839 uid=0 v6only=1"}));
    }

    void v6OnlyInferredFromAddress()
    {
        // /proc/net cannot show IPV6_V6ONLY. Bound to a specific address, the kernel made the socket
        // v6-only itself; bound to a v4-mapped one, it cannot be; only for "::" (41083 dual stack,
        // 41084 v6-only, indistinguishable here) is the system default all there is to go by.
        for (const bool assumed : {false, true}) {
            const procnet::FileKind kind{Protocol::Tcp, Family::IPv6, assumed};
            const std::vector<SocketEntry> entries = procnet::parse(recorded("proc-net-tcp6.txt"), kind);
            QCOMPARE(entries.size(), std::size_t(6));
            for (const SocketEntry &entry : entries) {
                const bool expected = entry.address == "::" ? assumed : entry.address != "::ffff:127.0.0.1";
                QVERIFY2(entry.v6Only == expected, qPrintable(describe(entry)));
            }
        }
    }

    void udpBoundOnly()
    {
        // 41091 and 41096 are connected UDP sockets (state 01): not "listening", so skipped.
        QCOMPARE(describeAll(procnet::parse(recorded("proc-net-udp.txt"), udp4)),
                 sorted({"udp ipv4 0.0.0.0 4109 inode=23843 uid=0 v6only=0",
                         "udp ipv4 127.0.0.1 41090 inode=23842 uid=0 v6only=0"}));
        QCOMPARE(describeAll(procnet::parse(recorded("proc-net-udp6.txt"), udp6)),
                 sorted({"udp ipv6 ::1 41092 inode=23845 uid=0 v6only=1",
                         "udp ipv6 :: 41093 inode=23846 uid=0 v6only=0",
                         "udp ipv6 :: 41094 inode=23847 uid=0 v6only=0",
                         "udp ipv6 ::ffff:127.0.0.1 41095 inode=23848 uid=0 v6only=0"}));
    }

    void stateMeaningDependsOnProtocol()
    {
        // A TCP file read as UDP: no row is in UDP's "bound" state (07), so nothing; and vice versa.
        QVERIFY(procnet::parse(recorded("proc-net-tcp.txt"), udp4).empty());
        QVERIFY(procnet::parse(recorded("proc-net-udp.txt"), tcp4).empty());
    }

    void wrongFamilyRowsIgnored()
    {
        QVERIFY(procnet::parse(recorded("proc-net-tcp.txt"), tcp6).empty());
        QVERIFY(procnet::parse(recorded("proc-net-tcp6.txt"), tcp4).empty());
    }

    void exactPortFilter()
    {
        std::vector<SocketEntry> out;
        // 4108 shares its digits with 41080 and 41081: only 4108 itself may match.
        procnet::parse(recorded("proc-net-tcp.txt"), tcp4, queryFor({{Protocol::Tcp, {4108, 4108}}}), out);
        QCOMPARE(describeAll(out), QStringList{"tcp ipv4 0.0.0.0 4108 inode=23830 uid=0 v6only=0"});

        out.clear();
        procnet::parse(recorded("proc-net-tcp.txt"), tcp4, queryFor({{Protocol::Tcp, {41080, 41081}}}), out);
        QCOMPARE(describeAll(out), sorted({"tcp ipv4 127.0.0.1 41080 inode=23829 uid=0 v6only=0",
                                           "tcp ipv4 127.0.0.1 41081 inode=23831 uid=0 v6only=0"}));

        // Two ranges, one of them a single port.
        out.clear();
        procnet::parse(recorded("proc-net-tcp6.txt"), tcp6,
                       queryFor({{Protocol::Tcp, {41082, 41082}}, {Protocol::Tcp, {41085, 41086}}}), out);
        QCOMPARE(describeAll(out), sorted({"tcp ipv6 ::1 41082 inode=23834 uid=0 v6only=1",
                                           "tcp ipv6 ::ffff:127.0.0.1 41085 inode=23837 uid=0 v6only=0",
                                           "tcp ipv6 fd00::2 41086 inode=23838 uid=0 v6only=1"}));
    }

    void protocolFilter()
    {
        std::vector<SocketEntry> out;
        procnet::parse(recorded("proc-net-tcp.txt"), tcp4, queryFor({{Protocol::Udp, {4108, 4108}}}), out);
        QVERIFY(out.empty());
        procnet::parse(recorded("proc-net-udp.txt"), udp4, queryFor({{Protocol::Udp, {4109, 4109}}}), out);
        QCOMPARE(describeAll(out), QStringList{"udp ipv4 0.0.0.0 4109 inode=23843 uid=0 v6only=0"});
    }

    void appendsToExistingEntries()
    {
        std::vector<SocketEntry> out = procnet::parse(recorded("proc-net-udp.txt"), udp4);
        procnet::parse(recorded("proc-net-udp6.txt"), udp6, SocketQuery{}, out);
        QCOMPARE(out.size(), std::size_t(6));
    }

    // Read while sockets come and go, the file can show a row twice (the kernel resumes each page
    // by position in a hash table that changed): the socket is reported once.
    void rowPrintedTwiceCountsOnce()
    {
        const std::string row =
            "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 777 1 0 100 0 0 10 0\n";
        const std::string other =
            "   1: 0100007F:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 778 1 0 100 0 0 10 0\n";
        QCOMPARE(describeAll(procnet::parse(row + other + row, tcp4)),
                 sorted({"tcp ipv4 127.0.0.1 8080 inode=777 uid=1000 v6only=0",
                         "tcp ipv4 127.0.0.1 8081 inode=778 uid=1000 v6only=0"}));
    }

    void malformedLinesIgnored()
    {
        const std::string good =
            "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 777 1 0 100 0 0 10 0";
        const std::string text = std::string("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n")
            + "\n"
            + "garbage\n"
            + "   1: 0100007F:1F91 00000000:0000 0A\n"                                          // truncated
            + "   2: 0100007G:1F92 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 5\n" // bad hex
            + "   3: 0100007F1F93 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 5\n"  // no colon
            + "   4: 0100007F:1F9 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 5\n"   // short port
            + "   5: 00000000000000000000000001000000:1F94 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 5\n" // v6 address
            + "   6: 0100007F:1F95 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 12x\n" // bad inode
            + "   7: 0100007F:1F96 00000000:0000 0A 00000000:00000000 00:00000000 00000000 -1 0 5\n" // bad uid
            + "   8  0100007F:1F97 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 5\n" // no slot colon
            + "   9: 0100007F:1F98 00000000:0000 A 00000000:00000000 00:00000000 00000000 0 0 5\r\n" // short state
            + good; // last line without a newline still counts
        QCOMPARE(describeAll(procnet::parse(text, tcp4)),
                 QStringList{"tcp ipv4 127.0.0.1 8080 inode=777 uid=1000 v6only=0"});
        QVERIFY(procnet::parse("", tcp4).empty());
        QVERIFY(procnet::parse(good + "\r\n", tcp4).size() == 1);
    }
};

QTEST_GUILESS_MAIN(TestProcNetParser)
#include "tst_procnetparser.moc"
