// The Linux process resolver against real child processes holding real sockets on ephemeral ports:
// exact owners and details, forked sharers, a cache that never reports an exited or exec'ed owner,
// owners hidden from an unprivileged caller, and what a confirmed lookup costs.
#include "asnobody.h"
#include "childlistener.h"
#include "platform/linux/processresolver.h"
#include "platform/linux/procfs.h"
#include "platform/sockettable.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QScopeGuard>
#include <QTest>

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <set>

using namespace portwatch::platform;
using portwatch::testing::ChildListener;

Q_DECLARE_METATYPE(portwatch::platform::LinuxProcessResolver::ForkCheck)

namespace {

// The socket a listener spec ("tcp:127.0.0.1:0", "udp:[::]:0") got on `port`, from the socket table.
// Matched on protocol, address and port: another test may hold the same port on another address.
std::optional<SocketEntry> socketOn(const QString &spec, std::uint16_t port)
{
    const QStringList parts = spec.split(QLatin1Char(':'));
    const Protocol protocol = parts.front() == QLatin1String("udp") ? Protocol::Udp : Protocol::Tcp;
    QString address = spec.section(QLatin1Char(':'), 1, -2);
    address.remove(QLatin1Char('[')).remove(QLatin1Char(']'));
    SocketQuery query;
    query.items.push_back({protocol, {port, port}});
    const SocketList list = makeSocketTable()->query(query);
    std::optional<SocketEntry> found;
    for (const SocketEntry &entry : list.sockets) {
        if (QString::fromStdString(entry.address) != address)
            continue;
        if (found)
            return std::nullopt;
        found = entry;
    }
    if (!found)
        qWarning("no %s socket on port %u (%zu on that port; %s)", qPrintable(spec), port, list.sockets.size(), list.error.c_str());
    return found;
}

// Start ticks read independently of procfs.cpp: field 22 of /proc/<pid>/stat.
std::uint64_t startTicksOf(qint64 pid)
{
    QFile file(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!file.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray text = file.readAll();
    const QList<QByteArray> fields = text.mid(text.lastIndexOf(')') + 2).split(' ');
    return fields.size() > 19 ? fields.at(19).toULongLong() : 0; // fields[0] is field 3
}

std::set<int> ownerPids(const Listener &listener)
{
    std::set<int> pids;
    for (const ProcessInfo &owner : listener.owners)
        pids.insert(owner.pid);
    return pids;
}

// A listening TCP socket on loopback owned by the test process itself; -1 on failure.
int listenOnLoopback(std::uint16_t &port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0); // no CLOEXEC: an exec'ed child keeps it
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 || ::listen(fd, 4) != 0
        || ::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) != 0)
        return -1;
    port = ntohs(address.sin_port);
    return fd;
}

// A child holding a loopback listener without close-on-exec (so an exec keeps it) that execs `path`
// with `argv`: when the test calls go(), or, with `goAsStdin`, at once, with the go pipe as its
// standard input (for a shell that reads from it). Killed and reaped when destroyed.
class ExecingChild {
public:
    ExecingChild(const QByteArray &path, char *const argv[], bool goAsStdin)
    {
        int portPipe[2];
        int goPipe[2];
        if (::pipe(portPipe) != 0)
            return;
        if (::pipe(goPipe) != 0) {
            ::close(portPipe[0]);
            ::close(portPipe[1]);
            return;
        }
        m_pid = ::fork();
        if (m_pid == 0) {
            std::uint16_t port = 0;
            if (listenOnLoopback(port) < 0)
                ::_exit(1);
            (void)!::write(portPipe[1], &port, sizeof port);
            if (goAsStdin) {
                ::dup2(goPipe[0], STDIN_FILENO);
            } else {
                char byte = 0;
                if (::read(goPipe[0], &byte, 1) != 1)
                    ::_exit(1);
            }
            ::execv(path.constData(), argv);
            ::_exit(1);
        }
        ::close(portPipe[1]);
        ::close(goPipe[0]);
        m_go = goPipe[1];
        if (m_pid > 0 && ::read(portPipe[0], &m_port, sizeof m_port) != sizeof m_port)
            m_port = 0;
        ::close(portPipe[0]);
    }
    ~ExecingChild()
    {
        if (m_go >= 0)
            ::close(m_go);
        if (m_pid > 0) {
            ::kill(m_pid, SIGKILL);
            ::waitpid(m_pid, nullptr, 0);
        }
    }
    ExecingChild(const ExecingChild &) = delete;
    ExecingChild &operator=(const ExecingChild &) = delete;

    bool started() const { return m_pid > 0 && m_port != 0; }
    pid_t pid() const { return m_pid; }
    std::uint16_t port() const { return m_port; }
    bool go(const QByteArray &bytes = QByteArrayLiteral("x"))
    {
        return ::write(m_go, bytes.constData(), std::size_t(bytes.size())) == bytes.size();
    }
    QByteArray cmdline() const
    {
        QFile file(QStringLiteral("/proc/%1/cmdline").arg(m_pid));
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }

private:
    pid_t m_pid = -1;
    int m_go = -1;
    std::uint16_t m_port = 0;
};

std::int64_t medianNs(std::vector<std::int64_t> samples)
{
    std::sort(samples.begin(), samples.end());
    return samples.empty() ? 0 : samples[samples.size() / 2];
}

} // namespace

