// The /proc helpers the resolver runs on every poll, against this process and its children: the
// command-line comparison (within one page and beyond) and the fd-link check.
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

QTEST_GUILESS_MAIN(TestProcfs)
#include "tst_procfs.moc"
