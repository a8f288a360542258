// The tray icon: an icon per monitor state (the shape differs, not only the colour), a tooltip
// naming who holds which watched port, and a context menu with Kill / Whitelist per port in use,
// Pause/Resume, Settings, History and Quit. It only emits intent signals; Application acts on them.
#pragma once

#include "core/monitor.h"
#include "traytext.h"

#include <QIcon>
#include <QList>
#include <QObject>
#include <QString>

#include <memory>

class QMenu;
class QSystemTrayIcon;

namespace portwatch {

class TrayIcon final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TrayIcon)
public:
    explicit TrayIcon(QObject *parent = nullptr);
    ~TrayIcon() override;

    void setState(MonitorState state, const QString &reason, const QList<WatchedListener> &listeners);
    MonitorState state() const noexcept { return m_state; }
    QString toolTip() const { return m_toolTip; }
    QIcon icon() const { return iconFor(m_state); }
    // The context menu, kept up to date by setState even while no tray host shows it.
    QMenu *menu() const { return m_menu.get(); }

    // Creates the QSystemTrayIcon on first use and shows it. Call it once a tray host is available:
    // the platform picks StatusNotifierItem or XEmbed when the icon is created.
    void show();
    bool isShown() const noexcept { return m_tray != nullptr; }
    QSystemTrayIcon *systemTrayIcon() const noexcept { return m_tray; } // null before show()

    static QString iconPath(MonitorState state); // ":/icons/portwatch-clear.svg", ...
    static QIcon iconFor(MonitorState state);
    static QIcon applicationIcon();

Q_SIGNALS:
    void killRequested(const portwatch::WatchedListener &listener);
    void whitelistRequested(const portwatch::WatchedListener &listener);
    void pauseToggled(bool pause); // true: the user asked to pause; false: to resume
    void settingsRequested();
    void historyRequested(); // "History…" in the menu: the events
    void statusRequested();  // a left click on the icon: who holds the watched ports now
    void quitRequested();
    // The QSystemTrayIcon now exists (after the first show()).
    void systemTrayIconCreated(QSystemTrayIcon *icon);

private:
    void rebuildMenu();
    void addEntry(const TrayEntry &entry);

    MonitorState m_state = MonitorState::Starting;
    QString m_reason;
    QList<TrayEntry> m_entries;
    QString m_toolTip;
    QStringList m_menuSignature; // what the menu shows now; an identical update leaves an open menu alone
    std::unique_ptr<QMenu> m_menu;
    QSystemTrayIcon *m_tray = nullptr;
};

} // namespace portwatch