class TestProcessResolver : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void resolvesTheOwner_data();
    void resolvesTheOwner();
    void reportsForkedSharers();
    void thoroughModeFindsTheSameSharers();
    void fdPassedToAStrangerNeedsThoroughMode();
    void confirmedLookupListsNoFdDirectory();
    void exitedOwnerIsNotReported();
    void survivingSharerRemainsAfterOwnerExits();
    void findsEveryForkedWorker_data();
    void findsEveryForkedWorker();
    void inheritedByWorkerOfAnotherUid();
    void forkAfterCachingIsFound_data();
    void forkAfterCachingIsFound();
    void forkCheckTakesTheCheaperWay();
    void execBetweenCallsIsSeen();
    void execOfTheSameProgramIsSeen();
    void cmdlineComparison();
    void fdLinkCheck();
    void execClosingACloseOnExecSocketIsSeen();
    void ownerNotVisibleToAnotherUser();
    void measuresCosts();
};

void TestProcessResolver::resolvesTheOwner_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<Protocol>("protocol");
    QTest::addColumn<Family>("family");
    QTest::newRow("tcp ipv4 loopback") << QStringLiteral("tcp:127.0.0.1:0") << Protocol::Tcp << Family::IPv4;
    QTest::newRow("tcp ipv4 wildcard") << QStringLiteral("tcp:0.0.0.0:0") << Protocol::Tcp << Family::IPv4;
    QTest::newRow("tcp ipv6 loopback") << QStringLiteral("tcp:[::1]:0") << Protocol::Tcp << Family::IPv6;
    QTest::newRow("tcp ipv6 wildcard") << QStringLiteral("tcp:[::]:0") << Protocol::Tcp << Family::IPv6;
    QTest::newRow("udp ipv4 loopback") << QStringLiteral("udp:127.0.0.1:0") << Protocol::Udp << Family::IPv4;
    QTest::newRow("udp ipv4 wildcard") << QStringLiteral("udp:0.0.0.0:0") << Protocol::Udp << Family::IPv4;
    QTest::newRow("udp ipv6 loopback") << QStringLiteral("udp:[::1]:0") << Protocol::Udp << Family::IPv6;
    QTest::newRow("udp ipv6 wildcard") << QStringLiteral("udp:[::]:0") << Protocol::Udp << Family::IPv6;
}

void TestProcessResolver::resolvesTheOwner()
{
    QFETCH(QString, spec);
    QFETCH(Protocol, protocol);
    QFETCH(Family, family);

    const qint64 before = QDateTime::currentMSecsSinceEpoch();
    ChildListener child({spec});
    QVERIFY2(child.start(), qPrintable(child.error()));
    const auto entry = socketOn(spec, child.ports().value(0));
    QVERIFY(entry);
    QCOMPARE(entry->protocol, protocol);
    QCOMPARE(entry->family, family);

    const auto listeners = makeProcessResolver()->resolve({*entry});
    QCOMPARE(listeners.size(), std::size_t(1));
    const Listener &listener = listeners.front();
    QCOMPARE(listener.socket, *entry);
    QVERIFY(listener.ownersVisible);
    QCOMPARE(listener.user, userName(entry->uid));
    QCOMPARE(listener.owners.size(), std::size_t(1));

    const ProcessInfo &owner = listener.owners.front();
    QCOMPARE(owner.pid, int(child.pid()));
    QCOMPARE(QString::fromStdString(owner.name), QStringLiteral("portwatch-test-listener").left(15));
    QCOMPARE(QString::fromStdString(owner.exe), QFileInfo(ChildListener::program()).canonicalFilePath());
    QStringList cmdline;
    for (const std::string &arg : owner.cmdline)
        cmdline << QString::fromStdString(arg);
    QCOMPARE(cmdline, QStringList{ChildListener::program()} + child.arguments());
    QCOMPARE(owner.uid, std::uint32_t(::getuid()));
    QCOMPARE(owner.user, userName(::getuid()));
    QCOMPARE(owner.startTicks, startTicksOf(child.pid()));
    // btime has whole seconds, so allow a second either way.
    QVERIFY2(owner.startTimeMs >= before - 1500 && owner.startTimeMs <= QDateTime::currentMSecsSinceEpoch() + 1500,
             qPrintable(QStringLiteral("start %1, test began %2").arg(owner.startTimeMs).arg(before)));

    const auto direct = makeProcessResolver()->process(int(child.pid()));
    QVERIFY(direct);
    QCOMPARE(*direct, owner);
}

void TestProcessResolver::reportsForkedSharers()
{
    ChildListener child({QStringLiteral("tcp:127.0.0.1:0"), QStringLiteral("udp:[::1]:0")}, {QStringLiteral("--fork")});
    QVERIFY2(child.start(), qPrintable(child.error()));
    QVERIFY(child.childPid() > 0);
    const auto tcp = socketOn(QStringLiteral("tcp:127.0.0.1:0"), child.ports().value(0));
    const auto udp = socketOn(QStringLiteral("udp:[::1]:0"), child.ports().value(1));
    QVERIFY(tcp && udp);

    const auto listeners = makeProcessResolver()->resolve({*tcp, *udp});
    QCOMPARE(listeners.size(), std::size_t(2));
    const std::set<int> expected{int(child.pid()), int(child.childPid())};
    QCOMPARE(ownerPids(listeners[0]), expected);
    QCOMPARE(ownerPids(listeners[1]), expected);
    QCOMPARE(listeners[0].socket, *tcp);
    QCOMPARE(listeners[1].socket, *udp);
}

