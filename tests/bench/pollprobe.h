// The poll under test, in-process: the Monitor's own worker (MonitorWorker) on the real Linux socket
// table and resolver, driven synchronously from this thread so that each poll can be timed alone:
// socket query, owner resolution and the whitelist verdict the Monitor gives each listener.
#pragma once

#include "core/config.h"
#include "core/monitorworker.h"
#include "core/whitelist.h"
#include "platform/linux/ownersearch.h"
#include "platform/types.h"

#include <QList>

#include <cstdint>
#include <memory>

namespace portwatch::platform {
class LinuxProcessResolver;
class SocketTable;
}

namespace portwatch::bench {

class PollProbe {
public:
    explicit PollProbe(const QList<PortSpec> &watched, const Whitelist &whitelist = {});
    ~PollProbe();
    PollProbe(const PollProbe &) = delete;
    PollProbe &operator=(const PollProbe &) = delete;

    struct Time {
        std::int64_t wallNs = 0;
        std::int64_t cpuNs = 0; // of this thread
    };
    // One poll, as a timer tick of the worker would do it, plus judging.
    Time poll();
    // The same without reading the clocks, for counting a poll's system calls: reading this thread's
    // CPU clock is a system call of the benchmark's, not of the poll.
    void pollUntimed();
    // The same socket query alone, on a socket table of its own: what the kernel's filtered dumps
    // cost, the floor under every poll (no owner lookup, no judging, nothing of ours to speed up).
    Time dumpOnly();

    const PollResult &lastResult() const noexcept { return m_last; }
    const QList<Verdict> &lastVerdicts() const noexcept { return m_verdicts; }
    // True when the last poll found a listener on `port` owned by `pid`.
    bool lastFound(int pid, quint16 port) const;
    // The resolver's own counters (directories listed, links read), cumulative.
    const platform::ResolverStats &resolverStats() const;

private:
    std::unique_ptr<MonitorWorker> m_worker;
    std::unique_ptr<platform::SocketTable> m_table; // for dumpOnly()
    platform::SocketQuery m_query;
    platform::LinuxProcessResolver *m_resolver = nullptr; // owned by m_worker
    Whitelist m_whitelist;
    PollResult m_last;
    QList<Verdict> m_verdicts;
};

} // namespace portwatch::bench
