// Config: defaults, JSON form with validation of every value, and the file store (load with a
// broken file kept aside, atomic save).
#include "config.h"

#include "jsonvalues.h"
#include "logging.h"
#include "paths.h"
#include "safefile.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QHash>
#include <QJsonDocument>
#include <QRegularExpression>

#include <algorithm>
#include <cmath>

namespace portwatch {
namespace {

const QString versionKey = QStringLiteral("version");
const QString watchedKey = QStringLiteral("watched");
const QString whitelistKey = QStringLiteral("whitelist");
const QString intervalKey = QStringLiteral("intervalMs");
const QString notificationsKey = QStringLiteral("notifications");
const QString enabledKey = QStringLiteral("enabled");
const QString cooldownKey = QStringLiteral("cooldownSec");
const QString logLevelKey = QStringLiteral("logLevel");
const QString firstRunKey = QStringLiteral("firstRunDone");
const QString interpretersKey = QStringLiteral("interpreters");

// Ports that development servers commonly fight over. All TCP: these servers speak TCP, and a TCP-only
// query keeps each poll cheap. Left out on purpose, because a normal desktop's own services hold
// them out of the box and the first start would be a wall of alerts: 22 (sshd), 53 (systemd-resolved,
// dnsmasq), 631 (CUPS), 5353 (Avahi), 111 (rpcbind).
const char *const defaultWatched[] = {
    "tcp/80",    // HTTP: nginx, Apache, Caddy, containers publishing :80
    "tcp/443",   // HTTPS: the same servers with TLS
    "tcp/3000",  // Node/Express, Next.js, Rails, Grafana
    "tcp/3306",  // MySQL, MariaDB
    "tcp/4200",  // Angular dev server
    "tcp/5000",  // Flask, Docker registry (macOS AirPlay Receiver also takes it there)
    "tcp/5173",  // Vite dev server
    "tcp/5432",  // PostgreSQL
    "tcp/6379",  // Redis
    "tcp/8000",  // Django, python -m http.server, uvicorn
    "tcp/8080",  // Tomcat, Jenkins, Spring Boot, proxies
    "tcp/8443",  // HTTPS alternative (Tomcat, Kubernetes dashboards)
    "tcp/8888",  // Jupyter
    "tcp/9000",  // PHP-FPM, MinIO, SonarQube
    "tcp/9200",  // Elasticsearch, OpenSearch
    "tcp/27017", // MongoDB
};

const char *const logLevels = "trace, debug, info, warn, error, critical or off";

QString at(const QString &key, qsizetype index)
{
    return key + QLatin1Char('[') + QString::number(index) + QLatin1Char(']');
}

// Reads the keys one by one, collecting every problem with its JSON path.
class Reader
{
public:
    explicit Reader(QStringList &errors) : m_errors(errors) {}

    void problem(const QString &path, const QString &why) { m_errors.append(path + QStringLiteral(": ") + why); }

    void readBool(const QJsonObject &object, const QString &key, const QString &path, bool &out)
    {
        const QJsonValue value = object.value(key);
        if (value.isUndefined())
            return;
        if (value.isBool())
            out = value.toBool();
        else
            problem(path, json::mustBe(QStringLiteral("true or false"), value));
    }

    void readInt(const QJsonObject &object, const QString &key, const QString &path, int min, int max, int &out)
    {
        const QJsonValue value = object.value(key);
        if (value.isUndefined())
            return;
        QString why;
        if (const auto number = json::wholeNumber(value, min, max, &why))
            out = *number;
        else
            problem(path, why);
    }

