// Tray CPU and memory over a window: see trayprobe.h. The process under test runs in a process group
// of its own led by a small guard process that dies with the benchmark and takes the group with it,
// so neither the tray nor its private dbus-daemon outlives a killed benchmark.
#include "trayprobe.h"

#include "cleanup.h"
#include "timing.h"

#include "core/config.h"
#include "core/portspec.h"
#include "platform/linux/procfs.h"
#include "platform/sockettable.h"

#include <QDir>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include <climits>
#include <dirent.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace portwatch::bench {

namespace {

// The Monitor's thread, "portwatch-monitor" (core/monitor.cpp), as the kernel keeps thread names:
// 15 characters.
constexpr const char *kPollThreadName = "portwatch-monit";

void killOwnGroup(int)
{
    kill(0, SIGKILL);
}

// Finds `name` in PATH, or returns it unchanged when it holds a slash.
std::string findProgram(const std::string &name)
{
    if (name.find('/') != std::string::npos)
        return name;
    const char *path = std::getenv("PATH");
    std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        const std::string candidate = dir + "/" + name;
        if (access(candidate.c_str(), X_OK) == 0)
            return candidate;
    }
    return {};
}

// Starts argv under a guard process that leads a new process group; returns the guard's pid.
pid_t startGuarded(const std::vector<std::string> &argv, const std::vector<std::string> &environment,
                   const std::string &logPath, std::string &error)
{
    std::vector<std::string> args = argv;
    std::vector<char *> argp;
    for (std::string &arg : args)
        argp.push_back(arg.data());
    argp.push_back(nullptr);
    std::vector<std::string> envStrings = environmentWith(environment);
    std::vector<char *> envp;
    for (std::string &text : envStrings)
        envp.push_back(text.data());
    envp.push_back(nullptr);

    const int log = open(logPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (log < 0) {
        error = logPath + ": " + std::strerror(errno);
        return -1;
    }
    const pid_t bench = getpid();
    const pid_t guard = fork();
    if (guard == 0) {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
        if (getppid() != bench)
            _exit(0);
        struct sigaction action = {};
        action.sa_handler = killOwnGroup;
        sigemptyset(&action.sa_mask);
        sigaction(SIGTERM, &action, nullptr);
        const pid_t child = fork();
        if (child == 0) {
            signal(SIGTERM, SIG_DFL);
            prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
            dup2(log, STDOUT_FILENO);
            dup2(log, STDERR_FILENO);
            const int null = open("/dev/null", O_RDONLY);
            dup2(null, STDIN_FILENO);
            close_range(3, ~0U, 0);
            execve(argp[0], argp.data(), envp.data());
            _exit(127);
        }
        int status = 0;
        while (child > 0 && waitpid(child, &status, 0) < 0 && errno == EINTR) {
        }
        kill(0, SIGKILL); // whatever the child left in the group (its dbus-daemon), and us
        _exit(0);
    }
    close(log);
    if (guard < 0) {
        error = std::string("fork: ") + std::strerror(errno);
        return -1;
    }
    setpgid(guard, guard);
    registerGroup(guard);
    return guard;
}

bool readText(const std::string &path, std::string &text)
{
    std::ifstream file(path);
    if (!file)
        return false;
    std::stringstream buffer;
    buffer << file.rdbuf();
    text = buffer.str();
    return true;
}

// Process group and CPU ticks (utime + stime) from /proc/<pid>/stat.
bool readStat(pid_t pid, pid_t &group, unsigned long long &ticks)
{
    std::string text;
    if (!readText("/proc/" + std::to_string(pid) + "/stat", text))
        return false;
    const std::size_t close = text.rfind(')');
    if (close == std::string::npos)
        return false;
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    std::vector<std::string> values; // values[0] is field 3 (state)
    while (fields >> field)
        values.push_back(field);
    if (values.size() < 13)
        return false;
    group = static_cast<pid_t>(std::stol(values[2]));                  // field 5
    ticks = std::stoull(values[11]) + std::stoull(values[12]);         // fields 14, 15
    return true;
}

// A status field in KiB ("VmRSS:\t  12345 kB"), or -1.
long statusKiB(pid_t pid, const char *name)
{
    std::string text;
    if (!readText("/proc/" + std::to_string(pid) + "/status", text))
        return -1;
    const std::size_t at = text.find(std::string("\n") + name + ":");
    if (at == std::string::npos)
        return -1;
    return std::strtol(text.c_str() + at + std::strlen(name) + 2, nullptr, 10);
}

// Time on a CPU of each thread of `pid`, in nanoseconds (the first field of its schedstat), with
// the thread's name: exact, where /proc/<pid>/stat counts whole clock ticks.
struct ThreadTime {
    std::string name;
    std::uint64_t ns = 0;
};
std::map<pid_t, ThreadTime> threadTimes(pid_t pid)
{
    std::map<pid_t, ThreadTime> threads;
    const std::string taskDir = "/proc/" + std::to_string(pid) + "/task";
    DIR *tasks = opendir(taskDir.c_str());
    if (tasks == nullptr)
        return threads;
    while (const dirent *entry = readdir(tasks)) {
        if (entry->d_name[0] == '.')
            continue;
        std::string schedstat;
        std::string comm;
        const std::string dir = taskDir + "/" + entry->d_name;
        if (!readText(dir + "/schedstat", schedstat) || !readText(dir + "/comm", comm))
            continue;
        const auto record = platform::procfs::parseRunRecord(schedstat);
        if (!record)
            continue;
        if (!comm.empty() && comm.back() == '\n')
            comm.pop_back();
        threads[static_cast<pid_t>(std::atol(entry->d_name))] = {comm, record->ranNs};
    }
    closedir(tasks);
    return threads;
}

// The member of process group `group` running `exe`.
pid_t findInGroup(pid_t group, const std::string &exe)
{
    DIR *proc = opendir("/proc");
    if (proc == nullptr)
        return -1;
    pid_t found = -1;
    while (const dirent *entry = readdir(proc)) {
        char *end = nullptr;
        const long pid = std::strtol(entry->d_name, &end, 10);
        if (pid <= 0 || *end != '\0')
            continue;
        pid_t memberGroup = 0;
        unsigned long long ticks = 0;
        if (!readStat(static_cast<pid_t>(pid), memberGroup, ticks) || memberGroup != group)
            continue;
        char link[PATH_MAX];
        const std::string path = "/proc/" + std::to_string(pid) + "/exe";
        const ssize_t length = readlink(path.c_str(), link, sizeof link - 1);
        if (length > 0 && std::string(link, static_cast<std::size_t>(length)) == exe) {
            found = static_cast<pid_t>(pid);
            break;
        }
    }
    closedir(proc);
    return found;
}

// Where in each second of the steady clock the tray's poll thread `tid` runs, in milliseconds, found
// by watching its run time for a few polls (a coarse one-second Qt timer stays on one such phase);
// -1 when no poll was seen.
int pollPhaseMs(pid_t pid, pid_t tid)
{
    const std::string path = "/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/schedstat";
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    const auto ranNs = [fd]() -> std::uint64_t {
        const auto record = platform::procfs::readRunRecordFrom(fd);
        return record ? record->ranNs : 0;
    };
    std::vector<int> phases;
    std::uint64_t last = ranNs();
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(3500);
    while (std::chrono::steady_clock::now() < end && phases.size() < 3) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        const std::uint64_t ran = ranNs();
        if (ran > last + 200'000) { // more than a wake-up: a poll
            const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now().time_since_epoch());
            phases.push_back(static_cast<int>(now.count() % 1000));
        }
        last = ran;
    }
    ::close(fd);
    if (phases.empty())
        return -1;
    std::sort(phases.begin(), phases.end());
    return phases[phases.size() / 2];
}

