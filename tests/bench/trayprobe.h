// The all-day cost of the monitor as a user runs it: starts the tray (offscreen, on a private session
// bus) or, when the tray is not there, portwatch-cli watch, on a config watching the fixture's ports,
// and reads its CPU time and resident memory from /proc over a window. In the same window a thread of
// the benchmark asks the kernel the tray's question once a second and nothing else (the same filtered
// dumps, one wake-up a second): the least any poller at that cadence can spend on this host at that
// moment, so the tray's own share is known even when the host makes the kernel's walk dearer.
#pragma once

#include "core/portspec.h"
#include "core/whitelist.h"

#include <QList>
#include <QString>

#include <string>

namespace portwatch::bench {

struct TrayOptions {
    std::string binary;   // the portwatch executable, or portwatch-cli with cliWatch
    bool cliWatch = false;
    QList<PortSpec> watched;
    QList<WhitelistRule> whitelist;
    int intervalMs = 1000;
    int seconds = 60;       // measuring window
    int warmupSeconds = 5;  // start-up is not part of the all-day cost
    std::string tempDir;
    bool measureFloor = true; // run the minimal poller alongside
};

struct TrayFigures {
    bool ok = false;
    std::string error;
    std::string what;       // "portwatch (tray, offscreen)" or "portwatch-cli watch"
    double cpuPercent = 0;  // of one core, over the window
    bool exact = false;     // from per-thread schedstat (ns); otherwise from /proc/<pid>/stat ticks
    double pollThreadPercent = -1; // the poll thread's part of cpuPercent, when exact
    double floorPercent = -1;      // the minimal poller in the same window (its thread's CPU), or -1
    int floorPolls = 0;
    int trayPhaseMs = -1;          // where in each second the tray polled, or -1 when not seen
    int floorPhaseMs = -1;         // where in each second the minimal poller polled
    double rssMiB = 0;      // VmRSS at the end of the window
    double peakRssMiB = 0;  // VmHWM
    double windowSeconds = 0;
};

TrayFigures measureTray(const TrayOptions &options);

} // namespace portwatch::bench
