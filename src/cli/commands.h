// The portwatch-cli commands. Each returns the process exit status.
#pragma once

#include "core/portspec.h"
#include "platform/sockettable.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <chrono>
#include <optional>
#include <utility>

namespace portwatch {
struct BindReason;
}

namespace portwatch {
struct ConfigLoad;
}

namespace portwatch::cli {

// Exit statuses shared by all commands.
enum ExitStatus : int {
    ExitOk = 0,
    ExitNegative = 1, // nothing matched / port not released / unexpected listeners found
    ExitUsage = 2,    // bad arguments
    ExitFailure = 3,  // the OS query failed
};

struct CommonOptions {
    QString configPath;
    platform::SocketBackend backend = platform::SocketBackend::Automatic;
    bool json = false;
    // Search every process for every socket: also finds processes that received a socket by fd
    // passing from an unrelated process, at the cost of a full scan.
    bool thorough = false;
    bool utc = false; // watch: times in UTC instead of local time (always with the offset)
};

struct WatchOptions {
    bool journal = false;  // events as structured journal entries instead of lines on stdout
    QString journalSocket; // the journal's socket; empty: the system's
    QString textfile;      // Prometheus text file to keep current; empty: none
};

struct KillOptions {
    bool yes = false;
    bool dryRun = false;
    std::chrono::milliseconds grace{3000};
};

// Parses PORTSPEC arguments; on error prints which one is bad and returns nothing.
std::optional<QList<PortSpec>> parseSpecs(const QStringList &arguments);

// The specs for a message: all of them when short, else the first few and how many more
// ("tcp/80, tcp/443, udp/53 and 12 more").
QString specsSummary(const QList<PortSpec> &specs);

// Listening sockets on the given ports (all when empty) with their owners, sorted by protocol,
// port, family and address. On failure prints the error and returns nothing.
std::optional<QList<platform::Listener>> lookup(const QList<PortSpec> &specs, const CommonOptions &common);

// Whether check and watch may go on with this configuration; if not, the reason was printed. The CLI
// never moves nor writes a configuration file.
bool configUsable(const ConfigLoad &load);

int runWho(const CommonOptions &common, const QList<PortSpec> &specs);
int runKill(const CommonOptions &common, const QList<PortSpec> &specs, const KillOptions &options);
int runCheck(const CommonOptions &common);
int runWatch(const CommonOptions &common, const WatchOptions &options);

// why: the one port of the arguments ("8080" and "tcp/8080" are TCP, "udp/53" UDP); on error
// prints what is wrong and returns nothing.
std::optional<std::pair<platform::Protocol, quint16>> parseWhyPort(const QStringList &arguments);
// Exit 0 when a bind would succeed now, 1 when it would fail (the reasons are printed).
int runWhy(const CommonOptions &common, platform::Protocol protocol, quint16 port);
// A reason of why's diagnosis as lines: `lead` and its text, then one "fix:" line per fix.
QString reasonLines(const BindReason &reason, const QString &lead);

} // namespace portwatch::cli
