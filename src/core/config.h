// Portwatch's configuration: what to watch, whom to trust, how often to look. Stored as versioned
// JSON, written atomically; a broken file is kept aside and reported, never silently overwritten.
#pragma once

#include "portspec.h"
#include "whitelist.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace portwatch {

struct Config {
    // Version 2 added whitelist rules without "exe" (by user and ports) or with "args", and
    // "interpreters". A file is written as version 1 unless it uses one of those, so that an older
    // Portwatch still reads it; an older Portwatch refuses a version 2 file instead of reading its
    // rules as broader than they are.
    static constexpr int currentVersion = 2;
    static constexpr int minIntervalMs = 250;
    static constexpr int maxIntervalMs = 60000;
    static constexpr int defaultIntervalMs = 1000;
    static constexpr int minCooldownSec = 0;
    static constexpr int maxCooldownSec = 86400;
    // Limits on what a file may hold, so that a wrong or hostile file costs a clear message instead of
    // memory and minutes: the file's size, and the length of any string in it (paths, globs, specs);
    // user names are shorter still. Checked before any value is read, so new keys are covered too.
    static constexpr qsizetype maxFileBytes = 1024 * 1024;
    static constexpr qsizetype maxTextLength = 4096;
    static constexpr qsizetype maxUserNameLength = 256;

    QList<PortSpec> watched;
    QList<WhitelistRule> whitelist;
    int intervalMs = defaultIntervalMs;
    bool notificationsEnabled = true;
    int notificationCooldownSec = 60; // repeats for the same port and executable within this update the old notification
    QString logLevel = QStringLiteral("info"); // trace, debug, info, warn, error, critical, off
    bool firstRunDone = false;          // the "trust what is already listening?" question was answered
    // Program names (besides rulemaker::builtinInterpreters()) whose whitelist rules name the script
    // they run, not only the program: "deno", "lua5.4". File names without a directory.
    QStringList interpreters;

    // Watched ports for a developer machine (documented in the README).
    static Config defaults();

    // The oldest format version that holds everything in this config.
    int formatVersion() const;
    QJsonObject toJson() const;
    // Every problem found is appended to errors as "watched[2]: \"99999\": port 99999 is out of range 1-65535";
    // returns nothing when there is any.
    static std::optional<Config> fromJson(const QJsonObject &object, QStringList *errors = nullptr);

    friend bool operator==(const Config &, const Config &) = default;
};

struct ConfigLoad {
    enum class Status {
        Loaded,  // read from the file
        Missing, // no file yet: defaults in use (nothing written until the first save)
        Broken,  // invalid or too large: defaults in use; the file moved to keptAsidePath when asked to
        // Exists but cannot be read (permissions, not a regular file): defaults in use, and the file is
        // never moved nor replaced, since what it holds may be perfectly good.
        Unreadable,
    };
    Status status = Status::Missing;
    Config config;
    QString path;
    QString message;      // for Broken: what is wrong, and where (file, line/column or key), and where the file went
    QString keptAsidePath;
};

namespace ConfigStore {
// ~/.config/portwatch/config.json on Linux (QStandardPaths::GenericConfigLocation + "/portwatch").
QString defaultPath();
enum class BrokenFile {
    KeepAside, // the tray app, which saves: move a broken file out of the way of the next save
    LeaveAlone, // read-only callers (portwatch-cli): never move nor write anything
};
// Reads only a regular file of at most Config::maxFileBytes, without blocking on FIFOs or devices.
ConfigLoad load(const QString &path, BrokenFile broken = BrokenFile::KeepAside);
// Atomic (safefile::write); creates the directory. On failure (a full disk included) the file on disk
// is left as it was, and error says why.
bool save(const QString &path, const Config &config, QString *error = nullptr);

// The pieces load() and save() are made of, for callers that watch the file (ConfigManager).
// The exact bytes save() writes: indented JSON.
QByteArray serialize(const Config &config);
// Reads file content; on failure sets message to what is wrong and where (path, line and column
// for syntax errors, each bad value with its JSON path otherwise). Touches no file.
std::optional<Config> parse(const QByteArray &data, const QString &path, QString *message = nullptr);
// Renames the file to "<path>.broken-<yyyyMMdd-HHmmss>" (made unique) and returns the new path, or
// an empty string and the reason in error.
QString keepAside(const QString &path, QString *error = nullptr);
} // namespace ConfigStore

} // namespace portwatch
