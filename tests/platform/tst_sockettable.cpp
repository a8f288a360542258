// Both Linux socket-table backends (netlink sock_diag and /proc/net) against real sockets the test
// opens itself on loopback and wildcard addresses: exact results, exact port filters, same answers.
#include "socketdescribe.h"
#include "platform/linux/netlinksockettable.h"
#include "platform/sockettable.h"

#include <QStringList>
#include <QTest>

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <optional>
#include <random>
#include <set>

using namespace portwatch::platform;

Q_DECLARE_METATYPE(portwatch::platform::SocketBackend)

namespace {

// A socket of the test's own, and what the socket table should say about it.
class TestSocket {
public:
    TestSocket() = default;
    TestSocket(TestSocket &&other) noexcept : m_fd(std::exchange(other.m_fd, -1)), m_entry(other.m_entry) {}
    TestSocket &operator=(TestSocket &&other) noexcept
    {
        std::swap(m_fd, other.m_fd);
        std::swap(m_entry, other.m_entry);
        return *this;
    }
    ~TestSocket()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }

    // Binds (and for TCP, listens unless `listen` is false); port 0 lets the kernel choose.
    // v6only: -1 leaves the system default. Nothing when the address cannot be bound.
    static std::optional<TestSocket> open(Protocol protocol, Family family, const char *address, int v6only = -1,
                                          std::uint16_t port = 0, bool listen = true)
    {
        TestSocket socket;
        const int domain = family == Family::IPv4 ? AF_INET : AF_INET6;
        socket.m_fd = ::socket(domain, (protocol == Protocol::Tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
        if (socket.m_fd < 0)
            return std::nullopt;
        sockaddr_storage storage{};
        socklen_t length = 0;
        if (family == Family::IPv4) {
            auto *in = reinterpret_cast<sockaddr_in *>(&storage);
            in->sin_family = AF_INET;
            in->sin_port = htons(port);
            if (::inet_pton(AF_INET, address, &in->sin_addr) != 1)
                return std::nullopt;
            length = sizeof(sockaddr_in);
        } else {
            auto *in6 = reinterpret_cast<sockaddr_in6 *>(&storage);
            in6->sin6_family = AF_INET6;
            in6->sin6_port = htons(port);
            if (::inet_pton(AF_INET6, address, &in6->sin6_addr) != 1)
                return std::nullopt;
            length = sizeof(sockaddr_in6);
            if (v6only >= 0 && ::setsockopt(socket.m_fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) != 0)
                return std::nullopt;
        }
        if (::bind(socket.m_fd, reinterpret_cast<sockaddr *>(&storage), length) != 0)
            return std::nullopt;
        if (protocol == Protocol::Tcp && listen && ::listen(socket.m_fd, 8) != 0)
            return std::nullopt;

        length = sizeof storage;
        ::getsockname(socket.m_fd, reinterpret_cast<sockaddr *>(&storage), &length);
        struct stat status{};
        ::fstat(socket.m_fd, &status);
        int actualV6Only = 0;
        socklen_t optionLength = sizeof actualV6Only;
        if (family == Family::IPv6)
            ::getsockopt(socket.m_fd, IPPROTO_IPV6, IPV6_V6ONLY, &actualV6Only, &optionLength);

        SocketEntry &entry = socket.m_entry;
        entry.protocol = protocol;
        entry.family = family;
        entry.address = address;
        entry.port = ntohs(family == Family::IPv4 ? reinterpret_cast<sockaddr_in *>(&storage)->sin_port
                                                  : reinterpret_cast<sockaddr_in6 *>(&storage)->sin6_port);
        entry.inode = status.st_ino;
        entry.uid = ::geteuid();
        entry.v6Only = actualV6Only != 0;
        return socket;
    }

    int fd() const { return m_fd; }
    const SocketEntry &entry() const { return m_entry; }
    std::uint16_t port() const { return m_entry.port; }

private:
    int m_fd = -1;
    SocketEntry m_entry;
};

bool systemV6OnlyDefault()
{
    const int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int value = 0;
    socklen_t length = sizeof value;
    if (fd >= 0) {
        ::getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &value, &length);
        ::close(fd);
    }
    return value != 0;
}

// What `backend` can report for `entry`: /proc/net does not show IPV6_V6ONLY, so for a socket on
// the wildcard "::" (the only case where it is the socket's own choice) the /proc backend reports
// the system default.
SocketEntry visibleThrough(SocketBackend backend, SocketEntry entry)
{
    if (backend == SocketBackend::Fallback && entry.family == Family::IPv6 && entry.address == "::")
        entry.v6Only = systemV6OnlyDefault();
    return entry;
}

using portwatch::testing::describe;
using portwatch::testing::describeAll;

QStringList expected(SocketBackend backend, const std::vector<const TestSocket *> &sockets)
{
    std::vector<SocketEntry> entries;
    for (const TestSocket *socket : sockets)
        entries.push_back(visibleThrough(backend, socket->entry()));
    return describeAll(entries);
}

// Only the results on (protocol, port) pairs the test opened: other programs on the machine listen too.
std::vector<SocketEntry> ours(const std::vector<SocketEntry> &entries, const std::vector<TestSocket> &sockets)
{
    std::vector<SocketEntry> kept;
    for (const SocketEntry &entry : entries) {
        if (std::any_of(sockets.begin(), sockets.end(), [&entry](const TestSocket &socket) {
                // Address and family too: other tests running in parallel may hold the same port
                // number on another address, and those sockets are not ours to count.
                return socket.entry().protocol == entry.protocol && socket.port() == entry.port
                    && socket.entry().family == entry.family && socket.entry().address == entry.address;
            }))
            kept.push_back(entry);
    }
    return kept;
}

SocketQuery queryFor(std::initializer_list<SocketQuery::Item> items)
{
    SocketQuery query;
    query.items = items;
    return query;
}

SocketQuery queryForPorts(const std::vector<TestSocket> &sockets)
{
    SocketQuery query;
    for (const TestSocket &socket : sockets)
        query.items.push_back({socket.entry().protocol, {socket.port(), socket.port()}});
    return query;
}

void addBackendRows()
{
    QTest::addColumn<SocketBackend>("backend");
    QTest::newRow("netlink") << SocketBackend::Native;
    QTest::newRow("procfs") << SocketBackend::Fallback;
    QTest::newRow("automatic") << SocketBackend::Automatic;
}

} // namespace

