// The monitor's poller, on the worker thread: see monitorworker.h.
#include "monitorworker.h"

#include "config.h"
#include "servicenames.h"

#include <QLoggingCategory>
#include <QTimer>

#include <algorithm>
#include <iterator>
#include <utility>

namespace portwatch {

namespace {

Q_LOGGING_CATEGORY(lcPoll, "portwatch.monitor.poll")

bool sameListener(const platform::Listener &a, const platform::Listener &b)
{
    return a.socket == b.socket && a.user == b.user && a.ownersVisible == b.ownersVisible && a.owners == b.owners;
}

bool sameResult(const PollResult &a, const PollResult &b)
{
    return a.generation == b.generation && a.ok == b.ok && a.error == b.error
        && std::equal(a.listeners.cbegin(), a.listeners.cend(), b.listeners.cbegin(), b.listeners.cend(),
                      sameListener);
}

bool isWatched(const QList<PortSpec> &watched, const platform::SocketEntry &socket)
{
    return std::any_of(watched.cbegin(), watched.cend(),
                       [&socket](const PortSpec &spec) { return spec.matches(socket.protocol, socket.port); });
}

} // namespace

MonitorWorker::MonitorWorker(std::unique_ptr<platform::SocketTable> sockets,
                             std::unique_ptr<platform::ProcessResolver> processes, QObject *parent)
    : QObject(parent), m_sockets(std::move(sockets)), m_processes(std::move(processes)), m_timer(new QTimer(this))
{
    m_timer->setInterval(Config::defaultIntervalMs);
    // A poll that overruns the interval must not queue up ticks behind it; a coarse timer lets the
    // OS batch our wake-ups with others', which matters for an all-day tray process.
    m_timer->setTimerType(Qt::CoarseTimer);
    connect(m_timer, &QTimer::timeout, this, [this] { poll(false); });
}

MonitorWorker::~MonitorWorker() = default;

void MonitorWorker::setConfig(const QList<PortSpec> &watched, int intervalMs, quint64 generation)
{
    const int interval = std::clamp(intervalMs, Config::minIntervalMs, Config::maxIntervalMs);
    if (interval != m_timer->interval())
        m_timer->setInterval(interval); // restarts an active timer with the new interval

    if (generation == m_generation && watched == m_watched)
        return;
    m_watched = watched;
    m_generation = generation;
    m_query = socketQueryFor(m_watched);
    // The old snapshot belongs to other ports; starting afresh keeps the debug diff honest.
    m_snapshot.reset();
    if (m_running)
        poll(true);
}

void MonitorWorker::start()
{
    // Service names for the listeners' words are read here, on the worker's thread, before the first
    // report: the GUI thread then finds them ready instead of reading /etc/services itself.
    servicenames::preload();
    m_running = true;
    poll(true);
    m_timer->start();
}

void MonitorWorker::pause()
{
    m_running = false;
    m_timer->stop();
}

void MonitorWorker::pollNow()
{
    if (!m_running)
        return;
    poll(true);
    m_timer->start(); // the next tick a full interval after this poll, not right behind it
}

void MonitorWorker::poll(bool report)
{
    PollResult result;
    result.generation = m_generation;

    // An empty query means "every socket" to the platform layer: with nothing watched there is
    // nothing to ask.
    if (!m_watched.isEmpty()) {
        platform::SocketList list = m_sockets->query(m_query);
        if (!list.ok()) {
            result.ok = false;
            result.error = QString::fromStdString(list.error);
        } else {
            // The query merges ranges and a fallback backend may filter loosely: keep exactly what
            // the specs name (80 must never bring in 8080).
            std::vector<platform::SocketEntry> &watched = list.sockets;
            std::erase_if(watched,
                          [this](const platform::SocketEntry &socket) { return !isWatched(m_watched, socket); });
            Snapshot::normalize(watched);
            if (lcPoll().isDebugEnabled()) {
                Snapshot snapshot(watched);
                if (m_snapshot) {
                    const SnapshotDiff diff = Snapshot::diff(*m_snapshot, snapshot);
                    if (!diff.isEmpty())
                        qCDebug(lcPoll) << "sockets on watched ports:" << diff.appeared.size() << "appeared,"
                                        << diff.vanished.size() << "vanished";
                }
                m_snapshot = std::move(snapshot);
            } else {
                m_snapshot.reset(); // a diff against a snapshot from before debug output was off would lie
            }

            if (!watched.empty()) {
                std::vector<platform::Listener> resolved = m_processes->resolve(watched);
                result.listeners = QList<platform::Listener>(std::make_move_iterator(resolved.begin()),
                                                             std::make_move_iterator(resolved.end()));
            }
        }
    }

    if (!report && m_reported && sameResult(result, m_lastReported))
        return;
    if (!result.ok && (!m_reported || m_lastReported.ok || m_lastReported.error != result.error))
        qCWarning(lcPoll).noquote() << "socket query failed:" << result.error;
    m_reported = true;
    m_lastReported = result; // shares the listeners with `result` (implicitly shared QList)
    Q_EMIT polled(result);
}

} // namespace portwatch
