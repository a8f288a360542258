// The words of Portwatch's notifications: see alerttext.h.
#include "alerttext.h"

#include "core/listenertext.h"
#include "core/servicenames.h"
#include "trayicon.h"

#include <QCoreApplication>
#include <QStringList>

#include <algorithm>

namespace portwatch::alerttext {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("portwatch::alerttext", text);
}

QString fromStd(const std::string &text)
{
    return QString::fromStdString(text);
}

// The ports of a group, "tcp/8080" or "tcp/8080 and udp/8080".
QString portsLabel(const QList<WatchedListener> &listeners)
{
    QStringList ports;
    for (const WatchedListener &listener : listeners) {
        const QString port = listenertext::port(listener.listener.socket);
        if (!ports.contains(port))
            ports.append(port);
    }
    return ports.join(tr(" and "));
}

QString holderName(const platform::Listener &listener)
{
    if (listener.owners.empty())
        return listener.ownersVisible ? tr("a process not identified yet") : tr("a process of user %1").arg(fromStd(listener.user));
    return listenertext::processName(listener.owners.front());
}

} // namespace

Notification alert(const QList<WatchedListener> &listeners, int repeats)
{
    Notification notification;
    notification.persistent = true;
    notification.offerActions = true;
    notification.clickLabel = tr("Details"); // the alert dialog, with Kill and Whitelist
    notification.iconPath = TrayIcon::iconPath(MonitorState::Alert);
    if (listeners.isEmpty())
        return notification;

    const platform::Listener &first = listeners.front().listener;
    notification.title = tr("Port %1 taken by %2").arg(portsLabel(listeners), holderName(first));

    QStringList lines;
    lines.append(listenertext::owners(first, QStringLiteral(", ")));
    // What runs, where from: a name alone ("python3") does not tell two servers apart.
    QStringList commands;
    for (const platform::ProcessInfo &owner : first.owners) {
        if (owner.cmdline.empty())
            continue;
        const QString command = listenertext::shortCommand(owner);
        if (!commands.contains(command))
            commands.append(command);
    }
    if (!commands.isEmpty())
        lines.append(commands.join(QStringLiteral(", ")));
    QStringList exes;
    for (const platform::ProcessInfo &owner : first.owners) {
        const QString exe = owner.exe.empty() ? tr("(executable not readable)") : fromStd(owner.exe);
        if (!exes.contains(exe))
            exes.append(exe);
    }
    if (!exes.isEmpty())
        lines.append(exes.join(QStringLiteral(", ")));
    if (!first.owners.empty()) {
        const platform::ProcessInfo &owner = first.owners.front();
        const QString parent = listenertext::parent(owner);
        const QString cwd = fromStd(owner.cwd);
        if (!parent.isEmpty() && !cwd.isEmpty())
            lines.append(tr("Started by %1 in %2").arg(parent, cwd));
        else if (!parent.isEmpty())
            lines.append(tr("Started by %1").arg(parent));
        else if (!cwd.isEmpty())
            lines.append(tr("Working directory %1").arg(cwd));
    }
    QStringList addresses;
    for (const WatchedListener &listener : listeners)
        addresses.append(listenertext::address(listener.listener.socket));
    const QString service = servicenames::name(first.socket.protocol, first.socket.port);
    lines.append(service.isEmpty() ? tr("Listening on %1").arg(addresses.join(QStringLiteral(", ")))
                                   : tr("Listening on %1 (%2)").arg(addresses.join(QStringLiteral(", ")), service));
    if (repeats > 1)
        lines.append(tr("Bound again: %1 times since the first alert.").arg(repeats));
    const bool hidden = ownerHidden(first);
    if (hidden) {
        // Whitelist stays possible (by user and port); Kill would only be refused.
        notification.offerKill = false;
        lines.append(listenertext::hiddenOwnerHelp(first));
    }
    notification.body = lines.join(QLatin1Char('\n'));
    lines.append(hidden ? tr("Click to open Portwatch and whitelist it by user and port.")
                        : tr("Click to open Portwatch and kill or whitelist it."));
    notification.bodyWithoutActions = lines.join(QLatin1Char('\n'));
    return notification;
}