class TestSocketTable : public QObject {
    Q_OBJECT

private:
    // The listening/bound sockets every backend must find: TCP and UDP on loopback, the wildcard,
    // dual stack and v6-only [::], and a v4-mapped address.
    std::vector<TestSocket> openListeners()
    {
        std::vector<TestSocket> sockets;
        for (const Protocol protocol : {Protocol::Tcp, Protocol::Udp}) {
            auto add = [&](Family family, const char *address, int v6only) {
                std::optional<TestSocket> socket = TestSocket::open(protocol, family, address, v6only);
                if (!socket)
                    qFatal("cannot bind %s %s: %s", toString(protocol), address, strerror(errno));
                sockets.push_back(std::move(*socket));
            };
            add(Family::IPv4, "127.0.0.1", -1);
            add(Family::IPv4, "0.0.0.0", -1);
            add(Family::IPv6, "::1", -1);
            add(Family::IPv6, "::", 0);
            add(Family::IPv6, "::", 1);
            add(Family::IPv6, "::ffff:127.0.0.1", -1);
        }
        return sockets;
    }

    void skipWithoutNetlink(SocketBackend backend)
    {
        if (backend != SocketBackend::Native)
            return;
        NetlinkSocketTable probe;
        const SocketList result = probe.query(queryFor({{Protocol::Tcp, {1, 1}}, {Protocol::Udp, {1, 1}}}));
        if (probe.unavailable())
            QSKIP(qPrintable(QStringLiteral("netlink sock_diag is not available here: ")
                             + QString::fromStdString(result.error)));
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (!TestSocket::open(Protocol::Tcp, Family::IPv6, "::1"))
            QSKIP("IPv6 loopback is not available on this machine");
    }

