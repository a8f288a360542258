// A small dialog that edits one whitelist rule: executable (absolute, with a file chooser), user and
// ports (both optional). OK stays disabled until the rule is valid.
#pragma once

#include "core/whitelist.h"

#include <QDialog>

#include <memory>
#include <optional>

namespace Ui {
class RuleEditorDialog;
}

namespace portwatch {

class RuleEditorDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(RuleEditorDialog)
public:
    explicit RuleEditorDialog(const WhitelistRule &initial, QWidget *parent = nullptr);
    ~RuleEditorDialog() override;

    // The rule as shown; nothing while the input is invalid.
    std::optional<WhitelistRule> rule() const;

private:
    // Checks the input, shows what is wrong, and enables OK only for a valid rule.
    void validate();
    void browse();

    const std::unique_ptr<Ui::RuleEditorDialog> m_ui;
};

} // namespace portwatch
