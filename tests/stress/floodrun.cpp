// The phases of portwatch-flood and its report: see floodrun.h.
#include "floodrun.h"

#include "fakenotificationserver.h"
#include "floodbinder.h"
#include "processprobe.h"

#include "core/config.h"
#include "core/portspec.h"
#include "platform/sockettable.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QThread>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>
#include <vector>

namespace portwatch::stress {

namespace {

constexpr int watchedPorts = 200;
constexpr int burstProcesses = 50;
constexpr int burstBindsEach = 20; // 1,000 in all
constexpr int churnBindsPerSecond = 20;
constexpr int churnBinderSeconds = 5; // a new binder process every 5 s: processes churn too
constexpr int churnHoldMs = 2000;
constexpr int burstHoldMs = 500;

std::int64_t realtimeMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct Notify {
    double at = 0; // seconds since the run started
    FakeNotificationServer::NotifyCall call;
};

struct Sample {
    double at = 0;
    ProcessSample process;
};

// The tray, the recording server and everything measured, advanced by pump().
class FloodRun
{
public:
    explicit FloodRun(const FloodOptions &options) : m_options(options) {}

    int run();

private:
    bool setUp();
    bool startTray();
    QProcess *startBinder(const BinderOptions &binder);
    void pump(double seconds);
    void collect();
    double now() const { return double(m_clock.nsecsElapsed()) / 1e9; }
    std::vector<Notify> notifiesBetween(double from, double to) const;
    std::optional<Sample> sampleAt(double at) const; // the first sample at or after `at`
    void finishBinders();
    void printReport();

    FloodOptions m_options;
    QTemporaryDir m_dir;
    FakeNotificationServer m_server;
    QProcess m_tray;
    QElapsedTimer m_clock;
    std::vector<std::unique_ptr<QProcess>> m_binders;
    std::vector<Notify> m_notifies;
    std::vector<Sample> m_samples;
    double m_lastSample = -1;
    std::mt19937 m_random{std::random_device{}()};

    // Phase marks, seconds since the start.
    double m_burstStart = 0, m_burstEnd = 0, m_churnStart = 0, m_churnEnd = 0, m_quietEnd = 0;
    std::optional<Sample> m_baseline, m_afterBurst, m_afterChurn, m_afterQuiet;
    double m_freshLatency = -1;
    int m_binds = 0, m_busy = 0;
    int m_goalsMissed = 0;
};

bool FloodRun::setUp()
{
    if (!m_dir.isValid()) {
        std::fprintf(stderr, "portwatch-flood: no temporary directory\n");
        return false;
    }
    // The ports must be ours alone: another program's listener there would count as ours.
    platform::SocketQuery query;
    const auto first = static_cast<std::uint16_t>(m_options.firstPort);
    const auto last = static_cast<std::uint16_t>(m_options.firstPort + watchedPorts - 1);
    query.items.push_back({platform::Protocol::Tcp, {first, last}});
    const platform::SocketList held = platform::makeSocketTable()->query(query);
    if (!held.ok() || !held.sockets.empty()) {
        std::fprintf(stderr, "portwatch-flood: tcp/%u-%u %s; choose others with --first-port\n", first, last,
                     held.ok() ? "is partly in use" : "cannot be checked");
        return false;
    }

    Config config = Config::defaults();
    config.watched = {*PortSpec::parse(QStringLiteral("tcp/%1-%2").arg(first).arg(last))};
    config.whitelist.clear();
    config.intervalMs = m_options.intervalMs;
    config.firstRunDone = true;
    config.notificationsEnabled = true;
    QString error;
    if (!ConfigStore::save(m_dir.filePath(QStringLiteral("config.json")), config, &error)) {
        std::fprintf(stderr, "portwatch-flood: cannot write the config: %s\n", qPrintable(error));
        return false;
    }
    if (!m_server.start(&error)) {
        std::fprintf(stderr, "portwatch-flood: cannot start the notification recorder: %s\n", qPrintable(error));
        return false;
    }
    return true;
}

bool FloodRun::startTray()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *name : {"config", "state", "data", "run"}) {
        QDir(m_dir.path()).mkpath(QString::fromLatin1(name));
    }
    QFile::setPermissions(m_dir.filePath(QStringLiteral("run")), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), m_dir.filePath(QStringLiteral("config")));
    env.insert(QStringLiteral("XDG_STATE_HOME"), m_dir.filePath(QStringLiteral("state")));
    env.insert(QStringLiteral("XDG_DATA_HOME"), m_dir.filePath(QStringLiteral("data")));
    env.insert(QStringLiteral("XDG_RUNTIME_DIR"), m_dir.filePath(QStringLiteral("run")));
    env.insert(QStringLiteral("PORTWATCH_INSTANCE_NAME"), QStringLiteral("portwatch-flood-%1").arg(QCoreApplication::applicationPid()));
    m_tray.setProcessEnvironment(env);
    m_tray.setStandardOutputFile(m_dir.filePath(QStringLiteral("tray.out")));
    m_tray.setStandardErrorFile(m_dir.filePath(QStringLiteral("tray.err")));
    m_tray.start(QString::fromStdString(m_options.tray), {QStringLiteral("--config"), m_dir.filePath(QStringLiteral("config.json"))});
    if (!m_tray.waitForStarted(10000)) {
        std::fprintf(stderr, "portwatch-flood: cannot start %s: %s\n", m_options.tray.c_str(), qPrintable(m_tray.errorString()));
        return false;
    }
    // Ready once it asked the server what it can do; then let start-up settle.
    QElapsedTimer waited;
    waited.start();
    while (m_server.capabilityCalls() == 0 && waited.elapsed() < 20000 && m_tray.state() == QProcess::Running)
        pump(0.1);
    if (m_server.capabilityCalls() == 0) {
        std::fprintf(stderr, "portwatch-flood: the tray never asked the notification server (see %s)\n",
                     qPrintable(m_dir.filePath(QStringLiteral("tray.err"))));
        return false;
    }
    pump(5);
    return true;
}

