// The Linux PortDiagnosis and the range-list parsers of every OS: parsers on recorded text (sysctls,
// /proc/self/status, /proc/net/tcp, netsh's excluded port ranges), and the live implementation
// against the real kernel: the machine's own sysctls read without touching them, other values set
// only inside a fresh network namespace of a forked child, privileged ports as user nobody, and a
// TIME_WAIT connection this test makes on loopback.
#include "asnobody.h"

#include "platform/linux/bindfacts.h"
#include "platform/portdiagnosis.h"
#include "platform/portlistparser.h"

#include <QFile>
#include <QTest>

#include <cerrno>
#include <fstream>
#include <functional>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace portwatch::platform;

namespace {

const QString dataDir = QStringLiteral(PORTWATCH_PLATFORM_TEST_DATA);

std::string recorded(const QString &name)
{
    QFile file(dataDir + QLatin1Char('/') + name);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(file.fileName()));
    return file.readAll().toStdString();
}

std::string live(const char *path)
{
    std::ifstream file(path);
    return std::string(std::istreambuf_iterator<char>(file), {});
}

// Runs `work` in a forked child inside a new network namespace (so sysctls it writes there leave
// the machine's untouched) and returns what it wrote, or nothing when the namespace could not be made.
std::optional<std::string> inNewNetworkNamespace(const std::function<std::string()> &work)
{
    int fds[2];
    if (::pipe(fds) != 0)
        return std::nullopt;
    const pid_t child = ::fork();
    if (child == 0) {
        ::close(fds[0]);
        if (::unshare(CLONE_NEWNET) != 0)
            ::_exit(5);
        const std::string answer = work();
        if (::write(fds[1], answer.data(), answer.size()) != static_cast<ssize_t>(answer.size()))
            ::_exit(4);
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string answer;
    char buffer[512];
    ssize_t n = 0;
    while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0)
            answer.append(buffer, static_cast<std::size_t>(n));
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return std::nullopt;
    return answer;
}

bool writeSysctl(const char *path, const char *value)
{
    std::ofstream file(path);
    file << value;
    file.close();
    return !file.fail();
}

int tcpSocket(const char *address, std::uint16_t port, bool reuse)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int on = 1;
    if (reuse)
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, address, &addr.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) != 0) {
        const int error = errno;
        ::close(fd);
        errno = error;
        return -1;
    }
    return fd;
}

std::uint16_t localPort(int fd)
{
    sockaddr_in addr{};
    socklen_t length = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &length);
    return ntohs(addr.sin_port);
}

} // namespace

class TestPortDiagnosis : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sysctlList();
    void sysctlListRejects_data();
    void sysctlListRejects();
    void sysctlRange();
    void netshExcluded();
    void netshExcludedLocalized();
    void netshExcludedRejects();
    void urlPorts_data();
    void urlPorts();
    void capabilities();
    void connectionsOfRecordedTcp();
    void serviceOfCgroup_data();
    void serviceOfCgroup();
    void liveRangesMatchTheMachine();
    void reservedRangesInANamespace();
    void privilegedPortsAsNobody();
    void timeWaitOnLoopback();
};

void TestPortDiagnosis::sysctlList()
{
    // Written as "50000,8080,9000-9010,1" in a scratch namespace; the kernel sorts it.
    const auto ranges = portlist::parseSysctlList(recorded(QStringLiteral("linux/ip_local_reserved_ports.txt")));
    QVERIFY(ranges.has_value());
    QCOMPARE(ranges->size(), 4U);
    QVERIFY((ranges->at(0) == PortRange{1, 1}));
    QVERIFY((ranges->at(2) == PortRange{9000, 9010}));
    QVERIFY((ranges->at(3) == PortRange{50000, 50000}));
    // The machine default: an empty line.
    QCOMPARE(portlist::parseSysctlList("\n")->size(), 0U);
}

void TestPortDiagnosis::sysctlListRejects_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("reversed") << QStringLiteral("9010-9000");
    QTest::newRow("out of range") << QStringLiteral("70000");
    QTest::newRow("word") << QStringLiteral("http");
    QTest::newRow("empty item") << QStringLiteral("80,,90");
    QTest::newRow("open range") << QStringLiteral("9000-");
}