    void readWatched(const QJsonValue &value, QList<PortSpec> &out)
    {
        if (value.isUndefined())
            return;
        if (!value.isArray()) {
            problem(watchedKey, json::mustBe(QStringLiteral("an array of port specs such as [\"tcp/80\", \"udp/53\"]"),
                                             value));
            return;
        }
        const QJsonArray array = value.toArray();
        QList<PortSpec> specs;
        // Canonical text of each kept spec -> the array index it came from: a hash, so that checking
        // for duplicates stays linear however long the list is.
        QHash<QString, qsizetype> origins;
        for (qsizetype i = 0; i < array.size(); ++i) {
            const QJsonValue element = array.at(i);
            QString text;
            if (element.isString()) {
                text = element.toString();
            } else if (element.isDouble() && std::trunc(element.toDouble()) == element.toDouble()
                       && std::abs(element.toDouble()) < 1e15) {
                // [80, 443] is what people type by hand; read 80 as the spec "80".
                text = QString::number(qint64(element.toDouble()));
            } else {
                problem(at(watchedKey, i), json::mustBe(QStringLiteral("a port spec string such as \"tcp/80\""), element));
                continue;
            }
            QString why;
            const auto spec = PortSpec::parse(text, &why);
            if (!spec) {
                problem(at(watchedKey, i), why);
                continue;
            }
            const QString canonical = spec->toString();
            const auto earlier = origins.constFind(canonical);
            if (earlier != origins.constEnd()) {
                problem(at(watchedKey, i),
                        QStringLiteral("\"%1\" is already watched (%2)").arg(canonical, at(watchedKey, *earlier)));
                continue;
            }
            specs.append(*spec);
            origins.insert(canonical, i);
        }
        out = specs;
    }

    void readWhitelist(const QJsonValue &value, QList<WhitelistRule> &out)
    {
        if (value.isUndefined())
            return;
        if (!value.isArray()) {
            problem(whitelistKey, json::mustBe(QStringLiteral("an array of rules such as [{\"exe\": \"/usr/sbin/nginx\"}]"),
                                               value));
            return;
        }
        const QJsonArray array = value.toArray();
        QList<WhitelistRule> rules;
        for (qsizetype i = 0; i < array.size(); ++i) {
            const QJsonValue element = array.at(i);
            if (!element.isObject()) {
                problem(at(whitelistKey, i),
                        json::mustBe(QStringLiteral("an object such as {\"exe\": \"/usr/sbin/nginx\"}"), element));
                continue;
            }
            if (auto rule = WhitelistRule::fromJson(element.toObject(), at(whitelistKey, i), &m_errors))
                rules.append(*rule);
        }
        out = rules;
    }

    void readNotifications(const QJsonValue &value, Config &config)
    {
        if (value.isUndefined())
            return;
        if (!value.isObject()) {
            problem(notificationsKey,
                    json::mustBe(QStringLiteral("an object such as {\"enabled\": true, \"cooldownSec\": 60}"), value));
            return;
        }
        const QJsonObject object = value.toObject();
        readBool(object, enabledKey, notificationsKey + QLatin1Char('.') + enabledKey, config.notificationsEnabled);
        readInt(object, cooldownKey, notificationsKey + QLatin1Char('.') + cooldownKey, Config::minCooldownSec,
                Config::maxCooldownSec, config.notificationCooldownSec);
    }

    void readLogLevel(const QJsonValue &value, QString &out)
    {
        if (value.isUndefined())
            return;
        if (!value.isString()) {
            problem(logLevelKey, json::mustBe(QStringLiteral("a string (%1)").arg(QLatin1String(logLevels)), value));
            return;
        }
        const QString level = value.toString();
        if (logging::isValidLevel(level))
            out = level;
        else
            problem(logLevelKey, QStringLiteral("\"%1\" is not a log level (use %2)").arg(level, QLatin1String(logLevels)));
    }

