// The tray application's wiring: see application.h.
#include "application.h"

#include "alertcontroller.h"
#include "alertdialog.h"
#include "firstrundialog.h"
#include "historywindow.h"
#include "settingsdialog.h"
#include "trayicon.h"
#include "traytext.h"

#include "core/configmanager.h"
#include "core/history.h"
#include "core/logging.h"
#include "platform/accounts.h"

#include <QAbstractButton>
#include <QCoreApplication>
#include <QMessageBox>
#include <QSystemTrayIcon>
#include <QTimer>

#include <spdlog/spdlog.h>

#include <algorithm>


namespace portwatch {
namespace {

std::string str(const QString &text)
{
    return text.toStdString();
}

template<typename Window>
void raise(Window *window)
{
    window->show();
    window->raise();
    window->activateWindow();
}

} // namespace

Application::Application(ApplicationOptions options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
{
    if (m_options.configPath.isEmpty())
        m_options.configPath = ConfigStore::defaultPath();
    if (m_options.historyPath.isEmpty())
        m_options.historyPath = History::defaultPath();
    if (!m_options.sockets)
        m_options.sockets = platform::makeSocketTable();
    if (!m_options.processes)
        m_options.processes = platform::makeProcessResolver();
    if (!m_options.control)
        m_options.control = platform::makeProcessControl();

    // Loaded before anything else is built, so the monitor and the alert controller start from the
    // user's configuration; a problem with the file is reported by start().
    m_config = std::make_unique<ConfigManager>(m_options.configPath);
    m_config->setSystemConfig(SystemConfig::load());
    m_load = m_config->load();
    m_history = std::make_unique<History>(m_options.historyPath);
    m_monitor = std::make_unique<Monitor>(std::move(m_options.sockets), std::move(m_options.processes));
    m_alerts = std::make_unique<AlertController>(m_monitor.get(), m_config.get(), m_history.get(),
                                                 std::move(m_options.control));
    m_tray = std::make_unique<TrayIcon>();
    m_trayHostTimer = new QTimer(this);
    m_trayHostTimer->setInterval(m_options.trayHostPollMs);
    connect(m_trayHostTimer, &QTimer::timeout, this, &Application::lookForTrayHost);

    connect(m_monitor.get(), &Monitor::updated, this, &Application::onMonitorUpdated);
    connect(m_monitor.get(), &Monitor::pollFailed, this, [](const QString &error) {
        spdlog::warn("poll failed: {}", str(error));
    });
    connect(m_config.get(), &ConfigManager::changed, this, &Application::onConfigChanged);
    connect(m_config.get(), &ConfigManager::problem, this, [this](const QString &message) {
        spdlog::warn("configuration: {}", str(message));
        showMessage(QMessageBox::Warning, tr("Portwatch configuration"),
                    tr("%1\n\nPortwatch keeps running with the settings it had.").arg(message));
    });

    connect(m_tray.get(), &TrayIcon::killRequested, m_alerts.get(),
            [this](const WatchedListener &listener) { m_alerts->kill(listener); });
    connect(m_tray.get(), &TrayIcon::whitelistRequested, m_alerts.get(), &AlertController::whitelist);
    connect(m_tray.get(), &TrayIcon::pauseToggled, this, [this](bool pause) {
        if (pause)
            m_monitor->pause();
        else
            m_monitor->resume();
    });
    connect(m_tray.get(), &TrayIcon::settingsRequested, this, &Application::showSettings);
    connect(m_tray.get(), &TrayIcon::historyRequested, this, &Application::showHistory);
    connect(m_tray.get(), &TrayIcon::statusRequested, this, &Application::showStatus);
    connect(m_tray.get(), &TrayIcon::quitRequested, this, [] {
        spdlog::info("quit requested from the tray menu");
        QCoreApplication::quit();
    });
    connect(m_tray.get(), &TrayIcon::systemTrayIconCreated, m_alerts.get(), &AlertController::setTrayIcon);

    connect(m_alerts.get(), &AlertController::detailsRequested, this, &Application::showDetails);
    connect(m_alerts.get(), &AlertController::historyRequested, this, &Application::showHistory);
    connect(m_alerts.get(), &AlertController::killConfirmationNeeded, this, &Application::confirmKill);
    connect(m_alerts.get(), &AlertController::killFinished, this, &Application::reportKill);
    connect(m_alerts.get(), &AlertController::actionFailed, this, [this](const QString &message) {
        showMessage(QMessageBox::Warning, tr("Portwatch"), message);
    });
    connect(m_alerts.get(), &AlertController::whitelisted, this, [this](const WatchedListener &, const WhitelistRule &) {
        if (m_historyWindow)
            m_historyWindow->refresh();
    });
}

Application::~Application()
{
    // Windows first: they hold pointers into the history and the config.
    delete m_firstRun.data();
    delete m_settings.data();
    delete m_alertDialog.data();
    delete m_historyWindow.data();
    delete m_killConfirmation.data();
    delete m_lastMessage.data();
}

void Application::start()
{
    const ConfigLoad &load = m_load;
    switch (load.status) {
    case ConfigLoad::Status::Loaded:
        spdlog::info("configuration loaded from {}", str(load.path));
        break;
    case ConfigLoad::Status::Missing:
        spdlog::info("no configuration at {} yet: using the defaults", str(load.path));
        break;
    case ConfigLoad::Status::Broken:
        spdlog::error("configuration {} is broken: {}", str(load.path), str(load.message));
        showMessage(QMessageBox::Warning, tr("Portwatch: configuration not usable"),
                    tr("%1\n\nThe file was kept at:\n%2\n\nPortwatch runs with the default settings "
                       "until you fix it or save new settings.")
                        .arg(load.message, load.keptAsidePath.isEmpty() ? load.path : load.keptAsidePath));
        break;
    case ConfigLoad::Status::Unreadable:
        spdlog::error("configuration {} cannot be read: {}", str(load.path), str(load.message));
        showMessage(QMessageBox::Warning, tr("Portwatch: configuration not readable"),
                    tr("%1\n\nPortwatch runs with the default settings for this session and saves nothing, so "
                       "that the file is never replaced. Make it readable and start Portwatch again.")
                        .arg(load.message));
        break;
    }
    for (const QString &file : m_config->systemConfig().files)
        spdlog::info("system-wide settings from {}", str(file));
    if (const QStringList &problems = m_config->systemConfig().problems; !problems.isEmpty()) {
        spdlog::error("system configuration: {}", str(problems.join(QLatin1Char('\n'))));
        showMessage(QMessageBox::Warning, tr("Portwatch: system configuration not usable"),
                    tr("%1\n\nAsk your administrator to fix it. Your own settings are used.")
                        .arg(problems.join(QStringLiteral("\n\n"))));
    }
    const Config &config = m_config->config();
    if (m_options.logLevel.isEmpty())
        logging::setLevel(config.logLevel);
    m_firstRunPending = !config.firstRunDone;

    m_monitor->setConfig(config);
    m_monitor->start();

    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        showTrayIcon();
    } else {
        // Tray hosts often start after autostart programs: keep watching (notifications still work)
        // and look again, less and less often.
        spdlog::warn("no system tray host is available yet; Portwatch keeps watching and notifying, and "
                     "looks for a tray host again after {} ms, then less often (at least every {} s)",
                     m_options.trayHostPollMs, m_options.trayHostPollMaxMs / 1000);
        m_trayHostTimer->start();
    }
}

void Application::lookForTrayHost()
{
    if (!QSystemTrayIcon::isSystemTrayAvailable()) {
        const int ceiling = std::max(m_options.trayHostPollMaxMs, m_options.trayHostPollMs);
        m_trayHostTimer->setInterval(std::min(m_trayHostTimer->interval() * 2, ceiling));
        return;
    }
    m_trayHostTimer->stop();
    spdlog::info("a system tray host appeared; showing the tray icon");
    showTrayIcon();
}

int Application::trayHostPollInterval() const
{
    return m_trayHostTimer->isActive() ? m_trayHostTimer->interval() : 0;
}

void Application::showTrayIcon()
{
    m_tray->show();
    Q_EMIT trayIconShown();
}

void Application::onMonitorUpdated(MonitorState state, const QList<WatchedListener> &listeners)
{
    m_tray->setState(state, m_monitor->stateReason(), listeners);
    if (m_settings)
        m_settings->setRunningListeners(listeners);
    if (m_historyWindow) {
        m_historyWindow->setStatus(state, m_monitor->stateReason());
        m_historyWindow->setCurrentListeners(listeners);
        m_historyWindow->refresh();
    }
    // Decided on the result of the first successful poll, not on an update that only reports a
    // config change or a failure.
    if (m_firstRunPending && state != MonitorState::Starting && state != MonitorState::Paused
        && !m_monitor->isInitialPoll()) {
        m_firstRunPending = false;
        askFirstRunQuestion(listeners);
    }
}

void Application::onConfigChanged(const Config &config)
{
    // The alert controller hands every change to the monitor; this only follows up on the rest.
    if (m_options.logLevel.isEmpty())
        logging::setLevel(config.logLevel);
    // An open dialog follows the change (a rule whitelisted from a notification, an edit of the
    // file), keeping the user's unsaved edits on top of it, so that its OK does not undo the change.
    if (m_settings)
        m_settings->followExternalChange(config);
}

void Application::askFirstRunQuestion(const QList<WatchedListener> &listeners)
{
    QList<WatchedListener> present;
    for (const WatchedListener &listener : listeners) {
        if (listener.verdict != Verdict::Expected)
            present << listener;
    }
    if (present.isEmpty()) {
        // Nothing to trust or review, so nothing to ask and nothing to save: the file is written only
        // when the user changes something. Until then the question stays open for a later start.
        spdlog::info("first start: nothing unexpected listens on the watched ports; nothing to ask");
        return;
    }
    spdlog::info("first start: {} listener(s) already on watched ports; asking whether to trust them",
                 present.size());
    m_firstRun = new FirstRunDialog(present);
    m_firstRun->setAttribute(Qt::WA_DeleteOnClose);
    m_firstRun->setWindowIcon(TrayIcon::applicationIcon());
    connect(m_firstRun, &QDialog::accepted, this, [this] {
        finishFirstRun(m_firstRun->rules(m_config->config()), m_firstRun->unchecked());
    });
    // Closing the window answers too: nothing is trusted, and everything there alerts as usual.
    connect(m_firstRun, &QDialog::rejected, this, [this, present] { finishFirstRun({}, present); });
    raise(m_firstRun.data());
}

void Application::finishFirstRun(const QList<WhitelistRule> &rules, const QList<WatchedListener> &alertAbout)
{
    Config config = m_config->config();
    config.firstRunDone = true;
    for (const WhitelistRule &rule : rules) {
        if (!config.whitelist.contains(rule))
            config.whitelist << rule;
    }
    if (!rules.isEmpty())
        spdlog::info("first start: trusted {} rule(s) for what was already listening", rules.size());
    QString error;
    if (!m_config->update(config, &error)) {
        showMessage(QMessageBox::Warning, tr("Portwatch"),
                    tr("Could not save the configuration to %1:\n%2").arg(m_config->path(), error));
        return;
    }
    // What the user did not trust alerts now, as a new listener would (the first poll held it back).
    m_alerts->alertAbout(alertAbout);
}

void Application::showSettings()
{
    if (!m_settings) {
        m_settings = new SettingsDialog(m_config->config());
        m_settings->setAttribute(Qt::WA_DeleteOnClose);
        m_settings->setWindowIcon(TrayIcon::applicationIcon());
        connect(m_settings, &SettingsDialog::applied, this, [this](const Config &config) {
            QString error;
            if (!m_config->update(config, &error)) {
                showMessage(QMessageBox::Warning, tr("Portwatch settings"),
                            tr("The settings could not be saved to %1:\n%2").arg(m_config->path(), error));
            }
        });
    }
    m_settings->setRunningListeners(m_monitor->listeners());
    raise(m_settings.data());
}

void Application::showHistory()
{
    openHistoryWindow(false);
}

void Application::showStatus()
{
    openHistoryWindow(true);
}

void Application::openHistoryWindow(bool nowTab)
{
    if (!m_historyWindow) {
        m_historyWindow = new HistoryWindow(m_history.get());
        m_historyWindow->setAttribute(Qt::WA_DeleteOnClose);
        m_historyWindow->setWindowIcon(TrayIcon::applicationIcon());
        connect(m_historyWindow, &HistoryWindow::killRequested, m_alerts.get(),
                [this](const WatchedListener &target) { m_alerts->kill(target); });
        connect(m_historyWindow, &HistoryWindow::whitelistRequested, m_alerts.get(), &AlertController::whitelist);
    }
    m_historyWindow->setStatus(m_monitor->state(), m_monitor->stateReason());
    m_historyWindow->setCurrentListeners(m_monitor->listeners());
    m_historyWindow->refresh();
    // Asked for by name ("History…", a burst summary) or by a click on the icon (what is there now).
    m_historyWindow->showTab(nowTab ? HistoryWindow::Tab::Now : HistoryWindow::Tab::History);
    raise(m_historyWindow.data());
}

void Application::showDetails(const WatchedListener &listener)
{
    if (m_alertDialog) {
        m_alertDialog->setListener(listener);
    } else {
        m_alertDialog = new AlertDialog(listener);
        m_alertDialog->setAttribute(Qt::WA_DeleteOnClose);
        m_alertDialog->setWindowIcon(TrayIcon::applicationIcon());
        connect(m_alertDialog, &AlertDialog::killRequested, m_alerts.get(),
                [this](const WatchedListener &target) { m_alerts->kill(target); });
        connect(m_alertDialog, &AlertDialog::whitelistRequested, m_alerts.get(), &AlertController::whitelist);
    }
    m_alertDialog->setWhitelist(m_config->config().whitelist);
    raise(m_alertDialog.data());
}

void Application::confirmKill(const WatchedListener &listener)
{
    delete m_killConfirmation.data();
    const platform::Listener &target = listener.listener;
    const QString who = traytext::listenerLine(target);
    const QString user = target.owners.empty() ? QString::fromStdString(target.user)
                                               : QString::fromStdString(target.owners.front().user);
    const bool ours = !target.owners.empty() && platform::isCurrentUser(target.owners.front());
    // The alert controller asks for processes of other users and of system accounts (root included,
    // even when Portwatch itself runs as root).
    const QString whose = ours ? tr("This process runs as %1, a system account.").arg(user)
                               : tr("This process belongs to %1, not to you.").arg(user);
    auto *box = new QMessageBox(QMessageBox::Question, tr("Kill a process of %1?").arg(user),
                                tr("%1\n\n%2 Ending it may stop a service others rely on. Kill it anyway?")
                                    .arg(who, whose),
                                QMessageBox::Yes | QMessageBox::Cancel);
    box->setTextFormat(Qt::PlainText); // holds the process's name and user: never rich text
    box->setDefaultButton(QMessageBox::Cancel);
    box->button(QMessageBox::Yes)->setText(tr("Kill"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setWindowIcon(TrayIcon::applicationIcon());
    connect(box, &QMessageBox::finished, this, [this, listener, box](int) {
        if (box->clickedButton() == box->button(QMessageBox::Yes))
            m_alerts->kill(listener, true);
    });
    m_killConfirmation = box;
    box->open();
}

void Application::reportKill(const WatchedListener &, const platform::TerminateResult &)
{
    // The alert controller tells the outcome in a notification (it answers a click of the user's);
    // the windows only need to catch up with the new history entry.
    if (m_historyWindow)
        m_historyWindow->refresh();
}

void Application::showMessage(QMessageBox::Icon icon, const QString &title, const QString &text)
{
    auto *box = new QMessageBox(icon, title, text, QMessageBox::Ok);
    // Messages quote paths, config values and process data: shown as written, never as rich text.
    box->setTextFormat(Qt::PlainText);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setWindowIcon(TrayIcon::applicationIcon());
    box->setModal(false);
    m_lastMessage = box;
    box->show();
}

} // namespace portwatch
