// First start: lists what already listens on watched ports, one row per listener with a check box.
// Checked listeners are trusted (the same rules a Whitelist click makes, see rulemaker); unchecked
// ones then alert like any new listener, so the first minute is not a wall of alerts and nothing
// already there goes unasked.
#pragma once

#include "core/config.h"
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
    // Every listener starts checked: one click on "Trust Checked" trusts what is there.
    explicit FirstRunDialog(const QList<WatchedListener> &listeners, QWidget *parent = nullptr);
    ~FirstRunDialog() override;

    // The listeners shown, split by their check box.
    QList<WatchedListener> checked() const;
    QList<WatchedListener> unchecked() const;
    // The rules for the checked listeners, as rulemaker makes them for `config` (its interpreters,
    // leaving out what its whitelist already allows).
    QList<WhitelistRule> rules(const Config &config) const;

private:
    void updateSummary();

    const std::unique_ptr<Ui::FirstRunDialog> m_ui;
    QList<WatchedListener> m_listeners; // row i of the table
};

} // namespace portwatch
