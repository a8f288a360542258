// runAsNobody(): runs a piece of the test in a forked child that dropped every privilege (supplementary
// groups, gid nogroup, uid nobody), and hands back the text it produced. For "another user's process"
// cases when the tests run as root. Plain C++ and POSIX; header-only.
#pragma once

#include <cerrno>
#include <functional>
#include <optional>
#include <string>

#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

namespace portwatch::testing {

inline constexpr uid_t kNobodyUid = 65534;
inline constexpr gid_t kNogroupGid = 65534;

// The child's answer, or nothing when it could not drop privileges or crashed. Only call it while
// the test process runs a single thread: the child uses the allocator after fork().
inline std::optional<std::string> runAsNobody(const std::function<std::string()> &work)
{
    int fds[2];
    if (::pipe(fds) != 0)
        return std::nullopt;
    const pid_t child = ::fork();
    if (child < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        return std::nullopt;
    }
    if (child == 0) {
        ::close(fds[0]);
        if (::setgroups(0, nullptr) != 0 || ::setresgid(kNogroupGid, kNogroupGid, kNogroupGid) != 0
            || ::setresuid(kNobodyUid, kNobodyUid, kNobodyUid) != 0)
            ::_exit(3);
        const std::string answer = work();
        std::size_t written = 0;
        while (written < answer.size()) {
            const ssize_t n = ::write(fds[1], answer.data() + written, answer.size() - written);
            if (n <= 0)
                ::_exit(4);
            written += static_cast<std::size_t>(n);
        }
        ::_exit(0); // no atexit handlers, no Qt teardown in the child
    }
    ::close(fds[1]);
    std::string answer;
    char buffer[512];
    for (;;) {
        const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        answer.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return std::nullopt;
    return answer;
}

} // namespace portwatch::testing
