// The portwatch-cli commands. Each returns the process exit status.
#pragma once

#include "core/portspec.h"
#include "platform/sockettable.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <chrono>
#include <optional>

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

// Listening sockets on the given ports (all when empty) with their owners, sorted by protocol,
// port, family and address. On failure prints the error and returns nothing.
std::optional<QList<platform::Listener>> lookup(const QList<PortSpec> &specs, const CommonOptions &common);

int runWho(const CommonOptions &common, const QList<PortSpec> &specs);
int runKill(const CommonOptions &common, const QList<PortSpec> &specs, const KillOptions &options);
int runCheck(const CommonOptions &common);
int runWatch(const CommonOptions &common, const WatchOptions &options);

} // namespace portwatch::cli
