// Running-process picker: see processpickerdialog.h.
#include "processpickerdialog.h"
#include "ui_processpickerdialog.h"

#include "compacttable.h"
#include "core/listenertext.h"
#include "core/rulemaker.h"

#include <QCheckBox>
#include <QHeaderView>
#include <QTextDocument>
#include <QPushButton>

namespace portwatch {

namespace {
enum Column { PortColumn, ProcessColumn, PidColumn, UserColumn, ExeColumn };
}

ProcessPickerDialog::ProcessPickerDialog(const QList<WatchedListener> &listeners, const QStringList &interpreters,
                                         QWidget *parent)
    : QDialog(parent)
    , m_ui(std::make_unique<Ui::ProcessPickerDialog>())
    , m_interpreters(interpreters)
{
    m_ui->setupUi(this);
    makeCompact(m_ui->listenerTable);
    m_ui->buttonBox->button(QDialogButtonBox::Ok)->setText(tr("&Add Rule"));

    for (const WatchedListener &watched : listeners) {
        if (ownerHidden(watched.listener))
            m_rows.append({watched.listener, std::nullopt});
        // One row per (socket, process); the same program on v4 and v6 shows twice, which is
        // what the user sees in `ss` too.
        for (const platform::ProcessInfo &owner : watched.listener.owners)
            m_rows.append({watched.listener, owner});
    }
    QTableWidget *table = m_ui->listenerTable;
    table->setRowCount(static_cast<int>(m_rows.size()));
    for (int row = 0; row < m_rows.size(); ++row) {
        const Row &entry = m_rows.at(row);
        QStringList cells;
        QString tip;
        if (entry.owner) {
            const QString exe = QString::fromStdString(entry.owner->exe);
            cells = QStringList{listenertext::port(entry.listener.socket), listenertext::processName(*entry.owner),
                                QString::number(entry.owner->pid), QString::fromStdString(entry.owner->user),
                                exe.isEmpty() ? tr("(not readable)") : exe};
            tip = exe.isEmpty() ? tr("Its executable is not readable: the rule names its user and port.")
                                : listenertext::commandLine(*entry.owner);
        } else {
            cells = QStringList{listenertext::port(entry.listener.socket), tr("(hidden)"), QString(),
                                QString::fromStdString(entry.listener.user), QString()};
            tip = listenertext::hiddenOwnerHelp(entry.listener);
        }
        for (int column = 0; column < cells.size(); ++column) {
            auto *item = new QTableWidgetItem(cells.at(column));
            // Tooltips guess rich text from content; an argument like "<img ...>" must stay text.
            item->setToolTip(Qt::convertFromPlainText(tip, Qt::WhiteSpaceNormal));
            table->setItem(row, column, item);
        }
    }
    table->resizeColumnsToContents();
    table->horizontalHeader()->setStretchLastSection(true);
    m_ui->emptyLabel->setVisible(m_rows.isEmpty());
    table->setVisible(!m_rows.isEmpty());

    connect(table, &QTableWidget::itemSelectionChanged, this, &ProcessPickerDialog::updateButtons);
    connect(m_ui->limitUserCheck, &QCheckBox::toggled, this, &ProcessPickerDialog::updateButtons);
    connect(m_ui->limitPortCheck, &QCheckBox::toggled, this, &ProcessPickerDialog::updateButtons);
    connect(table, &QTableWidget::cellDoubleClicked, this, [this] {
        if (rule())
            accept();
    });
    connect(m_ui->buttonBox, &QDialogButtonBox::accepted, this, [this] {
        if (rule())
            accept();
    });
    connect(m_ui->buttonBox, &QDialogButtonBox::rejected, this, &QDialog::reject);
    updateButtons();
    resize(720, 360);
}

ProcessPickerDialog::~ProcessPickerDialog() = default;

int ProcessPickerDialog::selectedRow() const
{
    const QList<QTableWidgetItem *> selected = m_ui->listenerTable->selectedItems();
    if (selected.isEmpty())
        return -1;
    const int row = selected.first()->row();
    return row >= 0 && row < m_rows.size() ? row : -1;
}

std::optional<WhitelistRule> ProcessPickerDialog::rule() const
{
    const int row = selectedRow();
    if (row < 0)
        return std::nullopt;
    const Row &entry = m_rows.at(row);
    // The one rule-making function; the check boxes can only widen what it makes, and only where a
    // program is named (a rule without one needs both its user and its ports).
    WhitelistRule rule = entry.owner ? rulemaker::forOwner(entry.listener.socket, *entry.owner, m_interpreters)
                                     : rulemaker::forHidden(entry.listener);
    if (!rule.exe.isEmpty()) {
        if (!m_ui->limitUserCheck->isChecked())
            rule.user.clear();
        if (!m_ui->limitPortCheck->isChecked())
            rule.ports = PortSpec{};
    }
    return rule;
}

void ProcessPickerDialog::updateButtons()
{
    const int row = selectedRow();
    m_ui->buttonBox->button(QDialogButtonBox::Ok)->setEnabled(row >= 0);
    const bool named = row >= 0 && m_rows.at(row).owner && !m_rows.at(row).owner->exe.empty();
    m_ui->limitUserCheck->setEnabled(row < 0 || named);
    m_ui->limitPortCheck->setEnabled(row < 0 || named);
    if (row < 0) {
        m_ui->limitUserCheck->setText(tr("Only when run by the same &user"));
        m_ui->limitPortCheck->setText(tr("Only on the same p&ort"));
        m_ui->ruleLabel->clear();
        return;
    }
    const Row &entry = m_rows.at(row);
    const QString user = entry.owner ? QString::fromStdString(entry.owner->user) : QString::fromStdString(entry.listener.user);
    m_ui->limitUserCheck->setText(tr("Only when run by the same &user (%1)").arg(user));
    m_ui->limitPortCheck->setText(tr("Only on the same p&ort (%1)").arg(listenertext::port(entry.listener.socket)));
    if (const std::optional<WhitelistRule> made = rule())
        m_ui->ruleLabel->setText(tr("Rule: %1").arg(made->describe()));
}

} // namespace portwatch
