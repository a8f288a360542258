// The binding side of portwatch-flood: a process that binds loopback TCP ports of a range on a
// schedule, holds each for a while and closes it again, optionally holding thousands of spare
// descriptors (like a busy server) so that finding the owner of its sockets costs what it costs there.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace portwatch::stress {

struct BinderOptions {
    std::uint16_t firstPort = 0;
    std::uint16_t lastPort = 0;
    int binds = 0;              // how many binds in all
    std::int64_t startAtMs = 0; // CLOCK_REALTIME ms of the first bind, so many binders start together
    int overMs = 1000;          // spread over this long
    int holdMs = 500;           // each socket is closed again after this long
    int spareFds = 0;           // descriptors held all along besides the sockets
    unsigned seed = 0;
};

// `portwatch-flood --binder ...`: parses the binder's arguments (from argv[2] on).
bool parseBinder(const std::vector<std::string> &arguments, BinderOptions &options, std::string &error);
// The arguments that parseBinder() reads back.
std::vector<std::string> binderArguments(const BinderOptions &options);

// Runs the schedule; prints "binds=N busy=M" (binds that found every port of the range taken) and
// returns the exit status.
int runBinder(const BinderOptions &options);

} // namespace portwatch::stress
