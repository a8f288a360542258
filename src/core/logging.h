// Logging, set up once per process: one spdlog logger writing to stderr and, for the tray app, to a
// rotating file in the state directory. Qt's own messages (qDebug, qWarning, ...) go to it too.
#pragma once

#include <QString>

#include <optional>

namespace portwatch::logging {

struct Options {
    QString level = QStringLiteral("info"); // trace, debug, info, warn, error, critical, off
    QString filePath;                       // empty: no file
    bool toStderr = true;
    // Times in UTC instead of local time; either way each line carries its offset ("+01:00"), so a
    // log read elsewhere or next to other output is never ambiguous.
    bool utc = false;
};

// Parses a level name; nothing when it is not one of the names above.
std::optional<int> parseLevel(const QString &name);
bool isValidLevel(const QString &name);

// Messages below the level are switched off in Qt's logging categories too, so that a disabled
// qCDebug() is not formatted at all.
// Idempotent: a second call replaces the sinks and level. Returns an error text when the log file
// could not be opened (logging then goes to stderr only).
QString setup(const Options &options);
void setLevel(const QString &level);

} // namespace portwatch::logging
