// First start: shows what already listens on watched ports and asks once whether to trust all of it
// (one whitelist rule per program and port) or to review it, so the first minute is not a wall of alerts.
#pragma once

#include "core/monitor.h"
#include "core/whitelist.h"

#include <QDialog>
#include <QList>

#include <memory>

namespace Ui {
class FirstRunDialog;
}

namespace portwatch {

class FirstRunDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FirstRunDialog)
public:
    explicit FirstRunDialog(const QList<WatchedListener> &listeners, QWidget *parent = nullptr);
    ~FirstRunDialog() override;

    // True after "Trust All"; "Review…" and closing the window leave it false. Both buttons accept().
    bool trustAll() const noexcept { return m_trustAll; }
    // The rules "Trust All" stands for, for the listeners this dialog shows.
    QList<WhitelistRule> rules() const { return rulesFor(m_listeners); }

    // One rule per (executable, port spec), in the order first met: exe, any user, that one
    // protocol/port. Listeners whose owner or executable is not visible get no rule.
    static QList<WhitelistRule> rulesFor(const QList<WatchedListener> &listeners);

private:
    const std::unique_ptr<Ui::FirstRunDialog> m_ui;
    QList<WatchedListener> m_listeners;
    bool m_trustAll = false;
};

} // namespace portwatch
