// Accounts on Linux: uids, user names through the name service, and login.defs' idea of a system account.
#include "platform/accounts.h"

#include "logindefs.h"

#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace portwatch::platform {

bool isCurrentUser(const ProcessInfo &process)
{
    return process.uid == static_cast<std::uint32_t>(::getuid());
}

bool isSystemAccount(const ProcessInfo &process)
{
    return !linuxos::regularUidRange().contains(process.uid);
}

bool isPrivileged() noexcept
{
    return ::geteuid() == 0;
}

std::string elevationHint()
{
    return "with sudo";
}

std::string unseenOwnerReason()
{
    return "held outside this PID namespace, or by no process";
}

std::string currentUserKey()
{
    return std::to_string(::getuid());
}

std::string userName(std::uint32_t uid)
{
    // getpwuid_r rather than getpwuid: the socket table and the process resolver may run on
    // different threads, and getpwuid's static buffer is shared between them.
    long suggested = ::sysconf(_SC_GETPW_R_SIZE_MAX);
    std::vector<char> buffer(suggested > 0 ? static_cast<std::size_t>(suggested) : 1024);
    passwd entry{};
    passwd *result = nullptr;
    for (;;) {
        const int rc = ::getpwuid_r(static_cast<uid_t>(uid), &entry, buffer.data(), buffer.size(), &result);
        if (rc == ERANGE && buffer.size() < (1u << 20)) {
            buffer.resize(buffer.size() * 2);
            continue;
        }
        if (rc == EINTR)
            continue;
        break;
    }
    if (result && result->pw_name && result->pw_name[0] != '\0')
        return result->pw_name;
    return std::to_string(uid);
}

} // namespace portwatch::platform
