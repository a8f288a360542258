// Start at login, whatever the OS keeps for it: Linux, an XDG autostart entry (xdgautostart.h);
// Windows, a value under HKCU\Software\Microsoft\Windows\CurrentVersion\Run. CMake builds the one
// implementation of the OS. The entry's presence is the setting, so a user who removes it by hand
// sees the checkbox follow.
#pragma once

#include <QString>

namespace portwatch::autostart {

// Where the entry lives, as the user would look for it (a file path, or a registry key and value).
QString location();
// True when the entry exists.
bool isEnabled();
// Writes or removes the entry; executable empty means the running binary. On failure returns false
// and sets error to a sentence naming the location and the reason.
bool setEnabled(bool enabled, QString *error = nullptr, const QString &executable = {});

} // namespace portwatch::autostart
