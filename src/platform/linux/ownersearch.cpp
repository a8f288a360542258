// Walking /proc/<pid>/fd for socket holders; see ownersearch.h.
#include "ownersearch.h"

#include <algorithm>
#include <cerrno>
#include <deque>

namespace portwatch::platform {

namespace {

// Parent chains deeper than this are a loop in a racing process table, not a real family.
constexpr int kMaxChainDepth = 64;
// Siblings are checked only under a parent with few children: a non-holding parent with many
// children (a session manager, a busy shell) would make the search cost grow with the host.
constexpr std::size_t kMaxSiblings = 16;
// Upper bound for descendants checked per socket; prefork servers stay far below it.
constexpr std::size_t kMaxFamilyChecks = 512;

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
    return procfs::readChildren(m_procFd, pid);
}

SearchResult OwnerSearch::find(const std::unordered_set<std::uint64_t> &inodes, bool thorough)
{
    m_wanted = &inodes;
    m_listings.clear();
    ++m_stats.searches;

    const std::vector<int> order = procfs::pidsNewestFirst(m_procFd);
    std::unordered_map<std::uint64_t, std::size_t> firstIndex; // inode -> position of its newest holder
    bool anyDenied = false;
    std::size_t index = 0;
    for (; index < order.size(); ++index) {
        const Listing &listing = list(order[index]);
        anyDenied = anyDenied || isDenied(listing.error);
        for (const auto &[inode, fd] : listing.sockets)
            firstIndex.try_emplace(inode, index);
        if (!thorough && firstIndex.size() == inodes.size())
            break;
    }
    if (index >= order.size())
        ++m_stats.fullScans;

    SearchResult result;
    if (!thorough) {
        for (const auto &[inode, at] : firstIndex)
            addFamily(inode, order[at], at, order, result);
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

// Everything newer than `firstHolder` was listed already without a match, so the other holders of a
// socket shared through fork are older: its parent chain, and descendants of the oldest holder that
// were created before `firstHolder`.
void OwnerSearch::addFamily(std::uint64_t inode, int firstHolder, std::size_t firstIndex,
                            const std::vector<int> &order, SearchResult &result)
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

    std::size_t checks = 0;
    if (procfs::childrenFileSupported()) {
        std::deque<int> queue{top};
        std::unordered_set<int> seen{top};
        // A parent that created the socket and closed its own copy leaves its children as the only
        // holders: look at them when there are few. PID 1 is never such a parent worth listing.
        if (nonHolder > 1) {
            const std::vector<int> siblings = childrenOf(nonHolder);
            if (siblings.size() <= kMaxSiblings) {
                for (const int sibling : siblings) {
                    if (seen.insert(sibling).second)
                        queue.push_back(sibling);
                }
            }
        }
        while (!queue.empty() && checks < kMaxFamilyChecks) {
            const int pid = queue.front();
            queue.pop_front();
            if (pid != top && !family.count(pid)) {
                ++checks;
                if (!holds(pid, inode)) {
                    if (isDenied(list(pid).error))
                        result.hidden.insert(inode);
                    continue;
                }
                family.insert(pid);
            }
            for (const int child : childrenOf(pid)) {
                if (seen.insert(child).second)
                    queue.push_back(child);
            }
        }
        return;
    }

    // No children file (CONFIG_PROC_CHILDREN off): the PIDs between the oldest holder and the newest
    // are the candidates; walk them oldest first so each parent is judged before its children.
    std::size_t topIndex = firstIndex;
    while (topIndex < order.size() && order[topIndex] != top)
        ++topIndex;
    for (std::size_t at = topIndex; at-- > firstIndex + 1 && checks < kMaxFamilyChecks;) {
        const int pid = order[at];
        if (!family.count(parentOf(pid)))
            continue;
        ++checks;
        if (holds(pid, inode))
            family.insert(pid);
        else if (isDenied(list(pid).error))
            result.hidden.insert(inode);
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