    void readInterpreters(const QJsonValue &value, QStringList &out)
    {
        if (value.isUndefined() || value.isNull())
            return;
        if (!value.isArray()) {
            problem(interpretersKey,
                    json::mustBe(QStringLiteral("an array of program names such as [\"deno\", \"lua\"]"), value));
            return;
        }
        const QJsonArray array = value.toArray();
        QStringList names;
        for (qsizetype i = 0; i < array.size(); ++i) {
            const QJsonValue element = array.at(i);
            if (!element.isString()) {
                problem(at(interpretersKey, i), json::mustBe(QStringLiteral("a program name such as \"deno\""), element));
                continue;
            }
            const QString name = element.toString();
            if (name.trimmed().isEmpty()) {
                problem(at(interpretersKey, i), QStringLiteral("the program name is empty"));
            } else if (name.contains(QLatin1Char('/')) || name.contains(QLatin1Char('\\'))) {
                problem(at(interpretersKey, i),
                        QStringLiteral("\"%1\" is a path; give the program's file name only, such as \"%2\"")
                            .arg(name, name.section(QRegularExpression(QStringLiteral("[/\\\\]")), -1)));
            } else if (name != name.trimmed() || name.contains(QLatin1Char(' '))) {
                problem(at(interpretersKey, i), QStringLiteral("\"%1\" contains spaces; a program name has none").arg(name));
            } else if (names.contains(name)) {
                problem(at(interpretersKey, i), QStringLiteral("\"%1\" is listed twice").arg(name));
            } else {
                names.append(name);
            }
        }
        out = names;
    }

private:
    QStringList &m_errors;
};

// Every string (and key) longer than its limit, with its JSON path; the text itself is not repeated.
void checkTextLengths(const QJsonValue &value, const QString &path, const QString &key, QStringList &errors)
{
    const auto limitFor = [](const QString &name) {
        return name == QLatin1String("user") || name == QLatin1String("users") ? Config::maxUserNameLength
                                                                                : Config::maxTextLength;
    };
    if (value.isString()) {
        const qsizetype length = value.toString().size();
        const qsizetype limit = limitFor(key);
        if (length > limit)
            errors.append(QStringLiteral("%1: text of %2 characters; the limit is %3").arg(path).arg(length).arg(limit));
    } else if (value.isArray()) {
        const QJsonArray array = value.toArray();
        for (qsizetype i = 0; i < array.size(); ++i)
            checkTextLengths(array.at(i), at(path, i), key, errors);
    } else if (value.isObject()) {
        const QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it) {
            const QString name = it.key();
            const QString childPath = path.isEmpty() ? name : path + QLatin1Char('.') + name;
            if (name.size() > Config::maxTextLength) {
                errors.append(QStringLiteral("%1: a key of %2 characters; the limit is %3")
                                  .arg(path.isEmpty() ? QStringLiteral("(top level)") : path)
                                  .arg(name.size())
                                  .arg(Config::maxTextLength));
                continue;
            }
            checkTextLengths(it.value(), childPath, name, errors);
        }
    }
}

// 1-based line and column of a QJsonParseError, the column counted in characters as an editor shows it.
std::pair<int, int> lineAndColumn(const QByteArray &data, int errorOffset)
{
    // Qt reports the offset after the token it choked on and any whitespace it skipped looking for the
    // next one (an unterminated array is reported at the very end of the file). Step back to that token.
    int offset = qBound(0, errorOffset, int(data.size()));
    while (offset > 0 && QChar::isSpace(uchar(data.at(offset - 1))))
        --offset;
    if (offset > 0)
        --offset;
    // Do not land inside a multi-byte UTF-8 sequence.
    while (offset > 0 && (uchar(data.at(offset)) & 0xC0) == 0x80)
        --offset;
    const QByteArray before = data.left(offset);
    const qsizetype lineStart = before.lastIndexOf('\n') + 1;
    const int line = int(before.count('\n')) + 1;
    const int column = int(QString::fromUtf8(before.mid(lineStart)).size()) + 1;
    return {line, column};
}

} // namespace

Config Config::defaults()
{
    Config config;
    for (const char *text : defaultWatched)
        config.watched.append(*PortSpec::parse(QString::fromLatin1(text)));
    return config;
}

int Config::formatVersion() const
{
    const bool usesVersion2 = !interpreters.isEmpty() || std::any_of(whitelist.cbegin(), whitelist.cend(), [](const WhitelistRule &rule) {
        return rule.exe.isEmpty() || rule.args.has_value();
    });
    return usesVersion2 ? 2 : 1;
}

