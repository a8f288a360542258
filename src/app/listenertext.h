// How the dialogs put a listener into words: "tcp/8080", "[::]:8080", "nc (pid 4242)", local times.
// One place, so the alert dialog, the pickers and the history window all say the same thing.
#pragma once

#include "core/monitor.h"
#include "platform/types.h"

#include <QDateTime>
#include <QString>
#include <QStringList>

namespace portwatch::listenertext {

QString port(const platform::SocketEntry &socket);    // "tcp/8080"
QString address(const platform::SocketEntry &socket); // "0.0.0.0:8080", "[::]:8080"
QString commandLine(const platform::ProcessInfo &process); // argv joined, quoted where it holds spaces
QString localTime(const QDateTime &time);            // "2026-11-25 21:04:05" in local time; "" when invalid
QString processStart(const platform::ProcessInfo &process); // local start time, "" when unknown
QString verdict(Verdict verdict);                     // "whitelisted", "unexpected", "owner not visible"
// Owners in one line each: "nc (pid 4242, user alice)"; "owner not visible" when there is none.
QString owners(const platform::Listener &listener);

} // namespace portwatch::listenertext
