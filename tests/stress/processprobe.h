// What one process costs, read from /proc/<pid>: CPU time so far, resident memory, open
// descriptors and threads. portwatch-flood samples the tray with it.
#pragma once

#include <cstdint>
#include <optional>

namespace portwatch::stress {

struct ProcessSample {
    double cpuSeconds = 0;    // user + system time so far
    std::int64_t rssKiB = 0;  // VmRSS
    int fds = 0;              // entries of /proc/<pid>/fd
    int threads = 0;
};

// Nothing when the process is gone or not readable.
std::optional<ProcessSample> sampleProcess(int pid);

} // namespace portwatch::stress