    void sharedTypes()
    {
        QCOMPARE(std::string(toString(Protocol::Tcp)), std::string("tcp"));
        QCOMPARE(std::string(toString(Protocol::Udp)), std::string("udp"));
        QCOMPARE(std::string(toString(Family::IPv4)), std::string("ipv4"));
        QCOMPARE(std::string(toString(Family::IPv6)), std::string("ipv6"));
        QCOMPARE(userName(0), std::string("root"));
        QCOMPARE(userName(3999999999u), std::string("3999999999")); // no such user: the number

        const SocketQuery query = queryFor({{Protocol::Tcp, {80, 80}}, {Protocol::Udp, {8000, 8100}}});
        QVERIFY(query.wants(Protocol::Tcp, 80));
        QVERIFY(!query.wants(Protocol::Tcp, 8080));
        QVERIFY(!query.wants(Protocol::Udp, 80));
        QVERIFY(query.wants(Protocol::Udp, 8000) && query.wants(Protocol::Udp, 8100));
        QVERIFY(!query.wants(Protocol::Udp, 7999) && !query.wants(Protocol::Udp, 8101));
        QVERIFY(!query.wants(Protocol::Tcp, 8050));
        QVERIFY(SocketQuery{}.wants(Protocol::Udp, 1));
    }

    void findsExactlyTheListeners_data() { addBackendRows(); }
    void findsExactlyTheListeners()
    {
        QFETCH(SocketBackend, backend);
        skipWithoutNetlink(backend);
        std::vector<TestSocket> sockets = openListeners();
        std::vector<const TestSocket *> listeners;
        for (const TestSocket &socket : sockets)
            listeners.push_back(&socket);

        // Sockets on the same ports that are not listening must not show up: a connection accepted
        // by the TCP listener (same local port), a bound TCP socket that never listened, and a
        // connected UDP socket.
        const TestSocket &tcpListener = sockets.front();
        const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in target{};
        target.sin_family = AF_INET;
        target.sin_port = htons(tcpListener.port());
        target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        QCOMPARE(::connect(client, reinterpret_cast<sockaddr *>(&target), sizeof target), 0);
        const int accepted = ::accept4(tcpListener.fd(), nullptr, nullptr, SOCK_CLOEXEC);
        QVERIFY(accepted >= 0);
        std::optional<TestSocket> notListening = TestSocket::open(Protocol::Tcp, Family::IPv4, "127.0.0.1", -1, 0, false);
        std::optional<TestSocket> connectedUdp = TestSocket::open(Protocol::Udp, Family::IPv4, "127.0.0.1");
        QVERIFY(notListening && connectedUdp);
        const TestSocket &udpListener = sockets[6];
        target.sin_port = htons(udpListener.port());
        QCOMPARE(::connect(connectedUdp->fd(), reinterpret_cast<sockaddr *>(&target), sizeof target), 0);
        sockets.push_back(std::move(*notListening));
        sockets.push_back(std::move(*connectedUdp));

        const std::unique_ptr<SocketTable> table = makeSocketTable(backend);
        const SocketList result = table->query(queryForPorts(sockets));
        QVERIFY2(result.ok(), result.error.c_str());
        QCOMPARE(describeAll(ours(result.sockets, sockets)), expected(backend, listeners));
        ::close(accepted);
        ::close(client);
    }

