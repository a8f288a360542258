// "Please end": the user's or the system's request that the process stop, turned into one callback
// so that Portwatch can shut down through its event loop instead of dying on the spot.
// Linux: SIGTERM, SIGINT (Ctrl+C) and SIGHUP (the terminal or the session went away).
// Windows: the console's Ctrl+C, Ctrl+Break, close, logoff and shutdown events.
#pragma once

#include <functional>
#include <string>

namespace portwatch::platform {

// Called with a short name of what arrived ("SIGTERM", "Ctrl+C", ...). It runs on a thread of its
// own, never inside a signal handler, so it may do anything thread-safe (post a quit to an event loop).
using QuitCallback = std::function<void(const std::string &what)>;

// Routes the quit requests to onQuit, replacing any earlier callback. False, with error set to a
// sentence, when they could not be routed; the OS's default (ending the process at once) then stays.
bool installQuitHandler(QuitCallback onQuit, std::string *error = nullptr);

} // namespace portwatch::platform
