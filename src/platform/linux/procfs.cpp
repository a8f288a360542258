// Reading /proc with relative *at() calls; see procfs.h.
#include "procfs.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace portwatch::platform::procfs {

UniqueFd::~UniqueFd()
{
    reset();
}

UniqueFd &UniqueFd::operator=(UniqueFd &&other) noexcept
{
    if (this != &other)
        reset(other.release());
    return *this;
}

int UniqueFd::release() noexcept
{
    const int fd = m_fd;
    m_fd = -1;
    return fd;
}

void UniqueFd::reset(int fd) noexcept
{
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = fd;
}

namespace {

template <typename T>
bool parseNumber(std::string_view text, T &value) noexcept
{
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() && end == text.data() + text.size();
}

// One pread at offset 0 of a kept /proc file into `buffer`: the kernel generates the file afresh for
// a read at offset 0. The length read, or -1.
ssize_t preadWhole(int fd, char *buffer, std::size_t size) noexcept
{
    ssize_t n;
    do {
        n = ::pread(fd, buffer, size, 0);
    } while (n < 0 && errno == EINTR);
    return n;
}

// Splits off the next token of `rest` (separated by spaces or newlines).
std::string_view nextToken(std::string_view &rest) noexcept
{
    const auto start = rest.find_first_not_of(" \n");
    if (start == std::string_view::npos) {
        rest = {};
        return {};
    }
    rest.remove_prefix(start);
    const auto end = rest.find_first_of(" \n");
    const std::string_view token = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    return token;
}

std::string joinPath(std::string_view prefix, std::string_view name)
{
    std::string path;
    path.reserve(prefix.size() + name.size());
    path.append(prefix);
    path.append(name);
    return path;
}

} // namespace

std::optional<StatFields> parseStat(std::string_view text)
{
    const auto open = text.find('(');
    const auto close = text.rfind(')');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open)
        return std::nullopt;

    StatFields fields;
    fields.comm = std::string(text.substr(open + 1, close - open - 1));
    std::string_view rest = text.substr(close + 1);
    // Fields after comm, numbered as in proc(5): 3 state, 4 ppid, ..., 9 flags, ..., 22 starttime.
    for (int field = 3; field <= 22; ++field) {
        const std::string_view token = nextToken(rest);
        if (token.empty())
            return std::nullopt;
        bool ok = true;
        switch (field) {
        case 3: fields.state = token.front(); break;
        case 4: ok = parseNumber(token, fields.ppid); break;
        case 9: ok = parseNumber(token, fields.flags); break;
        case 22: ok = parseNumber(token, fields.startTicks); break;
        default: break;
        }
        if (!ok)
            return std::nullopt;
    }
    return fields;
}

std::optional<std::uint64_t> parseSocketLink(std::string_view link) noexcept
{
    constexpr std::string_view head = "socket:[";
    if (link.size() <= head.size() + 1 || link.substr(0, head.size()) != head || link.back() != ']')
        return std::nullopt;
    std::uint64_t inode = 0;
    if (!parseNumber(link.substr(head.size(), link.size() - head.size() - 1), inode))
        return std::nullopt;
    return inode;
}

bool fdIsSocket(int dirFd, std::string_view prefix, int fd, std::uint64_t inode) noexcept
{
    constexpr std::string_view fdDir = "fd/";
    char path[64];
    if (prefix.size() + fdDir.size() + 12 > sizeof path)
        return false;
    char *end = std::copy(prefix.begin(), prefix.end(), path);
    end = std::copy(fdDir.begin(), fdDir.end(), end);
    end = std::to_chars(end, path + sizeof path - 1, fd).ptr;
    *end = '\0';
    char link[64];
    const ssize_t n = ::readlinkat(dirFd, path, link, sizeof link);
    return n > 0 && parseSocketLink(std::string_view(link, static_cast<std::size_t>(n))) == inode;
}