// The next time point whose steady-clock milliseconds are `phaseMs` into a second.
std::chrono::steady_clock::time_point nextAtPhase(int phaseMs)
{
    const auto now = std::chrono::steady_clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    return now + std::chrono::milliseconds((phaseMs - ms % 1000 + 1000) % 1000);
}

// The minimal poller: `polls` filtered dumps of `query`, one a second from `first` on, on a socket
// table of its own; returns this thread's CPU time over them, waking included. Two walkers of the same
// kernel tables at the same moment slow each other down (bucket locks, cache lines moving between
// cores), so `first` is put half a second away from the tray's own polls.
class FloorPoller {
public:
    FloorPoller(platform::SocketQuery query, int polls, std::chrono::steady_clock::time_point first)
        : m_thread([this, query = std::move(query), polls, first] { run(query, polls, first); })
    {
    }
    ~FloorPoller()
    {
        if (m_thread.joinable())
            m_thread.join();
    }
    FloorPoller(const FloorPoller &) = delete;
    FloorPoller &operator=(const FloorPoller &) = delete;

    // Waits for the last dump; the CPU time, or -1 when a dump failed.
    std::int64_t cpuNs()
    {
        if (m_thread.joinable())
            m_thread.join();
        return m_cpuNs;
    }
    int polls() const noexcept { return m_polls; }

private:
    void run(const platform::SocketQuery &query, int polls, std::chrono::steady_clock::time_point first)
    {
        const std::unique_ptr<platform::SocketTable> table = platform::makeSocketTable();
        for (int warm = 0; warm < 2; ++warm)
            table->query(query); // opened, and its UDP form probed, before the measured dumps
        auto next = first;
        const std::int64_t started = threadCpuNs();
        bool failed = false;
        for (int i = 0; i < polls; ++i) {
            std::this_thread::sleep_until(next);
            next += std::chrono::seconds(1);
            failed = failed || !table->query(query).ok();
            m_polls = i + 1;
        }
        m_cpuNs = failed ? -1 : threadCpuNs() - started;
    }

