// Turns SIGTERM, SIGINT and SIGHUP (a logout, Ctrl+C, `kill`) into QCoreApplication::quit(), so that
// Portwatch shuts down through its event loop: aboutToQuit runs and the notifications it owns are
// closed instead of staying on screen with buttons nobody answers.
#pragma once

class QObject;

namespace portwatch::quitsignals {

// Installs the handlers; the notifier that wakes the event loop is a child of `parent`. False when the
// signals could not be routed (the default action, ending the process at once, then stays).
bool install(QObject *parent);

} // namespace portwatch::quitsignals
