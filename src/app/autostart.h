// Start at login: an XDG autostart entry ($XDG_CONFIG_HOME/autostart/portwatch.desktop) that runs the
// current binary. The entry's presence is the setting, so a user who deletes the file by hand sees the
// checkbox follow.
#pragma once

#include <QString>

namespace portwatch::autostart {

// $XDG_CONFIG_HOME/autostart/portwatch.desktop (~/.config/autostart/portwatch.desktop).
QString entryPath();
// True when the entry exists.
bool isEnabled();
// The desktop entry text that starts executable at login.
QString entryText(const QString &executable);
// Quotes a path for the Exec key as the Desktop Entry Specification asks (only when needed).
QString quoteExecArgument(const QString &argument);
// Writes (atomically) or removes the entry; executable empty means the running binary. On failure
// returns false and sets error to a sentence naming the file and the reason.
bool setEnabled(bool enabled, QString *error = nullptr, const QString &executable = {});

} // namespace portwatch::autostart
