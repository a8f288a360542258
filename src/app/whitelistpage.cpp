// Whitelist page: see whitelistpage.h.
#include "whitelistpage.h"
#include "ui_whitelistpage.h"

#include "compacttable.h"
#include "messagelabel.h"
#include "processpickerdialog.h"
#include "ruleeditordialog.h"

#include <QHeaderView>

namespace portwatch {

namespace {
enum Column { ExeColumn, UserColumn, PortsColumn };

void setItalic(QTableWidgetItem *item)
{
    QFont font = item->font();
    font.setItalic(true);
    item->setFont(font);
}
} // namespace

WhitelistPage::WhitelistPage(QWidget *parent)
    : SettingsPage(parent)
    , m_ui(std::make_unique<Ui::WhitelistPage>())
{
    m_ui->setupUi(this);
    makeCompact(m_ui->ruleTable);
    QHeaderView *header = m_ui->ruleTable->horizontalHeader();
    header->setSectionResizeMode(ExeColumn, QHeaderView::Stretch);
    header->setSectionResizeMode(UserColumn, QHeaderView::ResizeToContents);
    header->setSectionResizeMode(PortsColumn, QHeaderView::ResizeToContents);
    header->setStretchLastSection(false);

    connect(m_ui->addRuleButton, &QPushButton::clicked, this, &WhitelistPage::addRule);
    connect(m_ui->editRuleButton, &QPushButton::clicked, this, &WhitelistPage::editSelected);
    connect(m_ui->removeRuleButton, &QPushButton::clicked, this, &WhitelistPage::removeSelected);
    connect(m_ui->addFromProcessButton, &QPushButton::clicked, this, &WhitelistPage::addFromProcess);
    connect(m_ui->ruleTable, &QTableWidget::itemSelectionChanged, this, &WhitelistPage::updateButtons);
    connect(m_ui->ruleTable, &QTableWidget::cellDoubleClicked, this, &WhitelistPage::editSelected);
    messagelabel::show(m_ui->ruleMessageLabel, messagelabel::Kind::Hint, {});
    updateButtons();
}

WhitelistPage::~WhitelistPage() = default;

void WhitelistPage::load(const Config &config)
{
    m_rules = config.whitelist;
    m_interpreters = config.interpreters;
    rebuildTable(-1);
    messagelabel::show(m_ui->ruleMessageLabel, messagelabel::Kind::Hint, {});
}

void WhitelistPage::store(Config &config) const
{
    config.whitelist = m_rules;
}

void WhitelistPage::setRunningListeners(const QList<WatchedListener> &listeners)
{
    m_listeners = listeners;
}

void WhitelistPage::addRule()
{
    auto *editor = new RuleEditorDialog(WhitelistRule{}, this);
    editor->setAttribute(Qt::WA_DeleteOnClose);
    connect(editor, &QDialog::accepted, this, [this, editor] {
        if (const std::optional<WhitelistRule> rule = editor->rule())
            putRule(*rule, -1);
    });
    editor->open();
}

void WhitelistPage::editSelected()
{
    const int row = selectedRow();
    if (row < 0)
        return;
    auto *editor = new RuleEditorDialog(m_rules.at(row), this);
    editor->setAttribute(Qt::WA_DeleteOnClose);
    connect(editor, &QDialog::accepted, this, [this, editor, row] {
        if (const std::optional<WhitelistRule> rule = editor->rule())
            putRule(*rule, row);
    });
    editor->open();
}

void WhitelistPage::removeSelected()
{
    const int row = selectedRow();
    if (row < 0)
        return;
    const WhitelistRule removed = m_rules.takeAt(row);
    rebuildTable(std::min(row, static_cast<int>(m_rules.size()) - 1));
    messagelabel::show(m_ui->ruleMessageLabel, messagelabel::Kind::Hint, tr("Removed: %1").arg(removed.describe()));
    Q_EMIT changed();
}

void WhitelistPage::addFromProcess()
{
    auto *picker = new ProcessPickerDialog(m_listeners, m_interpreters, this);
    picker->setAttribute(Qt::WA_DeleteOnClose);
    connect(picker, &QDialog::accepted, this, [this, picker] {
        if (const std::optional<WhitelistRule> rule = picker->rule())
            putRule(*rule, -1);
    });
    picker->open();
}

bool WhitelistPage::putRule(const WhitelistRule &rule, int row)
{
    for (int i = 0; i < m_rules.size(); ++i) {
        if (i != row && m_rules.at(i) == rule) {
            rebuildTable(i);
            messagelabel::show(m_ui->ruleMessageLabel, messagelabel::Kind::Error,
                               tr("This rule is already on the whitelist: %1").arg(rule.describe()));
            return false;
        }
    }
    if (row >= 0 && row < m_rules.size()) {
        m_rules[row] = rule;
    } else {
        m_rules.append(rule);
        row = static_cast<int>(m_rules.size()) - 1;
    }
    rebuildTable(row);
    messagelabel::show(m_ui->ruleMessageLabel, messagelabel::Kind::Hint, tr("Trusted: %1").arg(rule.describe()));
    Q_EMIT changed();
    return true;
}

void WhitelistPage::rebuildTable(int select)
{
    QTableWidget *table = m_ui->ruleTable;
    const QSignalBlocker blocker(table);
    table->clearContents();
    table->setRowCount(static_cast<int>(m_rules.size()));
    for (int row = 0; row < m_rules.size(); ++row) {
        const WhitelistRule &rule = m_rules.at(row);
        // The arguments belong to the program they narrow; a rule without a program says so.
        QString program = rule.exe.isEmpty() ? tr("any program") : rule.exe;
        if (rule.args)
            program += rule.args->isEmpty() ? tr(" (no arguments)") : QLatin1Char(' ') + *rule.args;
        auto *exe = new QTableWidgetItem(program);
        exe->setToolTip(rule.describe());
        if (rule.exe.isEmpty())
            setItalic(exe);
        table->setItem(row, ExeColumn, exe);
        // Empty fields mean "any"; say so in italics, so the table never shows holes.
        auto *user = new QTableWidgetItem(rule.user.isEmpty() ? tr("any user") : rule.user);
        auto *ports = new QTableWidgetItem(rule.ports.isEmpty() ? tr("any port") : rule.ports.toString());
        if (rule.user.isEmpty())
            setItalic(user);
        if (rule.ports.isEmpty())
            setItalic(ports);
        table->setItem(row, UserColumn, user);
        table->setItem(row, PortsColumn, ports);
    }
    if (select >= 0 && select < table->rowCount())
        table->selectRow(select);
    else
        table->clearSelection();
    updateButtons();
}

void WhitelistPage::updateButtons()
{
    const bool selected = selectedRow() >= 0;
    m_ui->editRuleButton->setEnabled(selected);
    m_ui->removeRuleButton->setEnabled(selected);
}

int WhitelistPage::selectedRow() const
{
    const QList<QTableWidgetItem *> items = m_ui->ruleTable->selectedItems();
    return items.isEmpty() ? -1 : items.first()->row();
}

} // namespace portwatch
