// Timing helpers of the benchmark: see timing.h.
#include "timing.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace portwatch::bench {

std::int64_t nowNs() noexcept
{
    timespec now = {};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
}

std::int64_t threadCpuNs() noexcept
{
    timespec now = {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<std::int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
}

void pauseMs(int ms)
{
    timespec duration = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&duration, &duration) != 0 && errno == EINTR) {
    }
}

double Samples::quantileMs(double q) const
{
    if (m_values.empty())
        return 0.0;
    std::vector<std::int64_t> sorted = m_values;
    std::sort(sorted.begin(), sorted.end());
    // Nearest rank: the smallest value with at least q of the samples at or below it.
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
    const std::size_t index = rank == 0 ? 0 : std::min(rank - 1, sorted.size() - 1);
    return static_cast<double>(sorted[index]) / 1e6;
}

std::vector<std::string> environmentWith(const std::vector<std::string> &overrides)
{
    std::vector<std::string> result;
    for (char **entry = environ; *entry != nullptr; ++entry) {
        const std::string text = *entry;
        const std::string prefix = text.substr(0, text.find('=') + 1);
        const bool overridden = std::any_of(overrides.cbegin(), overrides.cend(), [&prefix](const std::string &o) {
            return o.compare(0, prefix.size(), prefix) == 0;
        });
        if (!overridden)
            result.push_back(text);
    }
    result.insert(result.end(), overrides.cbegin(), overrides.cend());
    return result;
}

RunResult runTimed(const std::vector<std::string> &argv, const std::vector<std::string> &environment,
                   std::string &error)
{
    RunResult result;
    std::vector<std::string> envStrings = environmentWith(environment);
    std::vector<char *> envp;
    for (std::string &text : envStrings)
        envp.push_back(text.data());
    envp.push_back(nullptr);
    std::vector<std::string> args = argv;
    std::vector<char *> argp;
    for (std::string &arg : args)
        argp.push_back(arg.data());
    argp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);

    pid_t pid = -1;
    const std::int64_t started = nowNs();
    const int status = posix_spawnp(&pid, argp[0], &actions, nullptr, argp.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (status != 0) {
        error = argv[0] + ": " + std::strerror(status);
        return result;
    }
    int waitStatus = 0;
    rusage usage = {};
    while (wait4(pid, &waitStatus, 0, &usage) < 0) {
        if (errno != EINTR) {
            error = std::string("waitpid: ") + std::strerror(errno);
            return result;
        }
    }
    const std::int64_t elapsed = nowNs() - started;
    result.exitCode = WIFEXITED(waitStatus) ? WEXITSTATUS(waitStatus) : 128 + WTERMSIG(waitStatus);
    if (result.exitCode == 127) {
        error = argv[0] + ": could not be started";
        return result;
    }
    const auto ns = [](const timeval &time) {
        return static_cast<std::int64_t>(time.tv_sec) * 1000000000 + static_cast<std::int64_t>(time.tv_usec) * 1000;
    };
    result.cpuNs = ns(usage.ru_utime) + ns(usage.ru_stime);
    result.wallNs = elapsed;
    return result;
}

std::string formatMs(double ms)
{
    char text[32];
    if (ms < 0.1)
        std::snprintf(text, sizeof text, "%.4f ms", ms);
    else if (ms < 10)
        std::snprintf(text, sizeof text, "%.3f ms", ms);
    else if (ms < 100)
        std::snprintf(text, sizeof text, "%.1f ms", ms);
    else
        std::snprintf(text, sizeof text, "%.0f ms", ms);
    return text;
}

} // namespace portwatch::bench
