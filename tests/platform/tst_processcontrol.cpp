// Safe termination on Linux against real child processes the test started itself, each on its own
// ephemeral port: graceful and forced ends, forked sharers, recycled PIDs, refusals, denied rights.
#include "asnobody.h"
#include "childlistener.h"
#include "platform/processcontrol.h"
#include "platform/processes.h"
#include "platform/sockettable.h"

#include <QTest>

#include <unistd.h>

#include <optional>

using namespace portwatch::platform;
using portwatch::testing::ChildListener;

Q_DECLARE_METATYPE(portwatch::platform::TerminateOutcome)

namespace {

constexpr std::chrono::milliseconds kShortGrace{300};

// Sockets on `port` bound to `address` (canonical text): other tests may use the same port number on
// other addresses.
std::vector<SocketEntry> socketsOn(Protocol protocol, const char *address, std::uint16_t port)
{
    SocketQuery query;
    query.items.push_back({protocol, {port, port}});
    std::vector<SocketEntry> sockets = makeSocketTable()->query(query).sockets;
    std::erase_if(sockets, [address](const SocketEntry &socket) { return socket.address != address; });
    return sockets;
}

// What a caller would have recorded about the listener holding `port`: its socket and its owner.
std::optional<KillTarget> targetFor(Protocol protocol, const char *address, std::uint16_t port, qint64 pid)
{
    const auto sockets = socketsOn(protocol, address, port);
    if (sockets.size() != 1)
        return std::nullopt;
    const auto listeners = makeProcessResolver()->resolve(sockets);
    for (const ProcessInfo &owner : listeners.front().owners) {
        if (owner.pid == pid)
            return KillTarget{owner, sockets.front()};
    }
    return std::nullopt;
}

QString describe(const TerminateResult &result)
{
    return QStringLiteral("%1: %2").arg(QLatin1String(toString(result.outcome)), QString::fromStdString(result.message));
}

bool mentions(const TerminateResult &result, const QString &text)
{
    return QString::fromStdString(result.message).contains(text);
}

} // namespace

class TestProcessControl : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void outcomeNames();
    void releasedAfterSigterm();
    void forcedWhenSigtermIgnored();
    void forkedSharerKeepsThePort();
    void listenerOnAnotherAddressDoesNotHoldThePort();
    void recycledPidIsNeverSignalled();
    void exitedProcessIsAlreadyGone();
    void processThatNoLongerHoldsTheSocket();
    void samePidOnANewSocketIsNotNamedAsTheOldProcess();
    void refusesInitSelfAndKernel();
    void permissionDeniedForAnotherUser();
};

void TestProcessControl::outcomeNames()
{
    QCOMPARE(toString(TerminateOutcome::Released), "released");
    QCOMPARE(toString(TerminateOutcome::StillHeld), "still-held");
    QCOMPARE(toString(TerminateOutcome::PermissionDenied), "permission-denied");
    QCOMPARE(toString(TerminateOutcome::AlreadyGone), "already-gone");
    QCOMPARE(toString(TerminateOutcome::Refused), "refused");
    QCOMPARE(toString(TerminateOutcome::Failed), "failed");
}

void TestProcessControl::releasedAfterSigterm()
{
    ChildListener child({QStringLiteral("tcp:127.0.0.1:0")});
    QVERIFY2(child.start(), qPrintable(child.error()));
    const std::uint16_t port = child.ports().value(0);
    const auto target = targetFor(Protocol::Tcp, "127.0.0.1", port, child.pid());
    QVERIFY(target);

    const TerminateResult result = makeProcessControl()->terminate(*target, defaultGrace);
    QVERIFY2(result.outcome == TerminateOutcome::Released, qPrintable(describe(result)));
    QVERIFY(!result.forced);
    QVERIFY(result.stillHeldBy.empty());
    QVERIFY(mentions(result, QStringLiteral("portwatch-test-listener (pid %1)").arg(child.pid())));
    QVERIFY(mentions(result, QStringLiteral("tcp port %1").arg(port)));
    QVERIFY(child.waitForExit(5000));
    QCOMPARE(child.process().exitStatus(), QProcess::CrashExit); // ended by a signal
    QVERIFY(socketsOn(Protocol::Tcp, "127.0.0.1", port).empty());
}

void TestProcessControl::forcedWhenSigtermIgnored()
{
    ChildListener child({QStringLiteral("udp:[::]:0")}, {QStringLiteral("--ignore-term")});
    QVERIFY2(child.start(), qPrintable(child.error()));
    const std::uint16_t port = child.ports().value(0);
    const auto target = targetFor(Protocol::Udp, "::", port, child.pid());
    QVERIFY(target);

    const TerminateResult result = makeProcessControl()->terminate(*target, kShortGrace);
    QVERIFY2(result.outcome == TerminateOutcome::Released, qPrintable(describe(result)));
    QVERIFY(result.forced);
    QVERIFY(mentions(result, QStringLiteral("udp port %1").arg(port)));
    QVERIFY(child.waitForExit(5000));
    QVERIFY(socketsOn(Protocol::Udp, "::", port).empty());
}

