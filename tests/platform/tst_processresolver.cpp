// The Linux process resolver against real child processes holding real sockets on ephemeral ports:
// exact owners and details, forked sharers, an exited owner never reported, owners hidden from an
// unprivileged caller, and what a confirmed lookup costs. What changes between two calls (forks,
// execs) is in tst_resolverchanges.cpp.
#include "asnobody.h"
#include "childlistener.h"
#include "resolvertest.h"
#include "platform/linux/processresolver.h"
#include "platform/sockettable.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QCoreApplication>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTest>

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/resource.h>
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
using namespace portwatch::testing;

namespace {

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
    void keptDescriptorsStayWithinTheBudget();
    void exitedOwnerIsNotReported();
    void survivingSharerRemainsAfterOwnerExits();
    void findsEveryForkedWorker_data();
    void findsEveryForkedWorker();
    void inheritedByWorkerOfAnotherUid();
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
    QTemporaryDir workDir; // where it was started, as the details say
    QVERIFY(workDir.isValid());
    child.process().setWorkingDirectory(workDir.path());
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
    // Its parent is this test, and its working directory the one it was started in.
    QCOMPARE(owner.ppid, int(::getpid()));
    QCOMPARE(QString::fromStdString(owner.parentName), QCoreApplication::applicationName().left(15));
    QCOMPARE(QString::fromStdString(owner.cwd), QFileInfo(workDir.path()).canonicalFilePath());

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
    // One pread of the kept fdinfo per known (socket, owner) pair per call (2 sockets x 2 owners x
    // 5 calls), and no path looked up for it.
    QCOMPARE(resolver.stats().fdInfoReads - afterFirst.fdInfoReads, std::uint64_t(20));
    QCOMPARE(resolver.stats().fdLinksRead, afterFirst.fdLinksRead);
}

// The cache keeps an fdinfo file open per holder only up to a tenth of the open-file limit; the
// holders beyond it are confirmed through their fd link, and every one is still answered.
void TestProcessResolver::keptDescriptorsStayWithinTheBudget()
{
    rlimit saved{};
    QVERIFY(::getrlimit(RLIMIT_NOFILE, &saved) == 0);
    rlimit lowered = saved;
    lowered.rlim_cur = 200; // a budget of 20 of each kind
    QVERIFY(lowered.rlim_cur <= saved.rlim_max);
    QVERIFY(::setrlimit(RLIMIT_NOFILE, &lowered) == 0);
    const auto restoreLimit = qScopeGuard([&saved] { ::setrlimit(RLIMIT_NOFILE, &saved); });

    constexpr int kSockets = 30;
    std::vector<int> sockets;
    const auto closeSockets = qScopeGuard([&sockets] {
        for (const int fd : sockets)
            ::close(fd);
    });
    std::vector<SocketEntry> entries;
    for (int i = 0; i < kSockets; ++i) {
        std::uint16_t port = 0;
        sockets.push_back(listenOnLoopback(port, true));
        QVERIFY(sockets.back() >= 0);
        const auto entry = socketOn(QStringLiteral("tcp:127.0.0.1:0"), port);
        QVERIFY(entry);
        entries.push_back(*entry);
    }

    LinuxProcessResolver resolver;
    QCOMPARE(resolver.resolve(entries).size(), std::size_t(kSockets));
    const ResolverStats first = resolver.stats();
    const auto again = resolver.resolve(entries);
    for (const Listener &listener : again)
        QCOMPARE(ownerPids(listener), std::set<int>{int(::getpid())});
    QCOMPARE(resolver.stats().fdInfoReads - first.fdInfoReads, std::uint64_t(20));
    QCOMPARE(resolver.stats().fdLinksRead - first.fdLinksRead, std::uint64_t(kSockets - 20));
    QCOMPARE(resolver.stats().searches, first.searches);
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
