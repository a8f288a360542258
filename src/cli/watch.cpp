// portwatch-cli watch: the monitor without a GUI, one line per event, until Ctrl+C (SIGINT/SIGTERM
// on Linux, the console's Ctrl+C / Ctrl+Break / close on Windows).
#include "commands.h"
#include "journalsink.h"
#include "output.h"
#include "textfilesink.h"

#include "core/configmanager.h"
#include "core/monitor.h"
#include "core/quitonrequest.h"
#include "platform/journal.h"
#include "platform/processes.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QJsonDocument>

#include <spdlog/spdlog.h>

namespace portwatch::cli {

void reportSystemConfig(const SystemConfig &system);

namespace {

const char *verdictText(Verdict verdict)
{
    switch (verdict) {
    case Verdict::Expected:
        return "expected";
    case Verdict::Unexpected:
        return "unexpected";
    case Verdict::Unknown:
        return "unknown";
    }
    return "unknown";
}

// The time of an event in the zone the log lines use too: local with its offset, or UTC (--utc).
QDateTime eventTime(bool utc)
{
    return utc ? QDateTime::currentDateTimeUtc() : QDateTime::currentDateTime();
}

// "2026-12-06 05:01:02 +01:00", like the log lines' "%z".
QString offsetText(const QDateTime &time)
{
    const int seconds = time.offsetFromUtc();
    const int minutes = std::abs(seconds) / 60;
    return QStringLiteral("%1%2:%3")
        .arg(seconds < 0 ? QLatin1Char('-') : QLatin1Char('+'))
        .arg(minutes / 60, 2, 10, QLatin1Char('0'))
        .arg(minutes % 60, 2, 10, QLatin1Char('0'));
}

void printEvent(const char *event, const WatchedListener &watched, const CommonOptions &common)
{
    const bool json = common.json;
    const platform::Listener &listener = watched.listener;
    const QDateTime time = eventTime(common.utc);
    // ISO 8601 with the offset for JSON ("...T05:01:02.345+01:00", "Z" in UTC).
    const QString now = json ? time.toString(Qt::ISODateWithMs)
                             : time.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss ")) + offsetText(time);
    if (json) {
        QList<const platform::ProcessInfo *> owners;
        for (const platform::ProcessInfo &owner : listener.owners)
            owners.append(&owner);
        if (owners.isEmpty())
            owners.append(nullptr);
        for (const platform::ProcessInfo *owner : owners) {
            QJsonObject object = listenerToJson(listener, owner);
            object.insert(QStringLiteral("time"), now);
            object.insert(QStringLiteral("event"), QLatin1String(event));
            object.insert(QStringLiteral("verdict"), QLatin1String(verdictText(watched.verdict)));
            out(QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact)) + QLatin1Char('\n'));
        }
        return;
    }
    QStringList owners;
    for (const platform::ProcessInfo &owner : listener.owners)
        owners << ownerText(listener, &owner) + QLatin1Char(' ') + escaped(owner.exe);
    if (owners.isEmpty())
        owners << ownerText(listener, nullptr);
    out(QStringLiteral("%1  %2  %3  %4  %5\n")
            .arg(now, QLatin1String(event), QLatin1String(verdictText(watched.verdict)), socketText(listener.socket),
                 owners.join(QLatin1String("; "))));
}

QString watchedText(const Config &config)
{
    QStringList specs;
    for (const PortSpec &spec : config.watched)
        specs << spec.label();
    return specs.join(QLatin1String(", "));
}

} // namespace

int runWatch(const CommonOptions &common, const WatchOptions &options)
{
    QString quitError;
    if (!quitOnRequest(&quitError)) {
        err(QStringLiteral("portwatch-cli: %1\n").arg(quitError));
        return ExitFailure;
    }

    // Never saves: a broken file found now or later is reported and left where it is.
    ConfigManager configManager(common.configPath, nullptr, ConfigStore::BrokenFile::LeaveAlone);
    configManager.setSystemConfig(SystemConfig::load());
    reportSystemConfig(configManager.systemConfig());
    if (!configUsable(configManager.load()))
        return ExitUsage;

    auto sockets = platform::makeSocketTable(common.backend);
    const std::string backend = sockets->backendName();
    Monitor monitor(std::move(sockets), platform::makeProcessResolver());
    monitor.setConfig(configManager.config());

    // Events go to the journal or to stdout; a journal that refuses an entry loses nothing: the
    // event is printed instead.
    std::unique_ptr<JournalSink> journal;
    if (options.journal)
        journal = std::make_unique<JournalSink>(platform::makeJournalWriter(options.journalSocket.toStdString()));
    const auto report = [&common, &journal](const char *event, const WatchedListener &listener) {
        QString error;
        if (journal && journal->write(event, listener, &error))
            return;
        if (journal)
            spdlog::error("journal: {}", error.toStdString());
        printEvent(event, listener, common);
    };
    std::unique_ptr<TextfileSink> textfile;
    if (!options.textfile.isEmpty())
        textfile = std::make_unique<TextfileSink>(options.textfile);

    // Only what deserves attention is an event: listeners the whitelist doesn't cover, and their end.
    QObject::connect(&monitor, &Monitor::appeared, [&report](const WatchedListener &listener) {
        if (listener.verdict == Verdict::Expected)
            spdlog::info("expected listener: {}", socketText(listener.listener.socket).toStdString());
        else
            report("appeared", listener);
    });
    QObject::connect(&monitor, &Monitor::vanished, [&report](const WatchedListener &listener) {
        if (listener.verdict == Verdict::Expected)
            spdlog::info("expected listener gone: {}", socketText(listener.listener.socket).toStdString());
        else
            report("gone", listener);
    });
    QString textfileError; // said once, not on every poll while it lasts
    QObject::connect(&monitor, &Monitor::polled, [&monitor, &textfile, &textfileError](const QDateTime &when) {
        QString error;
        if (!textfile || textfile->update(monitor.listeners(), when, &error)) {
            textfileError.clear();
        } else if (error != textfileError) {
            spdlog::error("{}", error.toStdString());
            textfileError = error;
        }
    });
    QObject::connect(&monitor, &Monitor::pollFailed,
                     [](const QString &error) { spdlog::error("poll failed: {}", error.toStdString()); });
    QObject::connect(&monitor, &Monitor::stateChanged, [&monitor](MonitorState state) {
        spdlog::info("state: {} ({})", toString(state).toStdString(), monitor.stateReason().toStdString());
    });
    QObject::connect(&configManager, &ConfigManager::changed, [&monitor](const Config &config) {
        spdlog::info("configuration changed; now watching {}", watchedText(config).toStdString());
        monitor.setConfig(config);
    });
    QObject::connect(&configManager, &ConfigManager::problem,
                     [](const QString &message) { spdlog::error("{} (still using the previous configuration)", message.toStdString()); });

    spdlog::info("watching {} every {} ms through {} (config {}); Ctrl-C stops",
                 watchedText(configManager.config()).toStdString(), configManager.config().intervalMs, backend,
                 configManager.path().toStdString());
    monitor.start();
    return QCoreApplication::exec() == 0 ? ExitOk : ExitFailure;
}

} // namespace portwatch::cli
