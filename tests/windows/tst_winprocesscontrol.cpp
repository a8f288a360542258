// Ending a port's owner on Windows: a console child and a child with a window (closed with WM_CLOSE,
// or forced when it ignores it), all started by this test on ports they opened; and the refusals
// (PID 0 and 4, the processes Windows needs, Portwatch itself, a reused PID, a socket no longer held).
#include "platform/accounts.h"
#include "platform/processcontrol.h"
#include "platform/processes.h"
#include "platform/sockettable.h"
#include "winchildlistener.h"

#include <QTest>

#include <windows.h>

using namespace portwatch::platform;
using portwatch::testing::WinChildListener;
using namespace std::chrono_literals;

namespace {

// The child's socket on `port`, and its process as the resolver records it.
bool targetOf(const WinChildListener &child, Protocol protocol, KillTarget &target)
{
    const quint16 port = child.ports().value(0);
    SocketQuery query;
    query.items.push_back({protocol, {port, port}});
    const SocketList list = makeSocketTable()->query(query);
    for (const SocketEntry &socket : list.sockets) {
        if (socket.ownerPid != static_cast<std::uint32_t>(child.pid()))
            continue;
        const auto process = makeProcessResolver()->process(int(child.pid()));
        if (!process)
            return false;
        target.socket = socket;
        target.process = *process;
        return true;
    }
    return false;
}

bool portFree(Protocol protocol, quint16 port)
{
    SocketQuery query;
    query.items.push_back({protocol, {port, port}});
    const SocketList list = makeSocketTable()->query(query);
    return list.ok() && list.sockets.empty();
}

} // namespace