void TestProcessControl::forkedSharerKeepsThePort()
{
    ChildListener child({QStringLiteral("tcp:0.0.0.0:0")}, {QStringLiteral("--fork")});
    QVERIFY2(child.start(), qPrintable(child.error()));
    const std::uint16_t port = child.ports().value(0);
    const auto parent = targetFor(Protocol::Tcp, "0.0.0.0", port, child.pid());
    QVERIFY(parent);

    const TerminateResult first = makeProcessControl()->terminate(*parent, kShortGrace);
    QVERIFY2(first.outcome == TerminateOutcome::StillHeld, qPrintable(describe(first)));
    QVERIFY(child.waitForExit(5000));
    QVERIFY(mentions(first, QStringLiteral("pid %1").arg(child.childPid())));
    QCOMPARE(first.stillHeldBy.size(), std::size_t(1));
    QCOMPARE(first.stillHeldBy.front().owners.size(), std::size_t(1));
    const ProcessInfo heir = first.stillHeldBy.front().owners.front();
    QCOMPARE(heir.pid, int(child.childPid()));

    const TerminateResult second = makeProcessControl()->terminate({heir, first.stillHeldBy.front().socket}, kShortGrace);
    QVERIFY2(second.outcome == TerminateOutcome::Released, qPrintable(describe(second)));
    QVERIFY(child.waitForChildExit(5000));
    QVERIFY(socketsOn(Protocol::Tcp, "0.0.0.0", port).empty());
}

// 127.0.0.2:P does not keep 127.0.0.1:P taken: ending the holder of the latter releases it.
void TestProcessControl::listenerOnAnotherAddressDoesNotHoldThePort()
{
    ChildListener child({QStringLiteral("tcp:127.0.0.1:0")});
    QVERIFY2(child.start(), qPrintable(child.error()));
    const std::uint16_t port = child.ports().value(0);
    ChildListener neighbour({QStringLiteral("tcp:127.0.0.2:%1").arg(port)});
    QVERIFY2(neighbour.start(), qPrintable(neighbour.error()));
    const auto target = targetFor(Protocol::Tcp, "127.0.0.1", port, child.pid());
    QVERIFY(target);

    const TerminateResult result = makeProcessControl()->terminate(*target, kShortGrace);
    QVERIFY2(result.outcome == TerminateOutcome::Released, qPrintable(describe(result)));
    QVERIFY(neighbour.isRunning());
    QCOMPARE(socketsOn(Protocol::Tcp, "127.0.0.2", port).size(), std::size_t(1));
}

void TestProcessControl::recycledPidIsNeverSignalled()
{
    ChildListener child({QStringLiteral("tcp:127.0.0.1:0")});
    QVERIFY2(child.start(), qPrintable(child.error()));
    auto target = targetFor(Protocol::Tcp, "127.0.0.1", child.ports().value(0), child.pid());
    QVERIFY(target);
    // The recorded process started at another time: the live one with this PID is someone else.
    target->process.startTicks += 1;

    const TerminateResult result = makeProcessControl()->terminate(*target, kShortGrace);
    QVERIFY2(result.outcome == TerminateOutcome::AlreadyGone, qPrintable(describe(result)));
    QVERIFY(mentions(result, QStringLiteral("another process")));
    // A SIGTERM would end the listener within milliseconds; it must still be running.
    QVERIFY(!child.waitForExit(300));
    QVERIFY(child.isRunning());
}

void TestProcessControl::exitedProcessIsAlreadyGone()
{
    auto child = std::make_unique<ChildListener>(QStringList{QStringLiteral("tcp:127.0.0.1:0")});
    QVERIFY2(child->start(), qPrintable(child->error()));
    const auto target = targetFor(Protocol::Tcp, "127.0.0.1", child->ports().value(0), child->pid());
    QVERIFY(target);
    child.reset(); // killed and reaped: the PID names nothing now (or somebody new)

    const TerminateResult result = makeProcessControl()->terminate(*target, kShortGrace);
    QVERIFY2(result.outcome == TerminateOutcome::AlreadyGone, qPrintable(describe(result)));
    QVERIFY(mentions(result, QStringLiteral("pid %1").arg(target->process.pid)));
}

