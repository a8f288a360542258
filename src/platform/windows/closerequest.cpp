// Close requests: see closerequest.h.
#include "closerequest.h"

#include "winutil.h"

#include <string>

namespace portwatch::platform::win {

namespace {

struct WindowSearch {
    DWORD pid = 0;
    int posted = 0;
};

BOOL CALLBACK closeWindow(HWND window, LPARAM parameter)
{
    auto *search = reinterpret_cast<WindowSearch *>(parameter);
    DWORD owner = 0;
    ::GetWindowThreadProcessId(window, &owner);
    // Top-level, visible, not owned by another window: what a user would close with the X button.
    if (owner == search->pid && ::IsWindowVisible(window) && !::GetWindow(window, GW_OWNER)) {
        if (::PostMessageW(window, WM_CLOSE, 0, 0))
            ++search->posted;
    }
    return TRUE;
}

// portwatch-ctrlbreak.exe lives next to the program that uses it.
std::wstring helperPath()
{
    std::wstring path(32768, L'\0');
    const DWORD length = ::GetModuleFileNameW(nullptr, path.data(), static_cast<DWORD>(path.size()));
    path.resize(length);
    return path.substr(0, path.find_last_of(L"\\/") + 1) + L"portwatch-ctrlbreak.exe";
}

bool sendConsoleBreak(DWORD pid)
{
    const std::wstring helper = helperPath();
    std::wstring commandLine = L"\"" + helper + L"\" " + std::to_wstring(pid);
    STARTUPINFOW startup{};
    startup.cb = sizeof startup;
    PROCESS_INFORMATION started{};
    // DETACHED_PROCESS: the helper starts without a console, so it is free to attach to the target's.
    if (!::CreateProcessW(helper.c_str(), commandLine.data(), nullptr, nullptr, FALSE, DETACHED_PROCESS, nullptr, nullptr,
                          &startup, &started))
        return false;
    UniqueHandle process(started.hProcess);
    UniqueHandle thread(started.hThread);
    DWORD status = kCtrlBreakFailed;
    if (::WaitForSingleObject(process.get(), 5000) != WAIT_OBJECT_0) {
        ::TerminateProcess(process.get(), kCtrlBreakFailed); // our own helper, hung
        return false;
    }
    ::GetExitCodeProcess(process.get(), &status);
    return status == kCtrlBreakSent;
}

} // namespace

CloseRequest requestClose(DWORD pid)
{
    WindowSearch search;
    search.pid = pid;
    ::EnumWindows(closeWindow, reinterpret_cast<LPARAM>(&search));
    if (search.posted > 0)
        return CloseRequest::Windows;
    return sendConsoleBreak(pid) ? CloseRequest::ConsoleBreak : CloseRequest::None;
}

} // namespace portwatch::platform::win
