// The /proc helpers the resolver runs on every poll, against this process and its children: the
// command-line comparison (within one page and beyond), the fd-link check, the kept fdinfo that
// confirms owners and the scheduler record that gates the exec check.
#include "resolvertest.h"
#include "platform/linux/procfs.h"

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

class TestProcfs : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void cmdlineComparison();
    void fdLinkCheck();
    void fdInfoParsing_data();
    void fdInfoParsing();
    void keptFdInfoFollowsTheDescriptor();
    void runRecordParsing();
    void runRecordChangesOnlyWhenTheProcessRuns();
};

// The per-poll command line check: equal, or not, argument by argument, for a command line within
// one page (a single read) and for one beyond it.
void TestProcfs::cmdlineComparison()
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
void TestProcfs::fdLinkCheck()
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

void TestProcfs::fdInfoParsing_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<uint>("flags");
    QTest::addColumn<int>("mountId");
    QTest::addColumn<qulonglong>("inode");
    QTest::newRow("socket") << "pos:\t0\nflags:\t02000002\nmnt_id:\t10\nino:\t1757003\n" << true << 02000002u << 10 << 1757003ull;
    QTest::newRow("more lines") << "pos:\t5\nflags:\t0100002\nmnt_id:\t28\nino:\t42\nlock:\t1: FLOCK ADVISORY WRITE 7 08:01:42 0 EOF\n"
                                << true << 0100002u << 28 << 42ull;
    QTest::newRow("no trailing newline") << "pos:\t0\nflags:\t02\nmnt_id:\t9\nino:\t7" << true << 02u << 9 << 7ull;
    QTest::newRow("no inode") << "pos:\t0\nflags:\t02\nmnt_id:\t9\n" << false << 0u << 0 << 0ull;
    QTest::newRow("flags not octal") << "flags:\t0289\nmnt_id:\t9\nino:\t7\n" << false << 0u << 0 << 0ull;
    QTest::newRow("inode not a number") << "flags:\t02\nmnt_id:\t9\nino:\t7x\n" << false << 0u << 0 << 0ull;
    QTest::newRow("empty") << "" << false << 0u << 0 << 0ull;
}

void TestProcfs::fdInfoParsing()
{
    QFETCH(QString, text);
    QFETCH(bool, valid);
    const QByteArray bytes = text.toLatin1();
    const auto info = procfs::parseFdInfo(std::string_view(bytes.constData(), std::size_t(bytes.size())));
    QCOMPARE(info.has_value(), valid);
    if (!valid)
        return;
    QTEST(info->flags, "flags");
    QTEST(info->mountId, "mountId");
    QTEST(qulonglong(info->inode), "inode");
}

// The owner check on every poll: one fdinfo file kept open follows descriptor N of the process, so a
// later read shows the close-on-exec flag as it is now, another file put at N, and N closed.
void TestProcfs::keptFdInfoFollowsTheDescriptor()
{
    std::uint16_t port = 0;
    const int socket = listenOnLoopback(port);
    QVERIFY(socket >= 0);
    auto closeSocket = qScopeGuard([socket] { ::close(socket); });
    std::uint16_t otherPort = 0;
    const int other = listenOnLoopback(otherPort, true);
    QVERIFY(other >= 0);
    const auto closeOther = qScopeGuard([other] { ::close(other); });
    struct stat info{};
    QVERIFY(::fstat(socket, &info) == 0);
    const std::uint64_t inode = info.st_ino;

    const procfs::UniqueFd self(::open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC));
    QVERIFY(self.valid());
    const procfs::UniqueFd kept = procfs::openFdInfo(self.get(), {}, socket);
    QVERIFY(kept.valid());
    const auto first = procfs::readFdInfoFrom(kept.get());
    QVERIFY(first);
    QCOMPARE(first->inode, inode);
    QCOMPARE(first->flags & O_CLOEXEC, 0u);
    QCOMPARE(procfs::readFdInfoFrom(procfs::openFdInfo(self.get(), {}, socket).get()), first); // a fresh open agrees
    const auto otherInfo = procfs::readFdInfoFrom(procfs::openFdInfo(self.get(), {}, other).get());
    QVERIFY(otherInfo);
    QCOMPARE(otherInfo->mountId, first->mountId); // every socket is on the one sockfs mount
    QVERIFY(otherInfo->flags & O_CLOEXEC);

    QVERIFY(::fcntl(socket, F_SETFD, FD_CLOEXEC) == 0);
    const auto flagged = procfs::readFdInfoFrom(kept.get());
    QVERIFY(flagged);
    QCOMPARE(flagged->inode, inode);
    QVERIFY(flagged->flags & O_CLOEXEC);

    int pipeFds[2];
    QVERIFY(::pipe(pipeFds) == 0);
    QVERIFY(::dup2(pipeFds[0], socket) == socket); // descriptor N is now a pipe
    ::close(pipeFds[0]);
    ::close(pipeFds[1]);
    const auto piped = procfs::readFdInfoFrom(kept.get());
    QVERIFY(piped);
    QVERIFY(piped->inode != inode);
    QVERIFY(piped->mountId != first->mountId);

    closeSocket.dismiss();
    ::close(socket);
    QVERIFY(!procfs::readFdInfoFrom(kept.get()));
}

