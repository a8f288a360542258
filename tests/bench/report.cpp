// Markdown output of the benchmark: see report.h.
#include "report.h"

#include <cstdio>

namespace portwatch::bench {

Outcome atMost(double value, double limit)
{
    return value <= limit ? Outcome::Pass : Outcome::Fail;
}

std::string formatRatio(double ratio)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", ratio);
    return text;
}

std::string markdown(const std::string &title, const std::string &setup, const std::vector<Row> &rows,
                     const std::vector<std::string> &notes)
{
    std::string text = "### " + title + "\n\n" + setup + "\n\n";
    text += "| Figure | Median | p90 | CPU median | Ratio to `ss` | Target | Result |\n";
    text += "|---|---:|---:|---:|---:|---|---|\n";
    for (const Row &row : rows) {
        const char *verdict = row.verdict == Outcome::Pass ? "pass" : row.verdict == Outcome::Fail ? "**FAIL**" : "";
        text += "| " + row.figure + " | " + row.median + " | " + row.p90 + " | " + row.cpu + " | " + row.ratio + " | " + row.target
            + " | " + verdict + " |\n";
    }
    if (!notes.empty()) {
        text += "\n";
        for (const std::string &note : notes)
            text += "- " + note + "\n";
    }
    return text;
}

} // namespace portwatch::bench
