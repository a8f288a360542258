// Clocks, sample statistics and whole-process timing for the benchmark.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace portwatch::bench {

// Monotonic time in nanoseconds.
std::int64_t nowNs() noexcept;

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

// Runs argv[0] (searched in PATH) with `environment` added to ours, stdout and stderr to /dev/null,
// and waits for it. Returns the wall time from spawn to exit in ns, or -1 when it could not run;
// `exitCode` gets its exit status (or 128 + signal).
std::int64_t runTimed(const std::vector<std::string> &argv, const std::vector<std::string> &environment,
                      int &exitCode, std::string &error);

// Formats milliseconds with sensible precision ("0.0123 ms", "1.23 ms", "245 ms").
std::string formatMs(double ms);

} // namespace portwatch::bench
