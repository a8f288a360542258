// The tray application's wiring: owns the configuration, the monitor, the history, the alert
// controller, the tray icon and the windows, and connects them. Waits for a tray host when there is
// none yet, asks the first-run question once, and reports a broken configuration clearly.
#pragma once

#include "alertdialog.h"
#include "firstrundialog.h"
#include "historywindow.h"
#include "settingsdialog.h"

#include "core/config.h"
#include "core/monitor.h"
#include "platform/processcontrol.h"
#include "platform/processes.h"
#include "platform/sockettable.h"

#include <QMessageBox>
#include <QObject>
#include <QPointer>
#include <QString>

#include <memory>

class QTimer;

namespace portwatch {

class AlertController;
class ConfigManager;
class History;
class TrayIcon;

struct ApplicationOptions {
    QString configPath;  // empty: ConfigStore::defaultPath()
    QString historyPath; // empty: History::defaultPath()
    QString logLevel;    // from --log-level; empty: the level the config names
    // The platform; null members mean the real implementation for this OS. Tests hand in fakes.
    std::unique_ptr<platform::SocketTable> sockets;
    std::unique_ptr<platform::ProcessResolver> processes;
    std::unique_ptr<platform::ProcessControl> control;
    // While there is no tray host, look for one after trayHostPollMs, then twice as long after each
    // miss, up to trayHostPollMaxMs: a host started with the session shows up within seconds, and a
    // desktop without one (GNOME without an extension) does not wake Portwatch every two seconds.
    int trayHostPollMs = 2000;
    int trayHostPollMaxMs = 64000;
};

class Application final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Application)
public:
    explicit Application(ApplicationOptions options, QObject *parent = nullptr);
    ~Application() override;

    // Loads the configuration, starts the monitor and shows the tray icon (or starts waiting for a
    // tray host). Call once, after the QApplication exists.
    void start();

    void showSettings();
    void showHistory(); // the history window on its History tab
    void showStatus();  // the same window on its Now tab
    void showDetails(const WatchedListener &listener);

    Monitor *monitor() const noexcept { return m_monitor.get(); }
    ConfigManager *configManager() const noexcept { return m_config.get(); }
    History *history() const noexcept { return m_history.get(); }
    AlertController *alerts() const noexcept { return m_alerts.get(); }
    TrayIcon *trayIcon() const noexcept { return m_tray.get(); }
    // The windows now open, or null (for tests and for the second-instance request).
    SettingsDialog *settingsDialog() const { return m_settings; }
    FirstRunDialog *firstRunDialog() const { return m_firstRun; }
    AlertDialog *alertDialog() const { return m_alertDialog; }
    HistoryWindow *historyWindow() const { return m_historyWindow; }
    // How long until the next look for a tray host; 0 when not looking (the icon is shown).
    int trayHostPollInterval() const;
    QMessageBox *lastMessage() const { return m_lastMessage; }

Q_SIGNALS:
    void trayIconShown();

private:
    void onMonitorUpdated(MonitorState state, const QList<WatchedListener> &listeners);
    void onConfigChanged(const Config &config);
    void lookForTrayHost();
    void showTrayIcon();
    void openHistoryWindow(bool nowTab);
    void askFirstRunQuestion(const QList<WatchedListener> &listeners);
    // Saves firstRunDone and the rules, then has the alert controller alert about `alertAbout`.
    void finishFirstRun(const QList<WhitelistRule> &rules, const QList<WatchedListener> &alertAbout);
    void confirmKill(const WatchedListener &listener);
    void reportKill(const WatchedListener &listener, const platform::TerminateResult &result);
    // Non-modal, so that a message never blocks the monitor's updates or other windows.
    void showMessage(QMessageBox::Icon icon, const QString &title, const QString &text);

    ApplicationOptions m_options;
    ConfigLoad m_load;
    // Declared in the order they depend on each other, so they are destroyed in reverse.
    std::unique_ptr<ConfigManager> m_config;
    std::unique_ptr<History> m_history;
    std::unique_ptr<Monitor> m_monitor;
    std::unique_ptr<AlertController> m_alerts;
    std::unique_ptr<TrayIcon> m_tray;
    QTimer *m_trayHostTimer = nullptr;
    bool m_firstRunPending = false;

    QPointer<SettingsDialog> m_settings;
    QPointer<FirstRunDialog> m_firstRun;
    QPointer<AlertDialog> m_alertDialog;
    QPointer<HistoryWindow> m_historyWindow;
    QPointer<QMessageBox> m_lastMessage;
    QPointer<QMessageBox> m_killConfirmation;
};

} // namespace portwatch
