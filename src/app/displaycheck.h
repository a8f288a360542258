// Whether the display the environment names can be reached, asked before a QApplication exists:
// Qt aborts (exit 134, "Reinstalling the application may fix this problem") when DISPLAY names an X
// server that is not there, and a tray program should instead say what is wrong and exit cleanly.
// Connects once to the X server's socket (unix, abstract or TCP) or to the Wayland socket and closes
// it again; it does not authenticate, so an X server that refuses our credentials still gets past it.
#pragma once

#include <QString>

namespace portwatch::displaycheck {

// Empty when a display can be reached (or a platform plugin is forced through QT_QPA_PLATFORM,
// which is the user's decision); otherwise why not, in a sentence naming the variables.
QString problem();

// Where DISPLAY's X server listens: "/tmp/.X11-unix/X<n>" for a local display, "host:<6000+n>" for a
// remote one; empty when DISPLAY cannot be parsed. For tests and the message.
QString xServerAddress(const QString &display);

} // namespace portwatch::displaycheck
