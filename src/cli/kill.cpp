// portwatch-cli kill: end what holds a port, safely (pidfd, start-time check, grace, confirm release).
#include "commands.h"
#include "output.h"

#include "platform/console.h"
#include "core/listenertext.h"
#include "core/servicenames.h"
#include "core/binddiagnosis.h"
#include "platform/processcontrol.h"

#include <QSet>
#include <QTextStream>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

namespace portwatch::cli {
namespace {

// One target per process: a process holding several matching sockets is signalled once.
QList<platform::KillTarget> targetsOf(const QList<platform::Listener> &listeners)
{
    QList<platform::KillTarget> targets;
    QSet<int> seen;
    for (const platform::Listener &listener : listeners) {
        for (const platform::ProcessInfo &owner : listener.owners) {
            if (seen.contains(owner.pid))
                continue;
            seen.insert(owner.pid);
            targets.append({owner, listener.socket});
        }
    }
    return targets;
}

// A socket we are entitled to see the owner of, and yet nobody holds: its owner was signalled or is
// exiting and has let go of its descriptors, while the socket itself is not gone yet.
bool ownerless(const platform::Listener &listener)
{
    return listener.owners.empty() && listener.ownersVisible;
}

// Looks again until no socket is ownerless, or the grace period is over: such a socket is about to
// be released (or claimed by a process that receives it), and neither is a reason to give up.
std::optional<QList<platform::Listener>> settle(QList<platform::Listener> listeners, const QList<PortSpec> &specs,
                                                const CommonOptions &common, std::chrono::milliseconds grace)
{
    constexpr auto pause = std::chrono::milliseconds(50);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (std::any_of(listeners.cbegin(), listeners.cend(), ownerless) && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(pause);
        auto again = lookup(specs, common);
        if (!again)
            return std::nullopt;
        listeners = *again;
    }
    return listeners;
}

bool confirmOnTerminal(qsizetype count)
{
    out(QStringLiteral("Terminate %1 %2? [y/N] ").arg(count).arg(count == 1 ? QStringLiteral("process") : QStringLiteral("processes")));
    QTextStream in(stdin);
    const QString answer = in.readLine().trimmed().toLower();
    return answer == QLatin1String("y") || answer == QLatin1String("yes");
}

} // namespace

int runKill(const CommonOptions &common, const QList<PortSpec> &specs, const KillOptions &options)
{
    const QString wanted = specsSummary(specs);
    auto listeners = lookup(specs, common);
    if (!listeners)
        return ExitFailure;
    if (listeners->isEmpty()) {
        out(QStringLiteral("%1 is free: nothing holds it\n").arg(wanted));
        return ExitOk;
    }
    if (std::all_of(listeners->cbegin(), listeners->cend(), ownerless)) {
        err(QStringLiteral("no process holds %1 right now (its owner may be exiting); looking again for up to %2 s\n")
                .arg(wanted)
                .arg(double(options.grace.count()) / 1000.0));
        listeners = settle(*listeners, specs, common, options.grace);
        if (!listeners)
            return ExitFailure;
        if (listeners->isEmpty()) {
            out(QStringLiteral("%1 released: its owner exited.\n").arg(wanted));
            return ExitOk;
        }
    }

    for (const platform::Listener &listener : *listeners) {
        if (listener.owners.empty())
            err(QStringLiteral("cannot see who holds %1 (socket of uid %2, %3): %4\n")
                    .arg(socketText(listener.socket))
                    .arg(listener.socket.uid)
                    .arg(escaped(listener.user), invisibleHint(listener)));
    }
    // The kernel (PID 4, HTTP.sys) and Windows services are never killed: the fix is to stop the
    // service. A systemd service's process is, with a note that the unit may bring it back.
    const auto facts = platform::makePortDiagnosis();
    BindDiagnoser diagnoser(*facts);
    QList<platform::KillTarget> targets;
    QStringList notes;
    for (const platform::KillTarget &target : targetsOf(*listeners)) {
        if (const auto refusal = diagnoser.killRefusal(target.process, target.socket)) {
            err(reasonLines(*refusal, QStringLiteral("refused: ")));
            continue;
        }
        if (const auto note = diagnoser.killNote(target.process))
            notes << reasonLines(*note, QStringLiteral("note: "));
        targets.append(target);
    }
    if (targets.isEmpty())
        return ExitNegative;

    out(QStringLiteral("%1 %2 holding %3:\n").arg(options.dryRun ? QStringLiteral("Would terminate") : QStringLiteral("Will terminate"),
                                                  targets.size() == 1 ? QStringLiteral("this process") : QStringLiteral("these processes"),
                                                  wanted));
    // Enough to recognise each one before saying yes: what it runs, what started it, and where.
    for (const platform::KillTarget &target : targets) {
        const platform::ProcessInfo &process = target.process;
        const QString service = servicenames::name(target.socket.protocol, target.socket.port);
        out(QStringLiteral("  %1  %2%3\n")
                .arg(ownerText({}, &process), socketText(target.socket),
                     service.isEmpty() ? QString() : QStringLiteral("  ") + service));
        out(QStringLiteral("      %1\n").arg(escaped(listenertext::shortCommand(process, 70))));
        if (!process.exe.empty())
            out(QStringLiteral("      executable %1\n").arg(escaped(process.exe)));
        const QString parent = listenertext::parent(process);
        if (!parent.isEmpty() || !process.cwd.empty()) {
            QStringList where;
            if (!parent.isEmpty())
                where << QStringLiteral("started by %1").arg(escaped(parent));
            if (!process.cwd.empty())
                where << QStringLiteral("in %1").arg(escaped(process.cwd));
            out(QStringLiteral("      %1\n").arg(where.join(QLatin1Char(' '))));
        }
    }
    if (options.dryRun)
        return ExitOk;

    if (!options.yes) {
        if (!platform::stdinIsTerminal()) {
            err(QStringLiteral("portwatch-cli: not killing without confirmation: no terminal to ask on; pass --yes\n"));
            return ExitUsage;
        }
        if (!confirmOnTerminal(targets.size())) {
            out(QStringLiteral("Nothing was terminated.\n"));
            return ExitNegative;
        }
    }

    const auto control = platform::makeProcessControl();
    for (const platform::KillTarget &target : targets) {
        const platform::TerminateResult result = control->terminate(target, options.grace);
        out(QStringLiteral("%1: %2\n").arg(QLatin1String(platform::toString(result.outcome)), escaped(result.message)));
    }
    for (const QString &note : notes)
        err(note);

    // The outcome that counts is the port's, not the processes': a supervisor may have restarted
    // the service, or another process may hold a second socket on the same port.
    auto after = lookup(specs, common);
    if (!after)
        return ExitFailure;
    // A process that just exited may leave its socket behind for a moment, with nobody holding it.
    after = settle(*after, specs, common, options.grace);
    if (!after)
        return ExitFailure;
    if (after->isEmpty()) {
        out(QStringLiteral("%1 released.\n").arg(wanted));
        return ExitOk;
    }
    err(QStringLiteral("%1 is still held:\n").arg(wanted));
    err(listenersTable(*after));
    return ExitNegative;
}

} // namespace portwatch::cli