UniqueFd openProcRoot()
{
    return UniqueFd(::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
}

UniqueFd openProcessDir(int procFd, int pid)
{
    char name[16];
    const auto [end, ec] = std::to_chars(name, name + sizeof name - 1, pid);
    *end = '\0';
    return UniqueFd(::openat(procFd, name, O_PATH | O_DIRECTORY | O_CLOEXEC));
}

bool readFileAt(int dirFd, const std::string &path, std::string &out)
{
    out.clear();
    UniqueFd fd(::openat(dirFd, path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid())
        return false;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        if (n == 0)
            return true;
        out.append(buffer, static_cast<std::size_t>(n));
    }
}

bool readLinkAt(int dirFd, const std::string &path, std::string &out)
{
    char buffer[4096];
    const ssize_t n = ::readlinkat(dirFd, path.c_str(), buffer, sizeof buffer);
    if (n < 0)
        return false;
    out.assign(buffer, static_cast<std::size_t>(n));
    return true;
}

std::optional<StatFields> readStat(int dirFd, std::string_view prefix)
{
    std::string text;
    if (!readFileAt(dirFd, joinPath(prefix, "stat"), text))
        return std::nullopt;
    return parseStat(text);
}

std::optional<std::uint32_t> readRealUid(int dirFd, std::string_view prefix)
{
    std::string text;
    if (!readFileAt(dirFd, joinPath(prefix, "status"), text))
        return std::nullopt;
    const auto at = text.find("\nUid:");
    if (at == std::string::npos)
        return std::nullopt;
    std::string_view rest = std::string_view(text).substr(at + 5);
    rest = rest.substr(0, rest.find('\n'));
    const auto start = rest.find_first_not_of(" \t");
    if (start == std::string_view::npos)
        return std::nullopt;
    rest.remove_prefix(start);
    std::uint32_t uid = 0;
    if (!parseNumber(rest.substr(0, rest.find_first_of(" \t")), uid))
        return std::nullopt;
    return uid;
}

std::string readExe(int dirFd, std::string_view prefix)
{
    std::string exe;
    if (!readLinkAt(dirFd, joinPath(prefix, "exe"), exe))
        exe.clear();
    return exe;
}

namespace {

// Calls `take` with each argument of a command-line text (NUL-terminated arguments, the last NUL
// optional, as a process may have rewritten its argument area); stops early when it returns false.
template<typename Take>
bool forEachArg(std::string_view text, Take take)
{
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\0', start);
        if (end == std::string_view::npos)
            end = text.size();
        if (!take(text.substr(start, end - start)))
            return false;
        start = end + 1;
    }
    return true;
}

std::vector<std::string> splitCmdline(const std::string &text)
{
    std::vector<std::string> args;
    forEachArg(text, [&args](std::string_view arg) {
        args.emplace_back(arg);
        return true;
    });
    return args;
}

} // namespace

std::vector<std::string> readCmdline(int dirFd, std::string_view prefix)
{
    std::string text;
    if (!readFileAt(dirFd, joinPath(prefix, "cmdline"), text))
        return {};
    return splitCmdline(text);
}

std::vector<std::string> readCmdlineFrom(int cmdlineFd)
{
    // The kernel reads the arguments from the process's memory on every read at offset 0, so a kept
    // descriptor shows what an exec put there.
    char buffer[4096];
    std::string text;
    for (;;) {
        const ssize_t n = ::pread(cmdlineFd, buffer, sizeof buffer, static_cast<off_t>(text.size()));
        if (n < 0)
            return {};
        text.append(buffer, static_cast<std::size_t>(n));
        if (n == 0)
            break;
    }
    return splitCmdline(text);
}

namespace {

// The argument list splitCmdline() would make of `text` equals `args`.
bool splitEquals(std::string_view text, const std::vector<std::string> &args)
{
    std::size_t index = 0;
    return forEachArg(text, [&](std::string_view arg) { return index < args.size() && arg == args[index++]; })
        && index == args.size();
}

} // namespace

bool cmdlineMatches(int cmdlineFd, const std::vector<std::string> &args)
{
    char buffer[4096];
    const ssize_t n = preadWhole(cmdlineFd, buffer, sizeof buffer);
    if (n < 0)
        return false;
    if (static_cast<std::size_t>(n) < sizeof buffer)
        return splitEquals(std::string_view(buffer, static_cast<std::size_t>(n)), args);
    return readCmdlineFrom(cmdlineFd) == args;
}

