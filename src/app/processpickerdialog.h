// "Add from running process…": lists who listens on watched ports now (one row per owning process,
// one per socket whose owner is hidden) and turns the chosen one into a whitelist rule, made by
// rulemaker exactly as a notification's Whitelist makes it; the check boxes may widen it to any user
// or any port.
#pragma once

#include "core/monitor.h"
#include "core/whitelist.h"

#include <QDialog>
#include <QList>
#include <QStringList>

#include <memory>
#include <optional>

namespace Ui {
class ProcessPickerDialog;
}

namespace portwatch {

class ProcessPickerDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ProcessPickerDialog)
public:
    // `interpreters` as in Config: programs whose rules also name their script.
    ProcessPickerDialog(const QList<WatchedListener> &listeners, const QStringList &interpreters,
                        QWidget *parent = nullptr);
    ~ProcessPickerDialog() override;

    // The rule for the selected row; nothing when no usable row is selected.
    std::optional<WhitelistRule> rule() const;

private:
    struct Row {
        platform::Listener listener;
        std::optional<platform::ProcessInfo> owner; // none: the owner is hidden
    };
    int selectedRow() const; // -1 when nothing usable is selected
    void updateButtons();

    const std::unique_ptr<Ui::ProcessPickerDialog> m_ui;
    QList<Row> m_rows;
    QStringList m_interpreters;
};

} // namespace portwatch