    void portFilterIsExact_data() { addBackendRows(); }
    void portFilterIsExact()
    {
        QFETCH(SocketBackend, backend);
        skipWithoutNetlink(backend);
        // A port Q below 6554 with listeners on Q (TCP and UDP) and on 10*Q+d (TCP), which shares
        // Q's digits: a query for one must never return the others.
        std::mt19937 random(std::random_device{}());
        std::vector<TestSocket> sockets;
        for (int attempt = 0; attempt < 200 && sockets.size() < 3; ++attempt) {
            sockets.clear();
            const auto port = std::uint16_t(std::uniform_int_distribution<int>(1024, 6553)(random));
            std::optional<TestSocket> tcp = TestSocket::open(Protocol::Tcp, Family::IPv4, "127.0.0.1", -1, port);
            std::optional<TestSocket> udp = TestSocket::open(Protocol::Udp, Family::IPv4, "127.0.0.1", -1, port);
            if (!tcp || !udp)
                continue;
            sockets.push_back(std::move(*tcp));
            sockets.push_back(std::move(*udp));
            for (int digit = 0; digit < 10 && sockets.size() < 3; ++digit) {
                if (auto longer = TestSocket::open(Protocol::Tcp, Family::IPv4, "127.0.0.1", -1, std::uint16_t(port * 10 + digit)))
                    sockets.push_back(std::move(*longer));
            }
        }
        QVERIFY2(sockets.size() == 3, "no free pair of ports Q and 10*Q+d found");
        const TestSocket &tcp = sockets[0];
        const TestSocket &udp = sockets[1];
        const TestSocket &longer = sockets[2];

        const std::unique_ptr<SocketTable> table = makeSocketTable(backend);
        SocketList result = table->query(queryFor({{Protocol::Tcp, {tcp.port(), tcp.port()}}}));
        QVERIFY2(result.ok(), result.error.c_str());
        for (const SocketEntry &entry : result.sockets)
            QCOMPARE(describe(entry).section(' ', 0, 2), describe(tcp.entry()).section(' ', 0, 2));
        QCOMPARE(describeAll(ours(result.sockets, sockets)), expected(backend, {&tcp}));

        result = table->query(queryFor({{Protocol::Tcp, {longer.port(), longer.port()}}}));
        QVERIFY2(result.ok(), result.error.c_str());
        for (const SocketEntry &entry : result.sockets)
            QCOMPARE(entry.port, longer.port());
        QCOMPARE(describeAll(ours(result.sockets, sockets)), expected(backend, {&longer}));

        result = table->query(queryFor({{Protocol::Udp, {udp.port(), udp.port()}}}));
        QVERIFY2(result.ok(), result.error.c_str());
        QCOMPARE(describeAll(ours(result.sockets, sockets)), expected(backend, {&udp}));
    }

    void rangeQueries_data() { addBackendRows(); }
    void rangeQueries()
    {
        QFETCH(SocketBackend, backend);
        skipWithoutNetlink(backend);
        std::vector<TestSocket> sockets;
        for (int i = 0; i < 5; ++i) {
            auto socket = TestSocket::open(Protocol::Tcp, i % 2 ? Family::IPv6 : Family::IPv4, i % 2 ? "::1" : "127.0.0.1");
            QVERIFY(socket);
            sockets.push_back(std::move(*socket));
        }
        std::sort(sockets.begin(), sockets.end(), [](const TestSocket &a, const TestSocket &b) { return a.port() < b.port(); });
        auto udp = TestSocket::open(Protocol::Udp, Family::IPv4, "127.0.0.1");
        QVERIFY(udp);
        sockets.push_back(std::move(*udp));
        const auto port = [&sockets](std::size_t i) { return sockets[i].port(); };
        const std::unique_ptr<SocketTable> table = makeSocketTable(backend);

        // Every result lies inside the query, whoever owns it; of ours, exactly those inside.
        const auto check = [&](const SocketQuery &query, const std::vector<const TestSocket *> &wanted) {
            const SocketList result = table->query(query);
            QVERIFY2(result.ok(), result.error.c_str());
            for (const SocketEntry &entry : result.sockets)
                QVERIFY2(query.wants(entry.protocol, entry.port), qPrintable(describe(entry)));
            QCOMPARE(describeAll(ours(result.sockets, sockets)), expected(backend, wanted));
        };

        check(queryFor({{Protocol::Tcp, {port(1), port(3)}}}), {&sockets[1], &sockets[2], &sockets[3]});
        if (QTest::currentTestFailed())
            return;
        check(queryFor({{Protocol::Tcp, {port(0), port(0)}}, {Protocol::Tcp, {port(2), port(2)}},
                        {Protocol::Tcp, {port(4), port(4)}}}),
              {&sockets[0], &sockets[2], &sockets[4]});
        if (QTest::currentTestFailed())
            return;
        // Unsorted and overlapping ranges, and a UDP range next to TCP ones.
        check(queryFor({{Protocol::Tcp, {port(3), port(4)}}, {Protocol::Udp, {port(5), port(5)}},
                        {Protocol::Tcp, {port(0), port(1)}}, {Protocol::Tcp, {port(1), port(3)}}}),
              {&sockets[0], &sockets[1], &sockets[2], &sockets[3], &sockets[4], &sockets[5]});
        if (QTest::currentTestFailed())
            return;
        // The protocol is part of the filter: UDP on the TCP listeners' ports finds none of them
        // (only our UDP socket, in the unlikely case the kernel gave it one of those numbers).
        SocketQuery udpOnTcpPorts;
        for (std::size_t i = 0; i < 5; ++i)
            udpOnTcpPorts.items.push_back({Protocol::Udp, {port(i), port(i)}});
        std::vector<const TestSocket *> udpWanted;
        if (udpOnTcpPorts.wants(Protocol::Udp, port(5)))
            udpWanted.push_back(&sockets[5]);
        check(udpOnTcpPorts, udpWanted);
        if (QTest::currentTestFailed())
            return;
        // All TCP ports: no UDP socket.
        check(queryFor({{Protocol::Tcp, {0, 65535}}}),
              {&sockets[0], &sockets[1], &sockets[2], &sockets[3], &sockets[4]});
    }

