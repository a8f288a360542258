// Finding which processes hold given socket inodes by walking /proc/<pid>/fd: the expensive part of
// owner resolution, kept apart from the cache that avoids it (processresolver).
#pragma once

#include "procfs.h"

#include <cstdint>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace portwatch::platform {

// Counters for tests and benchmarks: what resolving cost in system-call terms.
struct ResolverStats {
    std::uint64_t fdDirsListed = 0; // /proc/<pid>/fd directories listed
    std::uint64_t fdLinksRead = 0;  // readlinkat() of single fd entries (scans, and confirmations
                                    // of owners without a kept fdinfo descriptor)
    std::uint64_t fdInfoReads = 0;  // confirmations through a kept fdinfo descriptor (one pread)
    std::uint64_t searches = 0;     // OwnerSearch runs (some socket was not known)
    std::uint64_t fullScans = 0;    // searches that listed every process (thorough, or owner not found)
    std::uint64_t processesRead = 0; // full ProcessInfo reads
    std::uint64_t forkChecksByChildren = 0; // calls that looked for fork sharers in children files
    std::uint64_t forkChecksByPids = 0;     // ... and by reading each PID created since the last call
    std::uint64_t execChecks = 0;        // owners whose executable and command line were read again
    std::uint64_t execChecksSkipped = 0; // ... and whose unchanged run record made that unnecessary
};

struct SocketHolder {
    int pid = 0;
    int fd = 0;
    // The descriptor has FD_CLOEXEC (as last seen: when the holder was cached, and on every call
    // where a kept fdinfo descriptor confirms it): an exec would have closed it, so while it still
    // names the socket the process has not exec'ed.
    bool closeOnExec = false;
};

struct SearchResult {
    std::unordered_map<std::uint64_t, std::vector<SocketHolder>> holders; // inode -> holders
    // Inodes whose owner set may be incomplete because some process that could hold them (any
    // process when no owner was found, a relative otherwise) was not readable to us.
    std::unordered_set<std::uint64_t> hidden;
};

// One search over the process table; remembers within itself which processes it listed.
class OwnerSearch {
public:
    OwnerSearch(int procFd, ResolverStats &stats);

    // Fast: first the processes around where the socket's inode number places its creator, then
    // processes newest first (those running as one of `socketUids` before the rest) until every
    // inode has a holder, then each holder's family (parent chain, forked descendants).
    // Thorough: every process.
    SearchResult find(const std::unordered_set<std::uint64_t> &inodes, const std::unordered_set<std::uint32_t> &socketUids,
                      bool thorough);

    // Visit processes of the sockets' uids first (default on); see find().
    void setPreferSocketUid(bool prefer) noexcept { m_preferSocketUid = prefer; }
    // Find children through /proc/<pid>/task/<tid>/children (default: when the kernel has them) or
    // through the parent field of newer processes. Tests switch it off to cover kernels without.
    void setUseChildrenFile(bool use) noexcept { m_useChildrenFile = use && procfs::childrenFileSupported(); }

    // Which of `inodes` each of `pids` holds (used for processes forked after a socket was cached).
    SearchResult check(const std::vector<int> &pids, const std::unordered_set<std::uint64_t> &inodes);

private:
    static constexpr std::uint64_t kNoSocket = ~std::uint64_t(0);
    struct Listing {
        int error = 0; // errno of listing /proc/<pid>/fd; 0 when listed
        std::vector<std::pair<std::uint64_t, int>> sockets; // (inode, fd) among the wanted inodes
        std::uint64_t firstSocket = kNoSocket; // the lowest inode of any socket it holds
    };

    const Listing &list(int pid);
    template <typename Visit>
    bool guidedVisits(std::uint64_t inode, const std::unordered_map<std::uint64_t, int> &found, Visit &&visit);
    bool holds(int pid, std::uint64_t inode);
    int parentOf(int pid);
    const std::vector<int> &loadOrder();
    bool ownedByOneOf(int pid, const std::unordered_set<std::uint32_t> &uids) const;
    void addFamily(std::uint64_t inode, int firstHolder, SearchResult &result);
    std::vector<int> childrenOf(int pid);
    void collect(SearchResult &result) const;

    int m_procFd;
    ResolverStats &m_stats;
    const std::unordered_set<std::uint64_t> *m_wanted = nullptr;
    std::unordered_map<int, Listing> m_listings;
    // PIDs newest first, listed from /proc only when needed (m_orderLoaded); without the children
    // file, also the children of those whose parent has been read (the first m_parentsRead).
    std::vector<int> m_order;
    std::unordered_map<int, std::size_t> m_position;
    std::unordered_map<int, std::vector<int>> m_children;
    std::size_t m_parentsRead = 0;
    bool m_orderLoaded = false;
    bool m_preferSocketUid = true;
    bool m_useChildrenFile = procfs::childrenFileSupported();
};

} // namespace portwatch::platform
