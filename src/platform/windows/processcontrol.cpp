// Ending the owner of a socket on Windows without ever touching a process that merely reuses its
// PID: one handle (SYNCHRONIZE | PROCESS_TERMINATE | PROCESS_QUERY_LIMITED_INFORMATION) pins the
// process while it is held, its creation time and its row in the socket table are checked through
// it, then it is asked to close (WM_CLOSE to its windows, Ctrl+Break to a console program), waited
// for, and only then terminated. Afterwards the socket table says whether the port is free.
#include "platform/portholders.h"
#include "platform/processcontrol.h"
#include "platform/processes.h"
#include "platform/sockettable.h"

#include "closerequest.h"
#include "processinfo.h"
#include "winutil.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace portwatch::platform {

namespace {

// How long to wait for a terminated process to be gone before calling it stuck.
constexpr DWORD kTerminateWaitMs = 5000;

// The processes Windows cannot run without: ending one brings the system down (or to a blue screen).
constexpr std::array kCriticalImages = {"smss.exe", "csrss.exe", "wininit.exe", "services.exe", "lsass.exe", "winlogon.exe"};

std::string lower(std::string text)
{
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

bool isCritical(const ProcessInfo &process)
{
    const std::string name = lower(process.exe.empty() ? process.name : process.exe.substr(process.exe.find_last_of("\\/") + 1));
    return std::find(kCriticalImages.begin(), kCriticalImages.end(), name) != kCriticalImages.end();
}

TerminateResult result(TerminateOutcome outcome, std::string message)
{
    TerminateResult r;
    r.outcome = outcome;
    r.message = std::move(message);
    return r;
}

// Whether the socket table still shows this PID on the target's socket.
enum class Holding { Yes, No, Unknown };

Holding stillHolds(const KillTarget &target, std::string &error)
{
    SocketQuery query;
    query.items.push_back({target.socket.protocol, {target.socket.port, target.socket.port}});
    const SocketList list = makeSocketTable()->query(query);
    if (!list.ok()) {
        error = list.error;
        return Holding::Unknown;
    }
    const auto pid = static_cast<std::uint32_t>(target.process.pid);
    for (const SocketEntry &socket : list.sockets) {
        if (socket.ownerPid == pid && socket.family == target.socket.family && socket.address == target.socket.address)
            return Holding::Yes;
    }
    return Holding::No;
}

// The OS closes an ended process's sockets as it finishes tearing the process down, a moment after
// its handle is signalled (under Wine the row lingers with owner PID 0 for some milliseconds). Waits,
// up to a second, until the table no longer shows the socket as the dead process's or as nobody's,
// so that the port check that follows judges the port, not the teardown.
void waitForSocketRelease(const KillTarget &target)
{
    SocketQuery query;
    query.items.push_back({target.socket.protocol, {target.socket.port, target.socket.port}});
    const auto pid = static_cast<std::uint32_t>(target.process.pid);
    for (int attempt = 0; attempt < 20; ++attempt) {
        const SocketList list = makeSocketTable()->query(query);
        if (!list.ok())
            return;
        bool lingering = false;
        for (const SocketEntry &socket : list.sockets) {
            if ((socket.ownerPid == pid || socket.ownerPid == 0) && socket.family == target.socket.family
                && socket.address == target.socket.address)
                lingering = true;
        }
        if (!lingering)
            return;
        ::Sleep(50);
    }
}

TerminateResult afterExit(const KillTarget &target, bool forced, const std::string &how)
{
    waitForSocketRelease(target);
    return resultAfterExit(target.socket, forced, how);
}

// The recorded process lives on but the table no longer shows it on the socket: nothing is done.
TerminateResult notHolding(const KillTarget &target)
{
    const std::string who = describeProcess(target.process);
    const std::string port = portText(target.socket);
    const PortState state = portHolders(target.socket);
    if (state.ok && !state.holders.empty()) {
        TerminateResult r = result(TerminateOutcome::StillHeld, who + " no longer holds " + port + ", which is held by "
                                                                    + describeHolders(state.holders) + " now; nothing was ended.");
        r.stillHeldBy = state.holders;
        return r;
    }
    return result(TerminateOutcome::AlreadyGone,
                  who + " no longer holds " + port + (state.ok ? ", which is free now" : "") + "; nothing was ended.");
}

class WindowsProcessControl final : public ProcessControl {
public:
    TerminateResult terminate(const KillTarget &target, std::chrono::milliseconds grace) override;
};

TerminateResult WindowsProcessControl::terminate(const KillTarget &target, std::chrono::milliseconds grace)
{
    const ProcessInfo &process = target.process;
    const std::string who = describeProcess(process);
    const std::string port = portText(target.socket);

    if (process.pid == 0)
        return result(TerminateOutcome::Refused, "Refusing to end pid 0: it is the System Idle Process, not a program (" + port + ").");
    if (process.pid == 4)
        return result(TerminateOutcome::Refused, "Refusing to end pid 4, the Windows kernel (System), which holds " + port
                                                     + "; the port belongs to a kernel driver or HTTP.sys.");
    if (process.pid < 0)
        return result(TerminateOutcome::Refused, "Refusing to end pid " + std::to_string(process.pid) + ": it names no process (" + port + ").");
    if (process.pid == currentProcessId())
        return result(TerminateOutcome::Refused, "Refusing to end " + who + ": it is Portwatch itself, holding " + port + ".");
    if (isCritical(process))
        return result(TerminateOutcome::Refused, "Refusing to end " + who + ", which holds " + port
                                                     + ": Windows cannot run without it.");

    // From here on the handle pins one process: while we hold it, the PID cannot go to another.
    win::UniqueHandle handle(::OpenProcess(SYNCHRONIZE | PROCESS_TERMINATE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE,
                                           static_cast<DWORD>(process.pid)));
    if (!handle.valid()) {
        const DWORD error = ::GetLastError();
        if (error == ERROR_INVALID_PARAMETER)
            return result(TerminateOutcome::AlreadyGone, who + " has already exited; " + port + " was not touched.");
        if (error == ERROR_ACCESS_DENIED) {
            const std::string user = process.user.empty() ? std::string("another account") : process.user;
            return result(TerminateOutcome::PermissionDenied, "Not allowed to end " + who + ", which holds " + port + " and runs as "
                                                                  + user + ": run Portwatch as an administrator (elevated).");
        }
        return result(TerminateOutcome::Failed, "Cannot open " + who + " to end it: " + win::errorText(error) + ".");
    }
    if (::WaitForSingleObject(handle.get(), 0) == WAIT_OBJECT_0)
        return result(TerminateOutcome::AlreadyGone, who + " has already exited; " + port + " was not touched.");
    const std::optional<std::uint64_t> created = win::creationTime(handle.get());
    if (!created)
        return result(TerminateOutcome::Failed, "Cannot read the start time of " + who + ": " + win::errorText(::GetLastError()) + ".");
    if (*created != process.startTicks) {
        const auto now = win::readProcess(static_cast<DWORD>(process.pid));
        const std::string other = now && !now->info.name.empty() ? " (" + now->info.name + ")" : std::string();
        return result(TerminateOutcome::AlreadyGone, who + " has exited and its PID now belongs to another process" + other
                                                         + ", which was not touched; " + port + " was not touched.");
    }

    std::string tableError;
    switch (stillHolds(target, tableError)) {
    case Holding::No:
        return notHolding(target);
    case Holding::Unknown:
        return result(TerminateOutcome::Failed, "Cannot check that " + who + " still holds " + port + ": " + tableError + ".");
    case Holding::Yes:
        break;
    }

    // Ask first: a program that closes itself saves its work and releases the port cleanly.
    const win::CloseRequest asked = win::requestClose(static_cast<DWORD>(process.pid));
    if (asked != win::CloseRequest::None && ::WaitForSingleObject(handle.get(), static_cast<DWORD>(grace.count())) == WAIT_OBJECT_0) {
        const char *how = asked == win::CloseRequest::Windows ? "Closed " : "Ended ";
        return afterExit(target, false, how + who);
    }

    if (!::TerminateProcess(handle.get(), 1)) {
        const DWORD error = ::GetLastError();
        if (::WaitForSingleObject(handle.get(), 0) == WAIT_OBJECT_0)
            return afterExit(target, false, "Ended " + who);
        if (error == ERROR_ACCESS_DENIED)
            return result(TerminateOutcome::PermissionDenied, "Not allowed to end " + who + ", which holds " + port
                                                                  + ": run Portwatch as an administrator (elevated).");
        return result(TerminateOutcome::Failed, "Could not end " + who + " holding " + port + ": " + win::errorText(error) + ".");
    }
    if (::WaitForSingleObject(handle.get(), kTerminateWaitMs) != WAIT_OBJECT_0) {
        TerminateResult r = result(TerminateOutcome::Failed, who + " did not end after TerminateProcess and still holds " + port + ".");
        r.forced = true;
        return r;
    }
    std::string how;
    switch (asked) {
    case win::CloseRequest::Windows:
        how = "Forced " + who + " to end after it did not close its windows";
        break;
    case win::CloseRequest::ConsoleBreak:
        how = "Forced " + who + " to end after it ignored Ctrl+Break";
        break;
    case win::CloseRequest::None:
        how = "Forced " + who + " to end (it has no window to close and no console to ask)";
        break;
    }
    return afterExit(target, true, how);
}

} // namespace

std::unique_ptr<ProcessControl> makeProcessControl()
{
    return std::make_unique<WindowsProcessControl>();
}

} // namespace portwatch::platform