    std::int64_t m_cpuNs = -1;
    std::atomic<int> m_polls = 0;
    std::thread m_thread;
};

} // namespace

TrayFigures measureTray(const TrayOptions &options)
{
    TrayFigures figures;
    figures.what = options.cliWatch ? "portwatch-cli watch" : "portwatch tray (offscreen, private D-Bus that starts no services)";
    char resolved[PATH_MAX];
    if (realpath(options.binary.c_str(), resolved) == nullptr) {
        figures.error = options.binary + ": " + std::strerror(errno);
        return figures;
    }
    const std::string binary = resolved;

    const QString home = QString::fromStdString(options.tempDir) + QStringLiteral("/tray");
    for (const char *dir : {"config", "state", "data", "run"})
        QDir().mkpath(home + QLatin1Char('/') + QLatin1String(dir));
    chmod((home + QStringLiteral("/run")).toLocal8Bit().constData(), 0700);
    Config config;
    config.watched = options.watched;
    config.whitelist = options.whitelist;
    config.intervalMs = options.intervalMs;
    config.firstRunDone = true; // no first-run question: the all-day state is what is measured
    const QString configPath = home + QStringLiteral("/config/portwatch.json");
    QString saveError;
    if (!ConfigStore::save(configPath, config, &saveError)) {
        figures.error = "cannot write the tray's config: " + saveError.toStdString();
        return figures;
    }

    const std::string root = home.toStdString();
    const std::vector<std::string> environment = {
        "QT_QPA_PLATFORM=offscreen",
        "XDG_CONFIG_HOME=" + root + "/config",
        "XDG_STATE_HOME=" + root + "/state",
        "XDG_DATA_HOME=" + root + "/data",
        "XDG_RUNTIME_DIR=" + root + "/run",
        "PORTWATCH_INSTANCE_NAME=portwatch-bench-" + std::to_string(getpid()),
    };
    std::vector<std::string> argv;
    if (options.cliWatch) {
        argv = {binary, "watch", "--config", configPath.toStdString()};
    } else {
        const std::string dbus = findProgram("dbus-run-session");
        if (dbus.empty()) {
            figures.error = "dbus-run-session not found";
            return figures;
        }
        // A private bus that starts no services: the machine's own session services (such as a
        // notification daemon that dies without a display, which the bus would start again and
        // again) must not be part of the figure.
        const std::string busConfig = root + "/session-bus.conf";
        std::ofstream bus(busConfig);
        bus << "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
               " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
               "<busconfig><type>session</type><listen>unix:tmpdir=/tmp</listen><auth>EXTERNAL</auth>\n"
               "<policy context=\"default\"><allow send_destination=\"*\" eavesdrop=\"true\"/>"
               "<allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>\n";
        bus.close();
        if (!bus) {
            figures.error = "cannot write " + busConfig;
            return figures;
        }
        argv = {dbus, "--config-file=" + busConfig, "--", binary, "--config", configPath.toStdString()};
    }
    const std::string logPath = root + "/output.log";
    const pid_t guard = startGuarded(argv, environment, logPath, figures.error);
    if (guard < 0)
        return figures;

    pid_t target = -1;
    for (int waited = 0; waited < 150 && target < 0; ++waited) {
        target = findInGroup(guard, binary);
        if (target < 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (target < 0) {
        figures.error = figures.what + " did not start (see " + logPath + ")";
        killGroup(guard);
        return figures;
    }
    std::this_thread::sleep_for(std::chrono::seconds(options.warmupSeconds));
    int pollPhase = -1;
    for (const auto &[tid, thread] : threadTimes(target)) {
        if (thread.name.rfind(kPollThreadName, 0) == 0)
            pollPhase = pollPhaseMs(target, tid);
    }
    // Without a phase seen, a quarter second off the half-second grid Qt puts coarse timers on.
    figures.trayPhaseMs = pollPhase;
    figures.floorPhaseMs = pollPhase >= 0 ? (pollPhase + 500) % 1000 : 250;

    pid_t group = 0;
    unsigned long long ticksBefore = 0;
    unsigned long long ticksAfter = 0;
    const std::int64_t started = nowNs();
    const std::map<pid_t, ThreadTime> threadsBefore = threadTimes(target);
    const bool before = readStat(target, group, ticksBefore);
    std::optional<FloorPoller> floor;
    if (options.measureFloor)
        floor.emplace(socketQueryFor(options.watched), options.seconds, nextAtPhase(figures.floorPhaseMs));
    std::this_thread::sleep_for(std::chrono::seconds(options.seconds));
    const bool after = readStat(target, group, ticksAfter);
    const std::map<pid_t, ThreadTime> threadsAfter = threadTimes(target);
    const std::int64_t elapsed = nowNs() - started;
    const long rss = statusKiB(target, "VmRSS");
    const long peak = statusKiB(target, "VmHWM");
    killGroup(guard);
    if (floor) {
        const std::int64_t floorNs = floor->cpuNs();
        figures.floorPolls = floor->polls();
        if (floorNs >= 0 && figures.floorPolls > 0)
            figures.floorPercent = 100.0 * static_cast<double>(floorNs) / (1e9 * figures.floorPolls);
    }
    if (!before || !after || rss < 0) {
        figures.error = figures.what + " exited during the measurement (see " + logPath + ")";
        return figures;
    }
    const double ticksPerSecond = static_cast<double>(sysconf(_SC_CLK_TCK));
    figures.windowSeconds = static_cast<double>(elapsed) / 1e9;
    figures.cpuPercent = 100.0 * static_cast<double>(ticksAfter - ticksBefore) / ticksPerSecond / figures.windowSeconds;
    // The same threads at both ends: their exact times replace the tick count, and the poll thread's
    // share is known. A thread that started and ended in between is in the ticks only; when the
    // ticks exceed the exact sum by more than their rounding (a tick at each end), the ticks stay.
    const bool sameThreads = !threadsBefore.empty() && threadsBefore.size() == threadsAfter.size()
        && std::equal(threadsBefore.begin(), threadsBefore.end(), threadsAfter.begin(),
                      [](const auto &a, const auto &b) { return a.first == b.first; });
    if (sameThreads) {
        std::uint64_t total = 0;
        std::uint64_t poller = 0;
        for (const auto &[tid, thread] : threadsAfter) {
            const std::uint64_t spent = thread.ns - threadsBefore.at(tid).ns;
            total += spent;
            if (thread.name.rfind(kPollThreadName, 0) == 0)
                poller += spent;
        }
        const double windowNs = static_cast<double>(elapsed);
        const double tickNs = 1e9 / ticksPerSecond;
        const double ticksNs = static_cast<double>(ticksAfter - ticksBefore) * tickNs;
        if (ticksNs <= static_cast<double>(total) + 2 * tickNs) {
            figures.cpuPercent = 100.0 * static_cast<double>(total) / windowNs;
            figures.pollThreadPercent = 100.0 * static_cast<double>(poller) / windowNs;
            figures.exact = true;
        }
    }
    figures.rssMiB = static_cast<double>(rss) / 1024.0;
    figures.peakRssMiB = static_cast<double>(peak) / 1024.0;
    figures.ok = true;
    return figures;
}

} // namespace portwatch::bench