QProcess *FloodRun::startBinder(const BinderOptions &binder)
{
    auto process = std::make_unique<QProcess>();
    QStringList arguments{QStringLiteral("--binder")};
    for (const std::string &argument : binderArguments(binder))
        arguments << QString::fromStdString(argument);
    process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    process->start(QCoreApplication::applicationFilePath(), arguments);
    m_binders.push_back(std::move(process));
    return m_binders.back().get();
}

void FloodRun::finishBinders()
{
    for (const auto &binder : m_binders) {
        binder->waitForFinished(60000);
        const QByteArray out = binder->readAllStandardOutput();
        int binds = 0, busy = 0;
        if (std::sscanf(out.constData(), "binds=%d busy=%d", &binds, &busy) == 2) {
            m_binds += binds;
            m_busy += busy;
        }
    }
    m_binders.clear();
}

void FloodRun::collect()
{
    const QList<FakeNotificationServer::NotifyCall> calls = m_server.notifyCalls();
    for (qsizetype i = qsizetype(m_notifies.size()); i < calls.size(); ++i)
        m_notifies.push_back({now(), calls.at(i)});
    if (now() - m_lastSample >= 1.0) {
        if (const auto sample = sampleProcess(int(m_tray.processId()))) {
            m_lastSample = now();
            m_samples.push_back({m_lastSample, *sample});
        }
    }
}

void FloodRun::pump(double seconds)
{
    const double until = now() + seconds;
    do {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
        collect();
        // Binders that finished are reaped as we go, so 10 minutes of them do not pile up.
        for (auto it = m_binders.begin(); it != m_binders.end();) {
            if ((*it)->state() == QProcess::NotRunning) {
                int binds = 0, busy = 0;
                if (std::sscanf((*it)->readAllStandardOutput().constData(), "binds=%d busy=%d", &binds, &busy) == 2) {
                    m_binds += binds;
                    m_busy += busy;
                }
                it = m_binders.erase(it);
            } else {
                ++it;
            }
        }
        QThread::msleep(50);
    } while (now() < until);
}