const std::string &UserNames::name(std::uint32_t uid)
{
    auto it = m_names.find(uid);
    if (it == m_names.end())
        it = m_names.emplace(uid, userName(uid)).first;
    return it->second;
}

std::optional<ProcessInfo> readProcess(int dirFd, std::string_view prefix, int pid, UserNames &users)
{
    const auto stat = readStat(dirFd, prefix);
    if (!stat)
        return std::nullopt;
    const auto uid = readRealUid(dirFd, prefix);
    if (!uid)
        return std::nullopt;
    ProcessInfo info;
    info.pid = pid;
    info.name = stat->comm;
    info.exe = readExe(dirFd, prefix);
    info.cmdline = readCmdline(dirFd, prefix);
    info.uid = *uid;
    info.user = users.name(*uid);
    info.startTicks = stat->startTicks;
    info.startTimeMs = ticksToEpochMs(stat->startTicks);
    // Read once per owner (new owners only, never per poll): what the user needs to tell two
    // "python3" apart, the parent and the directory it was started in.
    info.ppid = stat->ppid;
    if (stat->ppid > 0) {
        // Beside this process's directory, in the same /proc: dirFd is either /proc/<pid> itself
        // (empty prefix) or the /proc root.
        const std::string parentPrefix = prefix.empty() ? "../" + pidPrefix(stat->ppid) : pidPrefix(stat->ppid);
        if (const auto parent = readStat(dirFd, parentPrefix))
            info.parentName = parent->comm;
    }
    if (!readLinkAt(dirFd, joinPath(prefix, "cwd"), info.cwd))
        info.cwd.clear();
    return info;
}

std::int64_t bootTimeMs()
{
    static const std::int64_t bootMs = [] {
        std::string text;
        if (!readFileAt(AT_FDCWD, "/proc/stat", text))
            return std::int64_t{0};
        const auto at = text.find("\nbtime ");
        if (at == std::string::npos)
            return std::int64_t{0};
        std::string_view rest = std::string_view(text).substr(at + 7);
        std::int64_t seconds = 0;
        if (!parseNumber(rest.substr(0, rest.find('\n')), seconds))
            return std::int64_t{0};
        return seconds * 1000;
    }();
    return bootMs;
}

std::int64_t ticksToEpochMs(std::uint64_t ticks)
{
    static const long ticksPerSecond = [] {
        const long value = ::sysconf(_SC_CLK_TCK);
        return value > 0 ? value : 100L;
    }();
    return bootTimeMs() + static_cast<std::int64_t>(ticks * 1000 / static_cast<std::uint64_t>(ticksPerSecond));
}

int isProcess(int pid) noexcept
{
    // pidfd_open() refuses threads that do not lead their group, unlike a /proc/<tid> lookup.
    const long fd = ::syscall(SYS_pidfd_open, pid, 0);
    if (fd >= 0) {
        ::close(static_cast<int>(fd));
        return 1;
    }
    return errno == ENOSYS ? -1 : 0;
}

namespace {

// The last field of /proc/loadavg ("0.42 0.30 0.25 2/345 12345").
int lastPidOfLoadavg(std::string text)
{
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
    const auto space = text.rfind(' ');
    int pid = -1;
    if (space == std::string::npos || !parseNumber(std::string_view(text).substr(space + 1), pid))
        return -1;
    return pid;
}

} // namespace

int lastAllocatedPid(int procFd)
{
    std::string text;
    if (!readFileAt(procFd, "loadavg", text))
        return -1;
    return lastPidOfLoadavg(std::move(text));
}

int lastAllocatedPidFrom(int loadavgFd)
{
    char buffer[128];
    const ssize_t n = preadWhole(loadavgFd, buffer, sizeof buffer);
    if (n <= 0 || static_cast<std::size_t>(n) == sizeof buffer)
        return -1;
    return lastPidOfLoadavg(std::string(buffer, static_cast<std::size_t>(n)));
}

