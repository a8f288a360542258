// Settings page "Whitelist": the rules as a table; add and edit through RuleEditorDialog, or pick a
// program that listens now through ProcessPickerDialog. Equal rules are refused with a message.
#pragma once

#include "core/monitor.h"
#include "settingspage.h"

#include <QList>

#include <memory>

namespace Ui {
class WhitelistPage;
}

namespace portwatch {

class WhitelistPage final : public SettingsPage
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WhitelistPage)
public:
    explicit WhitelistPage(QWidget *parent = nullptr);
    ~WhitelistPage() override;

    void load(const Config &config) override;
    void store(Config &config) const override;

    // What "From running process…" offers.
    void setRunningListeners(const QList<WatchedListener> &listeners);

private:
    void addRule();
    void editSelected();
    void removeSelected();
    void addFromProcess();
    // Adds the rule (or replaces the one at row) unless an equal rule exists elsewhere.
    bool putRule(const WhitelistRule &rule, int row);
    void rebuildTable(int select);
    void updateButtons();
    int selectedRow() const;

    const std::unique_ptr<Ui::WhitelistPage> m_ui;
    QList<WhitelistRule> m_rules;
    QList<WatchedListener> m_listeners;
    QStringList m_interpreters; // from the config loaded, for rules made from a running process
};

} // namespace portwatch
