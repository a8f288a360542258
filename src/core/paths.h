// Where Portwatch keeps its files, per the platform's conventions.
#pragma once

#include <QString>

namespace portwatch::paths {
QString configDir(); // ~/.config/portwatch; Windows: %APPDATA%\\portwatch
QString stateDir();  // $XDG_STATE_HOME/portwatch, default ~/.local/state/portwatch (logs, history);
                     // Windows: %LOCALAPPDATA%\\portwatch
} // namespace portwatch::paths
