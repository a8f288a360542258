// The terminal on Linux: see console.h.
#include "platform/console.h"

#include <unistd.h>

namespace portwatch::platform {

bool stdinIsTerminal() noexcept
{
    return ::isatty(STDIN_FILENO) == 1;
}

void useUtf8Console() noexcept
{
    // A Linux terminal shows the bytes it gets in its locale's encoding; there is nothing to switch.
}

} // namespace portwatch::platform
