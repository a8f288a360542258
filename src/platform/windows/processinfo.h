// One process as Windows shows it: image path, start time, user and SID, session, command line.
#pragma once

#include "platform/types.h"

#include <windows.h>

#include <optional>

namespace portwatch::platform::win {

struct ProcessRead {
    ProcessInfo info;
    // False when the process exists but could not be opened (another user's, a protected service):
    // info then holds what the process list says (PID, image name, and no more).
    bool visible = true;
};

// Details of a process, or nothing when no process has that PID.
std::optional<ProcessRead> readProcess(DWORD pid);

// The creation time of an open process (PROCESS_QUERY_LIMITED_INFORMATION), as in ProcessInfo::startTicks.
std::optional<std::uint64_t> creationTime(HANDLE process);

// The SID of a token's user as text ("S-1-5-18"), with its "DOMAIN\name" in user when it has one.
std::string tokenUserSid(HANDLE token, std::string *user = nullptr);

} // namespace portwatch::platform::win
