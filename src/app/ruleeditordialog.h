// A small dialog that edits one whitelist rule: executable (absolute, with a file chooser; it shows
// what a symlink resolves to, since the rule matches both), arguments, user and ports. Without an
// executable the rule trusts any program of one user on some ports (for owners Portwatch cannot
// see), so then user and ports are required. OK stays disabled until the rule is valid.
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
    // A rule made for a bare interpreter has args set and empty ("no arguments"); an empty field
    // keeps that unless the user edits it.
    bool m_noArguments = false;
};

} // namespace portwatch