void TestProcessResolver::thoroughModeFindsTheSameSharers()
{
    ChildListener child({QStringLiteral("tcp:[::]:0")}, {QStringLiteral("--fork")});
    QVERIFY2(child.start(), qPrintable(child.error()));
    const auto entry = socketOn(QStringLiteral("tcp:[::]:0"), child.ports().value(0));
    QVERIFY(entry);

    LinuxProcessResolver thorough(ResolveMode::Thorough);
    const auto listeners = thorough.resolve({*entry});
    QCOMPARE(ownerPids(listeners.front()), (std::set<int>{int(child.pid()), int(child.childPid())}));
    QCOMPARE(thorough.stats().fullScans, std::uint64_t(1));
    // No cache in thorough mode: the next call scans everything again.
    thorough.resolve({*entry});
    QCOMPARE(thorough.stats().fullScans, std::uint64_t(2));
}

// The socket goes by SCM_RIGHTS to a process outside the holder's fork family (a double-forked
// orphan). Thorough mode must report both holders; fast mode stops at the first one it meets.
void TestProcessResolver::fdPassedToAStrangerNeedsThoroughMode()
{
    std::uint16_t port = 0;
    const int fd = listenOnLoopback(port);
    QVERIFY(fd >= 0);
    int channel[2];
    int ready[2];
    int release[2];
    QVERIFY(::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, channel) == 0);
    QVERIFY(::pipe(ready) == 0 && ::pipe(release) == 0);
    const pid_t middle = ::fork();
    QVERIFY(middle >= 0);
    if (middle == 0) {
        if (::fork() != 0)
            ::_exit(0); // the stranger below is orphaned: no longer our descendant
        ::close(fd);    // it holds the socket only through the passed descriptor
        ::close(release[1]);
        char data = 0;
        iovec io{&data, 1};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
        msghdr message{};
        message.msg_iov = &io;
        message.msg_iovlen = 1;
        message.msg_control = control;
        message.msg_controllen = sizeof control;
        if (::recvmsg(channel[1], &message, 0) != 1)
            ::_exit(1);
        const pid_t self = ::getpid();
        (void)!::write(ready[1], &self, sizeof self);
        (void)!::read(release[0], &data, 1); // until the test lets go (or dies)
        ::_exit(0);
    }
    ::waitpid(middle, nullptr, 0);
    ::close(release[0]);
    ::close(ready[1]);
    const auto cleanup = qScopeGuard([&] {
        ::close(release[1]);
        ::close(channel[0]);
        ::close(channel[1]);
        ::close(ready[0]);
        ::close(fd);
    });

    char data = 'x';
    iovec io{&data, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr message{};
    message.msg_iov = &io;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(header), &fd, sizeof fd);
    QCOMPARE(::sendmsg(channel[0], &message, 0), ssize_t(1));
    pid_t stranger = 0;
    QCOMPARE(::read(ready[0], &stranger, sizeof stranger), ssize_t(sizeof stranger));

    const auto entry = socketOn(QStringLiteral("tcp:127.0.0.1:0"), port);
    QVERIFY(entry);
    const std::set<int> everyone{int(::getpid()), int(stranger)};
    const auto thorough = LinuxProcessResolver(ResolveMode::Thorough).resolve({*entry});
    QCOMPARE(ownerPids(thorough.front()), everyone);
    const auto fast = LinuxProcessResolver(ResolveMode::Fast).resolve({*entry});
    const std::set<int> fastOwners = ownerPids(fast.front());
    QVERIFY(!fastOwners.empty());
    QVERIFY(std::includes(everyone.begin(), everyone.end(), fastOwners.begin(), fastOwners.end()));
    qInfo("fast mode found %zu of the 2 holders of a socket passed to an unrelated process", fastOwners.size());
}

void TestProcessResolver::confirmedLookupListsNoFdDirectory()
{
    ChildListener child({QStringLiteral("tcp:127.0.0.1:0"), QStringLiteral("udp:0.0.0.0:0")}, {QStringLiteral("--fork")});
    QVERIFY2(child.start(), qPrintable(child.error()));
    const auto tcp = socketOn(QStringLiteral("tcp:127.0.0.1:0"), child.ports().value(0));
    const auto udp = socketOn(QStringLiteral("udp:0.0.0.0:0"), child.ports().value(1));
    QVERIFY(tcp && udp);

    LinuxProcessResolver resolver;
    const auto first = resolver.resolve({*tcp, *udp});
    QVERIFY(resolver.stats().fdDirsListed > 0);
    const ResolverStats afterFirst = resolver.stats();
    for (int i = 0; i < 5; ++i) {
        const auto again = resolver.resolve({*tcp, *udp});
        QCOMPARE(ownerPids(again[0]), ownerPids(first[0]));
        QCOMPARE(ownerPids(again[1]), ownerPids(first[1]));
        QCOMPARE(again[0].owners, first[0].owners);
    }
    QCOMPARE(resolver.stats().fdDirsListed, afterFirst.fdDirsListed);
    QCOMPARE(resolver.stats().searches, afterFirst.searches);
    // One readlinkat per known (socket, owner) pair per call: 2 sockets x 2 owners x 5 calls.
    QCOMPARE(resolver.stats().fdLinksRead - afterFirst.fdLinksRead, std::uint64_t(20));
}

