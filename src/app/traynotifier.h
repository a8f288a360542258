// The fallback notifier when no notification server is on the bus: a balloon from the tray icon
// (QSystemTrayIcon::showMessage). A balloon has no buttons, so it remembers what the last one was
// about and turns a click on it into the "default" action for that notification.
#pragma once

#include "notifier.h"

#include <QPointer>
#include <QSystemTrayIcon>

namespace portwatch {

class TrayNotifier final : public Notifier
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TrayNotifier)
public:
    explicit TrayNotifier(QObject *parent = nullptr);
    ~TrayNotifier() override;

    // The icon to show balloons from; may be null until a tray exists (balloons are then only logged).
    void setTrayIcon(QSystemTrayIcon *icon);
    QSystemTrayIcon *trayIcon() const { return m_icon; }

    void show(quint64 key, const Notification &notification) override;
    // A balloon cannot be taken back; this only stops a later click from acting on it.
    void close(quint64 key) override;
    bool supportsActions() const override { return false; }

    // What the balloon on screen is about (0: nothing), and its text.
    quint64 currentKey() const noexcept { return m_currentKey; }
    const Notification &current() const noexcept { return m_current; }

    // A click on the balloon: the "default" action for what it showed.
    void onMessageClicked();

Q_SIGNALS:
    // A balloon was handed to the tray icon (or would have been, without one), as shown.
    void shown(quint64 key, const portwatch::Notification &notification);

private:
    QPointer<QSystemTrayIcon> m_icon;
    QMetaObject::Connection m_clickConnection;
    quint64 m_currentKey = 0;
    Notification m_current;
};

} // namespace portwatch
