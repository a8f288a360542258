// Turns the OS's requests to end (Linux: SIGTERM, SIGINT, SIGHUP; Windows: the console's Ctrl+C, close,
// logoff and shutdown events; see platform/quitrequests.h) into QCoreApplication::quit(), so that
// Portwatch shuts down through its event loop: aboutToQuit runs and the notifications it owns are
// closed instead of staying on screen with buttons nobody answers.
#pragma once

namespace portwatch::quitsignals {

// Installs the handlers for the running QCoreApplication. False when the requests could not be
// routed (the default action, ending the process at once, then stays).
bool install();

} // namespace portwatch::quitsignals
