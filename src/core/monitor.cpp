// The monitor's half on the owner's (GUI) thread: starts the worker thread, forwards commands to it,
// judges what it reports against the current whitelist, keeps the last state and turns the change
// between two results into events. Nothing here calls the OS.
//
// Judging happens here rather than on the worker: judging is pure computation on a handful of
// listeners, and doing it where the whitelist is changed means a new rule takes effect inside
// setConfig() (the Whitelist button turns the alert off at once), and a poll result that was already
// on its way when the rule changed can never bring back a stale verdict.
#include "monitor.h"

#include "monitorworker.h"

#include <QHash>
#include <QMetaObject>
#include <QSet>
#include <QThread>

#include <algorithm>
#include <utility>
#include <vector>

namespace portwatch {

QString toString(MonitorState state)
{
    switch (state) {
    case MonitorState::Starting: return QStringLiteral("starting");
    case MonitorState::Clear: return QStringLiteral("clear");
    case MonitorState::Alert: return QStringLiteral("alert");
    case MonitorState::Paused: return QStringLiteral("paused");
    case MonitorState::Degraded: return QStringLiteral("degraded");
    }
    return QStringLiteral("unknown");
}

namespace {

// What about a socket's owners matters to the user: which programs hold it, as whom, and whether
// we can see them at all. A new pid of the same program (a forked worker outliving its parent)
// does not matter; another executable taking over the socket (fd passing, exec) does.
struct OwnerSignature {
    bool visible = true;
    std::vector<std::pair<std::string, std::uint32_t>> owners;
    friend bool operator==(const OwnerSignature &, const OwnerSignature &) = default;
};

OwnerSignature signatureOf(const platform::Listener &listener)
{
    OwnerSignature signature;
    signature.visible = listener.ownersVisible;
    for (const auto &owner : listener.owners)
        signature.owners.emplace_back(owner.exe.empty() ? owner.name : owner.exe, owner.uid);
    std::sort(signature.owners.begin(), signature.owners.end());
    signature.owners.erase(std::unique(signature.owners.begin(), signature.owners.end()), signature.owners.end());
    return signature;
}

bool sameWatchedListener(const WatchedListener &a, const WatchedListener &b)
{
    return a.verdict == b.verdict && a.firstSeen == b.firstSeen && a.listener.socket == b.listener.socket
        && a.listener.user == b.listener.user && a.listener.ownersVisible == b.listener.ownersVisible
        && a.listener.owners == b.listener.owners;
}

bool isWatched(const QList<PortSpec> &watched, const platform::SocketEntry &socket)
{
    return std::any_of(watched.cbegin(), watched.cend(),
                       [&socket](const PortSpec &spec) { return spec.matches(socket.protocol, socket.port); });
}

QString portText(const platform::SocketEntry &socket)
{
    return QStringLiteral("%1/%2").arg(QString::fromLatin1(platform::toString(socket.protocol))).arg(socket.port);
}

QString ownerText(const platform::Listener &listener)
{
    if (listener.owners.empty()) {
        return listener.ownersVisible
            ? QStringLiteral("no visible process")
            : QStringLiteral("a process of user %1 (owner hidden)").arg(QString::fromStdString(listener.user));
    }
    const platform::ProcessInfo &first = listener.owners.front();
    const std::string &name = first.name.empty() ? first.exe : first.name;
    QString text = QStringLiteral("%1 (pid %2)").arg(QString::fromStdString(name)).arg(first.pid);
    if (listener.owners.size() > 1)
        text += QStringLiteral(" and %1 more").arg(listener.owners.size() - 1);
    return text;
}

} // namespace

Monitor::Monitor(std::unique_ptr<platform::SocketTable> sockets, std::unique_ptr<platform::ProcessResolver> processes,
                 QObject *parent)
    : QObject(parent), m_thread(new QThread(this)), m_worker(new MonitorWorker(std::move(sockets), std::move(processes)))
{
    qRegisterMetaType<PollResult>();
    qRegisterMetaType<WatchedListener>();
    qRegisterMetaType<QList<WatchedListener>>();
    qRegisterMetaType<MonitorState>();

    m_thread->setObjectName(QStringLiteral("portwatch-monitor"));
    m_worker->moveToThread(m_thread);
    // The worker, its timer and the platform objects are destroyed on the worker thread, after its
    // event loop has stopped.
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    connect(m_worker, &MonitorWorker::polled, this, &Monitor::onPolled, Qt::QueuedConnection);
    m_thread->start();

    sendConfigToWorker();
    refreshState();
}

Monitor::~Monitor()
{
    // Waits for a poll in progress to return; commands still queued for the worker are dropped.
    m_thread->quit();
    m_thread->wait();
}

void Monitor::sendConfigToWorker()
{
    QMetaObject::invokeMethod(
        m_worker,
        [worker = m_worker, watched = m_config.watched, interval = m_config.intervalMs, generation = m_generation] {
            worker->setConfig(watched, interval, generation);
        },
        Qt::QueuedConnection);
}

void Monitor::setConfig(const Config &config)
{
    const bool watchedChanged = config.watched != m_config.watched;
    m_config = config;
    m_whitelist = Whitelist(config.whitelist);

    QList<WatchedListener> dropped;
    if (watchedChanged) {
        ++m_generation;
        // Listeners on ports no longer watched leave now; the worker polls the new set at once and
        // anything newly watched appears with that result.
        const auto unwatched = [this](const WatchedListener &l) { return !isWatched(m_config.watched, l.listener.socket); };
        std::copy_if(m_listeners.cbegin(), m_listeners.cend(), std::back_inserter(dropped), unwatched);
        m_listeners.removeIf(unwatched);
    }
    for (WatchedListener &listener : m_listeners)
        listener.verdict = m_whitelist.judge(listener.listener);
    sendConfigToWorker();

    for (const WatchedListener &listener : std::as_const(dropped))
        Q_EMIT vanished(listener);
    refreshAndReport();
}

void Monitor::start()
{
    if (m_started)
        return;
    m_started = true;
    m_baselineDone = false;
    if (!m_paused)
        QMetaObject::invokeMethod(m_worker, [worker = m_worker] { worker->start(); }, Qt::QueuedConnection);
}

void Monitor::pause()
{
    if (m_paused)
        return;
    m_paused = true;
    QMetaObject::invokeMethod(m_worker, [worker = m_worker] { worker->pause(); }, Qt::QueuedConnection);
    refreshAndReport();
}

void Monitor::resume()
{
    if (!m_paused)
        return;
    m_paused = false;
    // start() polls at once, then at the interval.
    if (m_started)
        QMetaObject::invokeMethod(m_worker, [worker = m_worker] { worker->start(); }, Qt::QueuedConnection);
    refreshAndReport();
}

void Monitor::pollNow()
{
    if (m_started && !m_paused)
        QMetaObject::invokeMethod(m_worker, [worker = m_worker] { worker->pollNow(); }, Qt::QueuedConnection);
}

WatchedListener Monitor::judged(const platform::Listener &listener, const QDateTime &firstSeen) const
{
    return WatchedListener{listener, m_whitelist.judge(listener), firstSeen};
}

void Monitor::onPolled(const PollResult &result)
{
    // Made for a watched set that has since been replaced; the worker's poll of the new set follows.
    if (result.generation != m_generation)
        return;

    if (!result.ok) {
        // Keep the last known listeners: they are the best guess for the tooltip, and the state
        // says they may be stale.
        m_failed = true;
        m_error = result.error;
        const MonitorState oldState = m_state;
        refreshState();
        Q_EMIT pollFailed(m_error);
        if (m_state != oldState)
            Q_EMIT stateChanged(m_state);
        Q_EMIT updated(m_state, m_listeners);
        return;
    }
    const bool recovered = m_failed;
    m_failed = false;
    m_polled = true;

    QHash<ListenerKey, qsizetype> previous;
    previous.reserve(m_listeners.size());
    for (qsizetype i = 0; i < m_listeners.size(); ++i)
        previous.insert(ListenerKey::of(m_listeners.at(i).listener.socket), i);

    const QDateTime now = QDateTime::currentDateTimeUtc();
    QList<WatchedListener> next;
    QList<WatchedListener> appearedNow;
    QList<WatchedListener> vanishedNow;
    QSet<ListenerKey> present;
    for (const platform::Listener &listener : result.listeners) {
        if (!isWatched(m_config.watched, listener.socket))
            continue;
        const ListenerKey key = ListenerKey::of(listener.socket);
        present.insert(key);
        const auto it = previous.constFind(key);
        if (it == previous.cend()) {
            next.append(judged(listener, now));
            appearedNow.append(next.constLast());
            continue;
        }
        const WatchedListener &before = m_listeners.at(*it);
        if (signatureOf(before.listener) == signatureOf(listener)) {
            next.append(judged(listener, before.firstSeen));
        } else {
            // Same socket, other program: for the user that is the old holder gone and a new one here.
            vanishedNow.append(before);
            next.append(judged(listener, now));
            appearedNow.append(next.constLast());
        }
    }
    for (const WatchedListener &before : std::as_const(m_listeners)) {
        if (!present.contains(ListenerKey::of(before.listener.socket)))
            vanishedNow.append(before);
    }

    const bool listenersChanged = !std::equal(next.cbegin(), next.cend(), m_listeners.cbegin(), m_listeners.cend(),
                                              sameWatchedListener);
    m_listeners = std::move(next);
    const MonitorState oldState = m_state;
    const bool stateOrReasonChanged = refreshState();
    const bool first = !m_baselineDone;

    for (const WatchedListener &listener : std::as_const(vanishedNow))
        Q_EMIT vanished(listener);
    for (const WatchedListener &listener : std::as_const(appearedNow))
        Q_EMIT appeared(listener);
    m_baselineDone = true;
    if (m_state != oldState)
        Q_EMIT stateChanged(m_state);
    if (listenersChanged || stateOrReasonChanged || recovered || first)
        Q_EMIT updated(m_state, m_listeners);
    Q_EMIT polled(now);
}

void Monitor::refreshAndReport()
{
    const MonitorState oldState = m_state;
    refreshState();
    if (m_state != oldState)
        Q_EMIT stateChanged(m_state);
    Q_EMIT updated(m_state, m_listeners);
}

bool Monitor::refreshState()
{
    MonitorState state = MonitorState::Clear;
    QString reason;
    if (m_paused) {
        state = MonitorState::Paused;
        reason = QStringLiteral("Paused: ports are not being watched");
    } else if (m_failed) {
        state = MonitorState::Degraded;
        reason = QStringLiteral("Cannot read the socket table: %1").arg(m_error);
    } else if (!m_polled) {
        state = MonitorState::Starting;
        reason = QStringLiteral("Starting: looking at the watched ports");
    } else {
        const WatchedListener *firstUnexpected = nullptr;
        const WatchedListener *firstUnknown = nullptr;
        qsizetype unexpected = 0;
        for (const WatchedListener &listener : std::as_const(m_listeners)) {
            if (listener.verdict == Verdict::Unexpected && unexpected++ == 0)
                firstUnexpected = &listener;
            if (listener.verdict == Verdict::Unknown && !firstUnknown)
                firstUnknown = &listener;
        }
        if (firstUnexpected) {
            state = MonitorState::Alert;
            reason = QStringLiteral("%1 held by %2, not whitelisted")
                         .arg(portText(firstUnexpected->listener.socket), ownerText(firstUnexpected->listener));
            if (unexpected > 1)
                reason += QStringLiteral(" (and %1 more unexpected)").arg(unexpected - 1);
        } else if (firstUnknown) {
            state = MonitorState::Degraded;
            reason = QStringLiteral("%1 held by %2; run Portwatch with more privileges to check it")
                         .arg(portText(firstUnknown->listener.socket), ownerText(firstUnknown->listener));
        } else if (m_config.watched.isEmpty()) {
            reason = QStringLiteral("No ports are watched");
        } else if (m_listeners.isEmpty()) {
            reason = QStringLiteral("Nothing listens on the watched ports");
        } else {
            reason = m_listeners.size() == 1
                ? QStringLiteral("1 listener on the watched ports, whitelisted")
                : QStringLiteral("%1 listeners on the watched ports, all whitelisted").arg(m_listeners.size());
            // A hidden owner whitelisted by user and port is a normal state, but worth saying: that
            // rule trusts whatever that user runs there.
            const auto hidden = std::count_if(m_listeners.cbegin(), m_listeners.cend(),
                                              [](const WatchedListener &l) { return ownerHidden(l.listener); });
            if (hidden == 1)
                reason += QStringLiteral(" (1 with a hidden owner, trusted by its user and port)");
            else if (hidden > 1)
                reason += QStringLiteral(" (%1 with hidden owners, trusted by user and port)").arg(hidden);
        }
    }

    const bool stateMoved = state != m_state;
    const bool changed = stateMoved || reason != m_reason;
    m_state = state;
    m_reason = reason;
    return changed;
}

} // namespace portwatch
