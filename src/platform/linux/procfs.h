// Reading the Linux process table (/proc) relative to open directory descriptors: process details,
// open socket descriptors, parent links. Plain C++ and system calls, shared by the resolver and the
// process control; no caching here (callers decide what to remember).
#pragma once

#include "platform/types.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace portwatch::platform::procfs {

// Owns one file descriptor; closes it on destruction.
class UniqueFd {
public:
    UniqueFd() noexcept = default;
    explicit UniqueFd(int fd) noexcept : m_fd(fd) {}
    ~UniqueFd();
    UniqueFd(UniqueFd &&other) noexcept : m_fd(other.release()) {}
    UniqueFd &operator=(UniqueFd &&other) noexcept;
    UniqueFd(const UniqueFd &) = delete;
    UniqueFd &operator=(const UniqueFd &) = delete;

    int get() const noexcept { return m_fd; }
    bool valid() const noexcept { return m_fd >= 0; }
    int release() noexcept;
    void reset(int fd = -1) noexcept;

private:
    int m_fd = -1;
};

// The process is a kernel thread (PF_KTHREAD in /proc/<pid>/stat flags).
inline constexpr unsigned kKernelThreadFlag = 0x00200000;

// The few fields of /proc/<pid>/stat we need.
struct StatFields {
    std::string comm;
    char state = '?';
    int ppid = 0;
    unsigned flags = 0;
    std::uint64_t startTicks = 0; // field 22

    bool kernelThread() const noexcept { return (flags & kKernelThreadFlag) != 0; }
};

// Parses the text of /proc/<pid>/stat. comm may hold spaces and parentheses, so the fields after it
// are found from the last ')'.
std::optional<StatFields> parseStat(std::string_view text);

// Parses "socket:[12345]" (a /proc/<pid>/fd link) into 12345.
std::optional<std::uint64_t> parseSocketLink(std::string_view link) noexcept;
// Whether descriptor `fd` of the process at dirFd/prefix ("" for a /proc/<pid> descriptor,
// "<pid>/" relative to /proc) is socket `inode`: one readlinkat, no allocation.
bool fdIsSocket(int dirFd, std::string_view prefix, int fd, std::uint64_t inode) noexcept;

// Every path below is relative to `dirFd`: either /proc itself with a prefix like "1234/", or a
// /proc/<pid> directory with an empty prefix. Relative lookups skip resolving "/proc" each time, and a
// held /proc/<pid> descriptor keeps naming the same process: once it exits, lookups through it fail
// even if the PID is reused.

// /proc opened as a directory (O_RDONLY, so it can also be listed).
UniqueFd openProcRoot();
// /proc/<pid> as an O_PATH directory descriptor, or invalid (errno set).
UniqueFd openProcessDir(int procFd, int pid);

// Reads a whole small file; false with errno set on failure.
bool readFileAt(int dirFd, const std::string &path, std::string &out);
// readlinkat into `out`; false with errno set on failure.
bool readLinkAt(int dirFd, const std::string &path, std::string &out);

std::optional<StatFields> readStat(int dirFd, std::string_view prefix);
std::optional<std::uint32_t> readRealUid(int dirFd, std::string_view prefix);
std::string readExe(int dirFd, std::string_view prefix);
std::vector<std::string> readCmdline(int dirFd, std::string_view prefix);
// The same from /proc/<pid>/cmdline opened once and kept (pread per call).
std::vector<std::string> readCmdlineFrom(int cmdlineFd);
// Whether the kept /proc/<pid>/cmdline still shows `args`: one pread and no allocation when the
// command line fits a page (the kernel fills a read as far as the arguments go, so a short read is
// the whole of them). A wrong "changed" only costs the caller a fresh read of the process.
bool cmdlineMatches(int cmdlineFd, const std::vector<std::string> &args);

// Resolves uids to names, remembering the answers (the name service can be slow).
class UserNames {
public:
    const std::string &name(std::uint32_t uid);

private:
    std::unordered_map<std::uint32_t, std::string> m_names;
};

// Everything about one process; nothing when it does not exist (or vanished while being read).
std::optional<ProcessInfo> readProcess(int dirFd, std::string_view prefix, int pid, UserNames &users);

// Boot time in milliseconds since the epoch (btime of /proc/stat), read once.
std::int64_t bootTimeMs();
// Start ticks (clock ticks after boot) to milliseconds since the epoch.
std::int64_t ticksToEpochMs(std::uint64_t ticks);