void TestProcessControl::processThatNoLongerHoldsTheSocket()
{
    ChildListener first({QStringLiteral("tcp:127.0.0.1:0")});
    ChildListener second({QStringLiteral("tcp:127.0.0.1:0")});
    QVERIFY2(first.start(), qPrintable(first.error()));
    QVERIFY2(second.start(), qPrintable(second.error()));
    const auto a = targetFor(Protocol::Tcp, "127.0.0.1", first.ports().value(0), first.pid());
    const auto b = targetFor(Protocol::Tcp, "127.0.0.1", second.ports().value(0), second.pid());
    QVERIFY(a && b);

    // First's process with second's socket: first does not hold it, second does. Nobody is signalled.
    const TerminateResult result = makeProcessControl()->terminate({a->process, b->socket}, kShortGrace);
    QVERIFY2(result.outcome == TerminateOutcome::StillHeld, qPrintable(describe(result)));
    QCOMPARE(result.stillHeldBy.size(), std::size_t(1));
    QCOMPARE(result.stillHeldBy.front().owners.front().pid, int(second.pid()));
    QVERIFY(mentions(result, QStringLiteral("nothing was signalled")));
    QVERIFY(!first.waitForExit(300));
    QVERIFY(second.isRunning());
}

void TestProcessControl::samePidOnANewSocketIsNotNamedAsTheOldProcess()
{
    // What a PID reused within one clock tick looks like from here: the PID and start time still
    // match, the socket that was recorded is gone, and that PID holds another socket on the port.
    // A recorded inode that no longer exists stands in for the old socket.
    ChildListener child({QStringLiteral("tcp:127.0.0.1:0")});
    QVERIFY2(child.start(), qPrintable(child.error()));
    auto target = targetFor(Protocol::Tcp, "127.0.0.1", child.ports().value(0), child.pid());
    QVERIFY(target);
    target->socket.inode += 1000000;

    const TerminateResult result = makeProcessControl()->terminate(*target, kShortGrace);
    QVERIFY2(result.outcome == TerminateOutcome::StillHeld, qPrintable(describe(result)));
    QVERIFY2(mentions(result, QStringLiteral("pid %1 holds a new socket").arg(child.pid())), qPrintable(describe(result)));
    QVERIFY2(!mentions(result, QStringLiteral("which is held by")), qPrintable(describe(result)));
    QVERIFY(mentions(result, QStringLiteral("Nothing was signalled")));
    QVERIFY(child.isRunning());
}

void TestProcessControl::refusesInitSelfAndKernel()
{
    const auto control = makeProcessControl();
    SocketEntry socket;
    socket.port = 9;

    ProcessInfo init;
    init.pid = 1;
    init.name = "init";
    QCOMPARE(control->terminate({init, socket}, kShortGrace).outcome, TerminateOutcome::Refused);

    const auto self = makeProcessResolver()->process(currentProcessId());
    QVERIFY(self);
    const TerminateResult selfResult = control->terminate({*self, socket}, kShortGrace);
    QVERIFY2(selfResult.outcome == TerminateOutcome::Refused, qPrintable(describe(selfResult)));

    ProcessInfo nobody;
    nobody.pid = 0;
    QCOMPARE(control->terminate({nobody, socket}, kShortGrace).outcome, TerminateOutcome::Refused);
    nobody.pid = -1;
    QCOMPARE(control->terminate({nobody, socket}, kShortGrace).outcome, TerminateOutcome::Refused);

    // kthreadd (PID 2) is a kernel thread wherever the kernel is not hidden by a PID namespace.
    const auto kthreadd = makeProcessResolver()->process(2);
    if (kthreadd && kthreadd->name == "kthreadd") {
        const TerminateResult kernel = control->terminate({*kthreadd, socket}, kShortGrace);
        QVERIFY2(kernel.outcome == TerminateOutcome::Refused, qPrintable(describe(kernel)));
        QVERIFY(mentions(kernel, QStringLiteral("kernel thread")));
    }
}

void TestProcessControl::permissionDeniedForAnotherUser()
{
    if (::geteuid() != 0)
        QSKIP("needs root: an unprivileged child tries to end a root-owned listener");
    ChildListener child({QStringLiteral("tcp:127.0.0.1:0")});
    QVERIFY2(child.start(), qPrintable(child.error()));
    const auto target = targetFor(Protocol::Tcp, "127.0.0.1", child.ports().value(0), child.pid());
    QVERIFY(target);

    const auto answer = portwatch::testing::runAsNobody([&target] {
        const TerminateResult result = makeProcessControl()->terminate(*target, kShortGrace);
        return std::string(toString(result.outcome)) + '|' + result.message;
    });
    QVERIFY(answer);
    const QString text = QString::fromStdString(*answer);
    QVERIFY2(text.startsWith(QLatin1String("permission-denied|")), qPrintable(text));
    QVERIFY2(text.contains(QLatin1String("sudo")) && text.contains(QStringLiteral("pid %1").arg(child.pid())), qPrintable(text));
    QVERIFY(!child.waitForExit(300));
    QVERIFY(child.isRunning());
}

QTEST_GUILESS_MAIN(TestProcessControl)
#include "tst_processcontrol.moc"
