// Messages and the after-kill port check shared by the ProcessControl backends: see portholders.h.
#include "portholders.h"

#include "processcontrol.h"
#include "processes.h"
#include "sockettable.h"

#include <string_view>

namespace portwatch::platform {

const char *toString(TerminateOutcome outcome) noexcept
{
    switch (outcome) {
    case TerminateOutcome::Released: return "released";
    case TerminateOutcome::StillHeld: return "still-held";
    case TerminateOutcome::PermissionDenied: return "permission-denied";
    case TerminateOutcome::AlreadyGone: return "already-gone";
    case TerminateOutcome::Refused: return "refused";
    case TerminateOutcome::Failed: return "failed";
    }
    return "failed";
}

std::string describeProcess(const ProcessInfo &process)
{
    std::string name = process.name.empty() ? std::string("process") : process.name;
    // Linux's comm is cut at 15 bytes; the executable's file name says it in full when it starts the same way.
    const std::string base = process.exe.substr(process.exe.find_last_of("/\\") + 1);
    if (name.size() == 15 && base.size() > name.size() && base.compare(0, name.size(), name) == 0)
        name = base;
    return name + " (pid " + std::to_string(process.pid) + ")";
}

std::string portText(const SocketEntry &socket)
{
    return std::string(toString(socket.protocol)) + " port " + std::to_string(socket.port);
}

std::string describeHolders(const std::vector<Listener> &listeners)
{
    std::string text;
    std::size_t named = 0;
    for (const Listener &listener : listeners) {
        for (const ProcessInfo &owner : listener.owners) {
            if (text.find(" (pid " + std::to_string(owner.pid) + ")") != std::string::npos)
                continue;
            text += (named++ == 0 ? "" : ", ") + describeProcess(owner);
        }
    }
    if (named != 0)
        return text;
    for (const Listener &listener : listeners) {
        if (!listener.ownersVisible)
            return listener.user.empty() ? std::string("a process that is not visible to us")
                                         : "a process of user " + listener.user + " that is not visible to us";
    }
    return "a process that could not be identified (it may be exiting)";
}

namespace {

bool isWildcard(const SocketEntry &socket)
{
    return socket.address == "0.0.0.0" || socket.address == "::";
}

} // namespace

bool overlaps(const SocketEntry &target, const SocketEntry &other)
{
    if (target.inode != 0 && target.inode == other.inode)
        return true;
    if (target.family == other.family)
        return target.address == other.address || isWildcard(target) || isWildcard(other);
    const SocketEntry &v6 = target.family == Family::IPv6 ? target : other;
    const SocketEntry &v4 = target.family == Family::IPv6 ? other : target;
    if (v6.address == "::")
        return !v6.v6Only;
    constexpr std::string_view mapped = "::ffff:";
    if (v6.address.compare(0, mapped.size(), mapped) == 0)
        return v4.address == "0.0.0.0" || v6.address.substr(mapped.size()) == v4.address;
    return false;
}

PortState portHolders(const SocketEntry &target)
{
    PortState state;
    SocketQuery query;
    query.items.push_back({target.protocol, {target.port, target.port}});
    const SocketList list = makeSocketTable()->query(query);
    if (!list.ok()) {
        state.ok = false;
        state.error = list.error;
        return state;
    }
    std::vector<SocketEntry> colliding;
    for (const SocketEntry &socket : list.sockets) {
        if (overlaps(target, socket))
            colliding.push_back(socket);
    }
    if (!colliding.empty())
        state.holders = makeProcessResolver()->resolve(colliding);
    return state;
}

TerminateResult resultAfterExit(const SocketEntry &target, bool forced, const std::string &how)
{
    const std::string port = portText(target);
    const PortState state = portHolders(target);
    TerminateResult r;
    r.forced = forced;
    if (!state.ok) {
        r.outcome = TerminateOutcome::Failed;
        r.message = how + ", but could not check whether " + port + " is free: " + state.error + ".";
    } else if (state.holders.empty()) {
        r.outcome = TerminateOutcome::Released;
        r.message = how + "; " + port + " is free now.";
    } else {
        r.outcome = TerminateOutcome::StillHeld;
        r.message = how + ", but " + port + " is still held by " + describeHolders(state.holders) + ".";
        r.stillHeldBy = state.holders;
    }
    return r;
}

} // namespace portwatch::platform