void TestProcessResolver::exitedOwnerIsNotReported()
{
    LinuxProcessResolver resolver;
    auto first = std::make_unique<ChildListener>(QStringList{QStringLiteral("tcp:127.0.0.1:0")});
    QVERIFY2(first->start(), qPrintable(first->error()));
    const std::uint16_t port = first->ports().value(0);
    const int firstPid = int(first->pid());
    const auto oldEntry = socketOn(QStringLiteral("tcp:127.0.0.1:0"), port);
    QVERIFY(oldEntry);
    QCOMPARE(ownerPids(resolver.resolve({*oldEntry}).front()), std::set<int>{firstPid});

    first.reset(); // SIGKILL and reap
    // The old socket is gone: asking for it again must not name the dead process.
    QVERIFY(resolver.resolve({*oldEntry}).front().owners.empty());

    // A new process takes the same port: a new socket, found with its new owner.
    ChildListener second({QStringLiteral("tcp:127.0.0.1:%1").arg(port)});
    QVERIFY2(second.start(), qPrintable(second.error()));
    const auto newEntry = socketOn(QStringLiteral("tcp:127.0.0.1:0"), port);
    QVERIFY(newEntry);
    QVERIFY(newEntry->inode != oldEntry->inode);
    const auto listeners = resolver.resolve({*newEntry, *oldEntry});
    QCOMPARE(ownerPids(listeners[0]), std::set<int>{int(second.pid())});
    QVERIFY(listeners[1].owners.empty());
}

void TestProcessResolver::survivingSharerRemainsAfterOwnerExits()
{
    ChildListener child({QStringLiteral("udp:127.0.0.1:0")}, {QStringLiteral("--fork")});
    QVERIFY2(child.start(), qPrintable(child.error()));
    const auto entry = socketOn(QStringLiteral("udp:127.0.0.1:0"), child.ports().value(0));
    QVERIFY(entry);
    LinuxProcessResolver resolver;
    QCOMPARE(ownerPids(resolver.resolve({*entry}).front()), (std::set<int>{int(child.pid()), int(child.childPid())}));

    child.process().kill();
    QVERIFY(child.waitForExit(5000));
    const ResolverStats before = resolver.stats();
    QCOMPARE(ownerPids(resolver.resolve({*entry}).front()), std::set<int>{int(child.childPid())});
    // The surviving sharer was known: no search needed.
    QCOMPARE(resolver.stats().searches, before.searches);
}

// A prefork server: the parent made the socket, three workers inherited it. The search meets the
// newest worker first and must still report the parent and the older workers.
void TestProcessResolver::findsEveryForkedWorker_data()
{
    QTest::addColumn<bool>("childrenFile");
    QTest::newRow("children file") << true;
    QTest::newRow("parent links (kernels without CONFIG_PROC_CHILDREN)") << false;
}

void TestProcessResolver::findsEveryForkedWorker()
{
    QFETCH(bool, childrenFile);
    std::uint16_t port = 0;
    const int fd = listenOnLoopback(port);
    QVERIFY(fd >= 0);
    int release[2];
    QVERIFY(::pipe(release) == 0);
    std::set<int> expected{int(::getpid())};
    for (int i = 0; i < 3; ++i) {
        const pid_t worker = ::fork();
        QVERIFY(worker >= 0);
        if (worker == 0) {
            ::close(release[1]);
            char byte = 0;
            (void)!::read(release[0], &byte, 1);
            ::_exit(0);
        }
        expected.insert(worker);
    }
    ::close(release[0]);
    const auto entry = socketOn(QStringLiteral("tcp:127.0.0.1:0"), port);
    LinuxProcessResolver resolver;
    resolver.setUseChildrenFile(childrenFile);
    const auto listeners = entry ? resolver.resolve({*entry}) : std::vector<Listener>{};
    ::close(release[1]);
    for (const int pid : expected) {
        if (pid != ::getpid())
            ::waitpid(pid, nullptr, 0);
    }
    ::close(fd);
    QVERIFY(entry);
    QCOMPARE(ownerPids(listeners.front()), expected);
}

// Root made the socket (so its uid is 0) and handed it to a worker running as nobody, then closed
// its own copy: processes of other uids are searched later, never skipped.
void TestProcessResolver::inheritedByWorkerOfAnotherUid()
{
    if (::geteuid() != 0)
        QSKIP("needs root to start a worker as nobody");
    std::uint16_t port = 0;
    const int fd = listenOnLoopback(port);
    QVERIFY(fd >= 0);
    int release[2];
    int ready[2];
    QVERIFY(::pipe(release) == 0 && ::pipe(ready) == 0);
    const pid_t worker = ::fork();
    QVERIFY(worker >= 0);
    if (worker == 0) {
        ::close(release[1]);
        if (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0)
            ::_exit(3);
        (void)!::write(ready[1], "r", 1);
        char byte = 0;
        (void)!::read(release[0], &byte, 1);
        ::_exit(0);
    }
    ::close(release[0]);
    ::close(ready[1]);
    ::close(fd);
    char byte = 0;
    const bool workerReady = ::read(ready[0], &byte, 1) == 1;
    ::close(ready[0]);
    const auto entry = socketOn(QStringLiteral("tcp:127.0.0.1:0"), port);
    const auto listeners = entry ? makeProcessResolver()->resolve({*entry}) : std::vector<Listener>{};
    ::close(release[1]);
    ::waitpid(worker, nullptr, 0);
    QVERIFY(workerReady);
    QVERIFY(entry);
    QCOMPARE(entry->uid, 0u);
    QCOMPARE(ownerPids(listeners.front()), std::set<int>{int(worker)});
    QCOMPARE(listeners.front().owners.front().uid, 65534u);
}