std::optional<FdInfo> parseFdInfo(std::string_view text) noexcept
{
    FdInfo info;
    bool flags = false;
    bool mount = false;
    bool inode = false;
    while (!text.empty()) {
        const auto end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos)
            continue;
        const std::string_view key = line.substr(0, colon);
        std::string_view value = line.substr(colon + 1);
        value.remove_prefix(std::min(value.find_first_not_of(" \t"), value.size()));
        if (key == "flags") {
            const auto [at, ec] = std::from_chars(value.data(), value.data() + value.size(), info.flags, 8);
            flags = ec == std::errc() && at == value.data() + value.size();
        } else if (key == "mnt_id") {
            mount = parseNumber(value, info.mountId);
        } else if (key == "ino") {
            inode = parseNumber(value, info.inode);
        }
    }
    if (!flags || !mount || !inode)
        return std::nullopt;
    return info;
}

UniqueFd openFdInfo(int dirFd, std::string_view prefix, int fd)
{
    return UniqueFd(::openat(dirFd, joinPath(prefix, "fdinfo/" + std::to_string(fd)).c_str(), O_RDONLY | O_CLOEXEC));
}

std::optional<FdInfo> readFdInfoFrom(int fdinfoFd) noexcept
{
    // The four lines we parse come first; a socket adds nothing after them that we need, and a
    // longer description (locks held on a file) is cut off harmlessly.
    char buffer[512];
    const ssize_t n = preadWhole(fdinfoFd, buffer, sizeof buffer);
    if (n <= 0)
        return std::nullopt;
    std::string_view text(buffer, static_cast<std::size_t>(n));
    if (static_cast<std::size_t>(n) == sizeof buffer)
        text = text.substr(0, text.rfind('\n') + 1); // only whole lines
    return parseFdInfo(text);
}

std::optional<RunRecord> parseRunRecord(std::string_view text) noexcept
{
    RunRecord record;
    std::uint64_t *const fields[] = {&record.ranNs, &record.waitedNs, &record.timeslices};
    for (std::uint64_t *field : fields) {
        if (!parseNumber(nextToken(text), *field))
            return std::nullopt;
    }
    return record;
}

bool sameRun(const std::optional<RunRecord> &now, const std::optional<RunRecord> &before) noexcept
{
    return now && before && now->ranNs != 0 && *now == *before;
}

bool schedstatSupported()
{
    static const bool supported = ::access("/proc/self/schedstat", R_OK) == 0;
    return supported;
}

std::optional<RunRecord> readRunRecordFrom(int schedstatFd) noexcept
{
    char buffer[128];
    const ssize_t n = preadWhole(schedstatFd, buffer, sizeof buffer);
    if (n <= 0 || static_cast<std::size_t>(n) == sizeof buffer)
        return std::nullopt;
    return parseRunRecord(std::string_view(buffer, static_cast<std::size_t>(n)));
}

namespace {

// Lists a directory through getdents64 on a descriptor we already hold (no opendir allocation).
template <typename Callback>
int listDirectory(int dirFd, Callback &&onEntry)
{
    alignas(8) char buffer[16384];
    for (;;) {
        const ssize_t n = ::getdents64(dirFd, buffer, sizeof buffer);
        if (n < 0)
            return errno;
        if (n == 0)
            return 0;
        for (ssize_t offset = 0; offset < n;) {
            const auto *entry = reinterpret_cast<const dirent64 *>(buffer + offset);
            offset += entry->d_reclen;
            onEntry(std::string_view(entry->d_name));
        }
    }
}

} // namespace

