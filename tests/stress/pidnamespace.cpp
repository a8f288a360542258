// A PID namespace of the stress tool's own: see pidnamespace.h.
#include "pidnamespace.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

namespace portwatch::stress {

namespace {

bool writeFile(const char *path, const std::string &text, std::string &error)
{
    const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        error = std::string("cannot open ") + path + ": " + std::strerror(errno);
        return false;
    }
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    if (!ok)
        error = std::string("cannot write ") + path + ": " + std::strerror(errno);
    ::close(fd);
    return ok;
}

} // namespace

int runInPidNamespace(int (*body)(void *), void *argument, std::string &error)
{
    const uid_t uid = ::geteuid();
    const gid_t gid = ::getegid();
    int flags = CLONE_NEWPID | CLONE_NEWNS;
    if (uid != 0)
        flags |= CLONE_NEWUSER; // gives the capabilities a PID namespace and a /proc mount need
    if (::unshare(flags) != 0) {
        error = std::string("cannot create a PID namespace: ") + std::strerror(errno) +
                (uid != 0 ? " (unprivileged user namespaces may be disabled; run as root)" : "");
        return -1;
    }
    if (uid != 0) {
        // Map ourselves to root inside, so ns_last_pid is writable there.
        if (!writeFile("/proc/self/setgroups", "deny", error) ||
            !writeFile("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1", error) ||
            !writeFile("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1", error))
            return -1;
    }
    // unshare(CLONE_NEWPID) puts only the children into the new namespace: the first becomes its PID 1.
    const pid_t child = ::fork();
    if (child < 0) {
        error = std::string("fork: ") + std::strerror(errno);
        return -1;
    }
    if (child == 0) {
        // Our mounts must not leak out, then a /proc that shows this namespace's PIDs.
        if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
            ::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
            std::fprintf(stderr, "cannot mount /proc for the PID namespace: %s\n", std::strerror(errno));
            std::_Exit(2);
        }
        const int status = body(argument);
        std::fflush(nullptr); // _Exit does not flush, and the report is in stdio's buffers
        std::_Exit(status);
    }
    int status = 0;
    while (::waitpid(child, &status, 0) < 0) {
        if (errno != EINTR) {
            error = std::string("waitpid: ") + std::strerror(errno);
            return -1;
        }
    }
    if (WIFSIGNALED(status)) {
        error = std::string("the namespace's init died of signal ") + std::to_string(WTERMSIG(status));
        return -1;
    }
    return WEXITSTATUS(status);
}

bool setNextPid(int pid, std::string &error)
{
    return writeFile("/proc/sys/kernel/ns_last_pid", std::to_string(pid - 1), error);
}

} // namespace portwatch::stress
