// portwatch-cli kill: end what holds a port, safely (pidfd, start-time check, grace, confirm release).
#include "commands.h"
#include "output.h"

#include "core/binddiagnosis.h"
#include "platform/processcontrol.h"

#include <QSet>
#include <QTextStream>

#include <cstdio>
#include <unistd.h>

namespace portwatch::cli {
namespace {

QString specsText(const QList<PortSpec> &specs)
{
    QStringList texts;
    for (const PortSpec &spec : specs)
        texts << spec.toString();
    return texts.join(QLatin1String(", "));
}

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
    const QString wanted = specsText(specs);
    const auto listeners = lookup(specs, common);
    if (!listeners)
        return ExitFailure;
    if (listeners->isEmpty()) {
        out(QStringLiteral("%1 is free: nothing holds it\n").arg(wanted));
        return ExitOk;
    }

    for (const platform::Listener &listener : *listeners) {
        if (listener.owners.empty())
            err(QStringLiteral("cannot see who holds %1 (socket of uid %2, %3): %4\n")
                    .arg(socketText(listener.socket))
                    .arg(listener.socket.uid)
                    .arg(QString::fromStdString(listener.user), invisibleHint(listener)));
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
    for (const platform::KillTarget &target : targets)
        out(QStringLiteral("  %1  %2  %3\n")
                .arg(ownerText({}, &target.process), socketText(target.socket), QString::fromStdString(target.process.exe)));
    if (options.dryRun)
        return ExitOk;

    if (!options.yes) {
        if (!isatty(STDIN_FILENO)) {
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
        out(QStringLiteral("%1: %2\n").arg(QLatin1String(platform::toString(result.outcome)), QString::fromStdString(result.message)));
    }
    for (const QString &note : notes)
        err(note);

    // The outcome that counts is the port's, not the processes': a supervisor may have restarted
    // the service, or another process may hold a second socket on the same port.
    const auto after = lookup(specs, common);
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
