// The phases of portwatch-flood (burst, churn, quiet, fresh bind) and its report; runs inside the
// private bus that flood.cpp set up.
#pragma once

#include <string>

namespace portwatch::stress {

struct FloodOptions {
    int churnSeconds = 600;
    int quietSeconds = 65; // longer than flood control's popup window, so the fresh bind is news again
    int holderFds = 0;     // spare descriptors each binder holds (owner lookup under load)
    int firstPort = 47000; // 200 ports from here are watched
    int intervalMs = 1000;
    std::string tray = PORTWATCH_FLOOD_TRAY; // the portwatch executable (or a wrapper that runs it)
};

// Sets `name` (a command-line option) to `value`; false when unknown or out of range.
bool setFloodOption(FloodOptions &options, const std::string &name, const char *value);

// Runs every phase and prints the report; returns the exit status.
int runFlood(const FloodOptions &options);

} // namespace portwatch::stress