// A child forked after the socket was cached, and a grandchild forked by that child, are found on
// the next call, through the owners' children files and through the PIDs created since.
void TestProcessResolver::forkAfterCachingIsFound_data()
{
    QTest::addColumn<bool>("childrenFile");
    QTest::addColumn<LinuxProcessResolver::ForkCheck>("forkCheck");
    QTest::newRow("children file") << true << LinuxProcessResolver::ForkCheck::ChildrenFiles;
    QTest::newRow("new PIDs") << true << LinuxProcessResolver::ForkCheck::NewPids;
    QTest::newRow("automatic") << true << LinuxProcessResolver::ForkCheck::Automatic;
    QTest::newRow("no children files (kernel without them)") << false << LinuxProcessResolver::ForkCheck::Automatic;
}

void TestProcessResolver::forkAfterCachingIsFound()
{
    QFETCH(bool, childrenFile);
    QFETCH(LinuxProcessResolver::ForkCheck, forkCheck);
    std::uint16_t port = 0;
    const int fd = listenOnLoopback(port);
    QVERIFY(fd >= 0);
    const auto entry = socketOn(QStringLiteral("tcp:127.0.0.1:0"), port);
    QVERIFY(entry);
    LinuxProcessResolver resolver;
    resolver.setUseChildrenFile(childrenFile);
    resolver.setForkCheck(forkCheck);
    QCOMPARE(ownerPids(resolver.resolve({*entry}).front()), std::set<int>{int(::getpid())});
    // A child that has gone again by the next call: that call reads the children (and keeps the
    // file open where it can), the fork below is then found by reading them again.
    const pid_t gone = ::fork();
    QVERIFY(gone >= 0);
    if (gone == 0)
        ::_exit(0);
    ::waitpid(gone, nullptr, 0);
    QCOMPARE(ownerPids(resolver.resolve({*entry}).front()), std::set<int>{int(::getpid())});

    int release[2];
    int ready[2];
    QVERIFY(::pipe(release) == 0);
    QVERIFY(::pipe(ready) == 0);
    const pid_t forked = ::fork();
    QVERIFY(forked >= 0);
    if (forked == 0) {
        ::close(release[1]);
        ::close(ready[0]);
        // A grandchild that inherits the socket from the new child (and the pipe ends with it).
        const pid_t grandchild = ::fork();
        if (grandchild < 0)
            ::_exit(1);
        if (grandchild > 0) {
            const int pid = grandchild;
            (void)!::write(ready[1], &pid, sizeof pid);
        }
        ::close(ready[1]);
        char byte = 0;
        (void)!::read(release[0], &byte, 1); // holds the inherited socket until the test lets go
        if (grandchild > 0)
            ::waitpid(grandchild, nullptr, 0);
        ::_exit(0);
    }
    ::close(release[0]);
    ::close(ready[1]);
    int grandchild = 0;
    QCOMPARE(::read(ready[0], &grandchild, sizeof grandchild), ssize_t(sizeof grandchild));
    char end = 0;
    QCOMPARE(::read(ready[0], &end, 1), ssize_t(0)); // both have forked and hold the socket
    ::close(ready[0]);
    const auto listeners = resolver.resolve({*entry});
    ::close(release[1]);
    ::waitpid(forked, nullptr, 0);
    ::close(fd);
    QCOMPARE(ownerPids(listeners.front()), (std::set<int>{int(::getpid()), int(forked), grandchild}));
    const ResolverStats &stats = resolver.stats();
    if (forkCheck == LinuxProcessResolver::ForkCheck::ChildrenFiles)
        QCOMPARE(stats.forkChecksByPids, 0u);
    if (forkCheck == LinuxProcessResolver::ForkCheck::NewPids || !childrenFile)
        QCOMPARE(stats.forkChecksByChildren, 0u);
    QVERIFY(stats.forkChecksByChildren + stats.forkChecksByPids >= 2);
}

// Automatic fork check: with several owners and few processes created since the last call, reading
// the new PIDs is cheaper than two reads per owner; after a burst of process creation, the owners'
// children files are. Both find nothing here (no owner forked) and must not report anyone new.
void TestProcessResolver::forkCheckTakesTheCheaperWay()
{
    constexpr int ownerCount = 8;
    int release[2];
    int ports[2];
    QVERIFY(::pipe(release) == 0 && ::pipe(ports) == 0);
    std::vector<pid_t> owners;
    const auto cleanup = qScopeGuard([&] {
        ::close(release[1]);
        for (const pid_t owner : owners)
            ::waitpid(owner, nullptr, 0);
    });
    for (int i = 0; i < ownerCount; ++i) {
        const pid_t owner = ::fork();
        QVERIFY(owner >= 0);
        if (owner == 0) {
            ::close(release[1]);
            std::uint16_t port = 0;
            if (listenOnLoopback(port) < 0)
                ::_exit(1);
            (void)!::write(ports[1], &port, sizeof port);
            char byte = 0;
            (void)!::read(release[0], &byte, 1);
            ::_exit(0);
        }
        owners.push_back(owner);
    }
    ::close(release[0]);
    ::close(ports[1]);
    std::vector<SocketEntry> entries;
    for (int i = 0; i < ownerCount; ++i) {
        std::uint16_t port = 0;
        QCOMPARE(::read(ports[0], &port, sizeof port), ssize_t(sizeof port));
        const auto entry = socketOn(QStringLiteral("tcp:127.0.0.1:0"), port);
        QVERIFY(entry);
        entries.push_back(*entry);
    }
    ::close(ports[0]);
    const auto allOwners = [&](const std::vector<Listener> &listeners) {
        std::set<int> pids;
        for (const Listener &listener : listeners)
            pids.merge(ownerPids(listener));
        return pids;
    };
    const std::set<int> expected(owners.begin(), owners.end());

    LinuxProcessResolver resolver;
    QCOMPARE(allOwners(resolver.resolve(entries)), expected);
    const auto lastPid = [] {
        QFile file(QStringLiteral("/proc/loadavg"));
        return file.open(QIODevice::ReadOnly) ? file.readAll().trimmed().split(' ').last().toInt() : -1;
    };
    const auto spawnAndReap = [](int count) {
        for (int i = 0; i < count; ++i) {
            const pid_t child = ::fork();
            if (child == 0)
                ::_exit(0);
            if (child > 0)
                ::waitpid(child, nullptr, 0);
        }
    };

    // A few new PIDs: unless other work on the machine started many processes meanwhile (then
    // the children files are the cheaper way and nothing is asserted about the way taken).
    ResolverStats before = resolver.stats();
    const int mark = lastPid();
    spawnAndReap(1);
    QCOMPARE(allOwners(resolver.resolve(entries)), expected);
    const int created = lastPid() - mark;
    if (created > 0 && created * 3 <= ownerCount * 2) {
        QCOMPARE(resolver.stats().forkChecksByPids, before.forkChecksByPids + 1);
        QCOMPARE(resolver.stats().forkChecksByChildren, before.forkChecksByChildren);
    }

    // A burst of process creation: the children files, whatever else ran.
    before = resolver.stats();
    spawnAndReap(300);
    QCOMPARE(allOwners(resolver.resolve(entries)), expected);
    QCOMPARE(resolver.stats().forkChecksByChildren, before.forkChecksByChildren + 1);
    QCOMPARE(resolver.stats().forkChecksByPids, before.forkChecksByPids);
}

