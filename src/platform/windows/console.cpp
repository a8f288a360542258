// The console on Windows: see console.h.
#include "platform/console.h"

#include <windows.h>

namespace portwatch::platform {

bool stdinIsTerminal() noexcept
{
    // A console input handle answers GetConsoleMode; a pipe, a file or NUL does not.
    DWORD mode = 0;
    const HANDLE input = ::GetStdHandle(STD_INPUT_HANDLE);
    return input && input != INVALID_HANDLE_VALUE && ::GetConsoleMode(input, &mode);
}

void useUtf8Console() noexcept
{
    // The console then shows the UTF-8 bytes Portwatch writes (Windows 10 and later render them
    // in cmd.exe and PowerShell alike); input is taken as UTF-8 too, for the kill confirmation.
    ::SetConsoleOutputCP(CP_UTF8);
    ::SetConsoleCP(CP_UTF8);
}

} // namespace portwatch::platform