    void manySinglePorts_data() { addBackendRows(); }
    void manySinglePorts()
    {
        QFETCH(SocketBackend, backend);
        skipWithoutNetlink(backend);
        // More ranges than fit one bytecode attribute: the backend must still filter exactly.
        std::vector<TestSocket> sockets;
        auto socket = TestSocket::open(Protocol::Tcp, Family::IPv4, "127.0.0.1");
        QVERIFY(socket);
        sockets.push_back(std::move(*socket));
        const std::uint16_t mine = sockets.front().port();
        SocketQuery including;
        SocketQuery excluding;
        for (int offset = -3000; offset <= 3000; offset += 2) {
            const int port = mine + offset;
            if (port < 1 || port > 65535 || port == mine)
                continue;
            including.items.push_back({Protocol::Tcp, {std::uint16_t(port), std::uint16_t(port)}});
        }
        excluding = including;
        including.items.push_back({Protocol::Tcp, {mine, mine}});

        const std::unique_ptr<SocketTable> table = makeSocketTable(backend);
        SocketList result = table->query(including);
        QVERIFY2(result.ok(), result.error.c_str());
        for (const SocketEntry &entry : result.sockets)
            QVERIFY2(including.wants(entry.protocol, entry.port), qPrintable(describe(entry)));
        QCOMPARE(describeAll(ours(result.sockets, sockets)), expected(backend, {&sockets.front()}));
        result = table->query(excluding);
        QVERIFY2(result.ok(), result.error.c_str());
        QVERIFY(ours(result.sockets, sockets).empty());
    }

    // The port filter runs in the kernel, whether the query names one port (idiag_sport) or several
    // (bytecode): the records that come back are those of sockets on the asked ports only, though
    // the test's other listeners (and the machine's) sit in the same kernel tables.
    void kernelFiltersByPort()
    {
        skipWithoutNetlink(SocketBackend::Native);
        const std::vector<TestSocket> sockets = openListeners();
        const TestSocket &tcp = sockets[0];
        const TestSocket &otherTcp = sockets[2];
        const TestSocket &udp = sockets[6];
        NetlinkSocketTable table;
        const auto check = [&](const SocketQuery &query, std::vector<const TestSocket *> wanted) {
            const SocketList result = table.query(query);
            QVERIFY2(result.ok(), result.error.c_str());
            QCOMPARE(describeAll(ours(result.sockets, sockets)), expected(SocketBackend::Native, wanted));
            QCOMPARE(table.lastReceived(), result.sockets.size());
        };
        check(queryFor({{Protocol::Tcp, {tcp.port(), tcp.port()}}}), {&tcp});
        check(queryFor({{Protocol::Udp, {udp.port(), udp.port()}}}), {&udp});
        check(queryFor({{Protocol::Tcp, {tcp.port(), tcp.port()}}, {Protocol::Tcp, {otherTcp.port(), otherTcp.port()}}}),
              {&tcp, &otherTcp});
        check(queryFor({{Protocol::Tcp, {tcp.port(), tcp.port()}}, {Protocol::Udp, {udp.port(), udp.port()}}}),
              {&tcp, &udp});

        // Unfiltered, every listener comes back, the test's twelve among them: the count is real.
        const SocketList all = table.query(SocketQuery{});
        QVERIFY2(all.ok(), all.error.c_str());
        QCOMPARE(ours(all.sockets, sockets).size(), sockets.size());
        QCOMPARE(table.lastReceived(), all.sockets.size());
    }

