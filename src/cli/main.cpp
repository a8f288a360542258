// portwatch-cli: who holds a port, free it, check it, watch it. One exact command instead of
// `netstat | findstr` + `tasklist` + `taskkill`.
#include "commands.h"
#include "output.h"

#include "core/config.h"
#include "core/logging.h"
#include "platform/console.h"
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
    "  why PORT            why a bind of PORT would fail now (in use, excluded, privileged, TIME_WAIT), how to free it\n"
    "\n"
    "PORTSPEC: 80, :80, tcp/80, udp/53, 8000-8100, tcp/8000-8100, or a comma-separated list.\n"
    "Run 'portwatch-cli COMMAND --help' for the options of a command.\n"
    "Exit status: 0 success, 1 negative answer (nothing found / not released / not whitelisted /\n"
    "a bind would fail), 2 bad arguments, 3 the OS query failed.");

// QCommandLineParser takes "-1" for an option named "1". A port spec never starts with a dash, but
// one typed that way deserves "bad port spec", so such arguments go after "--", where they are
// positional whatever follows them.
QStringList withDashedSpecsPositional(const QStringList &arguments)
{
    QStringList options;
    QStringList dashed;
    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString &argument = arguments.at(i);
        if (argument == QLatin1String("--")) {
            dashed += arguments.mid(i + 1);
            break;
        }
        // The value of an option stays where it is ("--grace -1" is a bad grace, not a port).
        static const QStringList takesValue{QStringLiteral("--grace"), QStringLiteral("--config"),
                                            QStringLiteral("--log-level"), QStringLiteral("--backend")};
        const bool isValue = i > 0 && takesValue.contains(arguments.at(i - 1));
        const bool looksLikeSpec = i > 0 && !isValue && argument.size() > 1 && argument.startsWith(QLatin1Char('-'))
                                   && argument.at(1).isDigit();
        (looksLikeSpec ? dashed : options).append(argument);
    }
    if (dashed.isEmpty())
        return options;
    return options + QStringList{QStringLiteral("--")} + dashed;
}

// What `portwatch-cli COMMAND --help` says above the options: that command only, with its exit statuses.
QString commandHelp(const QString &command)
{
    const QString portSpec = QStringLiteral(
        "PORTSPEC: 80, :80, tcp/80, udp/53, 8000-8100, tcp/8000-8100, or a comma-separated list.\n");
    if (command == QLatin1String("who"))
        return QStringLiteral("portwatch-cli who [PORTSPEC...]: which processes hold these ports (every listener "
                              "when none is given): port, address, process with its pid and user, and its command line.\n")
            + portSpec + QStringLiteral("Exit status: 0 something holds them, 1 nothing does, 2 bad arguments, 3 the OS query failed.");
    if (command == QLatin1String("kill"))
        return QStringLiteral("portwatch-cli kill PORTSPEC...: terminate what holds the ports, safely (SIGTERM, then "
                              "SIGKILL after --grace), and confirm they are free. Asks first on a terminal, unless --yes.\n")
            + portSpec + QStringLiteral("Exit status: 0 every port is free, 1 something still holds one (or the answer was no), "
                                        "2 bad arguments, 3 the OS query failed.");
    if (command == QLatin1String("check"))
        return QStringLiteral("portwatch-cli check: compare what listens on the watched ports of the configuration with "
                              "its whitelist.\nExit status: 0 every listener is whitelisted, 1 some are not, "
                              "2 bad arguments, 3 the OS query failed.");
    if (command == QLatin1String("watch"))
        return QStringLiteral("portwatch-cli watch: monitor the watched ports of the configuration and print one line "
                              "per unexpected listener that appears or goes, until Ctrl-C or SIGTERM. Times are local "
                              "with their UTC offset, or UTC with --utc.\nExit status: 0 stopped, 3 the OS query failed.");
    if (command == QLatin1String("why"))
        return QStringLiteral("portwatch-cli why PORT: explain why a bind of PORT would fail now: who holds it, or a "
                              "reserved, excluded or privileged range, or connections in TIME_WAIT; or say that it is free.\n"
                              "Exit status: 0 a bind would succeed, 1 it would fail, 2 bad arguments, 3 the OS query failed.");
    return {};
}

