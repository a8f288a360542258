// Where Portwatch keeps its files: see paths.h.
#include "paths.h"

#include <QDir>
#include <QStandardPaths>
#include <QtGlobal>

namespace portwatch::paths {

QString configDir()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation) + QStringLiteral("/portwatch");
}

QString stateDir()
{
#if defined(Q_OS_WIN) || defined(Q_OS_MACOS)
    // No XDG state directory there: logs and history live with the application's local data.
    return QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + QStringLiteral("/portwatch");
#else
    // Qt 6.4 has no StateLocation. The XDG spec says a relative XDG_STATE_HOME is invalid and must be ignored.
    QString base = qEnvironmentVariable("XDG_STATE_HOME");
    if (base.isEmpty() || QDir::isRelativePath(base))
        base = QDir::homePath() + QStringLiteral("/.local/state");
    return base + QStringLiteral("/portwatch");
#endif
}

} // namespace portwatch::paths
