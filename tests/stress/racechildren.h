// The processes of the PID-reuse race: listeners that hold a port (and may exit by themselves at a
// moment of their own), and decoys that take a freed PID and record every signal they receive.
// Both are forked from a multi-threaded tool, so after fork() they use async-signal-safe calls only.
#pragma once

#include <cstdint>
#include <sys/types.h>

namespace portwatch::stress {

// How a listener ended, from its exit status.
enum class ListenerEnd {
    Signalled,  // it received SIGTERM (the kill)
    ExitedItself, // it exited at its own moment, unsignalled
    Other,      // anything else (a signal it does not catch, a setup failure): a defect of the run
};

// One signal a decoy received, as written to the signal log (one atomic pipe write each).
struct SignalRecord {
    std::int32_t cycle = 0;
    std::int32_t pid = 0;
    std::int32_t signal = 0;
};

// Forks a listener on 127.0.0.1 (an ephemeral TCP port): it writes its port to `readyFd` and exits
// after `exitAfterUs` microseconds, or on SIGTERM; exitAfterUs < 0: only on a signal.
// Returns its pid, or -1.
pid_t forkListener(int readyFd, long exitAfterUs);
ListenerEnd listenerEnd(int waitStatus);

// Forks a decoy that records each catchable signal to `logFd` (tagged with `cycle`), optionally
// listens on 127.0.0.1:`bindPort` (0: binds nothing) and exits once `controlFd` (set here, the
// parent's end of a pipe) is closed. Returns its pid, or -1.
pid_t forkDecoy(int logFd, int cycle, std::uint16_t bindPort, int &controlFd);

} // namespace portwatch::stress
