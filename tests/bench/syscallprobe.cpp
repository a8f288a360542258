// strace-based system call count of a quiet poll: see syscallprobe.h.
#include "syscallprobe.h"

#include "timing.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <vector>

#include <unistd.h>

namespace portwatch::bench {

namespace {

// The name of the call a strace -f line starts ("1234 openat(AT_FDCWD, ..." or "openat(..."), or
// empty for continuation lines ("<... openat resumed>") and anything else.
std::string callName(const std::string &line)
{
    std::size_t at = 0;
    while (at < line.size() && std::isdigit(static_cast<unsigned char>(line[at])))
        ++at;
    while (at < line.size() && line[at] == ' ')
        ++at;
    const std::size_t start = at;
    while (at < line.size() && (std::isalnum(static_cast<unsigned char>(line[at])) || line[at] == '_'))
        ++at;
    if (at == start || at >= line.size() || line[at] != '(')
        return {};
    return line.substr(start, at - start);
}

// An openat() of a process's fd directory: "/proc/123/fd", "123/fd" relative to /proc, or "fd"
// relative to a /proc/123 descriptor.
bool opensFdDirectory(const std::string &line)
{
    const std::size_t quote = line.find('"');
    if (quote == std::string::npos)
        return false;
    const std::size_t end = line.find('"', quote + 1);
    if (end == std::string::npos)
        return false;
    std::string path = line.substr(quote + 1, end - quote - 1);
    if (!path.empty() && path.back() == '/')
        path.pop_back();
    if (path == "fd")
        return true;
    if (path.size() < 4 || path.compare(path.size() - 3, 3, "/fd") != 0)
        return false;
    // The component before "/fd" must be a PID.
    const std::size_t slash = path.size() - 3;
    std::size_t digits = slash;
    while (digits > 0 && std::isdigit(static_cast<unsigned char>(path[digits - 1])))
        --digits;
    return digits < slash && (digits == 0 || path[digits - 1] == '/');
}

SyscallCount countBetween(const std::vector<std::string> &lines, const char *begin, const char *end)
{
    SyscallCount count;
    bool inside = false;
    for (const std::string &line : lines) {
        if (line.find(begin) != std::string::npos) {
            inside = true;
            continue;
        }
        if (line.find(end) != std::string::npos) {
            count.ok = inside;
            break;
        }
        if (!inside)
            continue;
        const std::string name = callName(line);
        if (name.empty())
            continue;
        ++count.total;
        ++count.byName[name];
        if (name == "getdents64" || name == "getdents")
            ++count.getdents;
        if ((name == "openat" || name == "open" || name == "openat2") && opensFdDirectory(line))
            ++count.fdDirsOpened;
    }
    if (!count.ok)
        count.error = std::string("the trace holds no complete section ") + begin;
    return count;
}

} // namespace

void markTrace(const char *text)
{
    // Fails with EBADF by design; the result is of no interest.
    const ssize_t ignored = write(-1, text, std::strlen(text));
    (void)ignored;
}

ProbeTrace traceProbe(const std::string &self, const std::string &ports, const std::string &tempDir)
{
    ProbeTrace trace;
    const std::string output = tempDir + "/probe.strace";
    std::string error;
    const RunResult run = runTimed({"strace", "-f", "-qq", "-e", "signal=none", "-s", "64", "-o", output, self,
                                    "--probe-quiet-poll", ports},
                                   {}, error);
    if (run.wallNs >= 0 && run.exitCode != 0)
        error = "strace or the probe failed (exit " + std::to_string(run.exitCode) + ")";
    if (!error.empty()) {
        trace.quiet.error = trace.newBind.error = error;
        return trace;
    }
    std::ifstream file(output);
    std::vector<std::string> lines;
    for (std::string line; std::getline(file, line);)
        lines.push_back(std::move(line));
    trace.quiet = countBetween(lines, kQuietBegin, kQuietEnd);
    trace.newBind = countBetween(lines, kBindBegin, kBindEnd);
    return trace;
}

std::string describe(const SyscallCount &count)
{
    std::vector<std::pair<int, std::string>> byCount;
    for (const auto &[name, calls] : count.byName)
        byCount.emplace_back(calls, name);
    std::sort(byCount.begin(), byCount.end(), [](const auto &a, const auto &b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    std::string text = std::to_string(count.total) + " syscalls";
    for (std::size_t i = 0; i < byCount.size(); ++i)
        text += (i == 0 ? ": " : ", ") + std::to_string(byCount[i].first) + " " + byCount[i].second;
    return text;
}

} // namespace portwatch::bench
