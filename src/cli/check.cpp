// portwatch-cli check: is every listener on a watched port whitelisted?
#include "commands.h"
#include "output.h"

#include "core/config.h"
#include "core/rulemaker.h"
#include "core/systemconfig.h"
#include "core/whitelist.h"
#include "platform/accounts.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>

namespace portwatch::cli {

// The CLI only reads the configuration: a file it cannot use is an error (exit status 2) with the
// reason, never moved nor replaced, and never judged against the defaults instead.
bool configUsable(const ConfigLoad &load)
{
    if (load.status != ConfigLoad::Status::Broken && load.status != ConfigLoad::Status::Unreadable)
        return true;
    err(QStringLiteral("portwatch-cli: %1\n").arg(load.message));
    return false;
}

void reportSystemConfig(const SystemConfig &system)
{
    for (const QString &problem : system.problems)
        err(QStringLiteral("portwatch-cli: %1\n").arg(problem));
}

int runCheck(const CommonOptions &common)
{
    const ConfigLoad load = ConfigStore::load(common.configPath, ConfigStore::BrokenFile::LeaveAlone);
    if (!configUsable(load))
        return ExitUsage;
    const SystemConfig system = SystemConfig::load();
    reportSystemConfig(system);
    const Config config = system.merged(load.config, load.status == ConfigLoad::Status::Loaded);
    if (config.watched.isEmpty()) {
        out(QStringLiteral("no ports are watched (%1)\n").arg(load.path));
        return ExitOk;
    }
    const auto listeners = lookup(config.watched, common);
    if (!listeners)
        return ExitFailure;

    const Whitelist whitelist(config.whitelist);
    QList<platform::Listener> unexpected;
    QList<platform::Listener> unknown;
    for (const platform::Listener &listener : *listeners) {
        switch (whitelist.judge(listener)) {
        case Verdict::Expected:
            break;
        case Verdict::Unexpected:
            unexpected.append(listener);
            break;
        case Verdict::Unknown:
            unknown.append(listener);
            break;
        }
    }

    if (common.json) {
        QJsonArray array;
        const auto add = [&array](const QList<platform::Listener> &list, const char *verdict) {
            for (const QJsonValue &value : listenersToJson(list)) {
                QJsonObject object = value.toObject();
                object.insert(QStringLiteral("verdict"), QLatin1String(verdict));
                array.append(object);
            }
        };
        add(unexpected, "unexpected");
        add(unknown, "unknown");
        out(QString::fromUtf8(QJsonDocument(array).toJson(QJsonDocument::Indented)));
    } else if (unexpected.isEmpty() && unknown.isEmpty()) {
        out(QStringLiteral("ok: %1 listener(s) on watched ports, all whitelisted\n").arg(listeners->size()));
    } else {
        if (!unexpected.isEmpty()) {
            out(QStringLiteral("not whitelisted:\n"));
            out(listenersTable(unexpected));
            const auto hidden = std::find_if(unexpected.cbegin(), unexpected.cend(),
                                             [](const platform::Listener &listener) { return ownerHidden(listener); });
            if (hidden != unexpected.cend()) {
                // Another user's process: its socket's user and port are all this run can check.
                const WhitelistRule example = rulemaker::forHidden(*hidden);
                out(QStringLiteral("some owners are hidden (another user's process): run with sudo to see them, or "
                                   "whitelist them by user and port, such as %1\n")
                        .arg(QString::fromUtf8(QJsonDocument(example.toJson()).toJson(QJsonDocument::Compact))));
            }
        }
        if (!unknown.isEmpty()) {
            out(QStringLiteral("owner not visible (run %1 to check them):\n").arg(QString::fromStdString(platform::elevationHint())));
            out(listenersTable(unknown));
        }
    }
    return unexpected.isEmpty() && unknown.isEmpty() ? ExitOk : ExitNegative;
}

} // namespace portwatch::cli
