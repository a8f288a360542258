// portwatch-ctrlbreak PID: sends Ctrl+Break to the console program PID, as a polite request to end
// before Portwatch terminates it. A separate, short-lived process because attaching to another
// process's console means leaving one's own. The event reaches every process attached to that
// console, so it is sent only when the target is alone there (apart from this helper); a server
// started from an interactive cmd.exe shares the console with the shell and is not sent anything.
// Exit statuses: closerequest.h.
#include "closerequest.h"

#include <windows.h>

#include <cwchar>
#include <vector>

using namespace portwatch::platform::win;

int wmain(int argc, wchar_t **argv)
{
    if (argc != 2)
        return static_cast<int>(kCtrlBreakFailed);
    wchar_t *end = nullptr;
    const unsigned long pid = std::wcstoul(argv[1], &end, 10);
    if (!end || *end != L'\0' || pid == 0)
        return static_cast<int>(kCtrlBreakFailed);

    ::FreeConsole();
    if (!::AttachConsole(static_cast<DWORD>(pid)))
        return static_cast<int>(kCtrlBreakNoConsole);
    std::vector<DWORD> attached(64);
    const DWORD count = ::GetConsoleProcessList(attached.data(), static_cast<DWORD>(attached.size()));
    if (count == 0 || count > attached.size())
        return static_cast<int>(kCtrlBreakShared);
    const DWORD self = ::GetCurrentProcessId();
    for (DWORD i = 0; i < count; ++i) {
        if (attached[i] != self && attached[i] != pid)
            return static_cast<int>(kCtrlBreakShared);
    }
    // This helper ignores the event it sends; the target gets it through its own handlers.
    ::SetConsoleCtrlHandler(nullptr, TRUE);
    if (!::GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, 0))
        return static_cast<int>(kCtrlBreakFailed);
    return static_cast<int>(kCtrlBreakSent);
}
