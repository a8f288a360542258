// Who holds a socket: maps sockets to their owning processes, and reads process details.
#pragma once

#include "types.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace portwatch::platform {

class ProcessResolver {
public:
    virtual ~ProcessResolver() = default;

    // The owners of each socket, in the order given. Implementations remember what they found
    // and confirm it cheaply on the next call, so asking again for known sockets costs little;
    // only sockets never seen before make them search the process table.
    virtual std::vector<Listener> resolve(const std::vector<SocketEntry> &sockets) = 0;

    // Details of one process, or nothing when it does not exist (or is not visible at all).
    virtual std::optional<ProcessInfo> process(int pid) = 0;

    // Forget everything cached.
    virtual void clearCache() = 0;
};

// How hard resolve() looks for the owners of a socket it has not seen before.
enum class ResolveMode {
    Fast,     // the processes where the socket's inode number places its creator first, then newest
              // first; stop once every socket has an owner, then check that owner's family (parents,
              // forked children); misses sharers that got the socket by fd passing
    Thorough, // every process on every call, no cache: finds every visible sharer, costs a full scan
};

std::unique_ptr<ProcessResolver> makeProcessResolver(ResolveMode mode = ResolveMode::Fast);

// PID of the calling process (used to refuse killing ourselves, and by tests).
int currentProcessId() noexcept;

} // namespace portwatch::platform
