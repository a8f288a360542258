// Ending the owner of a socket on Linux without ever signalling a reused PID: the process is pinned
// with a pidfd, its start time and its hold on the socket are checked through /proc, and every
// signal goes through that pidfd. Afterwards the socket table says whether the port is free.
#include "platform/portholders.h"
#include "platform/processcontrol.h"
#include "platform/processes.h"
#include "platform/sockettable.h"
#include "procfs.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace portwatch::platform {

namespace {

// pidfd calls go through syscall(): glibc 2.36's <sys/pidfd.h> lacks extern "C" and does not link from C++.
int pidfdSendSignal(int pidfd, int signal)
{
    return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0));
}

// How long to wait for a SIGKILLed process to be reaped by the kernel before calling it stuck.
constexpr std::chrono::milliseconds kKillWait{5000};

std::string describe(const ProcessInfo &process)
{
    return describeProcess(process);
}

// Waits until the process behind `pidfd` has exited; false when `timeout` passed first.
bool waitForExit(int pidfd, std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        pollfd fd{pidfd, POLLIN, 0};
        const int ready = ::poll(&fd, 1, static_cast<int>(std::max<std::int64_t>(0, left.count())));
        if (ready > 0)
            return true;
        if (ready == 0)
            return false;
        if (errno != EINTR)
            return false;
    }
}

class LinuxProcessControl final : public ProcessControl {
public:
    TerminateResult terminate(const KillTarget &target, std::chrono::milliseconds grace) override;

private:
    static TerminateResult result(TerminateOutcome outcome, std::string message)
    {
        TerminateResult r;
        r.outcome = outcome;
        r.message = std::move(message);
        return r;
    }
    static TerminateResult afterExit(const KillTarget &target, bool forced);
    static TerminateResult notHolding(const KillTarget &target);
};

TerminateResult LinuxProcessControl::terminate(const KillTarget &target, std::chrono::milliseconds grace)
{
    const ProcessInfo &process = target.process;
    const std::string who = describe(process);
    const std::string port = portText(target.socket);

    if (process.pid == 1)
        return result(TerminateOutcome::Refused, "Refusing to end " + who + ", the system's init process, which holds " + port + ".");
    if (process.pid <= 0)
        return result(TerminateOutcome::Refused, "Refusing to signal pid " + std::to_string(process.pid) + ": it names no single process (" + port + ").");
    if (process.pid == currentProcessId())
        return result(TerminateOutcome::Refused, "Refusing to end " + who + ": it is Portwatch itself, holding " + port + ".");

    // From here on the pidfd pins one process: if the PID is reused later, signals through it fail
    // instead of reaching the newcomer.
    procfs::UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, process.pid, 0)));
    if (!pidfd.valid()) {
        if (errno == ESRCH)
            return result(TerminateOutcome::AlreadyGone, who + " has already exited; " + port + " was not touched.");
        if (errno == ENOSYS)
            return result(TerminateOutcome::Failed, "Cannot end " + who + " safely: this kernel has no pidfd support (Linux 5.3 or newer is needed).");
        return result(TerminateOutcome::Failed, "Cannot open " + who + " to end it: " + std::strerror(errno) + ".");
    }

    const procfs::UniqueFd proc = procfs::openProcRoot();
    const std::string prefix = procfs::pidPrefix(process.pid);
    const auto stat = procfs::readStat(proc.get(), prefix);
    if (!stat || stat->state == 'Z' || stat->state == 'X')
        return result(TerminateOutcome::AlreadyGone, who + " has already exited; " + port + " was not touched.");
    if (stat->kernelThread())
        return result(TerminateOutcome::Refused, "Refusing to signal pid " + std::to_string(process.pid) + ": it is a kernel thread, not the owner of " + port + ".");
    if (stat->startTicks != process.startTicks)
        return result(TerminateOutcome::AlreadyGone,
                      who + " has exited and its PID now belongs to another process (" + stat->comm + "), which was not signalled; " + port + " was not touched.");

    int fd = -1;
    const int holds = procfs::findSocketFd(proc.get(), prefix, target.socket.inode, fd);
    if (holds == 0)
        return notHolding(target);
    // -EACCES: another user's descriptors are not readable to us. The start time already proved
    // that this is the recorded process; the signal below fails with EPERM if we lack the rights.
    if (holds < 0 && holds != -EACCES && holds != -EPERM)
        return result(TerminateOutcome::AlreadyGone, who + " has already exited; " + port + " was not touched.");

    if (pidfdSendSignal(pidfd.get(), SIGTERM) != 0) {
        if (errno == EPERM) {
            const std::string user = process.user.empty() ? std::to_string(process.uid) : process.user;
            const std::string remedy = process.uid == 0 ? "run Portwatch as root (for example with sudo)"
                                                        : "run Portwatch as " + user + " or as root (for example with sudo)";
            return result(TerminateOutcome::PermissionDenied,
                          "Not allowed to end " + who + ", which holds " + port + " and runs as user " + user + ": " + remedy + ".");
        }
        if (errno == ESRCH)
            return result(TerminateOutcome::AlreadyGone, who + " has already exited; " + port + " was not touched.");
        return result(TerminateOutcome::Failed, "Could not signal " + who + " holding " + port + ": " + std::strerror(errno) + ".");
    }

    if (waitForExit(pidfd.get(), grace))
        return afterExit(target, false);

    if (pidfdSendSignal(pidfd.get(), SIGKILL) != 0 && errno != ESRCH)
        return result(TerminateOutcome::Failed, "Could not force " + who + " holding " + port + " to end: " + std::strerror(errno) + ".");
    if (!waitForExit(pidfd.get(), kKillWait)) {
        TerminateResult r = result(TerminateOutcome::Failed, who + " survived SIGKILL (it may be stuck in the kernel) and still holds " + port + ".");
        r.forced = true;
        return r;
    }
    return afterExit(target, true);
}