QJsonObject Config::toJson() const
{
    QJsonArray watchedArray;
    for (const PortSpec &spec : watched)
        watchedArray.append(spec.toString());
    QJsonArray rulesArray;
    for (const WhitelistRule &rule : whitelist)
        rulesArray.append(rule.toJson());
    QJsonObject object{
        {versionKey, formatVersion()},
        {watchedKey, watchedArray},
        {whitelistKey, rulesArray},
        {intervalKey, intervalMs},
        {notificationsKey, QJsonObject{{enabledKey, notificationsEnabled}, {cooldownKey, notificationCooldownSec}}},
        {logLevelKey, logLevel},
        {firstRunKey, firstRunDone},
    };
    if (!interpreters.isEmpty())
        object.insert(interpretersKey, QJsonArray::fromStringList(interpreters));
    return object;
}

std::optional<Config> Config::fromJson(const QJsonObject &object, QStringList *errors)
{
    QStringList found;
    Reader reader(found);
    Config config = defaults();

    // Over-long text is reported on its own: the per-key messages would quote it back in full.
    checkTextLengths(object, QString(), QString(), found);
    if (!found.isEmpty()) {
        if (errors)
            errors->append(found);
        return std::nullopt;
    }

    // A newer file may mean anything by its keys: say so and read nothing else from it.
    const QJsonValue version = object.value(versionKey);
    const bool wholeVersion = version.isDouble() && std::trunc(version.toDouble()) == version.toDouble();
    if (!version.isUndefined() && !wholeVersion) {
        reader.problem(versionKey, json::mustBe(QStringLiteral("a whole number"), version));
    } else if (wholeVersion && version.toDouble() < 1) {
        reader.problem(versionKey, json::describe(version) + QStringLiteral(" is not a Portwatch config version "
                                                                           "(versions start at 1)"));
    }
    if (wholeVersion && version.toDouble() > currentVersion) {
        found = QStringList{QStringLiteral("version: %1: this file is from a newer Portwatch (this one reads version %2 "
                                           "and older); update Portwatch or move the file away")
                                .arg(json::describe(version))
                                .arg(currentVersion)};
    } else {
        reader.readWatched(object.value(watchedKey), config.watched);
        reader.readWhitelist(object.value(whitelistKey), config.whitelist);
        reader.readInt(object, intervalKey, intervalKey, minIntervalMs, maxIntervalMs, config.intervalMs);
        reader.readNotifications(object.value(notificationsKey), config);
        reader.readLogLevel(object.value(logLevelKey), config.logLevel);
        reader.readBool(object, firstRunKey, firstRunKey, config.firstRunDone);
        reader.readInterpreters(object.value(interpretersKey), config.interpreters);
    }

    if (errors)
        errors->append(found);
    if (!found.isEmpty())
        return std::nullopt;
    return config;
}

