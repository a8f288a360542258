// Accounts on Windows: SIDs from process tokens; the service accounts and session 0 are the system.
#include "platform/accounts.h"

#include "processinfo.h"
#include "winutil.h"

namespace portwatch::platform {

namespace {

struct Self {
    std::string sid;
    bool elevated = false;
};

const Self &self()
{
    static const Self me = [] {
        Self result;
        HANDLE tokenHandle = nullptr;
        if (!::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &tokenHandle))
            return result;
        win::UniqueHandle token(tokenHandle);
        result.sid = win::tokenUserSid(token.get());
        TOKEN_ELEVATION elevation{};
        DWORD size = 0;
        if (::GetTokenInformation(token.get(), TokenElevation, &elevation, sizeof elevation, &size))
            result.elevated = elevation.TokenIsElevated != 0;
        return result;
    }();
    return me;
}

} // namespace

bool isCurrentUser(const ProcessInfo &process)
{
    return !process.sid.empty() && process.sid == self().sid;
}

bool isSystemAccount(const ProcessInfo &process)
{
    // LocalSystem, LocalService, NetworkService; services of their own accounts run in session 0.
    if (process.sid == "S-1-5-18" || process.sid == "S-1-5-19" || process.sid == "S-1-5-20")
        return true;
    return process.session == 0;
}

bool isPrivileged() noexcept
{
    return self().elevated;
}

std::string elevationHint()
{
    return "as an administrator (elevated)";
}

std::string unseenOwnerReason()
{
    return "the socket table names no owner process for it";
}

std::string currentUserKey()
{
    return self().sid.empty() ? std::to_string(::GetCurrentProcessId()) : self().sid;
}

std::string userName(std::uint32_t uid)
{
    // Windows has no uids; names come with the SID of a process token (see processinfo.h).
    return std::to_string(uid);
}

} // namespace portwatch::platform
