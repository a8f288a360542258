// Where Portwatch keeps its files: see paths.h.
#include "paths.h"

#include <QCoreApplication>
#include <QDir>
#include <QStandardPaths>
#include <QtGlobal>

namespace portwatch::paths {

QString configDir()
{
#if defined(Q_OS_WIN)
    // A user's settings belong in the roaming profile (%APPDATA%), which Qt offers only with the
    // application's folders appended (AppDataLocation: %APPDATA%/<organization>/<application>), and
    // the tray app and the CLI must share one file: take the root of it.
    QString roaming = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    for (const QString &part : {QCoreApplication::applicationName(), QCoreApplication::organizationName()}) {
        if (!part.isEmpty() && roaming.endsWith(QLatin1Char('/') + part))
            roaming.chop(part.size() + 1);
    }
    return roaming + QStringLiteral("/portwatch");
#else
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation) + QStringLiteral("/portwatch");
#endif
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
