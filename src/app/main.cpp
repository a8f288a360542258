// portwatch: the tray application. Parses the command line, refuses politely without a display
// (pointing to portwatch-cli watch), sets up logging, makes sure only one instance runs per user,
// then hands over to Application.
#include "application.h"
#include "displaycheck.h"
#include "quitsignals.h"
#include "singleinstance.h"
#include "trayicon.h"

#include "core/config.h"
#include "core/logging.h"
#include "core/paths.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QCoreApplication>

#include <spdlog/spdlog.h>

#include <cstdio>
#include <optional>

namespace {

// Exit status when there is no display to show a tray icon on; the README's run command then
// starts portwatch-cli watch instead.
constexpr int exitNoDisplay = 3;
constexpr int exitUsage = 2;

struct CommandLine {
    QString configPath;
    QString logLevel;
};

// Parsed with a short-lived QCoreApplication: --help, --version and bad arguments must work, and
// the display check must happen, before a QApplication tries to connect to a display.
std::optional<CommandLine> parseCommandLine(int argc, char *argv[], int *exitCode)
{
    int coreArgc = argc;
    QCoreApplication core(coreArgc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Portwatch watches ports, tells you which process took them, and frees them safely.\n"
                       "Without a display, use portwatch-cli (who, kill, check, watch)."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption configOption(
        QStringLiteral("config"),
        QStringLiteral("Configuration file (default: %1).").arg(portwatch::ConfigStore::defaultPath()),
        QStringLiteral("PATH"));
    const QCommandLineOption logLevelOption(
        QStringLiteral("log-level"),
        QStringLiteral("trace, debug, info, warn, error, critical or off (default: the configuration's, info)."),
        QStringLiteral("LEVEL"));
    parser.addOption(configOption);
    parser.addOption(logLevelOption);
    parser.process(core); // exits on --help, --version and unknown options

    CommandLine result;
    result.configPath = parser.value(configOption);
    result.logLevel = parser.value(logLevelOption);
    if (!result.logLevel.isEmpty() && !portwatch::logging::isValidLevel(result.logLevel)) {
        std::fprintf(stderr, "portwatch: unknown log level \"%s\" (trace, debug, info, warn, error, critical, off)\n",
                     qPrintable(result.logLevel));
        *exitCode = exitUsage;
        return std::nullopt;
    }
    if (!parser.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "portwatch: unexpected argument \"%s\"; try portwatch --help\n",
                     qPrintable(parser.positionalArguments().constFirst()));
        *exitCode = exitUsage;
        return std::nullopt;
    }
    return result;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication::setApplicationName(QStringLiteral("portwatch"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PORTWATCH_VERSION));
    QCoreApplication::setOrganizationName(QStringLiteral("Portwatch"));

    int exitCode = 0;
    const std::optional<CommandLine> commandLine = parseCommandLine(argc, argv, &exitCode);
    if (!commandLine)
        return exitCode;

    // An explicit platform plugin (offscreen, vnc, ...) is the user's decision and is trusted; a
    // DISPLAY with no server behind it must not reach Qt, which aborts on it.
    const QString problem = [argc, argv] {
        int probeArgc = argc;
        const QCoreApplication probe(probeArgc, argv); // the sockets of the check want one
        return portwatch::displaycheck::problem();
    }();
    if (!problem.isEmpty()) {
        std::fprintf(stderr,
                     "portwatch: %s, so there is no tray to show.\n"
                     "On a server or over SSH, run the monitor without a GUI instead:\n"
                     "    portwatch-cli watch%s%s\n",
                     qPrintable(problem), commandLine->configPath.isEmpty() ? "" : " --config ",
                     qPrintable(commandLine->configPath));
        return exitNoDisplay;
    }

    portwatch::logging::Options logOptions;
    logOptions.level = commandLine->logLevel.isEmpty() ? QStringLiteral("info") : commandLine->logLevel;
    logOptions.filePath = portwatch::paths::stateDir() + QStringLiteral("/portwatch.log");
    portwatch::logging::setup(logOptions);

    QApplication app(argc, argv);
    Q_INIT_RESOURCE(icons);
    QApplication::setQuitOnLastWindowClosed(false); // closing a window leaves the tray icon running
    QApplication::setWindowIcon(portwatch::TrayIcon::applicationIcon());
    QGuiApplication::setDesktopFileName(QStringLiteral("portwatch"));

    portwatch::SingleInstance instance;
    if (!instance.tryBecomePrimary()) {
        if (!instance.errorString().isEmpty()) {
            // Better two Portwatches than none: run without the single-instance guard.
            spdlog::warn("single instance: {}; running without it", instance.errorString().toStdString());
        } else {
            spdlog::info("Portwatch is already running; asking it to open its settings");
            if (!instance.sendToPrimary(portwatch::SingleInstance::showSettingsMessage)) {
                spdlog::error("{}", instance.errorString().toStdString());
                return 1;
            }
            return 0;
        }
    }

    portwatch::ApplicationOptions options;
    options.configPath = commandLine->configPath;
    options.logLevel = commandLine->logLevel;
    portwatch::Application application(std::move(options));
    QObject::connect(&instance, &portwatch::SingleInstance::messageReceived, &application,
                     [&application](const QByteArray &message) {
                         if (message == portwatch::SingleInstance::showSettingsMessage)
                             application.showSettings();
                     });
    portwatch::quitsignals::install();
    spdlog::info("Portwatch {} started (pid {})", PORTWATCH_VERSION, QCoreApplication::applicationPid());
    application.start();
    const int status = QApplication::exec();
    spdlog::info("Portwatch stopped");
    return status;
}
