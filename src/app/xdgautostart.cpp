// XDG autostart entry: see autostart.h and xdgautostart.h.
#include "xdgautostart.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QStandardPaths>

#include <algorithm>

namespace portwatch::autostart {

QString entryPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation)
        + QStringLiteral("/autostart/portwatch.desktop");
}

QString location()
{
    return entryPath();
}

bool isEnabled()
{
    return QFileInfo::exists(entryPath());
}

QString quoteExecArgument(const QString &argument)
{
    // The spec reserves these characters; an argument holding any of them must be double-quoted,
    // and inside quotes ", `, $ and \ are escaped with a backslash.
    static const QString reserved = QStringLiteral(" \t\n\"'\\><~|&;$*?#()`");
    const bool needsQuotes = argument.isEmpty()
        || std::any_of(argument.cbegin(), argument.cend(), [](QChar c) { return reserved.contains(c); });
    QString escaped = argument;
    // "%" introduces field codes everywhere in Exec, quoted or not.
    escaped.replace(QLatin1Char('%'), QStringLiteral("%%"));
    if (!needsQuotes)
        return escaped;
    QString quoted;
    quoted.reserve(escaped.size() + 2);
    quoted += QLatin1Char('"');
    for (const QChar c : std::as_const(escaped)) {
        if (c == QLatin1Char('"') || c == QLatin1Char('`') || c == QLatin1Char('$') || c == QLatin1Char('\\'))
            quoted += QLatin1Char('\\');
        quoted += c;
    }
    quoted += QLatin1Char('"');
    return quoted;
}

QString entryText(const QString &executable)
{
    // The desktop file is a GKeyFile, where a backslash is itself an escape: double it.
    QString exec = quoteExecArgument(executable);
    exec.replace(QLatin1Char('\\'), QStringLiteral("\\\\"));
    return QStringLiteral("[Desktop Entry]\n"
                          "Type=Application\n"
                          "Name=Portwatch\n"
                          "Comment=Watches ports and tells you which process took them\n"
                          "Exec=%1\n"
                          "Icon=portwatch\n"
                          "Terminal=false\n"
                          "Categories=System;Monitor;Network;\n"
                          "X-GNOME-Autostart-enabled=true\n")
        .arg(exec);
}

bool setEnabled(bool enabled, QString *error, const QString &executable)
{
    const QString path = entryPath();
    auto fail = [error](const QString &message) {
        if (error)
            *error = message;
        return false;
    };

    if (!enabled) {
        QFile file(path);
        if (!file.exists() || file.remove())
            return true;
        return fail(QCoreApplication::translate("autostart", "Could not remove %1: %2").arg(path, file.errorString()));
    }

    const QString dir = QFileInfo(path).absolutePath();
    if (!QDir().mkpath(dir))
        return fail(QCoreApplication::translate("autostart", "Could not create the folder %1").arg(dir));

    const QString program = executable.isEmpty() ? QCoreApplication::applicationFilePath() : executable;
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text))
        return fail(QCoreApplication::translate("autostart", "Could not write %1: %2").arg(path, file.errorString()));
    file.write(entryText(program).toUtf8());
    if (!file.commit())
        return fail(QCoreApplication::translate("autostart", "Could not write %1: %2").arg(path, file.errorString()));
    return true;
}

} // namespace portwatch::autostart