    // UDP of both families in one dump (TCPDIAG_GETSOCK naming UDP through INET_DIAG_REQ_PROTOCOL)
    // gives exactly what one dump per family gives, in one request instead of two, from a table's
    // second UDP query on. Kernels since 5.10 do it; Debian 12's (6.1) and later must be found to.
    void udpOfBothFamiliesInOneDump()
    {
        skipWithoutNetlink(SocketBackend::Native);
        const std::vector<TestSocket> sockets = openListeners();
        std::vector<const TestSocket *> udp;
        SocketQuery query;
        for (const TestSocket &socket : sockets) {
            if (socket.entry().protocol == Protocol::Udp) {
                udp.push_back(&socket);
                query.items.push_back({Protocol::Udp, {socket.port(), socket.port()}});
            }
        }
        QCOMPARE(udp.size(), std::size_t{6}); // IPv4 and IPv6, loopback and wildcard, v6-only or not

        NetlinkSocketTable combined;
        // A table asked once does not probe: its first UDP query goes per family.
        const SocketList first = combined.query(query);
        QVERIFY2(first.ok(), first.error.c_str());
        QCOMPARE(combined.lastDumps(), 2);
        QVERIFY(!combined.combinedUdp());
        const SocketList one = combined.query(query);
        QVERIFY2(one.ok(), one.error.c_str());
        NetlinkSocketTable perFamily;
        perFamily.setUseCombinedUdp(false);
        const SocketList two = perFamily.query(query);
        QVERIFY2(two.ok(), two.error.c_str());

        const QStringList wanted = expected(SocketBackend::Native, udp);
        QCOMPARE(describeAll(ours(two.sockets, sockets)), wanted);
        QCOMPARE(perFamily.lastDumps(), 2);
        QVERIFY(!perFamily.combinedUdp());
        QCOMPARE(describeAll(ours(one.sockets, sockets)), wanted);
        utsname system{};
        ::uname(&system);
        int major = 0;
        int minor = 0;
        std::sscanf(system.release, "%d.%d", &major, &minor);
        if (!combined.combinedUdp()) {
            QVERIFY2(major < 6 || (major == 6 && minor < 1),
                     qPrintable(QStringLiteral("Linux %1 should dump UDP of both families at once").arg(system.release)));
            QSKIP("this kernel needs one UDP dump per family");
        }
        QCOMPARE(combined.lastDumps(), 1);

        // With TCP in the query as well: one dump per protocol.
        query.items.push_back({Protocol::Tcp, {sockets.front().port(), sockets.front().port()}});
        const SocketList both = combined.query(query);
        QVERIFY2(both.ok(), both.error.c_str());
        QCOMPARE(combined.lastDumps(), 2);
        QCOMPARE(ours(both.sockets, sockets).size(), udp.size() + 1);
    }