std::vector<Notify> FloodRun::notifiesBetween(double from, double to) const
{
    std::vector<Notify> found;
    std::copy_if(m_notifies.cbegin(), m_notifies.cend(), std::back_inserter(found),
                 [&](const Notify &notify) { return notify.at >= from && notify.at < to; });
    return found;
}

std::optional<Sample> FloodRun::sampleAt(double at) const
{
    for (const Sample &sample : m_samples) {
        if (sample.at >= at)
            return sample;
    }
    return std::nullopt;
}

int FloodRun::run()
{
    m_clock.start();
    if (!setUp() || !startTray())
        return 2;
    m_baseline = m_samples.empty() ? std::nullopt : std::optional<Sample>(m_samples.back());
    const auto first = static_cast<std::uint16_t>(m_options.firstPort);
    const auto last = static_cast<std::uint16_t>(m_options.firstPort + watchedPorts - 1);

    // 1. Burst: 1,000 binds across the 200 ports from 50 processes within one second.
    std::fprintf(stderr, "portwatch-flood: burst\n");
    const std::int64_t burstAt = realtimeMs() + 2000; // time for 50 processes to start
    for (int i = 0; i < burstProcesses; ++i) {
        BinderOptions binder;
        binder.firstPort = first;
        binder.lastPort = last;
        binder.binds = burstBindsEach;
        binder.startAtMs = burstAt;
        binder.overMs = 1000;
        binder.holdMs = burstHoldMs;
        binder.spareFds = m_options.holderFds;
        binder.seed = unsigned(m_random());
        startBinder(binder);
    }
    m_burstStart = now() + double(burstAt - realtimeMs()) / 1000.0;
    pump(2.0 + 1.0 + burstHoldMs / 1000.0);
    finishBinders();
    pump(5); // what the tray makes of it
    m_burstEnd = now();
    m_afterBurst = m_samples.empty() ? std::nullopt : std::optional<Sample>(m_samples.back());

    // 2. Churn: about 20 binds a second, by a new process every few seconds.
    std::fprintf(stderr, "portwatch-flood: churn for %d s\n", m_options.churnSeconds);
    m_churnStart = now();
    int started = 0;
    while (now() - m_churnStart < m_options.churnSeconds) {
        if (now() - m_churnStart >= double(started) * churnBinderSeconds) {
            BinderOptions binder;
            binder.firstPort = first;
            binder.lastPort = last;
            binder.binds = churnBindsPerSecond * churnBinderSeconds;
            binder.startAtMs = realtimeMs() + 200;
            binder.overMs = churnBinderSeconds * 1000;
            binder.holdMs = churnHoldMs;
            binder.spareFds = m_options.holderFds;
            binder.seed = unsigned(m_random());
            startBinder(binder);
            ++started;
        }
        pump(0.2);
    }
    finishBinders();
    pump(churnHoldMs / 1000.0 + 1);
    m_churnEnd = now();
    m_afterChurn = m_samples.empty() ? std::nullopt : std::optional<Sample>(m_samples.back());

    // 3. Quiet, then one fresh bind by another program: it must still alert within an interval.
    std::fprintf(stderr, "portwatch-flood: quiet for %d s, then a fresh bind\n", m_options.quietSeconds);
    pump(m_options.quietSeconds);
    m_quietEnd = now();
    m_afterQuiet = m_samples.empty() ? std::nullopt : std::optional<Sample>(m_samples.back());
    QProcess fresh;
    fresh.start(QStringLiteral(PORTWATCH_TEST_LISTENER), {QStringLiteral("--listen"), QStringLiteral("tcp:127.0.0.1:%1").arg(first)});
    QByteArray ready;
    while (!ready.contains('\n') && fresh.waitForReadyRead(10000))
        ready += fresh.readAllStandardOutput();
    const double boundAt = now();
    const QString pidText = QString::fromLatin1(ready).section(QLatin1String("pid="), 1).section(QLatin1Char(' '), 0, 0);
    // An alert of its own says "(pid N, user ...)", a line of a summary "(pid N)".
    const QString mark = QStringLiteral("(pid %1").arg(pidText);
    while (m_freshLatency < 0 && now() - boundAt < 15.0) {
        pump(0.05);
        for (const Notify &notify : notifiesBetween(boundAt, now() + 1)) {
            const QString after = notify.call.body.section(mark, 1, 1);
            if (!pidText.isEmpty() && (after.startsWith(QLatin1Char(',')) || after.startsWith(QLatin1Char(')')))) {
                m_freshLatency = notify.at - boundAt;
                break;
            }
        }
    }
    fresh.terminate(); // our own listener
    fresh.waitForFinished(5000);

    m_tray.terminate();
    if (!m_tray.waitForFinished(10000)) {
        m_tray.kill();
        m_tray.waitForFinished(5000);
    }
    printReport();
    return m_goalsMissed == 0 ? 0 : 1;
}