void TestPortDiagnosis::sysctlListRejects()
{
    QFETCH(QString, text);
    QVERIFY(!portlist::parseSysctlList(text.toStdString()).has_value());
}

void TestPortDiagnosis::sysctlRange()
{
    const auto range = portlist::parseSysctlRange(recorded(QStringLiteral("linux/ip_local_port_range.txt")));
    QVERIFY(range.has_value());
    QVERIFY((*range == PortRange{32768, 60999}));
    QVERIFY(!portlist::parseSysctlRange("60999\t32768\n").has_value());
    QVERIFY(!portlist::parseSysctlRange("32768\n").has_value());
}

void TestPortDiagnosis::netshExcluded()
{
    const auto ranges = portlist::parseNetshExcluded(recorded(QStringLiteral("windows/netsh-excludedportrange-ipv4-tcp.txt")),
                                                     Protocol::Tcp, Family::IPv4);
    QVERIFY(ranges.has_value());
    QCOMPARE(ranges->size(), 7U);
    QVERIFY((ranges->front().ports == PortRange{1061, 1160}));
    QVERIFY(!ranges->front().administered);
    QCOMPARE(ranges->front().kind, RangeKind::WindowsExcluded);
    QVERIFY((ranges->back().ports == PortRange{50000, 50059}));
    QVERIFY(ranges->back().administered); // the "*" column
    QCOMPARE(ranges->back().protocol, Protocol::Tcp);
    QCOMPARE(ranges->back().family, Family::IPv4);
    // No ranges: the headers and the legend alone.
    QCOMPARE(portlist::parseNetshExcluded(recorded(QStringLiteral("windows/netsh-excludedportrange-ipv6-udp.txt")),
                                          Protocol::Udp, Family::IPv6)->size(), 0U);
}

void TestPortDiagnosis::netshExcludedLocalized()
{
    const auto ranges = portlist::parseNetshExcluded(recorded(QStringLiteral("windows/netsh-excludedportrange-ipv4-tcp-de.txt")),
                                                     Protocol::Tcp, Family::IPv4);
    QVERIFY(ranges.has_value());
    QCOMPARE(ranges->size(), 2U);
    QVERIFY(ranges->back().administered);
}

void TestPortDiagnosis::netshExcludedRejects()
{
    const std::string rule = "Start Port    End Port\r\n----------    --------\r\n";
    QVERIFY(portlist::parseNetshExcluded(rule + "      5000        5010\r\n", Protocol::Tcp, Family::IPv4).has_value());
    QVERIFY(!portlist::parseNetshExcluded("", Protocol::Tcp, Family::IPv4).has_value()); // Wine's netsh prints nothing
    QVERIFY(!portlist::parseNetshExcluded("The following command was not found: int ipv4 show excludedportrange.\r\n",
                                          Protocol::Tcp, Family::IPv4).has_value());
    QVERIFY(!portlist::parseNetshExcluded(rule + "      5000        4000\r\n", Protocol::Tcp, Family::IPv4).has_value());
    QVERIFY(!portlist::parseNetshExcluded(rule + "      5000        5010     x\r\n", Protocol::Tcp, Family::IPv4).has_value());
    QVERIFY(!portlist::parseNetshExcluded(rule + "      5000       70000\r\n", Protocol::Tcp, Family::IPv4).has_value());
}

void TestPortDiagnosis::urlPorts_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<int>("port");
    QTest::newRow("strong wildcard") << QStringLiteral("http://+:80/wsman/") << 80;
    QTest::newRow("weak wildcard https") << QStringLiteral("https://*:5358/") << 5358;
    QTest::newRow("no port, http") << QStringLiteral("http://example.com/") << 80;
    QTest::newRow("no port, https") << QStringLiteral("https://example.com/") << 443;
    QTest::newRow("ipv6 host") << QStringLiteral("http://[::1]:8080/app/") << 8080;
    QTest::newRow("not a url") << QStringLiteral("0.0.0.0:443") << 0;
    QTest::newRow("port out of range") << QStringLiteral("http://+:70000/") << 0;
}

void TestPortDiagnosis::urlPorts()
{
    QFETCH(QString, url);
    QFETCH(int, port);
    QCOMPARE(int(portlist::urlPort(url.toStdString())), port);
}