Notification summary(const QList<WatchedListener> &listeners)
{
    constexpr qsizetype shownLines = 8;
    Notification notification;
    notification.persistent = true;
    notification.clickLabel = tr("History"); // the history window's History tab
    notification.iconPath = TrayIcon::iconPath(MonitorState::Alert);
    // A summary stands for a burst, so there are always several.
    notification.title = tr("%1 unexpected listeners on watched ports").arg(listeners.size());

    QStringList lines;
    for (qsizetype i = 0; i < std::min(listeners.size(), shownLines); ++i) {
        const platform::Listener &listener = listeners.at(i).listener;
        QString line = QStringLiteral("%1 %2").arg(listenertext::port(listener.socket), holderName(listener));
        if (!listener.owners.empty())
            line += tr(" (pid %1)").arg(listener.owners.front().pid);
        lines.append(line);
    }
    if (listeners.size() > shownLines)
        lines.append(tr("and %1 more").arg(listeners.size() - shownLines));
    notification.body = tr("%1 unexpected listeners: %2").arg(QString::number(listeners.size()), lines.join(QStringLiteral(", ")))
                        + QLatin1Char('\n') + tr("Click to see them in Portwatch's history.");
    return notification;
}

Notification summary(const QList<WatchedListener> &listeners, const QList<AlertGroup> &taken)
{
    QList<quint16> ports;
    QStringList programs;
    for (const AlertGroup &group : taken) {
        if (!ports.contains(group.port))
            ports.append(group.port);
        // A group without an owner is keyed by the socket's uid (see AlertController).
        const QString program = group.exe.startsWith(QLatin1String("uid:")) ? tr("processes not identified yet")
                                                                              : group.exe.section(QLatin1Char('/'), -1);
        if (!programs.contains(program))
            programs.append(program);
    }
    if (ports.size() <= listeners.size())
        return summary(listeners);

    Notification notification = summary(listeners);
    constexpr qsizetype namedPrograms = 2;
    QString by = programs.mid(0, namedPrograms).join(QStringLiteral(", "));
    if (programs.size() > namedPrograms)
        by = programs.size() - namedPrograms == 1 ? tr("%1 and one more program").arg(by)
                                                  : tr("%1 and %2 more programs").arg(by).arg(programs.size() - namedPrograms);
    notification.title = tr("%1 ports taken by %2").arg(ports.size()).arg(by);
    const QString still = listeners.isEmpty() ? tr("None of them is held any more.")
                                              : notification.body.section(QLatin1Char('\n'), 0, 0);
    notification.body = still + QLatin1Char('\n') + tr("Click to see them in Portwatch's history.");
    return notification;
}

QString killFact(const WatchedListener &listener, const platform::TerminateResult &result)
{
    const QString port = listenertext::port(listener.listener.socket);
    const QString holder = holderName(listener.listener);
    switch (result.outcome) {
    case platform::TerminateOutcome::Released:
        return tr("Ended %1; %2 is free now.").arg(holder, port);
    case platform::TerminateOutcome::StillHeld: {
        QStringList holders;
        for (const platform::Listener &other : result.stillHeldBy)
            holders.append(listenertext::owners(other, QStringLiteral(", ")));
        holders.removeDuplicates();
        return holders.isEmpty() ? tr("%1 is still in use.").arg(port)
                                 : tr("%1 is still held by %2.").arg(port, holders.join(QStringLiteral(", ")));
    }
    case platform::TerminateOutcome::PermissionDenied:
        return tr("Not allowed to end %1, which runs as another user.").arg(holder);
    case platform::TerminateOutcome::AlreadyGone:
        return tr("%1 had already exited; nothing was signalled.").arg(holder);
    case platform::TerminateOutcome::Refused:
        return tr("Portwatch never ends init, kernel threads or itself, and %1 is one of them.").arg(holder);
    case platform::TerminateOutcome::Failed:
        return tr("Could not end %1.").arg(holder);
    }
    return {};
}