namespace ConfigStore {

QString defaultPath()
{
    return paths::configDir() + QStringLiteral("/config.json");
}

QByteArray serialize(const Config &config)
{
    return QJsonDocument(config.toJson()).toJson(QJsonDocument::Indented);
}

std::optional<Config> parse(const QByteArray &data, const QString &path, QString *message)
{
    auto fail = [&](const QString &text) -> std::optional<Config> {
        if (message)
            *message = text;
        return std::nullopt;
    };

    if (data.trimmed().isEmpty())
        return fail(QStringLiteral("%1 is empty (expected a JSON object)").arg(QDir::toNativeSeparators(path)));

    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(data, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        const auto [line, column] = lineAndColumn(data, parseError.offset);
        return fail(QStringLiteral("%1 is not valid JSON: line %2, column %3: %4")
                        .arg(QDir::toNativeSeparators(path))
                        .arg(line)
                        .arg(column)
                        .arg(parseError.errorString()));
    }
    if (!document.isObject()) {
        return fail(QStringLiteral("%1: the top level must be a JSON object ({ ... }), not %2")
                        .arg(QDir::toNativeSeparators(path),
                             document.isArray() ? QStringLiteral("an array") : QStringLiteral("a single value")));
    }

    QStringList errors;
    auto config = Config::fromJson(document.object(), &errors);
    // A generated file can hold thousands of bad values; the first ones tell what is wrong.
    constexpr qsizetype shownProblems = 20;
    if (errors.size() > shownProblems) {
        const qsizetype more = errors.size() - shownProblems;
        errors.resize(shownProblems);
        errors.append(QStringLiteral("... and %1 more").arg(more));
    }
    if (!config) {
        return fail(QStringLiteral("%1 has %2:\n  %3")
                        .arg(QDir::toNativeSeparators(path),
                             errors.size() == 1 ? QStringLiteral("an invalid value") : QStringLiteral("invalid values"),
                             errors.join(QStringLiteral("\n  "))));
    }
    if (message)
        message->clear();
    return config;
}

QString keepAside(const QString &path, QString *error)
{
    const QString base =
        path + QStringLiteral(".broken-") + QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"));
    QString reason;
    // QFile::rename never replaces an existing file, so a name taken meanwhile only costs a retry.
    for (int attempt = 1; attempt <= 100; ++attempt) {
        const QString candidate = attempt == 1 ? base : base + QLatin1Char('-') + QString::number(attempt);
        if (QFileInfo::exists(candidate))
            continue;
        QFile file(path);
        if (file.rename(candidate))
            return candidate;
        reason = file.errorString();
        if (!QFileInfo::exists(candidate))
            break;
    }
    if (error)
        *error = reason.isEmpty() ? QStringLiteral("no free name next to it") : reason;
    return {};
}

ConfigLoad load(const QString &path, BrokenFile broken)
{
    ConfigLoad result;
    result.path = path;
    result.config = Config::defaults();
    const QString shownPath = QDir::toNativeSeparators(path);

    const safefile::Read file = safefile::read(path, Config::maxFileBytes);
    QString problem;
    switch (file.status) {
    case platform::FileRead::Status::Missing:
        result.status = ConfigLoad::Status::Missing;
        result.message = QStringLiteral("No configuration file at %1 yet; using the defaults.").arg(shownPath);
        return result;
    case platform::FileRead::Status::Unreadable:
    case platform::FileRead::Status::NotRegular:
        // Unreadable is not the same as wrong: the content may be fine, so leave it where it is.
        result.status = ConfigLoad::Status::Unreadable;
        // A read-only caller stops here rather than use the defaults, so it has nothing to add.
        result.message = broken == BrokenFile::LeaveAlone
                             ? file.error + QLatin1Char('.')
                             : QStringLiteral("%1. Using the default configuration; the file is left untouched.")
                                   .arg(file.error);
        return result;
    case platform::FileRead::Status::TooLarge:
        problem = file.error + QLatin1Char('.');
        break;
    case platform::FileRead::Status::Ok:
        if (auto config = parse(file.data, path, &problem)) {
            result.status = ConfigLoad::Status::Loaded;
            result.config = *config;
            return result;
        }
        break;
    }

    result.status = ConfigLoad::Status::Broken;
    if (broken == BrokenFile::LeaveAlone) {
        result.message = problem;
        return result;
    }
    QString asideError;
    result.keptAsidePath = keepAside(path, &asideError);
    if (!result.keptAsidePath.isEmpty()) {
        result.message = QStringLiteral("%1\nThe file was moved to %2 so that nothing overwrites it; Portwatch uses "
                                        "the default configuration. Fix that file and move it back to %3.")
                             .arg(problem, QDir::toNativeSeparators(result.keptAsidePath), shownPath);
    } else {
        result.message = QStringLiteral("%1\nIt could not be moved aside (%2), so it is left in place. Portwatch uses "
                                        "the default configuration.")
                             .arg(problem, asideError);
    }
    return result;
}

bool save(const QString &path, const Config &config, QString *error)
{
    return safefile::write(path, serialize(config), error);
}

} // namespace ConfigStore
} // namespace portwatch