void TestPortDiagnosis::capabilities()
{
    const std::uint64_t bit = std::uint64_t(1) << bindfacts::capNetBindService;
    const auto root = bindfacts::effectiveCapabilities(recorded(QStringLiteral("linux/proc-self-status-root.txt")));
    const auto nobody = bindfacts::effectiveCapabilities(recorded(QStringLiteral("linux/proc-self-status-nobody.txt")));
    const auto granted = bindfacts::effectiveCapabilities(recorded(QStringLiteral("linux/proc-self-status-netbind.txt")));
    QVERIFY(root && nobody && granted);
    QVERIFY(*root & bit);
    QCOMPARE(*nobody, 0U);
    QCOMPARE(*granted, bit); // nobody with only the one ambient capability (setpriv --ambient-caps)
    QVERIFY(!bindfacts::effectiveCapabilities("Name:\tgrep\nCapPrm:\t0\n").has_value());
}

void TestPortDiagnosis::connectionsOfRecordedTcp()
{
    const std::string text = recorded(QStringLiteral("linux/proc-net-tcp-connections.txt"));
    PortConnections timeWait;
    bindfacts::countConnections(text, 41100, timeWait); // the server side closed first, then the listener
    QCOMPARE(timeWait.timeWait, 1);
    QCOMPARE(timeWait.other, 0);
    PortConnections established;
    bindfacts::countConnections(text, 41101, established); // listener plus one accepted connection
    QCOMPARE(established.timeWait, 0);
    QCOMPARE(established.other, 1);
    PortConnections none;
    bindfacts::countConnections(recorded(QStringLiteral("proc-net-tcp.txt")), 4108, none); // a lone listener
    QCOMPARE(none.timeWait + none.other, 0);
}

void TestPortDiagnosis::serviceOfCgroup_data()
{
    QTest::addColumn<QString>("cgroup");
    QTest::addColumn<QString>("service");
    QTest::addColumn<bool>("userUnit");
    QTest::newRow("v2 system service") << QStringLiteral("0::/system.slice/nginx.service\n") << QStringLiteral("nginx.service") << false;
    QTest::newRow("v2 user service") << QStringLiteral("0::/user.slice/user-1000.slice/user@1000.service/app.slice/syncthing.service\n")
                                     << QStringLiteral("syncthing.service") << true;
    QTest::newRow("v2 session scope") << QStringLiteral("0::/user.slice/user-1000.slice/session-2.scope\n") << QString() << false;
    QTest::newRow("v1 systemd hierarchy") << QStringLiteral("12:pids:/system.slice/ssh.service\n1:name=systemd:/system.slice/ssh.service\n0::/\n")
                                          << QStringLiteral("ssh.service") << false;
    QTest::newRow("container root (this machine)") << QStringLiteral("9:name=systemd:/\n4:memory:/process_api/a14b\n0::/\n") << QString() << false;
}

void TestPortDiagnosis::serviceOfCgroup()
{
    QFETCH(QString, cgroup);
    QFETCH(QString, service);
    QFETCH(bool, userUnit);
    const auto found = bindfacts::serviceOfCgroup(cgroup.toStdString());
    QCOMPARE(found.has_value(), !service.isEmpty());
    if (found) {
        QCOMPARE(QString::fromStdString(found->name), service);
        QCOMPARE(found->userUnit, userUnit);
    }
}

void TestPortDiagnosis::liveRangesMatchTheMachine()
{
    const auto diagnosis = makePortDiagnosis();
    const auto ranges = diagnosis->reservedRanges(Protocol::Udp);
    QVERIFY2(ranges.ok(), ranges.error.c_str());
    const auto reserved = portlist::parseSysctlList(live("/proc/sys/net/ipv4/ip_local_reserved_ports"));
    const auto ephemeral = portlist::parseSysctlRange(live("/proc/sys/net/ipv4/ip_local_port_range"));
    QVERIFY(reserved && ephemeral);
    QCOMPARE(ranges.value.size(), 2 * (reserved->size() + 1)); // each range for both families
    QVERIFY((ranges.value.back().ports == *ephemeral));
    QCOMPARE(ranges.value.back().kind, RangeKind::LinuxEphemeral);
    QCOMPARE(ranges.value.back().protocol, Protocol::Udp);

    const auto privileged = diagnosis->privilegedPorts();
    QVERIFY2(privileged.ok(), privileged.error.c_str());
    QCOMPARE(QString::number(privileged.value.firstUnprivileged),
             QString::fromStdString(live("/proc/sys/net/ipv4/ip_unprivileged_port_start")).trimmed());
    const auto caps = bindfacts::effectiveCapabilities(live("/proc/self/status"));
    QVERIFY(caps.has_value());
    QCOMPARE(privileged.value.callerMayBindAll, bool((*caps >> bindfacts::capNetBindService) & 1U));
}