void TestProcfs::runRecordParsing()
{
    const auto record = procfs::parseRunRecord("2177794 67598 2\n");
    QVERIFY(record);
    QCOMPARE(record->ranNs, std::uint64_t(2177794));
    QCOMPARE(record->waitedNs, std::uint64_t(67598));
    QCOMPARE(record->timeslices, std::uint64_t(2));
    QVERIFY(!procfs::parseRunRecord("2177794 67598\n"));
    QVERIFY(!procfs::parseRunRecord("a b c\n"));
    QVERIFY(!procfs::parseRunRecord(""));

    // Only two equal, real readings prove that the process did not run.
    QVERIFY(procfs::sameRun(record, record));
    QVERIFY(!procfs::sameRun(record, procfs::parseRunRecord("2177795 67598 2\n")));
    QVERIFY(!procfs::sameRun(record, std::nullopt));
    QVERIFY(!procfs::sameRun(std::nullopt, std::nullopt));
    const auto unkept = procfs::parseRunRecord("0 0 0\n"); // a kernel keeping no statistics
    QVERIFY(unkept);
    QVERIFY(!procfs::sameRun(unkept, unkept));
}

// The exec check is skipped while an owner's record is unchanged: it must not change while the
// process cannot run, and must once it has run.
void TestProcfs::runRecordChangesOnlyWhenTheProcessRuns()
{
    const pid_t child = ::fork();
    QVERIFY(child >= 0);
    if (child == 0) {
        for (;;)
            ::pause();
    }
    const auto reap = qScopeGuard([child] {
        ::kill(child, SIGKILL);
        ::waitpid(child, nullptr, 0);
    });
    QVERIFY(::kill(child, SIGSTOP) == 0);
    int status = 0;
    QCOMPARE(::waitpid(child, &status, WUNTRACED), child);
    QVERIFY(WIFSTOPPED(status));

    const procfs::UniqueFd schedstat(::open(QStringLiteral("/proc/%1/schedstat").arg(child).toLatin1().constData(), O_RDONLY | O_CLOEXEC));
    if (!schedstat.valid())
        QSKIP("this kernel has no /proc/<pid>/schedstat (CONFIG_SCHED_INFO); the resolver then checks every time");
    const auto stopped = procfs::readRunRecordFrom(schedstat.get());
    QVERIFY(stopped);
    QTest::qWait(50);
    QCOMPARE(procfs::readRunRecordFrom(schedstat.get()), stopped);

    QVERIFY(::kill(child, SIGCONT) == 0); // runs until it sleeps in pause() again
    QTRY_VERIFY(procfs::readRunRecordFrom(schedstat.get()) != stopped);
    // The timeslice count moves when the process is put on a CPU, its run time when it leaves it
    // (here: when it sleeps in pause() again), so the first change seen may not include the time yet.
    const auto ranNs = [&schedstat] {
        const auto record = procfs::readRunRecordFrom(schedstat.get());
        return record ? record->ranNs : 0;
    };
    QTRY_VERIFY(ranNs() > stopped->ranNs);
}

QTEST_GUILESS_MAIN(TestProcfs)
#include "tst_procfs.moc"
