// The tray's words: see traytext.h.
#include "traytext.h"

#include "core/listenertext.h"

#include <QCoreApplication>
#include <QMap>

#include <tuple>

namespace portwatch::traytext {
namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("portwatch::TrayIcon", text);
}

int severity(Verdict verdict)
{
    switch (verdict) {
    case Verdict::Unexpected:
        return 2;
    case Verdict::Unknown:
        return 1;
    case Verdict::Expected:
        return 0;
    }
    return 1;
}

// Sockets of the same process on the same protocol and port make one entry; sockets whose owner we
// cannot see are grouped by the socket's uid instead.
using GroupKey = std::tuple<int, int, int, qint64>;
GroupKey keyOf(const platform::Listener &listener)
{
    const auto &socket = listener.socket;
    if (!listener.owners.empty())
        return {int(socket.protocol), socket.port, 0, listener.owners.front().pid};
    return {int(socket.protocol), socket.port, 1, qint64(socket.uid)};
}

} // namespace

QString stateTitle(MonitorState state)
{
    switch (state) {
    case MonitorState::Starting:
        return tr("Starting");
    case MonitorState::Clear:
        return tr("All clear");
    case MonitorState::Alert:
        return tr("Unexpected listener");
    case MonitorState::Paused:
        return tr("Paused");
    case MonitorState::Degraded:
        return tr("Degraded");
    }
    return {};
}

QString listenerLine(const platform::Listener &listener)
{
    QString who;
    if (listener.owners.empty()) {
        who = listenertext::owners(listener);
    } else {
        who = listenertext::commandOwner(listener.owners.front());
        const auto others = listener.owners.size() - 1;
        if (others == 1)
            who += tr(" and 1 more process");
        else if (others > 1)
            who += tr(" and %1 more processes").arg(others);
    }
    return QStringLiteral("%1 \u2014 %2").arg(listenertext::portAndService(listener.socket), who);
}

QString entryText(const TrayEntry &entry)
{
    const platform::Listener &listener = entry.listener.listener;
    if (entry.verdict == Verdict::Unknown && listener.owners.empty())
        return listenerLine(listener);
    // A hidden owner is trusted by user and port, or not at all: say which, so that an owner Portwatch
    // cannot see reads as a known, explained state.
    if (ownerHidden(listener) && entry.verdict == Verdict::Expected)
        return tr("%1 (whitelisted by user and port)").arg(listenerLine(listener));
    return tr("%1 (%2)").arg(listenerLine(listener), listenertext::verdict(entry.verdict));
}

QList<TrayEntry> group(const QList<WatchedListener> &listeners)
{
    QList<TrayEntry> entries;
    QMap<GroupKey, qsizetype> index;
    for (const WatchedListener &watched : listeners) {
        const GroupKey key = keyOf(watched.listener);
        const auto found = index.constFind(key);
        if (found == index.cend()) {
            index.insert(key, entries.size());
            entries.append(TrayEntry{watched, 1, watched.verdict});
            continue;
        }
        TrayEntry &entry = entries[*found];
        ++entry.socketCount;
        if (severity(watched.verdict) > severity(entry.verdict)) {
            // Kill / Whitelist act on the socket that made the entry alarming.
            entry.verdict = watched.verdict;
            entry.listener = watched;
        }
    }
    return entries;
}

QString tooltip(MonitorState state, const QString &reason, const QList<WatchedListener> &listeners, int maxLines)
{
    QStringList lines{tr("Portwatch: %1").arg(stateTitle(state))};
    const QList<TrayEntry> entries = group(listeners);
    // The reason repeats the listener lines in the alert states; it is news when paused, starting,
    // or when the backend itself failed.
    if (!reason.isEmpty() && (entries.isEmpty() || state == MonitorState::Paused))
        lines << reason;
    else if (entries.isEmpty() && state == MonitorState::Clear)
        lines << tr("No watched port is in use.");
    const qsizetype shown = std::min<qsizetype>(entries.size(), maxLines);
    for (qsizetype i = 0; i < shown; ++i) {
        lines << entryText(entries.at(i));
    }
    if (entries.size() > shown)
        lines << tr("\u2026 and %1 more").arg(entries.size() - shown);
    return lines.join(QLatin1Char('\n'));
}

} // namespace portwatch::traytext
