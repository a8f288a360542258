// Ends the application's event loop when the OS asks the process to end (platform/quitrequests.h:
// SIGTERM, SIGINT, SIGHUP on Linux; the console's Ctrl+C, close, logoff, shutdown on Windows), so the
// tray app and `portwatch-cli watch` shut down through their event loops instead of dying on the spot.
#pragma once

#include <QString>

namespace portwatch {

// Routes the requests to a queued QCoreApplication::quit(). False, with error set, when they could
// not be routed.
bool quitOnRequest(QString *error = nullptr);

} // namespace portwatch
