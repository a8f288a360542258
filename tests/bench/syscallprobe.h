// Counts the system calls of one quiet poll and of one poll right after a new bind, by running the
// benchmark's probe mode under strace and reading what it did between markers: proof that a quiet
// poll lists no /proc/<pid>/fd, and a view of what finding a new owner costs.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace portwatch::bench {

struct SyscallCount {
    bool ok = false;
    std::string error;
    int total = 0;
    std::map<std::string, int> byName;
    int fdDirsOpened = 0; // openat() of a /proc/<pid>/fd directory
    int getdents = 0;     // directory listings of any kind
};

struct ProbeTrace {
    SyscallCount quiet;
    SyscallCount newBind;
};

// Runs `self --probe-quiet-poll PORTS` under strace (-f) and counts the calls between the markers.
ProbeTrace traceProbe(const std::string &self, const std::string &ports, const std::string &tempDir);

// The markers the probe writes around the polls it wants counted: a write to descriptor -1, which
// fails at once and shows in the trace with its text.
void markTrace(const char *text);
inline constexpr const char *kQuietBegin = "portwatch-bench:quiet-poll-begin";
inline constexpr const char *kQuietEnd = "portwatch-bench:quiet-poll-end";
inline constexpr const char *kBindBegin = "portwatch-bench:new-bind-poll-begin";
inline constexpr const char *kBindEnd = "portwatch-bench:new-bind-poll-end";

// One line: "41 syscalls: 8 recvfrom, 10 readlinkat, ...".
std::string describe(const SyscallCount &count);

} // namespace portwatch::bench