    // The kernel filter is a decision tree over the sorted ranges: every socket inside one of many
    // ranges, at either end of it, is found, and leaving a socket's own port out loses exactly that
    // socket, wherever it falls in the tree.
    void bytecodeTreeOverManyRanges_data() { addBackendRows(); }
    void bytecodeTreeOverManyRanges()
    {
        QFETCH(SocketBackend, backend);
        skipWithoutNetlink(backend);
        std::vector<TestSocket> sockets;
        for (int i = 0; i < 8; ++i) {
            const Protocol protocol = i % 4 == 3 ? Protocol::Udp : Protocol::Tcp;
            auto socket = TestSocket::open(protocol, i % 2 ? Family::IPv6 : Family::IPv4, i % 2 ? "::1" : "127.0.0.1");
            QVERIFY(socket);
            sockets.push_back(std::move(*socket));
        }
        // 1,500 ranges (fits one bytecode attribute): pairs of ports with gaps between them, each
        // socket's port at the low or the high end of a pair.
        const auto queryWithout = [&sockets](std::size_t skipped) {
            SocketQuery query;
            for (const Protocol protocol : {Protocol::Tcp, Protocol::Udp}) {
                for (int first = 1; first < 65535 && query.items.size() < 1400; first += 89)
                    query.items.push_back({protocol, {std::uint16_t(first), std::uint16_t(first + 1)}});
            }
            for (std::size_t i = 0; i < sockets.size(); ++i) {
                if (i == skipped)
                    continue;
                const int port = sockets[i].port();
                const int low = i % 2 ? port - 1 : port;
                query.items.push_back({sockets[i].entry().protocol, {std::uint16_t(low), std::uint16_t(low + 1)}});
            }
            return query;
        };
        const std::unique_ptr<SocketTable> table = makeSocketTable(backend);
        for (std::size_t skipped = 0; skipped <= sockets.size(); ++skipped) {
            const SocketQuery query = queryWithout(skipped);
            const SocketList result = table->query(query);
            QVERIFY2(result.ok(), result.error.c_str());
            std::vector<const TestSocket *> wanted;
            for (std::size_t i = 0; i < sockets.size(); ++i) {
                if (i != skipped || query.wants(sockets[i].entry().protocol, sockets[i].port()))
                    wanted.push_back(&sockets[i]);
            }
            QCOMPARE(describeAll(ours(result.sockets, sockets)), expected(backend, wanted));
        }
    }

    void emptyQueryReturnsAllListeners_data() { addBackendRows(); }
    void emptyQueryReturnsAllListeners()
    {
        QFETCH(SocketBackend, backend);
        skipWithoutNetlink(backend);
        std::vector<TestSocket> sockets = openListeners();
        std::vector<const TestSocket *> listeners;
        for (const TestSocket &socket : sockets)
            listeners.push_back(&socket);
        const std::unique_ptr<SocketTable> table = makeSocketTable(backend);
        const SocketList result = table->query(SocketQuery{});
        QVERIFY2(result.ok(), result.error.c_str());
        QVERIFY(result.sockets.size() >= sockets.size());
        QCOMPARE(describeAll(ours(result.sockets, sockets)), expected(backend, listeners));
    }

    void repeatedQueriesFollowChanges_data() { addBackendRows(); }
    void repeatedQueriesFollowChanges()
    {
        QFETCH(SocketBackend, backend);
        skipWithoutNetlink(backend);
        // The same table serves a poller for hours: its reused socket and buffers must give fresh answers.
        std::vector<TestSocket> sockets = openListeners();
        const SocketQuery query = queryForPorts(sockets);
        const std::unique_ptr<SocketTable> table = makeSocketTable(backend);
        std::vector<const TestSocket *> listeners;
        for (const TestSocket &socket : sockets)
            listeners.push_back(&socket);
        for (int round = 0; round < 3; ++round) {
            const SocketList result = table->query(query);
            QVERIFY2(result.ok(), result.error.c_str());
            QCOMPARE(describeAll(ours(result.sockets, sockets)), expected(backend, listeners));
        }
        const SocketEntry closed = sockets.back().entry();
        sockets.pop_back();
        listeners.pop_back();
        const SocketList result = table->query(query);
        QVERIFY2(result.ok(), result.error.c_str());
        QCOMPARE(describeAll(ours(result.sockets, sockets)), expected(backend, listeners));
        QVERIFY(std::none_of(result.sockets.begin(), result.sockets.end(),
                             [&closed](const SocketEntry &entry) { return entry.inode == closed.inode; }));
    }

