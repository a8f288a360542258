// portwatch-cli watch: the monitor without a GUI, one line per event, until SIGINT/SIGTERM.
#include "commands.h"
#include "journalsink.h"
#include "output.h"
#include "textfilesink.h"

#include "core/configmanager.h"
#include "core/monitor.h"
#include "platform/journal.h"
#include "platform/processes.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QJsonDocument>
#include <QSocketNotifier>

#include <spdlog/spdlog.h>

#include <csignal>
#include <sys/socket.h>
#include <unistd.h>

namespace portwatch::cli {

void reportConfigLoad(const ConfigLoad &load);
void reportSystemConfig(const SystemConfig &system);

namespace {

int signalPipe[2] = {-1, -1};

void onSignal(int signalNumber)
{
    const char byte = static_cast<char>(signalNumber);
    // Nothing but write() is safe here; the event loop reads the byte and quits.
    [[maybe_unused]] const auto written = ::write(signalPipe[1], &byte, 1);
}

bool installSignalHandlers()
{
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, signalPipe) != 0)
        return false;
    struct sigaction action {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    return ::sigaction(SIGINT, &action, nullptr) == 0 && ::sigaction(SIGTERM, &action, nullptr) == 0;
}

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

void printEvent(const char *event, const WatchedListener &watched, bool json)
{
    const platform::Listener &listener = watched.listener;
    const QString now = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
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
        owners << ownerText(listener, &owner) + QLatin1Char(' ') + QString::fromStdString(owner.exe);
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
        specs << spec.toString();
    return specs.join(QLatin1String(", "));
}

} // namespace

int runWatch(const CommonOptions &common, const WatchOptions &options)
{
    if (!installSignalHandlers()) {
        err(QStringLiteral("portwatch-cli: cannot install signal handlers\n"));
        return ExitFailure;
    }
    QSocketNotifier signalNotifier(signalPipe[0], QSocketNotifier::Read);
    QObject::connect(&signalNotifier, &QSocketNotifier::activated, [] {
        char byte = 0;
        [[maybe_unused]] const auto got = ::read(signalPipe[0], &byte, 1);
        spdlog::info("stopping on {}", byte == SIGINT ? "SIGINT" : "SIGTERM");
        QCoreApplication::quit();
    });

    ConfigManager configManager(common.configPath);
    configManager.setSystemConfig(SystemConfig::load());
    reportSystemConfig(configManager.systemConfig());
    const ConfigLoad load = configManager.load();
    reportConfigLoad(load);

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
        printEvent(event, listener, common.json);
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
