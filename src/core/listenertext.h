// How Portwatch puts a listener into words: "tcp/8080", "[::]:8080", "nc (pid 4242, user alice)",
// verdicts, local times. The one place for them, so that notifications, the tray menu, the dialogs,
// the history window and portwatch-cli all say the same thing in the same way.
#pragma once

#include "core/monitor.h"
#include "platform/types.h"

#include <QDateTime>
#include <QString>
#include <QStringList>

namespace portwatch::listenertext {

QString port(const platform::SocketEntry &socket);    // "tcp/8080"
// "tcp/5432 PostgreSQL", "tcp/8080 HTTP alternate"; just the port when no name is known (servicenames).
QString portAndService(const platform::SocketEntry &socket);
QString address(const platform::SocketEntry &socket); // "0.0.0.0:8080", "[::]:8080"
// The process's short name; its executable's file name when it has none; "pid 4242" as a last resort.
QString processName(const platform::ProcessInfo &process);
QString owner(const platform::ProcessInfo &process); // "nc (pid 4242, user alice)"
// The same with the short command line instead of the name: "python3 -m http.server 8000 (pid 4242, user alice)".
QString commandOwner(const platform::ProcessInfo &process, int maxChars = 40);
// Every owner, joined by `separator`; for a socket without a visible owner "owner not visible (user
// bob)", or "no visible process" when nothing is hidden from us and yet nobody holds it.
QString owners(const platform::Listener &listener, const QString &separator = QStringLiteral("\n"));
QString commandLine(const platform::ProcessInfo &process); // argv joined, quoted where it holds spaces
// The command line as a person reads it, at most `maxChars` long: the program's file name instead of
// its path ("python3 -m http.server 8000", not "/usr/bin/python3.11"), long path arguments as
// ".../name", the end cut with "…". The process name when the command line is not readable.
QString shortCommand(const platform::ProcessInfo &process, int maxChars = 60);
// "bash (pid 1234)"; empty when the parent is unknown.
QString parent(const platform::ProcessInfo &process);
QString localTime(const QDateTime &time);            // "2026-11-25 21:04:05" in local time; "" when invalid
QString processStart(const platform::ProcessInfo &process); // local start time, "" when unknown
QString verdict(Verdict verdict);                     // "whitelisted", "unexpected", "owner not visible"
// For a listener whose owner is hidden (ownerHidden()): why Portwatch cannot name the program, and
// the commands that see or stop it ("sudo portwatch-cli who tcp/8888"). Empty for any other.
QString hiddenOwnerHelp(const platform::Listener &listener);

} // namespace portwatch::listenertext
