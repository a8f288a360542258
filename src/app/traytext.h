// The words the tray shows: the state in a sentence, one line per watched port in use, and the
// grouping of sockets into menu entries. Pure functions, so tests can check the text directly.
#pragma once

#include "core/monitor.h"

#include <QList>
#include <QString>

namespace portwatch {

// One menu entry: a watched port in use by one process (or by an owner we cannot see). The IPv4
// and IPv6 sockets a server opens on the same port come together, because Kill and Whitelist act
// on the process, not on one socket.
struct TrayEntry {
    WatchedListener listener; // the first socket of the group: what Kill / Whitelist act on
    int socketCount = 1;
    Verdict verdict = Verdict::Unknown; // the worst verdict among the group's sockets
};

namespace traytext {

QString stateTitle(MonitorState state);   // "All clear", "Unexpected listener", ...
// "tcp/8080 — python3 (pid 4242, user alice)"; "udp/53 — owner not visible (user bob)". The parts are
// listenertext's, as are the verdict words.
QString listenerLine(const platform::Listener &listener);

// An entry as the menu and the tooltip show it: "tcp/8080 — python3 (pid 4242, user alice) (unexpected)".
// The verdict is left out where the line already says that the owner is not visible.
QString entryText(const TrayEntry &entry);

// Sorted like the monitor's list; unexpected entries first within a port.
QList<TrayEntry> group(const QList<WatchedListener> &listeners);

// "Portwatch: Unexpected listener\ntcp/8080 — python3 (pid 4242, user alice) (unexpected)\n..."; at most
// maxLines listener lines, then "… and N more".
QString tooltip(MonitorState state, const QString &reason, const QList<WatchedListener> &listeners,
                int maxLines = 8);

} // namespace traytext
} // namespace portwatch
