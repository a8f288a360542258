// portwatch-cli check: is every listener on a watched port whitelisted?
#include "commands.h"
#include "output.h"

#include "core/config.h"
#include "core/systemconfig.h"
#include "core/whitelist.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace portwatch::cli {

// Reports a config that could not be used; the defaults stand in, as in the tray app.
void reportConfigLoad(const ConfigLoad &load)
{
    if (load.status == ConfigLoad::Status::Broken)
        err(QStringLiteral("portwatch-cli: %1\n").arg(load.message));
}

void reportSystemConfig(const SystemConfig &system)
{
    for (const QString &problem : system.problems)
        err(QStringLiteral("portwatch-cli: %1\n").arg(problem));
}

int runCheck(const CommonOptions &common)
{
    const ConfigLoad load = ConfigStore::load(common.configPath);
    reportConfigLoad(load);
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
        }
        if (!unknown.isEmpty()) {
            out(QStringLiteral("owner not visible (run with sudo to check them):\n"));
            out(listenersTable(unknown));
        }
    }
    return unexpected.isEmpty() && unknown.isEmpty() ? ExitOk : ExitNegative;
}

} // namespace portwatch::cli
