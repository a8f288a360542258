// Socket owners on Linux: a cache confirmed cheaply on every call, and an OwnerSearch only for
// sockets not seen before.
//
// Fast mode (the default) finds the newest holder of each new socket, then its fork family. It can
// miss a sharer that received the socket by fd passing (SCM_RIGHTS, pidfd_getfd) and is unrelated
// to the holder found, or one that is a sibling under a parent with many children. Thorough mode
// lists every process on every call and finds those too; it costs a full scan each time, so it
// suits one-shot questions ("who holds this port?") rather than a poller.
#include "processresolver.h"

#include <algorithm>
#include <cstdlib>
#include <string_view>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

namespace portwatch::platform {

namespace {

// Sockets not asked for in this many calls are forgotten (with the /proc/<pid> descriptors they hold).
constexpr std::uint64_t kKeepCalls = 4;
// Bounds on the descriptors of each kind the cache keeps open: a cached process may hold its
// directory, command line, scheduler record and children file, and each holder its fdinfo. Five
// kinds at one tenth of the open-file limit each stay within half of it.
constexpr std::size_t kMinHeld = 16;
constexpr std::size_t kMaxHeld = 256;

std::size_t heldDescriptorBudget()
{
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
        return kMaxHeld;
    return std::clamp(static_cast<std::size_t>(limit.rlim_cur / 10), kMinHeld, kMaxHeld);
}
// More new PIDs than this since the last call: list /proc instead of probing each number.
constexpr int kMaxProbedPids = 256;

// Thread group id and parent of a task, from its status file.
bool readTgidAndParent(int procFd, int pid, int &tgid, int &ppid)
{
    std::string text;
    if (!procfs::readFileAt(procFd, procfs::pidPrefix(pid) + "status", text))
        return false;
    const auto field = [&text](std::string_view name, int &value) {
        const auto at = text.find(name);
        if (at == std::string::npos)
            return false;
        value = std::atoi(text.c_str() + at + name.size());
        return true;
    };
    return field("\nTgid:", tgid) && field("\nPPid:", ppid);
}

} // namespace

LinuxProcessResolver::LinuxProcessResolver(ResolveMode mode)
    : m_mode(mode)
    , m_proc(procfs::openProcRoot())
    , m_maxHeld(heldDescriptorBudget())
{
}

std::vector<Listener> LinuxProcessResolver::resolve(const std::vector<SocketEntry> &sockets)
{
    ++m_call;
    if (!m_proc.valid())
        m_proc = procfs::openProcRoot();
    // The fdinfo files the cache holds now; adopt() counts the ones it opens during this call.
    m_heldFdInfos = 0;
    for (const auto &[inode, socket] : m_sockets) {
        for (const CachedHolder &cached : socket.owners)
            m_heldFdInfos += cached.fdinfo.valid() ? 1 : 0;
    }

    std::unordered_set<std::uint64_t> unknown;
    std::unordered_set<std::uint32_t> unknownUids;
    std::vector<std::uint64_t> confirmed;
    for (const SocketEntry &socket : sockets) {
        if (socket.inode == 0)
            continue; // owned by the kernel, not by a process
        if (m_mode == ResolveMode::Fast) {
            const auto it = m_sockets.find(socket.inode);
            if (it != m_sockets.end()) {
                it->second.askedCall = m_call;
                if (confirm(socket.inode, it->second)) {
                    if (!it->second.owners.empty())
                        confirmed.push_back(socket.inode);
                    continue;
                }
                m_sockets.erase(it);
            }
        }
        unknown.insert(socket.inode);
        unknownUids.insert(socket.uid);
    }

    // Any process created since the last look may be a fork of a known owner sharing its socket.
    // The mark only moves on when known sockets were checked, so a socket left out of one call is
    // still checked against the processes created meanwhile.
    const int lastPid = lastAllocatedPid();
    if (!confirmed.empty() && m_lastPid > 0 && lastPid > 0 && lastPid != m_lastPid) {
        const std::vector<int> owners = ownersOf(confirmed);
        if (checkForksByChildren(m_lastPid, lastPid, owners.size())) {
            ++m_stats.forkChecksByChildren;
            adoptForkedSharersFromChildren(m_lastPid, lastPid, owners, confirmed);
        } else {
            ++m_stats.forkChecksByPids;
            adoptForkedSharers(newProcessesSince(m_lastPid, lastPid), owners, confirmed);
        }
    }
    if (!confirmed.empty() || m_sockets.empty() || m_lastPid <= 0)
        m_lastPid = lastPid;
    if (!unknown.empty())
        search(unknown, unknownUids);

    std::vector<Listener> listeners;
    listeners.reserve(sockets.size());
    for (const SocketEntry &socket : sockets)
        listeners.push_back(makeListener(socket));

    if (m_mode == ResolveMode::Thorough) {
        m_sockets.clear();
        m_processes.clear();
    } else {
        prune();
    }
    return listeners;
}

bool LinuxProcessResolver::confirm(std::uint64_t inode, CachedSocket &socket)
{
    if (socket.owners.empty())
        return std::chrono::steady_clock::now() - socket.searchedAt < m_retryInterval;

    for (auto it = socket.owners.begin(); it != socket.owners.end();) {
        const auto process = m_processes.find(it->holder.pid);
        if (process != m_processes.end() && stillHolds(process->second, *it, inode))
            ++it;
        else
            it = socket.owners.erase(it);
    }
    // Every known owner is gone or closed it: whoever holds the socket now (it still exists, the
    // caller just saw it) has to be searched for.
    if (socket.owners.empty())
        return false;
    // A descriptor with FD_CLOEXEC that still names the socket proves that its process has not
    // exec'ed since it was cached (most servers open their sockets so). Only owners holding the
    // socket without it, as after fork+exec or socket activation, need the exec check.
    for (const CachedHolder &cached : socket.owners) {
        if (!cached.holder.closeOnExec)
            refresh(m_processes.at(cached.holder.pid));
    }
    return true;
}

std::vector<int> LinuxProcessResolver::ownersOf(const std::vector<std::uint64_t> &confirmed) const
{
    std::vector<int> owners;
    for (const std::uint64_t inode : confirmed) {
        for (const CachedHolder &cached : m_sockets.at(inode).owners) {
            if (std::find(owners.begin(), owners.end(), cached.holder.pid) == owners.end())
                owners.push_back(cached.holder.pid);
        }
    }
    return owners;
}

bool LinuxProcessResolver::checkForksByChildren(int previousLastPid, int lastPid, std::size_t ownerCount) const
{
    if (!m_useChildrenFile || !procfs::childrenFileSupported() || m_forkCheck == ForkCheck::NewPids)
        return false;
    if (m_forkCheck == ForkCheck::ChildrenFiles || lastPid < previousLastPid)
        return true; // the PIDs wrapped around: not a short run of numbers to probe
    // A new PID costs one stat read (open, read, close); an owner one stat of its task directory
    // and one read of its kept children file.
    const long created = static_cast<long>(lastPid) - previousLastPid;
    return created > kMaxProbedPids || created * 3 > static_cast<long>(ownerCount) * 2;
}

int LinuxProcessResolver::lastAllocatedPid()
{
    if (!m_loadavg.valid())
        m_loadavg.reset(::openat(m_proc.get(), "loadavg", O_RDONLY | O_CLOEXEC));
    const int pid = m_loadavg.valid() ? procfs::lastAllocatedPidFrom(m_loadavg.get()) : -1;
    return pid > 0 ? pid : procfs::lastAllocatedPid(m_proc.get());
}

bool LinuxProcessResolver::stillHolds(CachedProcess &process, CachedHolder &cached, std::uint64_t inode)
{
    if (cached.fdinfo.valid()) {
        // The same inode on the same mount is the same socket; the flags tell whether the descriptor
        // is still close-on-exec (a process may clear that before it execs).
        ++m_stats.fdInfoReads;
        const auto info = procfs::readFdInfoFrom(cached.fdinfo.get());
        if (!info || info->inode != inode || info->mountId != cached.mountId)
            return false;
        cached.holder.closeOnExec = (info->flags & O_CLOEXEC) != 0;
        return true;
    }
    const SocketHolder &holder = cached.holder;
    ++m_stats.fdLinksRead;
    if (process.dir.valid())
        return procfs::fdIsSocket(process.dir.get(), {}, holder.fd, inode);

    // No held descriptor: the path may name a newer process with the same PID, so compare start times.
    const std::string prefix = procfs::pidPrefix(holder.pid);
    if (!procfs::fdIsSocket(m_proc.get(), prefix, holder.fd, inode))
        return false;
    const auto stat = procfs::readStat(m_proc.get(), prefix);
    return stat && stat->startTicks == process.info.startTicks;
}

// A process that exec'ed keeps its PID, start time and descriptors, so the socket check cannot see
// it; its executable link and command line can. Checked once per call per owner, and only when the
// process has run since the last check: a process that has not run cannot have exec'ed, and most
// servers sleep between polls, so one pread of its scheduler record replaces the readlink of its
// executable and the read of its command line (which copies from the process's memory).
void LinuxProcessResolver::refresh(CachedProcess &process)
{
    if (process.checkedCall == m_call)
        return;
    process.checkedCall = m_call;
    if (process.dir.valid()) {
        if (!process.schedstat.valid() && procfs::schedstatSupported())
            process.schedstat.reset(::openat(process.dir.get(), "schedstat", O_RDONLY | O_CLOEXEC));
        const auto run = process.schedstat.valid() ? procfs::readRunRecordFrom(process.schedstat.get())
                                                   : std::nullopt;
        if (procfs::sameRun(run, process.checkedRun)) {
            ++m_stats.execChecksSkipped;
            return;
        }
        // Read before the check: whatever the process does after this read changes the record the
        // next call compares with.
        process.checkedRun = run;
    }
    ++m_stats.execChecks;
    const int dirFd = process.dir.valid() ? process.dir.get() : m_proc.get();
    const std::string prefix = process.dir.valid() ? std::string() : procfs::pidPrefix(process.info.pid);
    if (procfs::readExe(dirFd, prefix) != process.info.exe) {
        // exec'ed: read in full below
    } else if (process.dir.valid()) {
        // Checked on every poll for such owners: the command line file is kept open (one pread
        // instead of open, read, close).
        if (!process.cmdline.valid())
            process.cmdline.reset(::openat(process.dir.get(), "cmdline", O_RDONLY | O_CLOEXEC));
        if (process.cmdline.valid() ? procfs::cmdlineMatches(process.cmdline.get(), process.info.cmdline)
                                    : procfs::readCmdline(dirFd, prefix) == process.info.cmdline)
            return;
    } else if (procfs::readCmdline(dirFd, prefix) == process.info.cmdline) {
        return;
    }
    ++m_stats.processesRead;
    if (auto info = procfs::readProcess(dirFd, prefix, process.info.pid, m_users))
        process.info = std::move(*info);
}

// Takes a holder found by a scan into the cache, after proving through a fresh /proc/<pid>
// descriptor that this very process holds the socket (the PID may have changed hands since). Its
// fdinfo then tells whether the descriptor is close-on-exec (see confirm()), and is kept open to
// confirm the holder on later calls.
std::optional<LinuxProcessResolver::CachedHolder> LinuxProcessResolver::adopt(SocketHolder holder, std::uint64_t inode)
{
    CachedHolder cached;
    cached.holder = holder;
    const auto describe = [&](int dirFd, const std::string &prefix) {
        procfs::UniqueFd fdinfo = procfs::openFdInfo(dirFd, prefix, holder.fd);
        const auto info = fdinfo.valid() ? procfs::readFdInfoFrom(fdinfo.get()) : std::nullopt;
        if (!info)
            return true; // unreadable: no shortcut for the exec check, and the link confirms it
        if (info->inode != inode)
            return false; // the descriptor changed since the link was read
        cached.holder.closeOnExec = (info->flags & O_CLOEXEC) != 0;
        cached.mountId = info->mountId;
        if (prefix.empty() && m_heldFdInfos < m_maxHeld) {
            cached.fdinfo = std::move(fdinfo);
            ++m_heldFdInfos;
        }
        return true;
    };
    auto it = m_processes.find(holder.pid);
    if (it != m_processes.end() && stillHolds(it->second, cached, inode)) {
        CachedProcess &known = it->second;
        // Its other sockets may not have made us look for an exec lately.
        refresh(known);
        if (!describe(known.dir.valid() ? known.dir.get() : m_proc.get(),
                      known.dir.valid() ? std::string() : procfs::pidPrefix(holder.pid)))
            return std::nullopt;
        return cached;
    }

    CachedProcess process;
    if (m_processes.size() < m_maxHeld) {
        process.dir = procfs::openProcessDir(m_proc.get(), holder.pid);
        if (!process.dir.valid())
            return std::nullopt;
    }
    const int dirFd = process.dir.valid() ? process.dir.get() : m_proc.get();
    const std::string prefix = process.dir.valid() ? std::string() : procfs::pidPrefix(holder.pid);
    ++m_stats.fdLinksRead;
    if (!procfs::fdIsSocket(dirFd, prefix, holder.fd, inode) || !describe(dirFd, prefix))
        return std::nullopt;
    auto info = procfs::readProcess(dirFd, prefix, holder.pid, m_users);
    ++m_stats.processesRead;
    if (!info)
        return std::nullopt;
    process.info = std::move(*info);
    process.checkedCall = m_call;
    m_processes.insert_or_assign(holder.pid, std::move(process));
    return cached;
}

void LinuxProcessResolver::search(const std::unordered_set<std::uint64_t> &inodes, const std::unordered_set<std::uint32_t> &uids)
{
    OwnerSearch searcher(m_proc.get(), m_stats);
    searcher.setPreferSocketUid(m_preferSocketUid);
    searcher.setUseChildrenFile(m_useChildrenFile);
    const SearchResult found = searcher.find(inodes, uids, m_mode == ResolveMode::Thorough);
    const auto now = std::chrono::steady_clock::now();
    for (const std::uint64_t inode : inodes) {
        CachedSocket socket;
        socket.askedCall = m_call;
        socket.searchedAt = now;
        socket.ownersVisible = !found.hidden.count(inode);
        if (const auto it = found.holders.find(inode); it != found.holders.end()) {
            for (const SocketHolder &holder : it->second) {
                if (auto cached = adopt(holder, inode))
                    socket.owners.push_back(std::move(*cached));
            }
        }
        m_sockets.insert_or_assign(inode, std::move(socket));
    }
}

std::vector<int> LinuxProcessResolver::newProcessesSince(int previousLastPid, int lastPid)
{
    std::vector<int> pids;
    if (lastPid > previousLastPid && lastPid - previousLastPid <= kMaxProbedPids) {
        // Probing the numbers also meets threads (their tids share the PID space); the caller
        // keeps only thread group leaders.
        for (int pid = previousLastPid + 1; pid <= lastPid; ++pid)
            pids.push_back(pid);
        return pids;
    }
    for (const int pid : procfs::pidsNewestFirst(m_proc.get())) {
        const bool isNew = lastPid > previousLastPid ? (pid > previousLastPid && pid <= lastPid)
                                                     : (pid > previousLastPid || pid <= lastPid);
        if (isNew)
            pids.push_back(pid);
    }
    std::sort(pids.begin(), pids.end());
    return pids;
}

// Children forked by an owner since the last call inherit its descriptors: check those children
// (oldest first, so a grandchild forked from a new child is judged after it).
void LinuxProcessResolver::adoptForkedSharers(const std::vector<int> &newPids, const std::vector<int> &knownOwners,
                                              const std::vector<std::uint64_t> &confirmed)
{
    std::unordered_set<int> owners(knownOwners.begin(), knownOwners.end());
    std::vector<int> candidates;
    for (const int pid : newPids) {
        int tgid = 0;
        int ppid = 0;
        // Fast test on the parent first (stat), the thread check (status) only for the few that pass.
        const auto stat = procfs::readStat(m_proc.get(), procfs::pidPrefix(pid));
        if (!stat || !owners.count(stat->ppid))
            continue;
        if (!readTgidAndParent(m_proc.get(), pid, tgid, ppid) || tgid != pid)
            continue;
        candidates.push_back(pid);
        owners.insert(pid); // its own children are candidates too
    }
    if (candidates.empty())
        return;

    const std::unordered_set<std::uint64_t> inodes(confirmed.begin(), confirmed.end());
    OwnerSearch searcher(m_proc.get(), m_stats);
    adoptFound(searcher.check(candidates, inodes), confirmed);
}

// Adds the holders a check of new processes found to the cached sockets.
void LinuxProcessResolver::adoptFound(const SearchResult &found, const std::vector<std::uint64_t> &confirmed)
{
    for (const std::uint64_t inode : confirmed) {
        CachedSocket &socket = m_sockets.at(inode);
        if (const auto it = found.holders.find(inode); it != found.holders.end()) {
            for (const SocketHolder &holder : it->second) {
                const bool known = std::any_of(socket.owners.begin(), socket.owners.end(),
                                               [&](const CachedHolder &c) { return c.holder.pid == holder.pid; });
                if (known)
                    continue;
                if (auto cached = adopt(holder, inode))
                    socket.owners.push_back(std::move(*cached));
            }
        }
        if (found.hidden.count(inode))
            socket.ownersVisible = false;
    }
}

// The same through the children files of the known owners: a busy host creates many processes
// between two polls (hundreds a second while building), but a fork sharer can only be a child of an
// owner, so this reads a few small files per owner instead of the parent of every new process. A
// child counts as new by its PID, as in newProcessesSince(); a new child that holds none of the
// sockets is not followed further, since its own children cannot inherit what it does not hold.
void LinuxProcessResolver::adoptForkedSharersFromChildren(int previousLastPid, int lastPid,
                                                          const std::vector<int> &owners,
                                                          const std::vector<std::uint64_t> &confirmed)
{
    const auto isNew = [previousLastPid, lastPid](int pid) {
        return lastPid > previousLastPid ? (pid > previousLastPid && pid <= lastPid)
                                         : (pid > previousLastPid || pid <= lastPid);
    };
    std::vector<int> parents = owners;
    const std::unordered_set<std::uint64_t> inodes(confirmed.begin(), confirmed.end());
    std::unordered_set<int> visited(parents.begin(), parents.end());
    SearchResult found;
    for (std::size_t next = 0; next < parents.size(); ++next) {
        for (const int child : childrenOf(parents[next])) {
            if (!isNew(child) || !visited.insert(child).second)
                continue;
            OwnerSearch searcher(m_proc.get(), m_stats);
            SearchResult one = searcher.check({child}, inodes);
            found.hidden.insert(one.hidden.begin(), one.hidden.end());
            if (one.holders.empty())
                continue;
            for (auto &[inode, holders] : one.holders) {
                auto &all = found.holders[inode];
                all.insert(all.end(), holders.begin(), holders.end());
            }
            parents.push_back(child);
        }
    }
    adoptFound(found, confirmed);
}

std::vector<int> LinuxProcessResolver::childrenOf(int pid)
{
    std::vector<int> children;
    const auto it = m_processes.find(pid);
    if (it != m_processes.end() && it->second.dir.valid()) {
        CachedProcess &process = it->second;
        // Most owners have one thread: its children file is kept open and read again, one stat and
        // one pread per owner and poll instead of listing the task directory and opening each file.
        if (procfs::threadCount(process.dir.get(), {}) == 1) {
            if (!process.children.valid())
                process.children = procfs::openMainThreadChildren(process.dir.get(), {}, pid);
            if (process.children.valid() && procfs::readChildrenFrom(process.children.get(), children))
                return children;
            children.clear();
        }
    }
    return procfs::readChildren(m_proc.get(), pid);
}

Listener LinuxProcessResolver::makeListener(const SocketEntry &socket)
{
    Listener listener;
    listener.socket = socket;
    listener.user = m_users.name(socket.uid);
    const auto it = m_sockets.find(socket.inode);
    if (socket.inode == 0 || it == m_sockets.end())
        return listener;
    listener.ownersVisible = it->second.ownersVisible;
    for (const CachedHolder &cached : it->second.owners) {
        if (const auto process = m_processes.find(cached.holder.pid); process != m_processes.end())
            listener.owners.push_back(process->second.info);
    }
    std::sort(listener.owners.begin(), listener.owners.end(),
              [](const ProcessInfo &a, const ProcessInfo &b) { return a.pid < b.pid; });
    return listener;
}

void LinuxProcessResolver::prune()
{
    std::erase_if(m_sockets, [this](const auto &entry) { return entry.second.askedCall + kKeepCalls <= m_call; });
    std::unordered_set<int> used;
    for (const auto &[inode, socket] : m_sockets) {
        for (const CachedHolder &cached : socket.owners)
            used.insert(cached.holder.pid);
    }
    std::erase_if(m_processes, [&used](const auto &entry) { return !used.count(entry.first); });
}

std::optional<ProcessInfo> LinuxProcessResolver::process(int pid)
{
    if (pid <= 0)
        return std::nullopt;
    if (!m_proc.valid())
        m_proc = procfs::openProcRoot();
    return procfs::readProcess(m_proc.get(), procfs::pidPrefix(pid), pid, m_users);
}

void LinuxProcessResolver::clearCache()
{
    m_sockets.clear();
    m_processes.clear();
    m_lastPid = -1;
}

std::unique_ptr<ProcessResolver> makeProcessResolver(ResolveMode mode)
{
    return std::make_unique<LinuxProcessResolver>(mode);
}

int currentProcessId() noexcept
{
    return static_cast<int>(::getpid());
}

} // namespace portwatch::platform