void TestProcessResolver::execBetweenCallsIsSeen()
{
    const QString sleepPath = QFileInfo(QStringLiteral("/bin/sleep")).canonicalFilePath();
    QVERIFY(!sleepPath.isEmpty());
    char arg0[] = "sleep";
    char arg1[] = "30";
    char *const argv[] = {arg0, arg1, nullptr};
    ExecingChild child(sleepPath.toLocal8Bit(), argv, false); // sleep keeps the socket
    QVERIFY(child.started());
    const auto entry = socketOn(QStringLiteral("tcp:127.0.0.1:0"), child.port());
    QVERIFY(entry);

    LinuxProcessResolver resolver;
    const auto before = resolver.resolve({*entry});
    QCOMPARE(before.front().owners.size(), std::size_t(1));
    QCOMPARE(before.front().owners.front().pid, int(child.pid()));
    QCOMPARE(QString::fromStdString(before.front().owners.front().exe), QFileInfo(QStringLiteral("/proc/self/exe")).canonicalFilePath());

    QVERIFY(child.go());
    QTRY_COMPARE(QFileInfo(QStringLiteral("/proc/%1/exe").arg(child.pid())).canonicalFilePath(), sleepPath);
    // The exe link changes early in execve(), the argument area only later: wait for both.
    QTRY_COMPARE(child.cmdline(), QByteArray("sleep\0" "30\0", 9));
    const auto after = resolver.resolve({*entry});
    QCOMPARE(after.front().owners.size(), std::size_t(1));
    const ProcessInfo &owner = after.front().owners.front();
    QCOMPARE(owner.pid, int(child.pid()));
    QCOMPARE(QString::fromStdString(owner.exe), sleepPath);
    QCOMPARE(owner.cmdline, (std::vector<std::string>{"sleep", "30"}));
    QCOMPARE(owner.name, std::string("sleep"));
    QCOMPARE(owner.startTicks, before.front().owners.front().startTicks);
}

// An owner that execs the same program again (a shell, an interpreter, a server re-executing
// itself for an upgrade) keeps its executable link: only the command line tells, and it must.
void TestProcessResolver::execOfTheSameProgramIsSeen()
{
    const QString shellPath = QFileInfo(QStringLiteral("/bin/sh")).canonicalFilePath();
    QVERIFY(!shellPath.isEmpty());
    char arg0[] = "sh";
    char arg1[] = "-c";
    char arg2[] = "read line; exec /bin/sh -c 'read line' second";
    char *const argv[] = {arg0, arg1, arg2, nullptr};
    ExecingChild child(shellPath.toLocal8Bit(), argv, true); // the shell keeps the socket
    QVERIFY(child.started());
    QTRY_VERIFY(child.cmdline().startsWith("sh\0-c\0read line;"));
    const auto entry = socketOn(QStringLiteral("tcp:127.0.0.1:0"), child.port());
    QVERIFY(entry);

    LinuxProcessResolver resolver;
    const auto before = resolver.resolve({*entry});
    QCOMPARE(before.front().owners.size(), std::size_t(1));
    QCOMPARE(before.front().owners.front().cmdline, (std::vector<std::string>{arg0, arg1, arg2}));
    QCOMPARE(resolver.resolve({*entry}).front().owners.front().cmdline, before.front().owners.front().cmdline);

    QVERIFY(child.go(QByteArrayLiteral("go\n")));
    QTRY_COMPARE(child.cmdline(), QByteArray("/bin/sh\0-c\0read line\0second\0", 28));
    const auto after = resolver.resolve({*entry});
    QCOMPARE(after.front().owners.size(), std::size_t(1));
    const ProcessInfo &owner = after.front().owners.front();
    QCOMPARE(owner.pid, int(child.pid()));
    QCOMPARE(QString::fromStdString(owner.exe), shellPath);
    QCOMPARE(owner.cmdline, (std::vector<std::string>{"/bin/sh", "-c", "read line", "second"}));
}

