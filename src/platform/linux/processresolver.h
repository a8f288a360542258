// Linux ProcessResolver: socket inode -> owning processes, with a cache that is confirmed per call by
// one pread of a kept /proc/<pid>/fdinfo/<fd> per known owner, so a poll that sees only known
// sockets lists no /proc/<pid>/fd and looks up no path.
#pragma once

#include "ownersearch.h"
#include "platform/processes.h"
#include "procfs.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace portwatch::platform {

// Not thread-safe: use one resolver per thread (the poller owns its own).
class LinuxProcessResolver final : public ProcessResolver {
public:
    explicit LinuxProcessResolver(ResolveMode mode = ResolveMode::Fast);

    std::vector<Listener> resolve(const std::vector<SocketEntry> &sockets) override;
    std::optional<ProcessInfo> process(int pid) override;
    void clearCache() override;

    const ResolverStats &stats() const noexcept { return m_stats; }
    // How long a socket whose owners could not be found stays unsearched (default 30 s). Without
    // this, a socket of another user's process would cost a full /proc scan on every poll.
    void setRetryInterval(std::chrono::milliseconds interval) noexcept { m_retryInterval = interval; }
    // Search processes running as the socket's uid before the others (default on; never skips any).
    void setPreferSocketUid(bool prefer) noexcept { m_preferSocketUid = prefer; }
    // Use /proc/<pid>/task/<tid>/children where the kernel has it (default); tests turn it off to
    // cover kernels built without CONFIG_PROC_CHILDREN.
    void setUseChildrenFile(bool use) noexcept { m_useChildrenFile = use; }

    // How a call looks for processes that known owners forked since the last call (they inherit the
    // sockets). Automatic (the default) takes whichever reads fewer files: the PIDs created since
    // (one stat each) when there are few of them, as on a quiet host, else the owners' children
    // files (two reads per owner), as on a host that starts many processes a second.
    enum class ForkCheck { Automatic, ChildrenFiles, NewPids };
    void setForkCheck(ForkCheck check) noexcept { m_forkCheck = check; }

private:
    struct CachedProcess {
        // /proc/<pid>, held open: lookups through it fail once this process is gone, even if the PID
        // has been reused since. Invalid beyond kMaxHeldDirs; then the start time is compared instead.
        procfs::UniqueFd dir;
        ProcessInfo info;
        // Its main thread's children file, opened the first time a fork sharer is looked for.
        procfs::UniqueFd children;
        // Its command line and scheduler record, opened the first time it is checked for an exec,
        // and the record as it was before the last full check (see refresh()).
        procfs::UniqueFd cmdline;
        procfs::UniqueFd schedstat;
        std::optional<procfs::RunRecord> checkedRun;
        std::uint64_t checkedCall = 0; // the resolve() call that last looked for an exec
    };
    struct CachedHolder {
        SocketHolder holder;
        // fdinfo/<fd> of the holder, kept while its /proc/<pid> is (up to the held-descriptor
        // budget), and the sockfs mount it showed when the holder was adopted: a later read that
        // shows the same inode on the same mount is the same socket.
        procfs::UniqueFd fdinfo;
        int mountId = -1;
    };
    struct CachedSocket {
        std::vector<CachedHolder> owners;
        bool ownersVisible = true;
        std::uint64_t askedCall = 0;
        std::chrono::steady_clock::time_point searchedAt;
    };

    bool confirm(std::uint64_t inode, CachedSocket &socket);
    bool stillHolds(CachedProcess &process, CachedHolder &cached, std::uint64_t inode);
    void refresh(CachedProcess &process);
    std::optional<CachedHolder> adopt(SocketHolder holder, std::uint64_t inode);
    int lastAllocatedPid();
    void search(const std::unordered_set<std::uint64_t> &inodes, const std::unordered_set<std::uint32_t> &uids);
    std::vector<int> newProcessesSince(int previousLastPid, int lastPid);
    // The distinct processes holding the confirmed sockets.
    std::vector<int> ownersOf(const std::vector<std::uint64_t> &confirmed) const;
    bool checkForksByChildren(int previousLastPid, int lastPid, std::size_t ownerCount) const;
    void adoptForkedSharers(const std::vector<int> &newPids, const std::vector<int> &owners,
                            const std::vector<std::uint64_t> &confirmed);
    void adoptForkedSharersFromChildren(int previousLastPid, int lastPid, const std::vector<int> &owners,
                                        const std::vector<std::uint64_t> &confirmed);
    std::vector<int> childrenOf(int pid);
    void adoptFound(const SearchResult &found, const std::vector<std::uint64_t> &confirmed);
    Listener makeListener(const SocketEntry &socket);
    void prune();

    ResolveMode m_mode;
    procfs::UniqueFd m_proc;
    procfs::UniqueFd m_loadavg; // /proc/loadavg, kept open: one pread per call
    procfs::UserNames m_users;
    ResolverStats m_stats;
    std::unordered_map<int, CachedProcess> m_processes;
    std::unordered_map<std::uint64_t, CachedSocket> m_sockets;
    // Descriptors the cache may keep open of each kind (process directories; fdinfo files), from
    // the open-file limit, so that the kept ones never take more than about half of it.
    std::size_t m_maxHeld = 0;
    std::size_t m_heldFdInfos = 0; // counted at the start of each resolve() call
    std::uint64_t m_call = 0;
    int m_lastPid = -1;
    std::chrono::milliseconds m_retryInterval{30000};
    bool m_preferSocketUid = true;
    bool m_useChildrenFile = true;
    ForkCheck m_forkCheck = ForkCheck::Automatic;
};

} // namespace portwatch::platform