void FloodRun::printReport()
{
    const auto goal = [this](bool met) {
        if (!met)
            ++m_goalsMissed;
        return met ? "PASS" : "FAIL";
    };
    const auto mib = [](std::int64_t kib) { return double(kib) / 1024.0; };

    std::printf("Flood and churn: the tray (%s) watching tcp/%d-%d, poll every %d ms%s\n", m_options.tray.c_str(),
                m_options.firstPort, m_options.firstPort + watchedPorts - 1, m_options.intervalMs,
                m_options.holderFds > 0 ? qPrintable(QStringLiteral(", each binder holding %1 spare descriptors").arg(m_options.holderFds)) : "");
    std::printf("  binds made: %d (%d found every port taken)\n", m_binds, m_busy);

    const auto burst = notifiesBetween(m_burstStart - 1, m_burstEnd);
    std::printf("  burst (%d binds from %d processes in 1 s): %zu Notify calls   goal <= 3: %s\n",
                burstProcesses * burstBindsEach, burstProcesses, burst.size(), goal(burst.size() <= 3));
    for (const Notify &notify : burst)
        std::printf("      %6.1f s  %s%s\n", notify.at - m_burstStart, qPrintable(notify.call.summary),
                    notify.call.replacesId != 0 ? " (update)" : "");

    // Churn: beyond its first notification, at most one per 10 s (a little slack for our 50 ms sampling).
    const auto churn = notifiesBetween(m_churnStart, m_churnEnd);
    int worstWindow = 0;
    for (std::size_t i = 1; i < churn.size(); ++i) {
        int inWindow = 0;
        for (std::size_t j = i; j < churn.size() && churn[j].at < churn[i].at + 9.8; ++j)
            ++inWindow;
        worstWindow = std::max(worstWindow, inWindow);
    }
    const double churnSeconds = m_churnEnd - m_churnStart;
    int popups = 0;
    for (const Notify &notify : churn)
        popups += notify.call.replacesId == 0 ? 1 : 0;
    std::printf("  churn (%d binds/s for %.0f s): %zu Notify calls (%d new, %zu updates); most in any 10 s after the first: %d"
                "   goal <= 1: %s\n",
                churnBindsPerSecond, churnSeconds, churn.size(), popups, churn.size() - std::size_t(popups), worstWindow,
                goal(worstWindow <= 1));
    if (!churn.empty())
        std::printf("      last: %s\n", qPrintable(churn.back().call.summary));

    const auto oneMinute = sampleAt(m_churnStart + std::min(60.0, churnSeconds / 2));
    if (m_afterChurn && oneMinute) {
        const double cpu = 100.0 * (m_afterChurn->process.cpuSeconds - oneMinute->process.cpuSeconds) /
                           std::max(1.0, m_afterChurn->at - oneMinute->at);
        const auto start = sampleAt(m_churnStart);
        const double cpuAll = start ? 100.0 * (m_afterChurn->process.cpuSeconds - start->process.cpuSeconds) /
                                          std::max(1.0, m_afterChurn->at - start->at)
                                    : -1;
        std::printf("  tray CPU under churn: %.2f %% of a core (whole churn), %.2f %% after its first minute   (reported)\n",
                    cpuAll, cpu);
        const std::int64_t growth = m_afterChurn->process.rssKiB - oneMinute->process.rssKiB;
        std::printf("  RSS after the first minute of churn: %.1f -> %.1f MiB (%+.2f MiB)   goal < 2 MiB: %s\n",
                    mib(oneMinute->process.rssKiB), mib(m_afterChurn->process.rssKiB), mib(growth), goal(growth < 2048));
        std::printf("  descriptors: %d -> %d   goal flat: %s\n", oneMinute->process.fds, m_afterChurn->process.fds,
                    goal(m_afterChurn->process.fds <= oneMinute->process.fds + 2));
        std::printf("  threads: %d -> %d   goal flat: %s\n", oneMinute->process.threads, m_afterChurn->process.threads,
                    goal(m_afterChurn->process.threads <= oneMinute->process.threads));
    } else {
        std::printf("  tray samples missing: FAIL\n");
        ++m_goalsMissed;
    }
    std::printf("  RSS each minute of the churn (MiB):");
    for (double at = m_churnStart; at <= m_churnEnd; at += 60) {
        if (const auto sample = sampleAt(at))
            std::printf(" %.1f", mib(sample->process.rssKiB));
    }
    std::printf("\n");
    if (m_baseline && m_afterBurst && m_afterChurn && m_afterQuiet)
        std::printf("  RSS: %.1f MiB at start, %.1f after the burst, %.1f after the churn, %.1f after %d quiet s   (reported)\n",
                    mib(m_baseline->process.rssKiB), mib(m_afterBurst->process.rssKiB), mib(m_afterChurn->process.rssKiB),
                    mib(m_afterQuiet->process.rssKiB), m_options.quietSeconds);

    const double allowed = m_options.intervalMs / 1000.0 + 0.5;
    if (m_freshLatency >= 0)
        std::printf("  fresh bind after the flood alerted in %.2f s   goal <= %.1f s: %s\n", m_freshLatency, allowed,
                    goal(m_freshLatency <= allowed));
    else
        std::printf("  fresh bind after the flood: no alert within 15 s   goal <= %.1f s: %s\n", allowed, goal(false));

    // Whether the owners were found: every "appeared" event in the tray's history names a pid or not.
    QFile history(m_dir.filePath(QStringLiteral("state/portwatch/history.jsonl")));
    int appeared = 0, identified = 0;
    if (history.open(QIODevice::ReadOnly)) {
        while (!history.atEnd()) {
            const QJsonObject event = QJsonDocument::fromJson(history.readLine()).object();
            const int port = event.value(QStringLiteral("port")).toInt();
            if (event.value(QStringLiteral("kind")).toString() != QLatin1String("appeared") || port < m_options.firstPort ||
                port >= m_options.firstPort + watchedPorts)
                continue;
            ++appeared;
            identified += event.value(QStringLiteral("pid")).toInt() > 0 ? 1 : 0;
        }
    }
    std::printf("  listeners seen: %d, owner identified: %d (%.1f %%)   (reported)\n", appeared, identified,
                appeared > 0 ? 100.0 * identified / appeared : 0.0);
    std::printf("  %s\n", m_goalsMissed == 0 ? "all goals met" : qPrintable(QStringLiteral("%1 goal(s) missed").arg(m_goalsMissed)));
}

} // namespace

bool setFloodOption(FloodOptions &options, const std::string &name, const char *value)
{
    if (name == "--tray") {
        options.tray = value;
        return !options.tray.empty();
    }
    char *end = nullptr;
    const long number = std::strtol(value, &end, 10);
    if (end == value || *end != '\0' || number < 0)
        return false;
    if (name == "--churn-seconds" && number <= 86400)
        options.churnSeconds = int(number);
    else if (name == "--quiet-seconds" && number <= 3600)
        options.quietSeconds = int(number);
    else if (name == "--holder-fds" && number <= 100000)
        options.holderFds = int(number);
    else if (name == "--first-port" && number >= 1024 && number + watchedPorts - 1 <= 65535)
        options.firstPort = int(number);
    else if (name == "--interval-ms" && number >= 100 && number <= 60000)
        options.intervalMs = int(number);
    else
        return false;
    return true;
}

int runFlood(const FloodOptions &options)
{
    FloodRun run(options);
    return run.run();
}

} // namespace portwatch::stress
