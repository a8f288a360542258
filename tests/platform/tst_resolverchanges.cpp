// The process resolver across calls, against real child processes: a process forked by a known
// owner after caching is found (through children files, through new PIDs, and by the automatic
// choice between them), and an owner that execs is seen, whether the exec keeps the socket (another
// program, or the same one with other arguments) or closes it (close-on-exec).
#include "resolvertest.h"
#include "platform/linux/processresolver.h"
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
using namespace portwatch::testing;

Q_DECLARE_METATYPE(portwatch::platform::LinuxProcessResolver::ForkCheck)

class TestResolverChanges : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void forkAfterCachingIsFound_data();
    void forkAfterCachingIsFound();
    void forkCheckTakesTheCheaperWay();
    void execBetweenCallsIsSeen();
    void execOfTheSameProgramIsSeen();
    void execClosingACloseOnExecSocketIsSeen();
    void execAfterClearingCloseOnExecIsSeen();
    void ownerThatDidNotRunSkipsTheExecCheck();
};

// A child forked after the socket was cached, and a grandchild forked by that child, are found on
// the next call, through the owners' children files and through the PIDs created since.
void TestResolverChanges::forkAfterCachingIsFound_data()
{
    QTest::addColumn<bool>("childrenFile");
    QTest::addColumn<LinuxProcessResolver::ForkCheck>("forkCheck");
    QTest::newRow("children file") << true << LinuxProcessResolver::ForkCheck::ChildrenFiles;
    QTest::newRow("new PIDs") << true << LinuxProcessResolver::ForkCheck::NewPids;
    QTest::newRow("automatic") << true << LinuxProcessResolver::ForkCheck::Automatic;
    QTest::newRow("no children files (kernel without them)") << false << LinuxProcessResolver::ForkCheck::Automatic;
}

void TestResolverChanges::forkAfterCachingIsFound()
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
void TestResolverChanges::forkCheckTakesTheCheaperWay()
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

void TestResolverChanges::execBetweenCallsIsSeen()
{
    const QString sleepPath = ExecingChild::sleepPath();
    QVERIFY(!sleepPath.isEmpty());
    const auto sleeper = ExecingChild::sleeper(); // execs sleep, which keeps the socket
    ExecingChild &child = *sleeper;
    QVERIFY(child.started());
    const auto entry = socketOn(QStringLiteral("tcp:127.0.0.1:0"), child.port());
    QVERIFY(entry);

    LinuxProcessResolver resolver;
    const auto before = resolver.resolve({*entry});
    QCOMPARE(before.front().owners.size(), std::size_t(1));
    QCOMPARE(before.front().owners.front().pid, int(child.pid()));
    QCOMPARE(QString::fromStdString(before.front().owners.front().exe), QFileInfo(QStringLiteral("/proc/self/exe")).canonicalFilePath());

    QVERIFY(child.go());
    QVERIFY(child.waitForExec(sleepPath, QByteArray("sleep\0" "30\0", 9)));
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
void TestResolverChanges::execOfTheSameProgramIsSeen()
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

// The resolver skips the exec check for owners whose descriptor is close-on-exec; the exec then
// closes that descriptor, and the next call must drop the owner and keep the sharer.
void TestResolverChanges::execClosingACloseOnExecSocketIsSeen()
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
        std::uint16_t port = 0;
        if (listenOnLoopback(port, true) < 0)
            ::_exit(1);
        const pid_t sharer = ::fork(); // keeps its copy: it never execs
        if (sharer == 0) {
            ::pause();
            ::_exit(0);
        }
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

// The close-on-exec shortcut uses the flag as it is now, not as it was when the owner was cached: a
// process may clear it just before it execs (re-executing itself in place, keeping its socket).
void TestResolverChanges::execAfterClearingCloseOnExecIsSeen()
{
    const QString sleepPath = ExecingChild::sleepPath();
    QVERIFY(!sleepPath.isEmpty());
    const auto sleeper = ExecingChild::sleeper(true);
    ExecingChild &child = *sleeper;
    QVERIFY(child.started());
    const auto entry = socketOn(QStringLiteral("tcp:127.0.0.1:0"), child.port());
    QVERIFY(entry);

    LinuxProcessResolver resolver;
    const auto before = resolver.resolve({*entry});
    QCOMPARE(before.front().owners.size(), std::size_t(1));
    const QString ownExe = QFileInfo(QStringLiteral("/proc/self/exe")).canonicalFilePath();
    QCOMPARE(QString::fromStdString(before.front().owners.front().exe), ownExe);
    // While the descriptor is close-on-exec, a call needs no exec check.
    const ResolverStats quiet = resolver.stats();
    QCOMPARE(QString::fromStdString(resolver.resolve({*entry}).front().owners.front().exe), ownExe);
    QCOMPARE(resolver.stats().execChecks + resolver.stats().execChecksSkipped,
             quiet.execChecks + quiet.execChecksSkipped);

    QVERIFY(child.go());
    QVERIFY(child.waitForExec(sleepPath, QByteArray("sleep\0" "30\0", 9)));
    const auto after = resolver.resolve({*entry});
    QCOMPARE(after.front().owners.size(), std::size_t(1));
    QCOMPARE(after.front().owners.front().pid, int(child.pid()));
    QCOMPARE(QString::fromStdString(after.front().owners.front().exe), sleepPath);
    QCOMPARE(after.front().owners.front().cmdline, (std::vector<std::string>{"sleep", "30"}));
}

// An owner holding its socket without close-on-exec is checked for an exec only when it has run
// since the last check: stopped, it is never read again; continued, it is.
void TestResolverChanges::ownerThatDidNotRunSkipsTheExecCheck()
{
    const QString sleepPath = ExecingChild::sleepPath();
    QVERIFY(!sleepPath.isEmpty());
    const auto sleeper = ExecingChild::sleeper(); // waits for go() and never gets it
    ExecingChild &child = *sleeper;
    QVERIFY(child.started());
    const auto entry = socketOn(QStringLiteral("tcp:127.0.0.1:0"), child.port());
    QVERIFY(entry);
    QVERIFY(::kill(child.pid(), SIGSTOP) == 0);
    int status = 0;
    QCOMPARE(::waitpid(child.pid(), &status, WUNTRACED), child.pid());
    QVERIFY(WIFSTOPPED(status));

    LinuxProcessResolver resolver;
    QCOMPARE(ownerPids(resolver.resolve({*entry}).front()), std::set<int>{int(child.pid())});
    resolver.resolve({*entry}); // the first exec check reads the process and notes its run record
    const ResolverStats stopped = resolver.stats();
    QCOMPARE(stopped.execChecks, std::uint64_t(1));
    for (int i = 0; i < 3; ++i)
        QCOMPARE(ownerPids(resolver.resolve({*entry}).front()), std::set<int>{int(child.pid())});
    QCOMPARE(resolver.stats().execChecks, stopped.execChecks);
    QCOMPARE(resolver.stats().execChecksSkipped, stopped.execChecksSkipped + 3);
    QCOMPARE(resolver.stats().processesRead, stopped.processesRead);

    QVERIFY(::kill(child.pid(), SIGCONT) == 0);
    QTRY_VERIFY((resolver.resolve({*entry}), resolver.stats().execChecks > stopped.execChecks));
    QCOMPARE(ownerPids(resolver.resolve({*entry}).front()), std::set<int>{int(child.pid())});
}

QTEST_GUILESS_MAIN(TestResolverChanges)
#include "tst_resolverchanges.moc"