class TestWinProcessControl : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void consoleProgramIsEndedAndThePortFreed()
    {
        WinChildListener child({QStringLiteral("tcp:127.0.0.1:0")});
        QVERIFY2(child.start(), qPrintable(child.error()));
        KillTarget target;
        QVERIFY(targetOf(child, Protocol::Tcp, target));
        const TerminateResult result = makeProcessControl()->terminate(target, 2000ms);
        QVERIFY2(result.outcome == TerminateOutcome::Released, result.message.c_str());
        QVERIFY(child.waitForExit(10000));
        QVERIFY(portFree(Protocol::Tcp, child.ports().value(0)));
        QVERIFY2(result.message.find("portwatch-test-listener.exe (pid " + std::to_string(child.pid()) + ")") != std::string::npos,
                 result.message.c_str());
    }

    void windowIsClosedGracefully()
    {
        WinChildListener child({QStringLiteral("udp:127.0.0.1:0")}, {QStringLiteral("--window")});
        if (!child.start())
            QSKIP(qPrintable(QStringLiteral("a window needs a display (cross.sh test runs Xvfb on :93): ") + child.error()));
        KillTarget target;
        QVERIFY(targetOf(child, Protocol::Udp, target));
        const TerminateResult result = makeProcessControl()->terminate(target, 10000ms);
        QVERIFY2(result.outcome == TerminateOutcome::Released, result.message.c_str());
        QVERIFY2(!result.forced, result.message.c_str()); // WM_CLOSE was enough
        QVERIFY(child.waitForExit(10000));
        QCOMPARE(child.process().exitCode(), 0); // it left its message loop itself
    }

    void windowIgnoringCloseIsForced()
    {
        WinChildListener child({QStringLiteral("tcp:0.0.0.0:0")}, {QStringLiteral("--window"), QStringLiteral("--ignore-close")});
        if (!child.start())
            QSKIP(qPrintable(QStringLiteral("a window needs a display (cross.sh test runs Xvfb on :93): ") + child.error()));
        KillTarget target;
        QVERIFY(targetOf(child, Protocol::Tcp, target));
        const TerminateResult result = makeProcessControl()->terminate(target, 1000ms);
        QVERIFY2(result.outcome == TerminateOutcome::Released, result.message.c_str());
        QVERIFY2(result.forced, result.message.c_str());
        QVERIFY(child.waitForExit(10000));
    }

    void refusals_data()
    {
        QTest::addColumn<int>("pid");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("System Idle Process") << 0 << QString() << QStringLiteral("pid 0");
        QTest::newRow("System") << 4 << QStringLiteral("System") << QStringLiteral("pid 4");
        QTest::newRow("Portwatch itself") << currentProcessId() << QString() << QStringLiteral("Portwatch itself");
        for (const char *critical : {"smss.exe", "csrss.exe", "wininit.exe", "services.exe", "lsass.exe", "winlogon.exe", "LSASS.EXE"})
            QTest::newRow(critical) << -1 << QString::fromLatin1(critical) << QStringLiteral("Windows cannot run without it");
    }

    void refusals()
    {
        QFETCH(int, pid);
        QFETCH(QString, name);
        QFETCH(QString, mentions);
        // A child of ours stands in where the row needs a live process: it must survive the refusal.
        WinChildListener child({QStringLiteral("tcp:127.0.0.1:0")});
        QVERIFY2(child.start(), qPrintable(child.error()));
        KillTarget target;
        QVERIFY(targetOf(child, Protocol::Tcp, target));
        if (pid >= 0)
            target.process.pid = pid;
        if (!name.isEmpty()) {
            target.process.name = name.toStdString();
            target.process.exe = "C:\\Windows\\System32\\" + name.toStdString();
        }
        const TerminateResult result = makeProcessControl()->terminate(target, 500ms);
        QCOMPARE(result.outcome, TerminateOutcome::Refused);
        QVERIFY2(QString::fromStdString(result.message).contains(mentions), result.message.c_str());
        QVERIFY(child.isRunning());
        QVERIFY(!portFree(Protocol::Tcp, child.ports().value(0)));
    }

    void reusedPidIsNotTouched()
    {
        WinChildListener child({QStringLiteral("tcp:127.0.0.1:0")});
        QVERIFY2(child.start(), qPrintable(child.error()));
        KillTarget target;
        QVERIFY(targetOf(child, Protocol::Tcp, target));
        target.process.startTicks -= 10'000'000; // recorded a second earlier: another process that had this PID
        const TerminateResult result = makeProcessControl()->terminate(target, 500ms);
        QVERIFY2(result.outcome == TerminateOutcome::AlreadyGone, result.message.c_str());
        QVERIFY2(result.message.find("now belongs to another process") != std::string::npos, result.message.c_str());
        QVERIFY(child.isRunning());
    }

    void socketNoLongerHeldIsNotTouched()
    {
        WinChildListener holder({QStringLiteral("tcp:127.0.0.1:0")});
        WinChildListener other({QStringLiteral("tcp:127.0.0.1:0")});
        QVERIFY2(holder.start(), qPrintable(holder.error()));
        QVERIFY2(other.start(), qPrintable(other.error()));
        KillTarget target;
        QVERIFY(targetOf(other, Protocol::Tcp, target));
        // The process is right, the socket is another process's: nothing is ended.
        const auto holderProcess = makeProcessResolver()->process(int(holder.pid()));
        QVERIFY(holderProcess);
        target.process = *holderProcess;
        const TerminateResult result = makeProcessControl()->terminate(target, 500ms);
        QVERIFY2(result.outcome == TerminateOutcome::StillHeld, result.message.c_str());
        QVERIFY2(result.message.find("no longer holds") != std::string::npos, result.message.c_str());
        QVERIFY(holder.isRunning());
        QVERIFY(other.isRunning());
    }

    void exitedProcessIsAlreadyGone()
    {
        WinChildListener child({QStringLiteral("tcp:127.0.0.1:0")});
        QVERIFY2(child.start(), qPrintable(child.error()));
        KillTarget target;
        QVERIFY(targetOf(child, Protocol::Tcp, target));
        child.process().kill();
        QVERIFY(child.waitForExit(10000));
        const TerminateResult result = makeProcessControl()->terminate(target, 500ms);
        QVERIFY2(result.outcome == TerminateOutcome::AlreadyGone, result.message.c_str());
    }

    void accountsOfOurChild()
    {
        WinChildListener child({QStringLiteral("tcp:127.0.0.1:0")});
        QVERIFY2(child.start(), qPrintable(child.error()));
        const auto process = makeProcessResolver()->process(int(child.pid()));
        QVERIFY(process);
        QVERIFY(isCurrentUser(*process));
        QCOMPARE(currentUserKey(), process->sid);
        ProcessInfo other = *process;
        other.sid = "S-1-5-21-1004336348-1177238915-682003330-1001";
        QVERIFY(!isCurrentUser(other));
        // Recorded identities of service processes on Windows 11.
        ProcessInfo service;
        service.session = 1;
        for (const char *sid : {"S-1-5-18", "S-1-5-19", "S-1-5-20"}) {
            service.sid = sid;
            QVERIFY2(isSystemAccount(service), sid);
        }
        service.sid = "S-1-5-80-3880718306-3832830129-1677859214-2598158968-1052248003"; // a service's own account
        service.session = 0;
        QVERIFY(isSystemAccount(service));
        service.session = 1;
        service.sid = other.sid;
        QVERIFY(!isSystemAccount(service));
    }
};

QTEST_GUILESS_MAIN(TestWinProcessControl)
#include "tst_winprocesscontrol.moc"