int usageError(const QString &message)
{
    err(QStringLiteral("portwatch-cli: %1\nTry 'portwatch-cli --help'.\n").arg(message));
    return ExitUsage;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    portwatch::platform::useUtf8Console();
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
    parser.addPositionalArgument(QStringLiteral("command"), QStringLiteral("who, kill, check, watch or why."));

    // First pass: find the command; its own options are added before the real parse.
    parser.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsOptions);
    const QStringList arguments = withDashedSpecsPositional(QCoreApplication::arguments());
    parser.parse(arguments);
    const QString command = parser.positionalArguments().value(0);

    const QCommandLineOption jsonOption(QStringLiteral("json"), QStringLiteral("Machine-readable JSON output."));
    const QCommandLineOption yesOption(QStringLiteral("yes"), QStringLiteral("Do not ask for confirmation."));
    const QCommandLineOption dryRunOption(QStringLiteral("dry-run"), QStringLiteral("Only show what would be terminated."));
    const QCommandLineOption graceOption(QStringLiteral("grace"),
                                         QStringLiteral("Seconds to wait after SIGTERM before SIGKILL (default: 3)."),
                                         QStringLiteral("SECONDS"), QStringLiteral("3"));
    const QCommandLineOption utcOption(QStringLiteral("utc"), QStringLiteral("Print times in UTC instead of local time."));
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
        parser.addOptions({jsonOption, utcOption, journalOption, textfileOption});
    } else if (command == QLatin1String("why")) {
        parser.addPositionalArgument(QStringLiteral("why"), QStringLiteral("Explain why a bind of the port would fail now."), QStringLiteral("why"));
        parser.addPositionalArgument(QStringLiteral("PORT"), QStringLiteral("One port: 8080 or tcp/8080 (TCP), udp/53 (UDP)."), QStringLiteral("PORT"));
        parser.addOption(jsonOption);
    } else {
        parser.addPositionalArgument(QStringLiteral("command"), QStringLiteral("who, kill, check, watch or why."));
    }
    // A command's help is about that command, not the whole tool.
    if (const QString help = commandHelp(command); !help.isEmpty())
        parser.setApplicationDescription(help);

    if (!parser.parse(arguments))
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
        return usageError(QStringLiteral("no command given (who, kill, check, watch or why)"));
    if (!QStringList{QStringLiteral("who"), QStringLiteral("kill"), QStringLiteral("check"), QStringLiteral("watch"), QStringLiteral("why")}.contains(command))
        return usageError(QStringLiteral("unknown command '%1' (who, kill, check, watch or why)").arg(command));

    const QString defaultLevel = command == QLatin1String("watch") ? QStringLiteral("info") : QStringLiteral("warn");
    const QString level = parser.isSet(logLevelOption) ? parser.value(logLevelOption) : defaultLevel;
    if (!logging::isValidLevel(level))
        return usageError(QStringLiteral("unknown log level '%1'").arg(level));
    const bool utc = command == QLatin1String("watch") && parser.isSet(utcOption);
    logging::setup({level, QString(), true, utc});

    CommonOptions common;
    common.configPath = parser.isSet(configOption) ? parser.value(configOption) : ConfigStore::defaultPath();
    common.json = command != QLatin1String("kill") && parser.isSet(jsonOption);
    common.utc = utc;
    common.thorough = (command == QLatin1String("who") || command == QLatin1String("kill")) && parser.isSet(thoroughOption);
    const QString backend = parser.value(backendOption);
    if (backend == QLatin1String("netlink"))
        common.backend = platform::SocketBackend::Native;
    else if (backend == QLatin1String("procfs"))
        common.backend = platform::SocketBackend::Fallback;
    else if (backend != QLatin1String("auto"))
        return usageError(QStringLiteral("unknown backend '%1' (auto, netlink or procfs)").arg(backend));

    const QStringList specArguments = parser.positionalArguments().mid(1);
    if (command == QLatin1String("why")) {
        const auto port = parseWhyPort(specArguments);
        return port ? runWhy(common, port->first, port->second) : ExitUsage;
    }
    if ((command == QLatin1String("check") || command == QLatin1String("watch")) && !specArguments.isEmpty())
        return usageError(QStringLiteral("'%1' takes no port specs; it uses the watched ports of the configuration").arg(command));
    const auto specs = parseSpecs(specArguments);
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
