// The XDG side of autostart.h: $XDG_CONFIG_HOME/autostart/portwatch.desktop, running the current
// binary. What the entry says is exposed here for tests.
#pragma once

#include "autostart.h"

namespace portwatch::autostart {

// $XDG_CONFIG_HOME/autostart/portwatch.desktop (~/.config/autostart/portwatch.desktop).
QString entryPath();
// The desktop entry text that starts executable at login.
QString entryText(const QString &executable);
// Quotes a path for the Exec key as the Desktop Entry Specification asks (only when needed).
QString quoteExecArgument(const QString &argument);

} // namespace portwatch::autostart