std::vector<int> pidsNewestFirst(int procFd)
{
    std::vector<int> pids;
    UniqueFd dir(::openat(procFd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir.valid())
        return pids;
    listDirectory(dir.get(), [&](std::string_view name) {
        int pid = 0;
        if (!name.empty() && name.front() >= '1' && name.front() <= '9' && parseNumber(name, pid))
            pids.push_back(pid);
    });
    const int last = lastAllocatedPid(procFd);
    // PIDs up to the last allocated one are newer the higher they are; PIDs above it were allocated
    // before the counter wrapped, so they come after all of those.
    std::sort(pids.begin(), pids.end(), [last](int a, int b) {
        const bool aWrapped = last > 0 && a > last;
        const bool bWrapped = last > 0 && b > last;
        if (aWrapped != bWrapped)
            return !aWrapped;
        return a > b;
    });
    return pids;
}

int forEachSocketFd(int dirFd, std::string_view prefix,
                    const std::function<void(int fd, std::uint64_t inode)> &onSocket,
                    std::uint64_t &linksRead)
{
    UniqueFd fdDir(::openat(dirFd, joinPath(prefix, "fd").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fdDir.valid())
        return errno;
    char link[64];
    return listDirectory(fdDir.get(), [&](std::string_view name) {
        int fd = 0;
        if (name.empty() || name.front() == '.' || !parseNumber(name, fd))
            return;
        // d_name is NUL-terminated inside the dirent, so name.data() is a valid C string.
        const ssize_t n = ::readlinkat(fdDir.get(), name.data(), link, sizeof link);
        ++linksRead;
        if (n <= 0)
            return;
        if (const auto inode = parseSocketLink(std::string_view(link, static_cast<std::size_t>(n))))
            onSocket(fd, *inode);
    });
}

int findSocketFd(int dirFd, std::string_view prefix, std::uint64_t inode, int &fd)
{
    std::uint64_t links = 0;
    bool found = false;
    const int error = forEachSocketFd(
        dirFd, prefix,
        [&](int socketFd, std::uint64_t socketInode) {
            if (!found && socketInode == inode) {
                found = true;
                fd = socketFd;
            }
        },
        links);
    if (found)
        return 1;
    return error == 0 ? 0 : -error;
}

bool childrenFileSupported()
{
    static const bool supported = [] {
        const std::string path = "/proc/self/task/" + std::to_string(::gettid()) + "/children";
        return ::access(path.c_str(), R_OK) == 0;
    }();
    return supported;
}

std::vector<int> readChildren(int procFd, int pid)
{
    std::vector<int> children;
    const std::string taskPath = pidPrefix(pid) + "task";
    UniqueFd taskDir(::openat(procFd, taskPath.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!taskDir.valid())
        return children;
    std::string text;
    listDirectory(taskDir.get(), [&](std::string_view tid) {
        if (tid.empty() || tid.front() == '.')
            return;
        if (!readFileAt(taskDir.get(), joinPath(tid, "/children"), text))
            return;
        std::string_view rest = text;
        for (std::string_view token = nextToken(rest); !token.empty(); token = nextToken(rest)) {
            int child = 0;
            if (parseNumber(token, child))
                children.push_back(child);
        }
    });
    return children;
}

int threadCount(int dirFd, std::string_view prefix)
{
    struct stat st{};
    // The kernel gives /proc/<pid>/task two links plus one per thread.
    if (::fstatat(dirFd, joinPath(prefix, "task").c_str(), &st, 0) != 0 || st.st_nlink < 3)
        return -1;
    return static_cast<int>(st.st_nlink - 2);
}

UniqueFd openMainThreadChildren(int dirFd, std::string_view prefix, int pid)
{
    const std::string path = joinPath(prefix, "task/" + std::to_string(pid) + "/children");
    return UniqueFd(::openat(dirFd, path.c_str(), O_RDONLY | O_CLOEXEC));
}

bool readChildrenFrom(int childrenFd, std::vector<int> &children)
{
    // A seq_file: a read at offset 0 lists the children anew.
    char buffer[4096];
    std::string text;
    for (;;) {
        const ssize_t n = ::pread(childrenFd, buffer, sizeof buffer, static_cast<off_t>(text.size()));
        if (n < 0)
            return false;
        text.append(buffer, static_cast<std::size_t>(n));
        if (n < static_cast<ssize_t>(sizeof buffer))
            break;
    }
    std::string_view rest = text;
    for (std::string_view token = nextToken(rest); !token.empty(); token = nextToken(rest)) {
        int child = 0;
        if (parseNumber(token, child))
            children.push_back(child);
    }
    return true;
}

std::string pidPrefix(int pid)
{
    char buffer[16];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer - 1, pid);
    *end++ = '/';
    return std::string(buffer, end);
}

} // namespace portwatch::platform::procfs
