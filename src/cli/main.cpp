// portwatch-cli: who holds a port, free it, check it, watch it. One exact command instead of
// `netstat | findstr` + `tasklist` + `taskkill`.
#include "commands.h"
#include "output.h"

#include "core/config.h"
#include "core/logging.h"
#include "platform/journal.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <cmath>

using namespace portwatch;
using namespace portwatch::cli;

namespace {

const QString commandsHelp = QStringLiteral(
    "Commands:\n"
    "  who [PORTSPEC...]   which processes hold these ports (all listeners when none given)\n"
    "  kill PORTSPEC...    terminate what holds the ports, safely, and confirm they are free\n"
    "  check               exit 0 when every listener on a watched port is whitelisted, 1 otherwise\n"
    "  watch               monitor the watched ports and print one line per event until Ctrl-C\n"
    "                      (--journal: to the systemd journal; --textfile PATH: Prometheus metrics)\n"
    "\n"
    "PORTSPEC: 80, :80, tcp/80, udp/53, 8000-8100, tcp/8000-8100, or a comma-separated list.\n"
    "Run 'portwatch-cli COMMAND --help' for the options of a command.\n"
    "Exit status: 0 success, 1 negative answer (nothing found / not released / not whitelisted),\n"
    "2 bad arguments, 3 the OS query failed.");

int usageError(const QString &message)
{
    err(QStringLiteral("portwatch-cli: %1\nTry 'portwatch-cli --help'.\n").arg(message));
    return ExitUsage;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("portwatch-cli"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PORTWATCH_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Portwatch: who took my port?\n\n") + commandsHelp);
    const QCommandLineOption helpOption = parser.addHelpOption();
    const QCommandLineOption versionOption = parser.addVersionOption();
    const QCommandLineOption configOption(QStringLiteral("config"),
                                          QStringLiteral("Configuration file (default: %1).").arg(ConfigStore::defaultPath()),
                                          QStringLiteral("PATH"));
    const QCommandLineOption logLevelOption(QStringLiteral("log-level"),
                                            QStringLiteral("trace, debug, info, warn, error, critical or off (default: warn; info for watch)."),
                                            QStringLiteral("LEVEL"));
    QCommandLineOption backendOption(QStringLiteral("backend"),
                                     QStringLiteral("Socket table: auto, netlink or procfs (default: auto)."),
                                     QStringLiteral("NAME"), QStringLiteral("auto"));
    parser.addOption(configOption);
    parser.addOption(logLevelOption);
    parser.addOption(backendOption);
    parser.addPositionalArgument(QStringLiteral("command"), QStringLiteral("who, kill, check or watch."));

    // First pass: find the command; its own options are added before the real parse.
    parser.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsOptions);
    parser.parse(QCoreApplication::arguments());
    const QString command = parser.positionalArguments().value(0);

    const QCommandLineOption jsonOption(QStringLiteral("json"), QStringLiteral("Machine-readable JSON output."));
    const QCommandLineOption yesOption(QStringLiteral("yes"), QStringLiteral("Do not ask for confirmation."));
    const QCommandLineOption dryRunOption(QStringLiteral("dry-run"), QStringLiteral("Only show what would be terminated."));
    const QCommandLineOption graceOption(QStringLiteral("grace"),
                                         QStringLiteral("Seconds to wait after SIGTERM before SIGKILL (default: 3)."),
                                         QStringLiteral("SECONDS"), QStringLiteral("3"));
    const QCommandLineOption thoroughOption(QStringLiteral("thorough"),
                                            QStringLiteral("Search every process, so a socket handed to an unrelated process "
                                                           "(fd passing) shows all its holders. Slower."));
    const QCommandLineOption journalOption(
        QStringLiteral("journal"),
        QStringLiteral("Events as structured entries in the systemd journal instead of lines (the default when "
                       "standard error is the journal's stream, as in a systemd service)."));
    const QCommandLineOption textfileOption(QStringLiteral("textfile"),
                                            QStringLiteral("Keep a Prometheus text file of the watched listeners "
                                                           "at PATH (node_exporter's textfile collector)."),
                                            QStringLiteral("PATH"));
    parser.clearPositionalArguments();
    if (command == QLatin1String("who")) {
        parser.addPositionalArgument(QStringLiteral("who"), QStringLiteral("Show who holds the ports."), QStringLiteral("who"));
        parser.addPositionalArgument(QStringLiteral("PORTSPEC"), QStringLiteral("Ports to look at (default: all)."), QStringLiteral("[PORTSPEC...]"));
        parser.addOptions({jsonOption, thoroughOption});
    } else if (command == QLatin1String("kill")) {
        parser.addPositionalArgument(QStringLiteral("kill"), QStringLiteral("Terminate what holds the ports."), QStringLiteral("kill"));
        parser.addPositionalArgument(QStringLiteral("PORTSPEC"), QStringLiteral("Ports to free."), QStringLiteral("PORTSPEC..."));
        parser.addOptions({yesOption, dryRunOption, graceOption, thoroughOption});
    } else if (command == QLatin1String("check")) {
        parser.addPositionalArgument(QStringLiteral("check"), QStringLiteral("Check the watched ports against the whitelist."), QStringLiteral("check"));
        parser.addOption(jsonOption);
    } else if (command == QLatin1String("watch")) {
        parser.addPositionalArgument(QStringLiteral("watch"), QStringLiteral("Monitor the watched ports until Ctrl-C."), QStringLiteral("watch"));
        parser.addOptions({jsonOption, journalOption, textfileOption});
    } else {
        parser.addPositionalArgument(QStringLiteral("command"), QStringLiteral("who, kill, check or watch."));
    }

    if (!parser.parse(QCoreApplication::arguments()))
        return usageError(parser.errorText());
    if (parser.isSet(versionOption)) {
        out(QStringLiteral("portwatch-cli %1\n").arg(QCoreApplication::applicationVersion()));
        return ExitOk;
    }
    if (parser.isSet(helpOption)) {
        out(parser.helpText());
        return ExitOk;
    }
    if (command.isEmpty())
        return usageError(QStringLiteral("no command given (who, kill, check or watch)"));
    if (!QStringList{QStringLiteral("who"), QStringLiteral("kill"), QStringLiteral("check"), QStringLiteral("watch")}.contains(command))
        return usageError(QStringLiteral("unknown command '%1' (who, kill, check or watch)").arg(command));

    const QString defaultLevel = command == QLatin1String("watch") ? QStringLiteral("info") : QStringLiteral("warn");
    const QString level = parser.isSet(logLevelOption) ? parser.value(logLevelOption) : defaultLevel;
    if (!logging::isValidLevel(level))
        return usageError(QStringLiteral("unknown log level '%1'").arg(level));
    logging::setup({level, QString(), true});

    CommonOptions common;
    common.configPath = parser.isSet(configOption) ? parser.value(configOption) : ConfigStore::defaultPath();
    common.json = command != QLatin1String("kill") && parser.isSet(jsonOption);
    common.thorough = (command == QLatin1String("who") || command == QLatin1String("kill")) && parser.isSet(thoroughOption);
    const QString backend = parser.value(backendOption);
    if (backend == QLatin1String("netlink"))
        common.backend = platform::SocketBackend::Native;
    else if (backend == QLatin1String("procfs"))
        common.backend = platform::SocketBackend::Fallback;
    else if (backend != QLatin1String("auto"))
        return usageError(QStringLiteral("unknown backend '%1' (auto, netlink or procfs)").arg(backend));

    const QStringList arguments = parser.positionalArguments().mid(1);
    if ((command == QLatin1String("check") || command == QLatin1String("watch")) && !arguments.isEmpty())
        return usageError(QStringLiteral("'%1' takes no port specs; it uses the watched ports of the configuration").arg(command));
    const auto specs = parseSpecs(arguments);
    if (!specs)
        return ExitUsage;

    if (command == QLatin1String("who"))
        return runWho(common, *specs);
    if (command == QLatin1String("kill")) {
        if (specs->isEmpty())
            return usageError(QStringLiteral("kill needs a port spec, for example 'portwatch-cli kill 8080'"));
        bool numeric = false;
        const double seconds = parser.value(graceOption).toDouble(&numeric);
        if (!numeric || !std::isfinite(seconds) || seconds < 0 || seconds > 600)
            return usageError(QStringLiteral("--grace wants seconds between 0 and 600, not '%1'").arg(parser.value(graceOption)));
        KillOptions options;
        options.yes = parser.isSet(yesOption);
        options.dryRun = parser.isSet(dryRunOption);
        options.grace = std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
        return runKill(common, *specs, options);
    }
    if (command == QLatin1String("check"))
        return runCheck(common);
    WatchOptions watchOptions;
    watchOptions.journal = parser.isSet(journalOption) || platform::isStandardErrorJournal();
    watchOptions.journalSocket = qEnvironmentVariable("PORTWATCH_JOURNAL_SOCKET");
    watchOptions.textfile = parser.value(textfileOption);
    if (parser.isSet(textfileOption) && watchOptions.textfile.isEmpty())
        return usageError(QStringLiteral("--textfile wants a file path"));
    return runWatch(common, watchOptions);
}
