// Asking a Windows process to close before it is terminated: WM_CLOSE to its visible top-level
// windows, or, for a console program, Ctrl+Break through the portwatch-ctrlbreak helper (a process
// can be attached to one console only, so the attaching is done by a short-lived helper, not by us).
#pragma once

#include <windows.h>

namespace portwatch::platform::win {

enum class CloseRequest {
    None,         // nothing could be asked: no window, and no console it has to itself
    Windows,      // WM_CLOSE was posted to its windows
    ConsoleBreak, // Ctrl+Break was sent to its console
};

CloseRequest requestClose(DWORD pid);

// Exit statuses of portwatch-ctrlbreak PID.
inline constexpr DWORD kCtrlBreakSent = 0;
inline constexpr DWORD kCtrlBreakFailed = 1;
inline constexpr DWORD kCtrlBreakNoConsole = 2; // the process has no console to attach to
inline constexpr DWORD kCtrlBreakShared = 3;    // other programs share its console; they would get it too

} // namespace portwatch::platform::win