void TestPortDiagnosis::reservedRangesInANamespace()
{
    const auto answer = inNewNetworkNamespace([] {
        if (!writeSysctl("/proc/sys/net/ipv4/ip_local_reserved_ports", "8080,9000-9010"))
            return std::string("cannot write");
        std::string text;
        for (const ReservedRange &range : makePortDiagnosis()->reservedRanges(Protocol::Tcp).value)
            if (range.kind == RangeKind::LinuxReserved)
                text += std::to_string(range.ports.first) + "-" + std::to_string(range.ports.last) + " ";
        return text;
    });
    if (!answer)
        QSKIP("cannot make a network namespace here (needs CAP_SYS_ADMIN)");
    QCOMPARE(QString::fromStdString(*answer), QStringLiteral("8080-8080 8080-8080 9000-9010 9000-9010 "));
}

void TestPortDiagnosis::privilegedPortsAsNobody()
{
    // As nobody with no capabilities: the limit applies, and a real bind below it is refused.
    const auto answer = inNewNetworkNamespace([] {
        if (!writeSysctl("/proc/sys/net/ipv4/ip_unprivileged_port_start", "2000"))
            return std::string("cannot write");
        const auto asNobody = portwatch::testing::runAsNobody([] {
            const auto fact = makePortDiagnosis()->privilegedPorts();
            const int fd = tcpSocket("0.0.0.0", 1500, false);
            const int bindErrno = fd < 0 ? errno : 0;
            const int above = tcpSocket("0.0.0.0", 2000, false);
            return std::to_string(fact.value.firstUnprivileged) + " " + std::to_string(fact.value.callerMayBindAll) + " "
                + std::to_string(bindErrno) + " " + std::to_string(above >= 0) + " " + fact.error;
        });
        return asNobody ? *asNobody : std::string("cannot drop privileges");
    });
    if (!answer)
        QSKIP("cannot make a network namespace here (needs CAP_SYS_ADMIN)");
    QCOMPARE(QString::fromStdString(*answer), QStringLiteral("2000 0 %1 1 ").arg(EACCES));
}

void TestPortDiagnosis::timeWaitOnLoopback()
{
    // A connection this test makes to itself and closes from the server side first: the server's
    // accepted socket, on the listener's port, ends in TIME_WAIT. No SO_REUSEADDR anywhere.
    const int listener = tcpSocket("127.0.0.1", 0, false);
    QVERIFY(listener >= 0);
    QCOMPARE(::listen(listener, 1), 0);
    const std::uint16_t port = localPort(listener);
    const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    QCOMPARE(::connect(client, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0);
    const int accepted = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    QVERIFY(accepted >= 0);
    ::close(accepted);
    char byte = 0;
    QCOMPARE(::read(client, &byte, 1), ssize_t(0)); // the server's FIN arrived
    ::close(client);
    ::close(listener);

    const auto diagnosis = makePortDiagnosis();
    QTRY_COMPARE(diagnosis->connections(Protocol::Tcp, port).value.timeWait, 1);
    const auto fact = diagnosis->connections(Protocol::Tcp, port);
    QVERIFY2(fact.ok(), fact.error.c_str());
    QCOMPARE(fact.value.other, 0);
    QVERIFY(fact.value.blockBind);
    // The premise of the answer: a plain bind fails now.
    QCOMPARE(tcpSocket("127.0.0.1", port, false), -1);
    QCOMPARE(errno, EADDRINUSE);
    QCOMPARE(diagnosis->connections(Protocol::Udp, port).value.timeWait, 0);
}

QTEST_GUILESS_MAIN(TestPortDiagnosis)
#include "tst_portdiagnosis.moc"
