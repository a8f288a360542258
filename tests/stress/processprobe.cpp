// What one process costs, read from /proc/<pid>: see processprobe.h.
#include "processprobe.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include <dirent.h>
#include <unistd.h>

namespace portwatch::stress {

std::optional<ProcessSample> sampleProcess(int pid)
{
    const std::string base = "/proc/" + std::to_string(pid);
    ProcessSample sample;

    std::ifstream stat(base + "/stat");
    std::string line;
    if (!std::getline(stat, line))
        return std::nullopt;
    // Fields after the command name, which may hold spaces and parentheses: start after the last ')'.
    const auto close = line.rfind(')');
    if (close == std::string::npos)
        return std::nullopt;
    std::istringstream fields(line.substr(close + 2));
    std::string field;
    unsigned long long utime = 0;
    unsigned long long stime = 0;
    for (int index = 3; fields >> field; ++index) {
        if (index == 14)
            utime = std::stoull(field);
        else if (index == 15) {
            stime = std::stoull(field);
            break;
        }
    }
    sample.cpuSeconds = double(utime + stime) / double(::sysconf(_SC_CLK_TCK));

    std::ifstream status(base + "/status");
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0)
            sample.rssKiB = std::stoll(line.substr(6));
        else if (line.rfind("Threads:", 0) == 0)
            sample.threads = std::stoi(line.substr(8));
    }

    DIR *dir = ::opendir((base + "/fd").c_str());
    if (dir == nullptr)
        return std::nullopt;
    while (const dirent *entry = ::readdir(dir)) {
        if (entry->d_name[0] != '.')
            ++sample.fds;
    }
    ::closedir(dir);
    return sample;
}

} // namespace portwatch::stress