// The per-poll command line check: equal, or not, argument by argument, for a command line within
// one page (a single read) and for one beyond it.
void TestProcessResolver::cmdlineComparison()
{
    const std::string longArgument(6000, 'x');
    const QByteArray shellBytes = QFileInfo(QStringLiteral("/bin/sh")).canonicalFilePath().toLocal8Bit();
    int goPipe[2];
    QVERIFY(::pipe(goPipe) == 0);
    const pid_t forked = ::fork();
    QVERIFY(forked >= 0);
    if (forked == 0) {
        ::dup2(goPipe[0], STDIN_FILENO);
        ::execl(shellBytes.constData(), "sh", "-c", "read line", "sh", longArgument.c_str(), static_cast<char *>(nullptr));
        ::_exit(1);
    }
    ::close(goPipe[0]);
    const auto cleanup = qScopeGuard([&] {
        ::close(goPipe[1]);
        ::kill(forked, SIGKILL);
        ::waitpid(forked, nullptr, 0);
    });
    const std::vector<std::string> longArgs{"sh", "-c", "read line", "sh", longArgument};
    const QByteArray childPath = QStringLiteral("/proc/%1/cmdline").arg(forked).toLocal8Bit();

    const procfs::UniqueFd self(::open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC));
    QVERIFY(self.valid());
    const std::vector<std::string> mine = procfs::readCmdlineFrom(self.get());
    QVERIFY(!mine.empty());
    QVERIFY(procfs::cmdlineMatches(self.get(), mine));
    std::vector<std::string> changed = mine;
    changed.back() += "x";
    QVERIFY(!procfs::cmdlineMatches(self.get(), changed));
    changed = mine;
    changed.push_back("extra");
    QVERIFY(!procfs::cmdlineMatches(self.get(), changed));
    changed = mine;
    changed.push_back("");
    QVERIFY(!procfs::cmdlineMatches(self.get(), changed));
    QVERIFY(!procfs::cmdlineMatches(self.get(), {}));

    QTRY_VERIFY(procfs::readCmdline(AT_FDCWD, QStringLiteral("/proc/%1/").arg(forked).toStdString()) == longArgs);
    const procfs::UniqueFd child(::open(childPath.constData(), O_RDONLY | O_CLOEXEC));
    QVERIFY(child.valid());
    QVERIFY(procfs::cmdlineMatches(child.get(), longArgs));
    changed = longArgs;
    changed.back().back() = 'y';
    QVERIFY(!procfs::cmdlineMatches(child.get(), changed));
    changed = longArgs;
    changed.pop_back();
    QVERIFY(!procfs::cmdlineMatches(child.get(), changed));
}

// The per-poll owner check: descriptor N of a process is socket I, or not (another socket, a pipe,
// a closed descriptor), through a held /proc/<pid> descriptor and through a path prefix.
void TestProcessResolver::fdLinkCheck()
{
    std::uint16_t port = 0;
    const int socket = listenOnLoopback(port);
    QVERIFY(socket >= 0);
    const auto closeSocket = qScopeGuard([socket] { ::close(socket); });
    struct stat info{};
    QVERIFY(::fstat(socket, &info) == 0);
    const std::uint64_t inode = info.st_ino;
    int pipeFds[2];
    QVERIFY(::pipe(pipeFds) == 0);
    ::close(pipeFds[1]);
    const auto closePipe = qScopeGuard([&pipeFds] { ::close(pipeFds[0]); });

    const procfs::UniqueFd self(::open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC));
    QVERIFY(self.valid());
    QVERIFY(procfs::fdIsSocket(self.get(), {}, socket, inode));
    QVERIFY(!procfs::fdIsSocket(self.get(), {}, socket, inode + 1));
    QVERIFY(!procfs::fdIsSocket(self.get(), {}, pipeFds[0], inode));
    QVERIFY(!procfs::fdIsSocket(self.get(), {}, pipeFds[1], inode)); // closed
    const std::string prefix = std::to_string(::getpid()) + "/";
    const procfs::UniqueFd proc(::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    QVERIFY(procfs::fdIsSocket(proc.get(), prefix, socket, inode));
    QVERIFY(!procfs::fdIsSocket(proc.get(), prefix, socket, inode + 1));
}

