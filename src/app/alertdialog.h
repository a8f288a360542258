// A small window about one listener on a watched port, with Kill, Whitelist and Dismiss. Shown when the
// notification server has no action buttons, and when a tray balloon (the fallback) is clicked. It only
// emits intent signals; whoever owns it kills or whitelists.
#pragma once

#include "core/monitor.h"
#include "core/whitelist.h"

#include <QList>

#include <QDialog>

#include <memory>

namespace Ui {
class AlertDialog;
}

namespace portwatch {

class AlertDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AlertDialog)
public:
    explicit AlertDialog(const WatchedListener &listener, QWidget *parent = nullptr);
    ~AlertDialog() override;

    const WatchedListener &listener() const noexcept { return m_listener; }
    // Shows another listener (or fresher details of the same one) in this window.
    void setListener(const WatchedListener &listener);
    // The rules in force, so the window can say on which ports a program not trusted here is
    // whitelisted. Re-renders the listener shown.
    void setWhitelist(const QList<WhitelistRule> &rules);

Q_SIGNALS:
    // Emitted on the button click, then the dialog closes (accepted). Dismiss rejects.
    void killRequested(const portwatch::WatchedListener &listener);
    void whitelistRequested(const portwatch::WatchedListener &listener);

private:
    const std::unique_ptr<Ui::AlertDialog> m_ui;
    WatchedListener m_listener;
    QList<WhitelistRule> m_rules;
};

} // namespace portwatch
