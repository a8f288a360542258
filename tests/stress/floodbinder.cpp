// The binding side of portwatch-flood: see floodbinder.h.
#include "floodbinder.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <random>
#include <thread>
#include <utility>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace portwatch::stress {

namespace {

std::int64_t realtimeMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

int listenOn(std::uint16_t port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0 || ::listen(fd, 4) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

bool number(const std::string &text, std::int64_t low, std::int64_t high, std::int64_t &out)
{
    char *end = nullptr;
    errno = 0;
    const long long value = std::strtoll(text.c_str(), &end, 10);
    if (errno != 0 || end == text.c_str() || *end != '\0' || value < low || value > high)
        return false;
    out = value;
    return true;
}

} // namespace

bool parseBinder(const std::vector<std::string> &arguments, BinderOptions &options, std::string &error)
{
    for (std::size_t i = 0; i + 1 < arguments.size(); i += 2) {
        const std::string &name = arguments[i];
        std::int64_t value = 0;
        if (!number(arguments[i + 1], 0, INT64_MAX, value)) {
            error = name + " wants a number";
            return false;
        }
        if (name == "--first-port" && value <= 65535)
            options.firstPort = static_cast<std::uint16_t>(value);
        else if (name == "--last-port" && value <= 65535)
            options.lastPort = static_cast<std::uint16_t>(value);
        else if (name == "--binds" && value <= 10000000)
            options.binds = static_cast<int>(value);
        else if (name == "--start-at")
            options.startAtMs = value;
        else if (name == "--over-ms" && value <= 86400000)
            options.overMs = static_cast<int>(value);
        else if (name == "--hold-ms" && value <= 86400000)
            options.holdMs = static_cast<int>(value);
        else if (name == "--spare-fds" && value <= 1000000)
            options.spareFds = static_cast<int>(value);
        else if (name == "--seed" && value <= UINT32_MAX)
            options.seed = static_cast<unsigned>(value);
        else {
            error = "unknown or out-of-range binder option " + name;
            return false;
        }
    }
    if (arguments.size() % 2 != 0 || options.firstPort == 0 || options.lastPort < options.firstPort) {
        error = "a binder needs --first-port and --last-port";
        return false;
    }
    return true;
}

std::vector<std::string> binderArguments(const BinderOptions &options)
{
    return {"--first-port", std::to_string(options.firstPort), "--last-port", std::to_string(options.lastPort),
            "--binds", std::to_string(options.binds), "--start-at", std::to_string(options.startAtMs),
            "--over-ms", std::to_string(options.overMs), "--hold-ms", std::to_string(options.holdMs),
            "--spare-fds", std::to_string(options.spareFds), "--seed", std::to_string(options.seed)};
}

int runBinder(const BinderOptions &options)
{
    std::vector<int> spare;
    if (options.spareFds > 0) {
        rlimit limit{};
        ::getrlimit(RLIMIT_NOFILE, &limit);
        const rlim_t wanted = static_cast<rlim_t>(options.spareFds) + 256;
        if (limit.rlim_cur < wanted) {
            limit.rlim_cur = std::min(wanted, limit.rlim_max);
            ::setrlimit(RLIMIT_NOFILE, &limit);
        }
        for (int i = 0; i < options.spareFds; ++i) {
            const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                std::fprintf(stderr, "binder: cannot hold %d spare descriptors: %s\n", options.spareFds, std::strerror(errno));
                return 2;
            }
            spare.push_back(fd);
        }
    }

    std::mt19937 random(options.seed);
    std::uniform_int_distribution<int> pick(options.firstPort, options.lastPort);
    const int range = options.lastPort - options.firstPort + 1;
    std::deque<std::pair<std::int64_t, int>> held; // close time, fd (in order: holds are all alike)
    int bound = 0;
    int busy = 0;
    for (int i = 0; i < options.binds; ++i) {
        const std::int64_t due = options.startAtMs + std::int64_t(options.overMs) * i / std::max(1, options.binds);
        for (;;) {
            const std::int64_t now = realtimeMs();
            while (!held.empty() && held.front().first <= now) {
                ::close(held.front().second);
                held.pop_front();
            }
            if (now >= due)
                break;
            const std::int64_t next = held.empty() ? due : std::min(due, held.front().first);
            std::this_thread::sleep_for(std::chrono::milliseconds(std::max<std::int64_t>(1, next - now)));
        }
        // A random port of the range; when taken (by another binder), the next ones.
        int fd = -1;
        const int first = pick(random);
        for (int step = 0; step < range && fd < 0; ++step)
            fd = listenOn(static_cast<std::uint16_t>(options.firstPort + (first - options.firstPort + step) % range));
        if (fd < 0) {
            ++busy;
            continue;
        }
        ++bound;
        held.emplace_back(realtimeMs() + options.holdMs, fd);
    }
    while (!held.empty()) {
        const std::int64_t wait = held.front().first - realtimeMs();
        if (wait > 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(wait));
        ::close(held.front().second);
        held.pop_front();
    }
    for (const int fd : spare)
        ::close(fd);
    std::printf("binds=%d busy=%d\n", bound, busy);
    return 0;
}

} // namespace portwatch::stress