// The resolver skips the exec check for owners whose descriptor is close-on-exec; the exec then
// closes that descriptor, and the next call must drop the owner and keep the sharer.
void TestProcessResolver::execClosingACloseOnExecSocketIsSeen()
{
    const QString sleepPath = QFileInfo(QStringLiteral("/bin/sleep")).canonicalFilePath();
    QVERIFY(!sleepPath.isEmpty());
    const QByteArray sleepBytes = sleepPath.toLocal8Bit();
    char arg0[] = "sleep";
    char arg1[] = "30";
    char *const argv[] = {arg0, arg1, nullptr};

    int reportPipe[2];
    int goPipe[2];
    QVERIFY(::pipe(reportPipe) == 0 && ::pipe(goPipe) == 0);
    const pid_t owner = ::fork();
    QVERIFY(owner >= 0);
    if (owner == 0) {
        ::setpgid(0, 0); // the sharer joins this group; cleanup kills both
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 || ::listen(fd, 4) != 0
            || ::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) != 0)
            ::_exit(1);
        const pid_t sharer = ::fork(); // keeps its copy: it never execs
        if (sharer == 0) {
            ::pause();
            ::_exit(0);
        }
        const std::uint16_t port = ntohs(address.sin_port);
        const int pids[2] = {int(sharer), int(port)};
        (void)!::write(reportPipe[1], pids, sizeof pids);
        char byte = 0;
        if (::read(goPipe[0], &byte, 1) != 1)
            ::_exit(1);
        ::execv(sleepBytes.constData(), argv); // closes the close-on-exec socket in this process
        ::_exit(1);
    }
    ::setpgid(owner, owner);
    ::close(reportPipe[1]);
    ::close(goPipe[0]);
    int report[2] = {0, 0};
    const bool gotReport = ::read(reportPipe[0], report, sizeof report) == sizeof report;
    ::close(reportPipe[0]);
    const auto cleanup = qScopeGuard([&] {
        ::close(goPipe[1]);
        ::kill(-owner, SIGKILL);
        ::waitpid(owner, nullptr, 0);
    });
    QVERIFY(gotReport);
    const int sharer = report[0];
    const auto entry = socketOn(QStringLiteral("tcp:127.0.0.1:0"), std::uint16_t(report[1]));
    QVERIFY(entry);

    LinuxProcessResolver resolver;
    const auto before = resolver.resolve({*entry});
    QCOMPARE(ownerPids(before.front()), (std::set<int>{int(owner), sharer}));
    resolver.resolve({*entry}); // a quiet call in between: answered from the cache

    QVERIFY(::write(goPipe[1], "x", 1) == 1);
    // The argument area is set up after execve() closed the close-on-exec descriptors.
    const auto cmdline = [owner] {
        QFile file(QStringLiteral("/proc/%1/cmdline").arg(owner));
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    };
    QTRY_COMPARE(cmdline(), QByteArray("sleep\0" "30\0", 9));
    const auto after = resolver.resolve({*entry});
    QCOMPARE(ownerPids(after.front()), std::set<int>{sharer});
    QCOMPARE(QString::fromStdString(after.front().owners.front().exe),
             QFileInfo(QStringLiteral("/proc/self/exe")).canonicalFilePath());
}

void TestProcessResolver::ownerNotVisibleToAnotherUser()
{
    if (::geteuid() != 0)
        QSKIP("needs root: the lookup runs as nobody against a socket of root's");
    ChildListener child({QStringLiteral("tcp:127.0.0.1:0")});
    QVERIFY2(child.start(), qPrintable(child.error()));
    const auto entry = socketOn(QStringLiteral("tcp:127.0.0.1:0"), child.ports().value(0));
    QVERIFY(entry);
    QCOMPARE(entry->uid, 0u);

    const auto answer = portwatch::testing::runAsNobody([&entry] {
        LinuxProcessResolver resolver;
        const auto listeners = resolver.resolve({*entry});
        if (listeners.size() != 1)
            return std::string("wrong count");
        const Listener &l = listeners.front();
        // Asked again at once, the hidden socket is not searched for again (that is what keeps an
        // unprivileged poller from scanning /proc every second for a root daemon's port).
        const auto again = resolver.resolve({*entry});
        return std::to_string(l.owners.size()) + ' ' + (l.ownersVisible ? "visible" : "hidden") + ' '
            + std::to_string(l.socket.uid) + ' ' + l.user + " searches=" + std::to_string(resolver.stats().searches)
            + (again.front().ownersVisible ? " visible" : " hidden");
    });
    QVERIFY(answer);
    QCOMPARE(QString::fromStdString(*answer), QStringLiteral("0 hidden 0 root searches=1 hidden"));

    // Root, on the other hand, sees the owner.
    const auto asRoot = makeProcessResolver()->resolve({*entry});
    QVERIFY(asRoot.front().ownersVisible);
    QCOMPARE(ownerPids(asRoot.front()), std::set<int>{int(child.pid())});
}

// Prints what resolving costs on this machine; checks that confirming never lists a directory.
void TestProcessResolver::measuresCosts()
{
    QStringList specs;
    for (int i = 0; i < 10; ++i)
        specs << (i % 2 ? QStringLiteral("udp:127.0.0.1:0") : QStringLiteral("tcp:127.0.0.1:0"));
    ChildListener child(specs);
    QVERIFY2(child.start(), qPrintable(child.error()));
    std::vector<SocketEntry> entries;
    for (int i = 0; i < 10; ++i) {
        const auto entry = socketOn(specs.at(i), child.ports().value(i));
        QVERIFY(entry);
        entries.push_back(*entry);
    }

    std::vector<std::int64_t> cold;
    QElapsedTimer timer;
    for (int i = 0; i < 30; ++i) {
        LinuxProcessResolver fresh;
        timer.start();
        const auto listeners = fresh.resolve({entries.front()});
        cold.push_back(timer.nsecsElapsed());
        QCOMPARE(listeners.front().owners.size(), std::size_t(1));
    }

    LinuxProcessResolver resolver;
    resolver.resolve(entries);
    const ResolverStats warm = resolver.stats();
    std::vector<std::int64_t> confirms;
    for (int i = 0; i < 200; ++i) {
        timer.start();
        const auto listeners = resolver.resolve(entries);
        confirms.push_back(timer.nsecsElapsed());
        QCOMPARE(listeners.back().owners.size(), std::size_t(1));
    }
    QCOMPARE(resolver.stats().fdDirsListed, warm.fdDirsListed);

    int processes = 0;
    for (const QString &name : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs))
        processes += name.toInt() > 0 ? 1 : 0;
    qInfo("resolve one new socket (cold, %d processes): median %.1f us; confirm 10 known sockets: median %.1f us",
          processes, medianNs(cold) / 1000.0, medianNs(confirms) / 1000.0);
}

QTEST_GUILESS_MAIN(TestProcessResolver)
#include "tst_processresolver.moc"
