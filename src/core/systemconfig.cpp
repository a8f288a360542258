// SystemConfig: see systemconfig.h. Each file is validated on its own, with ConfigStore::parse, so a
// message names the file that is wrong; only the keys a file really has count.
#include "systemconfig.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

namespace portwatch {

namespace {

// The settings that are not lists: a system file's value for them applies to users without a file.
const QStringList settingKeys{QStringLiteral("intervalMs"), QStringLiteral("notifications"),
                              QStringLiteral("logLevel"), QStringLiteral("firstRunDone")};

template<typename T>
void addMissing(QList<T> &to, const QList<T> &from)
{
    for (const T &item : from) {
        if (!to.contains(item))
            to.append(item);
    }
}

} // namespace

QStringList SystemConfig::searchPaths()
{
    QString dirs = qEnvironmentVariable("XDG_CONFIG_DIRS");
    if (dirs.isEmpty())
        dirs = QStringLiteral("/etc/xdg");
    QStringList paths;
    for (const QString &dir : dirs.split(QLatin1Char(':'), Qt::SkipEmptyParts)) {
        // The XDG spec: relative paths are invalid and must be ignored.
        if (QDir::isAbsolutePath(dir))
            paths.append(QDir::cleanPath(dir) + QStringLiteral("/portwatch/config.json"));
    }
    paths.removeDuplicates();
    return paths;
}

SystemConfig SystemConfig::load(const QStringList &paths)
{
    SystemConfig result;
    result.settings = Config::defaults();
    QJsonObject settings;
    // Least important first, so that a more important file's setting replaces it.
    for (auto it = paths.crbegin(); it != paths.crend(); ++it) {
        const QString &path = *it;
        QFile file(path);
        if (!file.exists())
            continue;
        const QString shown = QDir::toNativeSeparators(path);
        if (!QFileInfo(path).isFile() || !file.open(QIODevice::ReadOnly)) {
            result.problems.append(QStringLiteral("Cannot read the system configuration %1: %2. It is ignored.")
                                       .arg(shown, file.errorString()));
            continue;
        }
        const QByteArray data = file.readAll();
        QString message;
        const auto config = ConfigStore::parse(data, path, &message);
        if (!config) {
            result.problems.append(QStringLiteral("%1\nThe system configuration %2 is ignored until it is fixed; it "
                                                  "is left where it is.")
                                       .arg(message, shown));
            continue;
        }
        const QJsonObject object = QJsonDocument::fromJson(data).object();
        if (object.contains(QStringLiteral("watched")))
            addMissing(result.watched, config->watched);
        addMissing(result.whitelist, config->whitelist);
        const QJsonObject valid = config->toJson();
        for (const QString &key : settingKeys) {
            if (object.contains(key))
                settings.insert(key, valid.value(key));
        }
        result.files.prepend(path);
    }
    QJsonObject defaults = result.settings.toJson();
    for (auto it = settings.constBegin(); it != settings.constEnd(); ++it)
        defaults.insert(it.key(), it.value());
    // Each value was valid in its own file, so the combination is too.
    if (const auto combined = Config::fromJson(defaults))
        result.settings = *combined;
    result.settings.watched.clear();
    result.settings.whitelist.clear();
    return result;
}

Config SystemConfig::merged(const Config &user, bool userHasFile) const
{
    Config result = userHasFile ? user : settings;
    if (!userHasFile) {
        result.watched = user.watched;
        result.whitelist = user.whitelist;
    }
    addMissing(result.watched, watched);
    addMissing(result.whitelist, whitelist);
    return result;
}

Config SystemConfig::userPart(const Config &merged, const Config &userBefore) const
{
    Config result = merged;
    result.watched.clear();
    for (const PortSpec &spec : merged.watched) {
        if (!watched.contains(spec) || userBefore.watched.contains(spec))
            result.watched.append(spec);
    }
    result.whitelist.clear();
    for (const WhitelistRule &rule : merged.whitelist) {
        if (!whitelist.contains(rule) || userBefore.whitelist.contains(rule))
            result.whitelist.append(rule);
    }
    return result;
}

} // namespace portwatch
