// Clocks, sample statistics and whole-process timing for the benchmark.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace portwatch::bench {

// Monotonic time in nanoseconds.
std::int64_t nowNs() noexcept;
// CPU time of the calling thread in nanoseconds: unlike wall time, it does not count waiting for a
// core while other processes run.
std::int64_t threadCpuNs() noexcept;
// Sleeps, so that the next measured step starts from a wake-up as a timer tick does.
void pauseMs(int ms);

// Durations in nanoseconds; median and p90 by nearest rank.
class Samples {
public:
    void add(std::int64_t ns) { m_values.push_back(ns); }
    bool empty() const noexcept { return m_values.empty(); }
    std::size_t size() const noexcept { return m_values.size(); }
    double medianMs() const { return quantileMs(0.5); }
    double p90Ms() const { return quantileMs(0.9); }
    double minMs() const { return quantileMs(0.0); }
    double quantileMs(double q) const;

private:
    std::vector<std::int64_t> m_values;
};

// Our environment with `overrides` ("NAME=value") replacing or adding variables.
std::vector<std::string> environmentWith(const std::vector<std::string> &overrides);

struct RunResult {
    std::int64_t wallNs = -1; // spawn to exit; -1 when it could not run
    std::int64_t cpuNs = 0;   // user + system time of the process
    int exitCode = 0;         // exit status, or 128 + signal
};

// Runs argv[0] (searched in PATH) with `environment` added to ours, stdin, stdout and stderr on
// /dev/null, and waits for it. On failure wallNs is -1 and `error` says why.
RunResult runTimed(const std::vector<std::string> &argv, const std::vector<std::string> &environment,
                   std::string &error);

// Formats milliseconds with sensible precision ("0.0123 ms", "1.23 ms", "245 ms").
std::string formatMs(double ms);

} // namespace portwatch::bench