// Every PID in /proc, newest first: descending from the most recently allocated PID (last field of
// /proc/loadavg), then the ones above it, so the order survives PID wrap-around.
std::vector<int> pidsNewestFirst(int procFd);
// 1 when `pid` is a process (a thread group leader), 0 when it is a thread or nothing, -1 when the
// kernel cannot tell us cheaply (no pidfd_open).
int isProcess(int pid) noexcept;
// The most recently allocated PID in our namespace, or -1.
int lastAllocatedPid(int procFd);
// The same from /proc/loadavg opened once and kept (one pread per call instead of open, read, close).
int lastAllocatedPidFrom(int loadavgFd);

// What /proc/<pid>/fdinfo/<fd> says about one descriptor.
struct FdInfo {
    unsigned flags = 0;      // open flags (octal in the file), with O_CLOEXEC while FD_CLOEXEC is set
    int mountId = -1;        // the file's mount; every socket is on the kernel's one sockfs mount
    std::uint64_t inode = 0; // the file's inode number: for a socket, its socket inode

    bool operator==(const FdInfo &) const = default;
};
// Parses the "flags:", "mnt_id:" and "ino:" lines; nothing when one is missing or malformed.
std::optional<FdInfo> parseFdInfo(std::string_view text) noexcept;
// fdinfo/<fd> of the process opened to be kept. It stays bound to that process and descriptor
// number: every read at offset 0 describes what the descriptor names now, and fails once the
// descriptor is closed or the process is gone. No path lookup and no permission check per read,
// which makes it the cheapest way to confirm, poll after poll, that a process still holds a socket.
UniqueFd openFdInfo(int dirFd, std::string_view prefix, int fd);
// One pread of a kept fdinfo descriptor, no allocation; nothing when the descriptor is gone.
std::optional<FdInfo> readFdInfoFrom(int fdinfoFd) noexcept;

// The scheduler's record of a process's main thread (/proc/<pid>/schedstat): nanoseconds run,
// nanoseconds waited to run, timeslices. It grows whenever that thread runs, and an exec from
// another thread makes that thread the main one, with a record of its own: a process whose record
// is unchanged has not exec'ed in between. (The time of a running thread is accounted at each
// scheduler tick; on a nohz_full CPU, where a thread that never sleeps gets about one tick a second,
// an exec can show a poll late, never not at all.)
struct RunRecord {
    std::uint64_t ranNs = 0;
    std::uint64_t waitedNs = 0;
    std::uint64_t timeslices = 0;

    bool operator==(const RunRecord &) const = default;
};
std::optional<RunRecord> parseRunRecord(std::string_view text) noexcept;
// Whether two readings prove that the process has not run in between: both read and equal, and not
// the "0 0 0" that older kernels print for every process when they keep no scheduler statistics.
bool sameRun(const std::optional<RunRecord> &now, const std::optional<RunRecord> &before) noexcept;
// Whether /proc/<pid>/schedstat exists on this kernel (CONFIG_SCHED_INFO); probed once.
bool schedstatSupported();
// One pread of a kept /proc/<pid>/schedstat, no allocation; nothing when it cannot be read.
std::optional<RunRecord> readRunRecordFrom(int schedstatFd) noexcept;

// Calls `onSocket(fd, inode)` for every socket descriptor of the process. Returns 0, or the errno
// that stopped the listing (EACCES for another user's process, ENOENT when it exited).
// `linksRead` is increased by the number of readlinkat calls made.
int forEachSocketFd(int dirFd, std::string_view prefix,
                    const std::function<void(int fd, std::uint64_t inode)> &onSocket,
                    std::uint64_t &linksRead);

// Whether the process holds the socket `inode`; fills `fd` with where. Returns 0, 1 (holds) or -errno.
int findSocketFd(int dirFd, std::string_view prefix, std::uint64_t inode, int &fd);

// Whether /proc/<pid>/task/<tid>/children exists on this kernel (CONFIG_PROC_CHILDREN); probed once.
bool childrenFileSupported();
// Children of every thread of the process (needs childrenFileSupported()).
std::vector<int> readChildren(int procFd, int pid);

// Threads of the process (from the link count of its task directory), or -1.
int threadCount(int dirFd, std::string_view prefix);
// /proc/<pid>/task/<pid>/children, the children of the main thread, opened to be kept and read again
// with readChildrenFrom() (one pread per call instead of open, read, close).
UniqueFd openMainThreadChildren(int dirFd, std::string_view prefix, int pid);
// Appends the PIDs listed by a children file held open; false when it cannot be read.
bool readChildrenFrom(int childrenFd, std::vector<int> &children);

// "1234/" for paths relative to /proc.
std::string pidPrefix(int pid);

} // namespace portwatch::platform::procfs
