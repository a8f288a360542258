// Counts the system calls of one quiet poll, by running the benchmark's probe mode under strace and
// reading what it did between two markers: proof that a quiet poll lists no /proc/<pid>/fd.
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

// Runs `self --probe-quiet-poll PORTS` under strace (-f) and counts the calls between the markers.
SyscallCount traceQuietPoll(const std::string &self, const std::string &ports, const std::string &tempDir);

// The markers the probe writes around the poll it wants counted: a write to descriptor -1, which
// fails at once and shows in the trace with its text.
void markTrace(const char *text);
inline constexpr const char *kTraceBegin = "portwatch-bench:quiet-poll-begin";
inline constexpr const char *kTraceEnd = "portwatch-bench:quiet-poll-end";

// One line: "41 syscalls: 8 recvfrom, 10 readlinkat, ...".
std::string describe(const SyscallCount &count);

} // namespace portwatch::bench
