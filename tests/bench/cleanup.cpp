// Process-group bookkeeping and the signal handlers that make sure no fixture process outlives the
// benchmark: see cleanup.h. Everything reachable from a signal handler is async-signal-safe.
#include "cleanup.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace portwatch::bench {

namespace {

constexpr int kMaxGroups = 16;
std::atomic<pid_t> g_groups[kMaxGroups];

void forget(pid_t pgid)
{
    for (auto &slot : g_groups) {
        pid_t expected = pgid;
        slot.compare_exchange_strong(expected, 0);
    }
}

// Waits for children matching `which` (waitpid's first argument) until none is left, or, with
// WNOHANG, until none has exited.
void reap(pid_t which, int options)
{
    for (;;) {
        const pid_t pid = waitpid(which, nullptr, options);
        if (pid > 0 || (pid < 0 && errno == EINTR))
            continue;
        return;
    }
}

void onFatalSignal(int signal)
{
    killAllGroups();
    // Reap what we killed so no zombie is left behind; SIGKILL makes this quick.
    reap(-1, 0);
    ::signal(signal, SIG_DFL);
    ::raise(signal);
}

void onExit()
{
    killAllGroups();
    reapExited();
}

} // namespace

void installCleanup()
{
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    struct sigaction action = {};
    action.sa_handler = onFatalSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND;
    for (int signal : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS, SIGABRT, SIGFPE})
        sigaction(signal, &action, nullptr);
    std::atexit(onExit);
}

void registerGroup(pid_t pgid)
{
    for (auto &slot : g_groups) {
        pid_t expected = 0;
        if (slot.compare_exchange_strong(expected, pgid))
            return;
    }
}

void killGroup(pid_t pgid)
{
    if (pgid <= 1)
        return;
    kill(-pgid, SIGKILL);
    // Members die at once; the group leader is our child, the others become ours when it dies
    // (we are a subreaper), so waiting on the group reaps all of them.
    reap(-pgid, 0);
    forget(pgid);
}

void killAllGroups()
{
    for (auto &slot : g_groups) {
        const pid_t pgid = slot.exchange(0);
        if (pgid > 1)
            kill(-pgid, SIGKILL);
    }
}

void reapExited()
{
    reap(-1, WNOHANG);
}

} // namespace portwatch::bench
