// The in-process poll of the benchmark: see pollprobe.h.
#include "pollprobe.h"

#include "timing.h"

#include "platform/linux/processresolver.h"
#include "platform/sockettable.h"

#include <algorithm>

namespace portwatch::bench {

PollProbe::PollProbe(const QList<PortSpec> &watched, const Whitelist &whitelist)
    : m_table(platform::makeSocketTable())
    , m_query(socketQueryFor(watched))
    , m_whitelist(whitelist)
{
    auto resolver = std::make_unique<platform::LinuxProcessResolver>();
    m_resolver = resolver.get();
    m_worker = std::make_unique<MonitorWorker>(platform::makeSocketTable(), std::move(resolver));
    // Same thread, so the signal is a direct call: the judging below is part of each timed poll, as
    // the Monitor judges every poll result it receives.
    QObject::connect(m_worker.get(), &MonitorWorker::polled, m_worker.get(), [this](const PollResult &result) {
        m_last = result;
        m_verdicts.clear();
        for (const platform::Listener &listener : result.listeners)
            m_verdicts.append(m_whitelist.judge(listener));
    });
    m_worker->setConfig(watched, Config::maxIntervalMs, 1);
    // start() polls once (the first, resolving poll); the worker's timer never fires because this
    // thread runs no event loop while measuring.
    m_worker->start();
    // The dumps-alone table settles the same way the worker's does (its UDP form is probed on its
    // second query), so that no timed dump pays for that.
    for (int warm = 0; warm < 2; ++warm)
        m_table->query(m_query);
}

PollProbe::~PollProbe() = default;

PollProbe::Time PollProbe::poll()
{
    const std::int64_t cpu = threadCpuNs();
    const std::int64_t started = nowNs();
    m_worker->pollNow();
    return {nowNs() - started, threadCpuNs() - cpu};
}

void PollProbe::pollUntimed()
{
    m_worker->pollNow();
}

PollProbe::Time PollProbe::dumpOnly()
{
    const std::int64_t cpu = threadCpuNs();
    const std::int64_t started = nowNs();
    const platform::SocketList sockets = m_table->query(m_query);
    return {nowNs() - started, threadCpuNs() - cpu};
}

bool PollProbe::lastFound(int pid, quint16 port) const
{
    return std::any_of(m_last.listeners.cbegin(), m_last.listeners.cend(), [pid, port](const platform::Listener &l) {
        return l.socket.port == port
            && std::any_of(l.owners.cbegin(), l.owners.cend(),
                           [pid](const platform::ProcessInfo &owner) { return owner.pid == pid && !owner.exe.empty(); });
    });
}

const platform::ResolverStats &PollProbe::resolverStats() const
{
    return m_resolver->stats();
}

} // namespace portwatch::bench
