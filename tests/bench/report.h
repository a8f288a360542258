// The benchmark's Markdown report: a table that can go into the README as it is.
#pragma once

#include <string>
#include <vector>

namespace portwatch::bench {

enum class Outcome { Pass, Fail, NotApplicable };

struct Row {
    std::string figure;
    std::string median;
    std::string p90;
    std::string cpu;    // median CPU time, where measured
    std::string ratio;  // to the ss reference
    std::string target;
    Outcome verdict = Outcome::NotApplicable;
};

// "pass" when value <= limit, "fail" otherwise.
Outcome atMost(double value, double limit);
// A ratio with three significant digits ("0.00213").
std::string formatRatio(double ratio);

// The table, then the notes as a list under it.
std::string markdown(const std::string &title, const std::string &setup, const std::vector<Row> &rows,
                     const std::vector<std::string> &notes);

} // namespace portwatch::bench
