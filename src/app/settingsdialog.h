// The settings dialog: watched ports, whitelist, notifications, general. OK / Apply / Cancel with the
// usual meaning: applied() carries the edited Config on Apply and on OK (only when it changed), and
// nothing at all happens on Cancel. The start-at-login entry is written on OK/Apply as well.
#pragma once

#include "core/config.h"
#include "core/monitor.h"

#include <QDialog>
#include <QList>

#include <memory>

namespace Ui {
class SettingsDialog;
}

namespace portwatch {

class GeneralPage;
class NotificationsPage;
class SettingsPage;
class WatchedPortsPage;
class WhitelistPage;

class SettingsDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SettingsDialog)
public:
    enum class Page { WatchedPorts, Whitelist, Notifications, General };

    explicit SettingsDialog(const Config &config, QWidget *parent = nullptr);
    ~SettingsDialog() override;

    // Listeners offered by Whitelist → "From running process…"; call again whenever they change.
    void setRunningListeners(const QList<WatchedListener> &listeners);
    // What the dialog currently shows, applied or not.
    Config config() const;
    // Replaces what the dialog shows and its baseline, unsaved edits included.
    void setConfig(const Config &config);
    // The configuration changed outside the dialog (Whitelist in a notification, the file edited by
    // hand). Without unsaved edits the dialog shows it; with them, it becomes the baseline and the
    // edits stay on top of it (mergeEdits), with a hint saying so, so that OK keeps both.
    void followExternalChange(const Config &current);
    void showPage(Page page);
    // True when config() or start-at-login differ from what was last applied.
    bool hasChanges() const;
    // True when every page holds savable input.
    bool isValid() const;

Q_SIGNALS:
    void applied(const portwatch::Config &config);

private:
    // Writes the autostart entry and emits applied() as needed; false (with the error shown) when
    // something could not be applied.
    bool apply();
    void updateButtons();

    const std::unique_ptr<Ui::SettingsDialog> m_ui;
    WatchedPortsPage *m_watchedPage;
    WhitelistPage *m_whitelistPage;
    NotificationsPage *m_notificationsPage;
    GeneralPage *m_generalPage;
    QList<SettingsPage *> m_pages;
    Config m_applied;          // the baseline: as given, or as last applied
    bool m_startAtLogin = false; // the autostart entry as it was last seen or written
};

} // namespace portwatch
