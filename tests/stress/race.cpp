// portwatch-race: races the real kill path against PID reuse, and counts every signal that reaches
// a process other than the one meant.
//
//   portwatch-race [--cycles N] [--grace-ms N] [--pool N] [--seed N] [--verbose]
//
// Runs in a PID namespace of its own (see pidnamespace.h). Each cycle forks a listener on an
// ephemeral loopback port, looks it up the way `portwatch-cli kill` does (socket table, then the
// process resolver) and ends it with platform::ProcessControl::terminate() on a thread of its own,
// while the listener may exit by itself at a random moment. As soon as the listener is reaped, a
// decoy is forked into the very PID it had (ns_last_pid), sometimes listening on the same port;
// decoys record every signal they receive. Exit status: 0 when no decoy was signalled, 1 when one
// was, 2 when the run could not be set up.
#include "pidnamespace.h"
#include "racechildren.h"

#include "platform/processcontrol.h"
#include "platform/processes.h"
#include "platform/sockettable.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace portwatch;
using namespace std::chrono_literals;

namespace {

struct Options {
    long cycles = 10000;
    long graceMs = 200;
    int pool = 8;        // listeners cycle through this many PIDs
    int firstPid = 1000; // the lowest of them
    unsigned seed = 0;
    bool verbose = false;
};

struct Tally {
    long cycles = 0;
    long goneBeforeLookup = 0; // the listener exited before it could be looked up: no kill
    long races = 0;            // terminate() was called
    long decoysInPid = 0;      // the decoy really got the listener's PID
    long decoysOnPort = 0;     // ... and listened on its port too
    long wrongSignals = 0;     // signals to any decoy (plus decoys that died of an uncaught one)
    long misleading = 0;
    long runDefects = 0;       // listeners that ended in a way the tool did not make them
    std::map<std::string, long> outcomes; // "<outcome> / <what really happened>"
    std::map<std::string, long> misleadingKinds;
    std::vector<std::string> notes;       // messages worth reading (first few)
};

void note(Tally &tally, std::string text)
{
    if (tally.notes.size() < 12)
        tally.notes.push_back(std::move(text));
}

// The listener on 127.0.0.1:port as `portwatch-cli kill` finds it.
std::optional<platform::KillTarget> lookUp(std::uint16_t port)
{
    platform::SocketQuery query;
    query.items.push_back({platform::Protocol::Tcp, {port, port}});
    const platform::SocketList found = platform::makeSocketTable()->query(query);
    std::vector<platform::SocketEntry> sockets;
    for (const platform::SocketEntry &socket : found.sockets) {
        if (socket.address == "127.0.0.1" && socket.port == port)
            sockets.push_back(socket);
    }
    if (sockets.empty())
        return std::nullopt;
    const std::vector<platform::Listener> listeners = platform::makeProcessResolver()->resolve(sockets);
    if (listeners.empty() || listeners.front().owners.empty())
        return std::nullopt;
    return platform::KillTarget{listeners.front().owners.front(), listeners.front().socket};
}

pid_t reap(pid_t pid, int &status)
{
    pid_t got;
    do {
        got = ::waitpid(pid, &status, 0);
    } while (got < 0 && errno == EINTR);
    return got;
}

std::string truthOf(stress::ListenerEnd end)
{
    switch (end) {
    case stress::ListenerEnd::Signalled: return "listener signalled";
    case stress::ListenerEnd::ExitedItself: return "listener exited by itself";
    case stress::ListenerEnd::Other: return "listener ended otherwise";
    }
    return "?";
}

// Whether the outcome tells the user something untrue about what happened; `why` says what.
bool misleads(const platform::TerminateResult &result, const platform::KillTarget &target, stress::ListenerEnd end,
              std::string &why)
{
    using platform::TerminateOutcome;
    if (result.outcome == TerminateOutcome::AlreadyGone && end == stress::ListenerEnd::Signalled) {
        why = "says nothing was signalled, yet the listener got SIGTERM";
        return true;
    }
    if (result.outcome == TerminateOutcome::StillHeld) {
        for (const platform::Listener &holder : result.stillHeldBy) {
            // "Still held" must name who holds it; an owner nobody could identify was only exiting.
            if (holder.owners.empty()) {
                why = "still held by a process nobody identified";
                return true;
            }
            // The listener is dead by now: a holder with its PID is the decoy, which took the PID
            // within the same clock tick (the start times match), named as if it were the listener.
            for (const platform::ProcessInfo &owner : holder.owners) {
                if (owner.pid == target.process.pid) {
                    why = "names the newcomer in the same PID as the process it meant";
                    return true;
                }
            }
        }
    }
    if (result.outcome == TerminateOutcome::Failed) {
        why = "failed";
        return true;
    }
    return false;
}

int drainSignals(int logFd, Tally &tally, const Options &options)
{
    int count = 0;
    stress::SignalRecord record;
    while (::read(logFd, &record, sizeof record) == static_cast<ssize_t>(sizeof record)) {
        ++count;
        note(tally, "decoy pid " + std::to_string(record.pid) + " of cycle " + std::to_string(record.cycle) +
                        " received signal " + std::to_string(record.signal) + " (" + strsignal(record.signal) + ")");
        if (options.verbose)
            std::fprintf(stderr, "WRONG SIGNAL: %s\n", tally.notes.back().c_str());
    }
    return count;
}

bool runCycle(long cycle, const Options &options, std::mt19937 &random, int logFd, Tally &tally)
{
    const int pid = options.firstPid + static_cast<int>(cycle % options.pool);
    std::string error;
    if (!stress::setNextPid(pid, error)) {
        std::fprintf(stderr, "portwatch-race: %s\n", error.c_str());
        return false;
    }
    // A third of the listeners wait for the kill; the rest exit by themselves within 3 ms, which is
    // about as long as the lookup and the checks before the signal take.
    std::uniform_int_distribution<long> moment(0, 3000);
    const long exitAfterUs = random() % 3 == 0 ? -1 : moment(random);
    const long terminateDelayUs = moment(random);
    const bool decoyBinds = random() % 3 == 0;

    int ready[2];
    if (::pipe2(ready, O_CLOEXEC) != 0)
        return false;
    const pid_t listener = stress::forkListener(ready[1], exitAfterUs);
    ::close(ready[1]);
    if (listener < 0) {
        ::close(ready[0]);
        return false;
    }
    std::uint16_t port = 0;
    const bool gotPort = ::read(ready[0], &port, sizeof port) == sizeof port;
    ::close(ready[0]);
    ++tally.cycles;

    const std::optional<platform::KillTarget> target = gotPort ? lookUp(port) : std::nullopt;
    if (!target) {
        ++tally.goneBeforeLookup;
        int status = 0;
        reap(listener, status);
        return true;
    }
    if (target->process.pid != listener) {
        ++tally.runDefects;
        note(tally, "the lookup named pid " + std::to_string(target->process.pid) + " for the listener " + std::to_string(listener));
    }

    ++tally.races;
    platform::TerminateResult result;
    std::thread killer([&] {
        std::this_thread::sleep_for(std::chrono::microseconds(terminateDelayUs));
        result = platform::makeProcessControl()->terminate(*target, std::chrono::milliseconds(options.graceMs));
    });

    // The moment the listener is reaped its PID is free: the decoy takes it at once.
    int status = 0;
    reap(listener, status);
    const stress::ListenerEnd end = stress::listenerEnd(status);
    error.clear();
    stress::setNextPid(listener, error);
    int control = -1;
    const pid_t decoy = stress::forkDecoy(logFd, static_cast<int>(cycle), decoyBinds ? port : 0, control);
    killer.join();

    if (decoy == listener) {
        ++tally.decoysInPid;
        if (decoyBinds)
            ++tally.decoysOnPort;
    }
    if (end == stress::ListenerEnd::Other) {
        ++tally.runDefects;
        note(tally, "listener " + std::to_string(listener) + " ended with wait status " + std::to_string(status));
    }
    const std::string key = std::string(platform::toString(result.outcome)) + " / " + truthOf(end);
    ++tally.outcomes[key];
    std::string why;
    if (misleads(result, *target, end, why)) {
        ++tally.misleading;
        ++tally.misleadingKinds[why];
        note(tally, "misleading (" + key + ", " + why + "): " + result.message);
    }
    if (options.verbose)
        std::fprintf(stderr, "cycle %ld pid %d port %u: %s: %s\n", cycle, listener, port, key.c_str(), result.message.c_str());

    if (decoy > 0) {
        ::close(control);
        int decoyStatus = 0;
        reap(decoy, decoyStatus);
        if (WIFSIGNALED(decoyStatus)) {
            ++tally.wrongSignals;
            note(tally, "decoy pid " + std::to_string(decoy) + " of cycle " + std::to_string(cycle) + " died of signal " +
                            std::to_string(WTERMSIG(decoyStatus)));
        }
    }
    tally.wrongSignals += drainSignals(logFd, tally, options);
    return true;
}

int runRace(void *argument)
{
    const Options &options = *static_cast<const Options *>(argument);
    int log[2];
    if (::pipe2(log, O_CLOEXEC | O_NONBLOCK) != 0) {
        std::perror("pipe");
        return 2;
    }
    std::mt19937 random(options.seed);
    Tally tally;
    const auto started = std::chrono::steady_clock::now();
    for (long cycle = 0; cycle < options.cycles; ++cycle) {
        if (!runCycle(cycle, options, random, log[1], tally))
            return 2;
        if ((cycle + 1) % 1000 == 0)
            std::fprintf(stderr, "portwatch-race: %ld cycles, %ld wrong signals so far\n", cycle + 1, tally.wrongSignals);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    std::printf("PID-reuse race: %ld cycles in %.0f s (PID pool of %d from %d, grace %ld ms, seed %u)\n", tally.cycles,
                seconds, options.pool, options.firstPid, options.graceMs, options.seed);
    std::printf("  kills raced:                   %ld (listener gone before its lookup: %ld)\n", tally.races,
                tally.goneBeforeLookup);
    std::printf("  decoys in the listener's PID:  %ld (also listening on its port: %ld)\n", tally.decoysInPid,
                tally.decoysOnPort);
    std::printf("  signals to anyone but the listener: %ld   %s\n", tally.wrongSignals, tally.wrongSignals == 0 ? "PASS" : "FAIL");
    std::printf("  misleading outcomes:           %ld\n", tally.misleading);
    for (const auto &[why, count] : tally.misleadingKinds)
        std::printf("    %7ld  %s\n", count, why.c_str());
    std::printf("  defects of the run itself:     %ld\n", tally.runDefects);
    std::printf("  outcome / what really happened:\n");
    for (const auto &[key, count] : tally.outcomes)
        std::printf("    %7ld  %s\n", count, key.c_str());
    for (const std::string &text : tally.notes)
        std::printf("  note: %s\n", text.c_str());
    return tally.wrongSignals == 0 ? 0 : 1;
}

bool parse(int argc, char **argv, Options &options)
{
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const auto number = [&](long low, long high, long &out) {
            if (i + 1 >= argc)
                return false;
            char *end = nullptr;
            errno = 0;
            const long value = std::strtol(argv[++i], &end, 10);
            if (errno != 0 || *end != '\0' || value < low || value > high) {
                std::fprintf(stderr, "portwatch-race: %s wants a number from %ld to %ld\n", arg.c_str(), low, high);
                return false;
            }
            out = value;
            return true;
        };
        long value = 0;
        if (arg == "--cycles" && number(1, 100000000, value))
            options.cycles = value;
        else if (arg == "--grace-ms" && number(1, 60000, value))
            options.graceMs = value;
        else if (arg == "--pool" && number(1, 1000, value))
            options.pool = static_cast<int>(value);
        else if (arg == "--seed" && number(0, 4294967295L, value))
            options.seed = static_cast<unsigned>(value);
        else if (arg == "--verbose")
            options.verbose = true;
        else {
            std::fprintf(stderr, "usage: portwatch-race [--cycles N] [--grace-ms N] [--pool N] [--seed N] [--verbose]\n");
            return false;
        }
    }
    return true;
}

} // namespace

int main(int argc, char **argv)
{
    Options options;
    options.seed = static_cast<unsigned>(std::random_device{}());
    if (!parse(argc, argv, options))
        return 2;
    std::fflush(nullptr);
    std::string error;
    const int status = stress::runInPidNamespace(runRace, &options, error);
    if (status < 0) {
        std::fprintf(stderr, "portwatch-race: %s\n", error.c_str());
        return 2;
    }
    return status;
}
