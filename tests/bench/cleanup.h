// Keeps the benchmark from leaving processes behind: every process group it starts (the fixture, the
// tray under test) is registered here and killed on exit, on Ctrl-C/SIGTERM and on a crash.
#pragma once

#include <sys/types.h>

namespace portwatch::bench {

// Installs the handlers (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS, SIGABRT, SIGFPE) and an
// atexit hook, and makes this process a child subreaper, so that orphans of a killed group are
// re-parented to us and reaped here instead of lingering as zombies.
void installCleanup();

// Remembers a process group to kill on exit. Async-signal-safe; at most 16 at a time.
void registerGroup(pid_t pgid);
// Kills the group (SIGKILL), reaps its members and forgets it.
void killGroup(pid_t pgid);
// Kills every registered group; async-signal-safe.
void killAllGroups();

// Reaps every exited child of ours without blocking (orphans adopted as subreaper included).
void reapExited();

} // namespace portwatch::bench
