// The notifier abstraction: shows and withdraws notifications by a caller-chosen key and reports
// what the user clicked as intent signals. A notifier never acts on a click itself (never kills,
// never edits the config); AlertController decides what a click means.
#pragma once

#include <QMetaType>
#include <QObject>
#include <QString>
#include <QtGlobal>

namespace portwatch {

struct Notification {
    enum class Urgency { Low, Normal, Critical };

    QString title;
    QString body;              // plain text; a notifier escapes it as its server needs
    bool offerActions = false; // "Kill" and "Whitelist" buttons, where the server can show them
    bool offerKill = true;     // false: Whitelist only (a hidden owner, which Portwatch cannot end)
    // Shown instead of body where the buttons cannot be shown (it says where to act then); empty: body.
    // Only the notifier knows, when it sends, whether its server has buttons.
    QString bodyWithoutActions;
    bool persistent = false;   // stays until acted on or withdrawn (alerts); otherwise times out (outcomes)
    Urgency urgency = Urgency::Normal;
    // What a click on the body does, as the server may label it ("Details", "History"); empty: a
    // click does nothing, so no "default" action is offered at all.
    QString clickLabel;
    // An image Qt can read (an SVG from the resources): sent as the picture itself, because an icon
    // name only works where an icon theme has it installed. Empty: the application's name only.
    QString iconPath;
};

// Action ids, as sent to org.freedesktop.Notifications and reported by actionInvoked().
namespace NotificationAction {
inline constexpr char Default[] = "default"; // a click on the body (or on the tray balloon)
inline constexpr char Kill[] = "kill";
inline constexpr char Whitelist[] = "whitelist";
} // namespace NotificationAction

class Notifier : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    ~Notifier() override = default;

    // Shows a notification, or updates the one already shown under `key` in place.
    virtual void show(quint64 key, const Notification &notification) = 0;
    // Withdraws the notification shown under `key`, if it is still there.
    virtual void close(quint64 key) = 0;
    // Whether the notifications shown now can carry the Kill and Whitelist buttons.
    virtual bool supportsActions() const = 0;

Q_SIGNALS:
    // The user clicked `action` (see NotificationAction) on the notification shown under `key`.
    void actionInvoked(quint64 key, const QString &action);
    // The notification shown under `key` is gone (dismissed, expired, or closed after an action).
    void closed(quint64 key);
};

} // namespace portwatch

Q_DECLARE_METATYPE(portwatch::Notification)
