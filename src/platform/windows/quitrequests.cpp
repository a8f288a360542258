// Quit requests on Windows: the console control events. See quitrequests.h.
#include "platform/quitrequests.h"

#include "winutil.h"

#include <windows.h>

#include <mutex>

namespace portwatch::platform {

namespace {

std::mutex g_callbackMutex;
QuitCallback g_callback;
bool g_installed = false;

const char *eventName(DWORD event)
{
    switch (event) {
    case CTRL_C_EVENT:
        return "Ctrl+C";
    case CTRL_BREAK_EVENT:
        return "Ctrl+Break";
    case CTRL_CLOSE_EVENT:
        return "console close";
    case CTRL_LOGOFF_EVENT:
        return "logoff";
    case CTRL_SHUTDOWN_EVENT:
        return "shutdown";
    }
    return "a console event";
}

// Windows runs the handler on a thread it creates for the event, which is what the callback expects.
BOOL WINAPI onControl(DWORD event)
{
    QuitCallback callback;
    {
        const std::lock_guard lock(g_callbackMutex);
        callback = g_callback;
    }
    if (!callback)
        return FALSE;
    callback(eventName(event));
    if (event == CTRL_CLOSE_EVENT || event == CTRL_LOGOFF_EVENT || event == CTRL_SHUTDOWN_EVENT) {
        // Returning ends the process at once for these; give the event loop a moment to shut down.
        ::Sleep(2000);
    }
    return TRUE;
}

} // namespace

bool installQuitHandler(QuitCallback onQuit, std::string *error)
{
    const std::lock_guard lock(g_callbackMutex);
    g_callback = std::move(onQuit);
    if (g_installed)
        return true;
    if (!::SetConsoleCtrlHandler(onControl, TRUE)) {
        if (error)
            *error = "cannot handle console control events: " + win::errorText(::GetLastError());
        return false;
    }
    g_installed = true;
    return true;
}

} // namespace portwatch::platform
