// How portwatch-cli shows listeners: a readable table for people, JSON for scripts.
#pragma once

#include "core/whitelist.h"
#include "platform/types.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace portwatch::cli {

// Text that came from another process (name, exe, command line, user, cwd) made safe for a terminal:
// every control character (C0, DEL, C1, line breaks included) and every bidirectional override is
// shown as an escape ("\e", "\n", "\x7f", "\u202e"), so it can neither move the cursor, erase
// what was printed, nor add a line. Applied to text output always, to a terminal or a pipe alike.
QString escaped(const QString &text);
QString escaped(const std::string &text);

// "tcp 0.0.0.0:8080", "udp [::1]:53"
// "yes", "no" or "unknown": whether a listener is expected, as the journal and the metrics say it.
const char *expectedText(Verdict verdict);

QString socketText(const platform::SocketEntry &socket);
// "python3 (pid 4242, alice)"; for an invisible owner "owner not visible (uid 0, root)"
QString ownerText(const platform::Listener &listener, const platform::ProcessInfo *owner);

// Why the owner of this socket is not visible, and what to do about it.
QString invisibleHint(const platform::Listener &listener);

// One object per (socket, owning process) with exactly the keys documented in the README:
// protocol, family, address, port, inode, uid, user, pid, process, exe, cmdline, startTime.
// A socket whose owner is not visible gives one object with null process fields.
QJsonArray listenersToJson(const QList<platform::Listener> &listeners);
QJsonObject listenerToJson(const platform::Listener &listener, const platform::ProcessInfo *owner);

// Aligned columns: PROTO ADDRESS PORT PID USER PROCESS COMMAND, one row per (socket, owner).
QString listenersTable(const QList<platform::Listener> &listeners);

// Writes to stdout / stderr (UTF-8, flushed). As a second line of defence, any control character
// other than a line break that reaches them unescaped is escaped here.
void out(const QString &text);
void err(const QString &text);

} // namespace portwatch::cli
