// "Add from running process…": lists who listens on watched ports now (one row per owning process)
// and turns the chosen one into a whitelist rule: its executable, and by default its user and port.
#pragma once

#include "core/monitor.h"
#include "core/whitelist.h"

#include <QDialog>
#include <QList>

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
    explicit ProcessPickerDialog(const QList<WatchedListener> &listeners, QWidget *parent = nullptr);
    ~ProcessPickerDialog() override;

    // The rule for the selected row; nothing when no usable row is selected.
    std::optional<WhitelistRule> rule() const;

private:
    struct Row {
        platform::SocketEntry socket;
        platform::ProcessInfo owner;
    };
    int selectedRow() const; // -1 when nothing usable is selected
    void updateButtons();

    const std::unique_ptr<Ui::ProcessPickerDialog> m_ui;
    QList<Row> m_rows;
};

} // namespace portwatch
