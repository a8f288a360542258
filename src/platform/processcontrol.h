// Ending the process that holds a port, without ever signalling a process that merely reuses its PID.
#pragma once

#include "types.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace portwatch::platform {

enum class TerminateOutcome {
    Released,         // the process ended and nothing listens on the port any more
    StillHeld,        // the process ended (or was signalled) but the port is still held; see stillHeldBy
    PermissionDenied, // not allowed to signal the process (another user's, no privileges)
    AlreadyGone,      // the process had already exited, or its PID now belongs to another process
    Refused,          // never killed: PID 1, kernel threads, Portwatch itself
    Failed,           // anything else (the process survived SIGKILL, the OS call failed, ...)
};

const char *toString(TerminateOutcome outcome) noexcept; // "released", "still-held", ...

struct TerminateResult {
    TerminateOutcome outcome = TerminateOutcome::Failed;
    std::string message;                 // one sentence for the user, naming process and port
    bool forced = false;                 // SIGKILL (or the OS's equivalent) was needed
    std::vector<Listener> stillHeldBy;   // with StillHeld: who holds the port now
};

// What to end: the process as it was recorded (pid plus start time) and the socket it held.
struct KillTarget {
    ProcessInfo process;
    SocketEntry socket;
};

class ProcessControl {
public:
    virtual ~ProcessControl() = default;

    // Checks that the process still has the recorded start time and still holds the socket, asks
    // it to end (SIGTERM), waits up to `grace`, forces it (SIGKILL), then checks the port. Blocks
    // for up to grace plus a little: never call it on a GUI thread.
    virtual TerminateResult terminate(const KillTarget &target, std::chrono::milliseconds grace) = 0;
};

inline constexpr std::chrono::milliseconds defaultGrace{3000};

std::unique_ptr<ProcessControl> makeProcessControl();

} // namespace portwatch::platform