QString killAdvice(const WatchedListener &listener, const platform::TerminateResult &result)
{
    const QString port = listenertext::port(listener.listener.socket);
    switch (result.outcome) {
    case platform::TerminateOutcome::Released:
    case platform::TerminateOutcome::AlreadyGone:
        break; // nothing left to do
    case platform::TerminateOutcome::StillHeld:
        return tr("To free it, end that process too: portwatch-cli kill %1").arg(port);
    case platform::TerminateOutcome::PermissionDenied:
        return tr("To end it as root: sudo portwatch-cli kill %1").arg(port);
    case platform::TerminateOutcome::Refused:
        return tr("If it belongs on %1, whitelist it.").arg(port);
    case platform::TerminateOutcome::Failed:
        return tr("Portwatch's log has the details. To try again: portwatch-cli kill %1").arg(port);
    }
    return {};
}

Notification killOutcome(const WatchedListener &listener, const std::vector<platform::TerminateResult> &results)
{
    // An outcome has no click: there is nothing more to see than it says (no "Details" leading nowhere).
    Notification notification;
    notification.iconPath = TrayIcon::iconPath(MonitorState::Clear);
    const QString port = listenertext::port(listener.listener.socket);
    if (results.empty()) {
        notification.title = tr("Nothing to end on %1").arg(port);
        return notification;
    }
    // The last result tells how the port ended up; an earlier refusal or denial matters more to say.
    const auto notable = std::find_if(results.cbegin(), results.cend(), [](const platform::TerminateResult &r) {
        return r.outcome == platform::TerminateOutcome::PermissionDenied
            || r.outcome == platform::TerminateOutcome::Refused || r.outcome == platform::TerminateOutcome::Failed;
    });
    const platform::TerminateResult &headline = notable != results.cend() ? *notable : results.back();
    const bool freed = headline.outcome == platform::TerminateOutcome::Released
                    || headline.outcome == platform::TerminateOutcome::AlreadyGone;
    notification.iconPath = TrayIcon::iconPath(freed ? MonitorState::Clear : MonitorState::Alert);
    switch (headline.outcome) {
    case platform::TerminateOutcome::Released:
        notification.title = tr("Port %1 released").arg(port);
        break;
    case platform::TerminateOutcome::StillHeld:
        notification.title = tr("Port %1 is still held").arg(port);
        notification.urgency = Notification::Urgency::Critical;
        break;
    case platform::TerminateOutcome::PermissionDenied:
        notification.title = tr("Not allowed to end the holder of %1").arg(port);
        notification.urgency = Notification::Urgency::Critical;
        break;
    case platform::TerminateOutcome::AlreadyGone:
        notification.title = tr("The holder of %1 was already gone").arg(port);
        break;
    case platform::TerminateOutcome::Refused:
        notification.title = tr("Portwatch will not end the holder of %1").arg(port);
        notification.urgency = Notification::Urgency::Critical;
        break;
    case platform::TerminateOutcome::Failed:
        notification.title = tr("Could not end the holder of %1").arg(port);
        notification.urgency = Notification::Urgency::Critical;
        break;
    }

    // What happened, in the platform's words where it has them (they name process and port), then
    // at most one sentence on what to do; never a second sentence saying the same thing.
    QStringList lines;
    for (const platform::TerminateResult &result : results)
        lines.append(result.message.empty() ? killFact(listener, result) : fromStd(result.message));
    lines.removeDuplicates();
    const QString advice = killAdvice(listener, headline);
    if (!advice.isEmpty())
        lines.append(advice);
    notification.body = lines.join(QLatin1Char('\n'));
    return notification;
}

} // namespace portwatch::alerttext
