// The terminal (console) Portwatch's command line talks to: whether there is one to ask on, and
// setting it up so that UTF-8 output shows as the characters it means.
#pragma once

namespace portwatch::platform {

// True when standard input is an interactive terminal (a console on Windows), so a question can be
// asked and answered; false for a pipe, a file, or no input at all.
bool stdinIsTerminal() noexcept;

// Makes the console show the UTF-8 that Portwatch writes. Linux terminals already take the bytes as
// they are; the Windows console is switched to code page 65001 (output redirected to a file or a
// pipe stays plain UTF-8 bytes either way).
void useUtf8Console() noexcept;

} // namespace portwatch::platform
