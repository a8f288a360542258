// Walking /proc/<pid>/fd for socket holders; see ownersearch.h.
#include "ownersearch.h"

#include <algorithm>
#include <cerrno>
#include <deque>
#include <string>

#include <sys/stat.h>

namespace portwatch::platform {

namespace {

// Parent chains deeper than this are a loop in a racing process table, not a real family.
constexpr int kMaxChainDepth = 64;
// Siblings are checked only under a parent with few children: a non-holding parent with many
// children (a session manager, a busy shell) would make the search cost grow with the host.
constexpr std::size_t kMaxSiblings = 16;
// PIDs below the last allocated one probed before falling back to listing /proc.
constexpr int kRecentProbes = 128;
// Upper bound for descendants checked per socket; prefork servers stay far below it.
constexpr std::size_t kMaxFamilyChecks = 512;
// The guided search (see guidedVisits): processes listed per halving step to find one that holds
// any socket.
constexpr std::size_t kGuideSkip = 8;

bool isDenied(int error) noexcept
{
    return error == EACCES || error == EPERM;
}

} // namespace

OwnerSearch::OwnerSearch(int procFd, ResolverStats &stats)
    : m_procFd(procFd)
    , m_stats(stats)
{
}

const OwnerSearch::Listing &OwnerSearch::list(int pid)
{
    auto [it, inserted] = m_listings.try_emplace(pid);
    if (!inserted)
        return it->second;
    Listing &listing = it->second;
    ++m_stats.fdDirsListed;
    listing.error = procfs::forEachSocketFd(
        m_procFd, procfs::pidPrefix(pid),
        [&](int fd, std::uint64_t inode) {
            listing.firstSocket = std::min(listing.firstSocket, inode);
            if (m_wanted->count(inode))
                listing.sockets.emplace_back(inode, fd);
        },
        m_stats.fdLinksRead);
    return listing;
}

bool OwnerSearch::holds(int pid, std::uint64_t inode)
{
    const Listing &listing = list(pid);
    return std::any_of(listing.sockets.begin(), listing.sockets.end(),
                       [inode](const auto &socket) { return socket.first == inode; });
}

int OwnerSearch::parentOf(int pid)
{
    const auto stat = procfs::readStat(m_procFd, procfs::pidPrefix(pid));
    return stat ? stat->ppid : 0;
}

std::vector<int> OwnerSearch::childrenOf(int pid)
{
    if (m_useChildrenFile)
        return procfs::readChildren(m_procFd, pid);
    // A child is newer than its parent: reading the parents of the PIDs newer than `pid` finds all of
    // its children. Each parent is read once per search, and only as far back as asked.
    loadOrder();
    const auto at = m_position.find(pid);
    const std::size_t until = at == m_position.end() ? m_order.size() : at->second;
    for (; m_parentsRead < until; ++m_parentsRead) {
        const int candidate = m_order[m_parentsRead];
        if (const int parent = parentOf(candidate); parent > 0)
            m_children[parent].push_back(candidate);
    }
    const auto children = m_children.find(pid);
    return children == m_children.end() ? std::vector<int>() : children->second;
}

const std::vector<int> &OwnerSearch::loadOrder()
{
    if (!m_orderLoaded) {
        m_orderLoaded = true;
        m_order = procfs::pidsNewestFirst(m_procFd);
        for (std::size_t i = 0; i < m_order.size(); ++i)
            m_position.emplace(m_order[i], i);
    }
    return m_order;
}

bool OwnerSearch::ownedByOneOf(int pid, const std::unordered_set<std::uint32_t> &uids) const
{
    struct stat st{};
    // /proc/<pid> belongs to the process's effective uid (root when it is not dumpable).
    return ::fstatat(m_procFd, std::to_string(pid).c_str(), &st, 0) == 0 && uids.count(st.st_uid);
}

SearchResult OwnerSearch::find(const std::unordered_set<std::uint64_t> &inodes,
                               const std::unordered_set<std::uint32_t> &socketUids, bool thorough)
{
    m_wanted = &inodes;
    m_listings.clear();
    ++m_stats.searches;

    m_orderLoaded = false;
    m_order.clear();
    m_position.clear();
    m_children.clear();
    m_parentsRead = 0;
    std::unordered_map<std::uint64_t, int> firstHolder; // inode -> the first holder found
    bool anyDenied = false;
    const auto visit = [&](int pid) {
        const Listing &listing = list(pid);
        anyDenied = anyDenied || isDenied(listing.error);
        for (const auto &[inode, fd] : listing.sockets)
            firstHolder.try_emplace(inode, pid);
        return !thorough && firstHolder.size() == inodes.size();
    };

    bool done = false;
    // A new socket mostly belongs to a process started moments ago. Probing the PIDs allocated last
    // is far cheaper than listing /proc, which costs over a microsecond per process.
    if (!thorough) {
        const int last = procfs::lastAllocatedPid(m_procFd);
        for (int pid = last, probes = 0; !done && pid > 0 && probes < kRecentProbes; --pid, ++probes) {
            const int answer = procfs::isProcess(pid);
            if (answer < 0)
                break; // no pidfd_open on this kernel: cannot tell processes from threads cheaply
            if (answer > 0) {
                done = visit(pid);
                // Sockets all newer than every one still sought: those were made before these
                // processes started, so their creator is older; the guided search finds it.
                const std::uint64_t first = m_listings[pid].firstSocket;
                if (!done && first != kNoSocket
                    && std::all_of(inodes.begin(), inodes.end(), [&](std::uint64_t inode) {
                           return firstHolder.count(inode) || inode < first;
                       }))
                    break;
            }
        }
        for (const std::uint64_t inode : inodes) {
            if (done)
                break;
            if (!firstHolder.count(inode))
                done = guidedVisits(inode, firstHolder, visit);
        }
    }

    // Then every process, newest first. Those running as a socket's owner uid are visited first,
    // the others only when those did not hold every socket. They are deferred, never skipped: a
    // socket created by root is often held by workers that switched to another uid, and the root
    // parent may be gone.
    std::vector<int> deferred;
    const bool preferUids = m_preferSocketUid && !thorough && !socketUids.empty();
    const std::vector<int> &order = done ? m_order : loadOrder();
    for (const int pid : order) {
        if (done)
            break;
        if (preferUids && !ownedByOneOf(pid, socketUids)) {
            deferred.push_back(pid);
            continue;
        }
        done = visit(pid);
    }
    for (std::size_t i = 0; !done && i < deferred.size(); ++i)
        done = visit(deferred[i]);
    if (!done)
        ++m_stats.fullScans;

    SearchResult result;
    if (!thorough) {
        for (const auto &[inode, holder] : firstHolder)
            addFamily(inode, holder, result);
    }
    collect(result);
    for (const std::uint64_t inode : inodes) {
        // Without an owner, any unreadable process may be it; a thorough scan cannot vouch for
        // completeness either once something was unreadable.
        if (anyDenied && (thorough || !result.holders.count(inode)))
            result.hidden.insert(inode);
    }
    return result;
}

// Socket inode numbers come from one counter that only grows, handed out to each CPU in batches of
// 1,024, and a process mostly holds sockets it created itself after it started. So the lowest socket
// inode each process holds grows with its start, that is along the newest-first order, downwards,
// give or take a batch per CPU. Halving that order finds where processes with sockets older than
// `inode` begin; the creator is usually there or, with the batches' noise, near there. Then
// processes are listed outwards from that place, nearest first. This only orders the visits: it
// ends when every wanted inode has a holder or every process was listed. True in the first case.
template <typename Visit>
bool OwnerSearch::guidedVisits(std::uint64_t inode, const std::unordered_map<std::uint64_t, int> &found, Visit &&visit)
{
    const std::vector<int> &order = loadOrder();
    std::size_t newer = 0;            // order[0, newer): their sockets all came after `inode`
    std::size_t older = order.size(); // order[older, end): they had a socket before it
    while (newer < older) {
        const std::size_t mid = newer + (older - newer) / 2;
        std::size_t at = mid;
        std::uint64_t first = kNoSocket;
        for (; at < older && at < mid + kGuideSkip; ++at) {
            if (visit(order[at]))
                return true;
            if (found.count(inode))
                return false;
            first = m_listings[order[at]].firstSocket;
            if (first != kNoSocket)
                break;
        }
        if (first == kNoSocket || first < inode)
            older = mid; // nothing to go by in [mid, at), or it had sockets first: look newer
        else
            newer = at + 1;
    }
    // Outwards from there, alternately older and newer.
    const std::size_t start = std::min(newer, order.size());
    for (std::size_t step = 0; step < 2 * order.size(); ++step) {
        const std::size_t offset = step / 2;
        const bool olderSide = step % 2 == 0;
        if ((olderSide && start + offset >= order.size()) || (!olderSide && offset + 1 > start))
            continue;
        const std::size_t index = olderSide ? start + offset : start - 1 - offset;
        if (visit(order[index]))
            return true;
        if (found.count(inode))
            return false;
    }
    return false;
}

// Sharers of a socket inherited through fork are the first holder's parent chain and the
// descendants of the oldest holder in that chain (plus, when cheap, the children of the first
// non-holding parent: it may have created the socket and closed its own copy).
void OwnerSearch::addFamily(std::uint64_t inode, int firstHolder, SearchResult &result)
{
    std::unordered_set<int> family{firstHolder};
    int top = firstHolder;
    int nonHolder = 0;
    int parent = parentOf(firstHolder);
    for (int depth = 0; parent > 0 && depth < kMaxChainDepth; ++depth) {
        if (holds(parent, inode)) {
            family.insert(parent);
            top = parent;
            parent = parentOf(parent);
            continue;
        }
        if (isDenied(list(parent).error))
            result.hidden.insert(inode);
        nonHolder = parent;
        break;
    }

    std::deque<int> queue{top};
    std::unordered_set<int> seen{top};
    // Siblings only with the children file: without it, finding the children of an old parent (a
    // shell, a session manager) means reading the parent of every newer process. PID 1 is never
    // such a parent worth listing.
    if (nonHolder > 1 && m_useChildrenFile) {
        const std::vector<int> siblings = childrenOf(nonHolder);
        if (siblings.size() <= kMaxSiblings) {
            for (const int sibling : siblings) {
                if (seen.insert(sibling).second)
                    queue.push_back(sibling);
            }
        }
    }
    std::size_t checks = 0;
    while (!queue.empty() && checks < kMaxFamilyChecks) {
        const int pid = queue.front();
        queue.pop_front();
        if (pid != top && !family.count(pid)) {
            ++checks;
            if (!holds(pid, inode)) {
                if (isDenied(list(pid).error))
                    result.hidden.insert(inode);
                continue; // a child of a non-holder cannot have inherited the socket from it
            }
            family.insert(pid);
        }
        for (const int child : childrenOf(pid)) {
            if (seen.insert(child).second)
                queue.push_back(child);
        }
    }
}

SearchResult OwnerSearch::check(const std::vector<int> &pids, const std::unordered_set<std::uint64_t> &inodes)
{
    m_wanted = &inodes;
    m_listings.clear();
    SearchResult result;
    for (const int pid : pids) {
        if (isDenied(list(pid).error))
            result.hidden.insert(inodes.begin(), inodes.end());
    }
    collect(result);
    return result;
}

void OwnerSearch::collect(SearchResult &result) const
{
    for (const auto &[pid, listing] : m_listings) {
        for (const auto &[inode, fd] : listing.sockets) {
            auto &holders = result.holders[inode];
            // A process holding one socket under several descriptors is one owner.
            if (std::none_of(holders.begin(), holders.end(), [pid = pid](const SocketHolder &h) { return h.pid == pid; }))
                holders.push_back({pid, fd});
        }
    }
    for (auto &[inode, holders] : result.holders)
        std::sort(holders.begin(), holders.end(), [](const SocketHolder &a, const SocketHolder &b) { return a.pid < b.pid; });
}

} // namespace portwatch::platform