    void backendsAgree()
    {
        skipWithoutNetlink(SocketBackend::Native);
        std::vector<TestSocket> sockets = openListeners();
        const SocketQuery query = queryForPorts(sockets);
        const SocketList fromNetlink = makeSocketTable(SocketBackend::Native)->query(query);
        const SocketList fromProc = makeSocketTable(SocketBackend::Fallback)->query(query);
        QVERIFY2(fromNetlink.ok(), fromNetlink.error.c_str());
        QVERIFY2(fromProc.ok(), fromProc.error.c_str());
        std::vector<SocketEntry> netlinkSeen = ours(fromNetlink.sockets, sockets);
        for (SocketEntry &entry : netlinkSeen)
            entry = visibleThrough(SocketBackend::Fallback, entry);
        QCOMPARE(describeAll(ours(fromProc.sockets, sockets)), describeAll(netlinkSeen));
        QCOMPARE(netlinkSeen.size(), sockets.size());
    }

    void backendNames()
    {
        QCOMPARE(makeSocketTable(SocketBackend::Fallback)->backendName(), std::string("procfs"));
        QCOMPARE(makeSocketTable(SocketBackend::Native)->backendName(), std::string("netlink"));
        skipWithoutNetlink(SocketBackend::Native);
        const std::unique_ptr<SocketTable> automatic = makeSocketTable(SocketBackend::Automatic);
        QVERIFY(automatic->query(queryFor({{Protocol::Tcp, {1, 1}}})).ok());
        QCOMPARE(automatic->backendName(), std::string("netlink"));
    }

    void automaticFallsBackToProc_data()
    {
        QTest::addColumn<long>("deniedSyscall");
        QTest::newRow("socket() refused") << long(SYS_socket);
        QTest::newRow("dump request refused") << long(SYS_sendmsg);
    }
    void automaticFallsBackToProc()
    {
        QFETCH(long, deniedSyscall);
#if defined(__x86_64__)
        constexpr std::uint32_t arch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
        constexpr std::uint32_t arch = AUDIT_ARCH_AARCH64;
#else
        QSKIP("seccomp architecture constant not known for this CPU");
        constexpr std::uint32_t arch = 0;
#endif
        auto listener = TestSocket::open(Protocol::Tcp, Family::IPv4, "127.0.0.1");
        QVERIFY(listener);
        // In a child, a seccomp filter makes netlink unusable (socket() or sendmsg() fail with
        // EPERM); the automatic table must answer from /proc/net and say so. The filter denies
        // socket() only for AF_NETLINK and sendmsg() for every socket: /proc reading uses neither.
        const pid_t child = ::fork();
        QVERIFY(child >= 0);
        if (child == 0) {
            const bool onlyNetlink = deniedSyscall == SYS_socket;
            sock_filter filter[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 1, 0),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, std::uint32_t(deniedSyscall), 0, 3),
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[0])),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_NETLINK, 0, std::uint8_t(onlyNetlink ? 1 : 0)),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
            };
            sock_fprog program{static_cast<unsigned short>(std::size(filter)), filter};
            if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0
                || ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) != 0)
                ::_exit(10);
            NetlinkSocketTable netlink;
            if (netlink.query(queryFor({{Protocol::Tcp, {listener->port(), listener->port()}}})).ok() || !netlink.unavailable())
                ::_exit(11);
            const std::unique_ptr<SocketTable> table = makeSocketTable(SocketBackend::Automatic);
            const SocketList result = table->query(queryFor({{Protocol::Tcp, {listener->port(), listener->port()}}}));
            if (!result.ok())
                ::_exit(12);
            if (result.sockets.size() != 1 || result.sockets.front().inode != listener->entry().inode)
                ::_exit(13);
            if (!table->backendName().starts_with("procfs (netlink unavailable: "))
                ::_exit(14);
            ::_exit(0);
        }
        int status = 0;
        QCOMPARE(::waitpid(child, &status, 0), child);
        QVERIFY(WIFEXITED(status));
        // 10: seccomp not installable, 11: netlink did not report itself unavailable, 12: the
        // fallback failed, 13: the fallback did not find the listener, 14: backendName() wrong.
        QCOMPARE(WEXITSTATUS(status), 0);
    }
};

QTEST_GUILESS_MAIN(TestSocketTable)
#include "tst_sockettable.moc"