TerminateResult LinuxProcessControl::afterExit(const KillTarget &target, bool forced)
{
    const std::string who = describe(target.process);
    return resultAfterExit(target.socket, forced, forced ? "Forced " + who + " to end after it ignored SIGTERM" : "Ended " + who);
}

// The recorded process lives on but no longer holds the socket: nothing is signalled.
TerminateResult LinuxProcessControl::notHolding(const KillTarget &target)
{
    const std::string who = describe(target.process);
    const std::string port = portText(target.socket);
    const PortState state = portHolders(target.socket);
    if (state.ok && !state.holders.empty()) {
        // The same PID on a new socket: the same process after reopening the port, or another
        // process that took the PID within the clock tick the start time is measured in. Naming it
        // as if it were the process the user chose would mislead, so say what is known.
        const bool samePid = std::any_of(state.holders.begin(), state.holders.end(), [&](const Listener &holder) {
            return std::any_of(holder.owners.begin(), holder.owners.end(),
                               [&](const ProcessInfo &owner) { return owner.pid == target.process.pid; });
        });
        const std::string message = samePid
            ? "The socket " + who + " held on " + port + " is gone, and pid " + std::to_string(target.process.pid) +
                  " holds a new socket on it: the same process after reopening the port, or another process that "
                  "took its PID. Nothing was signalled; look again before ending it."
            : who + " no longer holds " + port + ", which is held by " + describeHolders(state.holders) +
                  " now; nothing was signalled.";
        TerminateResult r = result(TerminateOutcome::StillHeld, message);
        r.stillHeldBy = state.holders;
        return r;
    }
    return result(TerminateOutcome::AlreadyGone, who + " no longer holds " + port + (state.ok ? ", which is free now" : "") +
                                                     "; nothing was signalled.");
}

} // namespace

std::unique_ptr<ProcessControl> makeProcessControl()
{
    return std::make_unique<LinuxProcessControl>();
}

} // namespace portwatch::platform
