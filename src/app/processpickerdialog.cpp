// Running-process picker: see processpickerdialog.h.
#include "processpickerdialog.h"
#include "ui_processpickerdialog.h"

#include "compacttable.h"
#include "core/listenertext.h"

#include <QHeaderView>
#include <QTextDocument>
#include <QPushButton>

namespace portwatch {

namespace {
enum Column { PortColumn, ProcessColumn, PidColumn, UserColumn, ExeColumn };
}

ProcessPickerDialog::ProcessPickerDialog(const QList<WatchedListener> &listeners, QWidget *parent)
    : QDialog(parent)
    , m_ui(std::make_unique<Ui::ProcessPickerDialog>())
{
    m_ui->setupUi(this);
    makeCompact(m_ui->listenerTable);
    m_ui->buttonBox->button(QDialogButtonBox::Ok)->setText(tr("&Add Rule"));

    for (const WatchedListener &watched : listeners) {
        for (const platform::ProcessInfo &owner : watched.listener.owners) {
            // One row per (socket, process); the same program on v4 and v6 shows twice, which is
            // what the user sees in `ss` too.
            m_rows.append({watched.listener.socket, owner});
        }
    }
    QTableWidget *table = m_ui->listenerTable;
    table->setRowCount(static_cast<int>(m_rows.size()));
    for (int row = 0; row < m_rows.size(); ++row) {
        const Row &entry = m_rows.at(row);
        const QString exe = QString::fromStdString(entry.owner.exe);
        const QStringList cells{listenertext::port(entry.socket), listenertext::processName(entry.owner),
                                QString::number(entry.owner.pid), QString::fromStdString(entry.owner.user),
                                exe.isEmpty() ? tr("(not readable)") : exe};
        for (int column = 0; column < cells.size(); ++column) {
            auto *item = new QTableWidgetItem(cells.at(column));
            // Tooltips guess rich text from content; an argument like "<img ...>" must stay text.
            item->setToolTip(exe.isEmpty() ? tr("Its executable is not readable, so no rule can name it.")
                                           : Qt::convertFromPlainText(listenertext::commandLine(entry.owner)));
            if (exe.isEmpty())
                item->setFlags(item->flags() & ~(Qt::ItemIsSelectable | Qt::ItemIsEnabled));
            table->setItem(row, column, item);
        }
    }
    table->resizeColumnsToContents();
    table->horizontalHeader()->setStretchLastSection(true);
    m_ui->emptyLabel->setVisible(m_rows.isEmpty());
    table->setVisible(!m_rows.isEmpty());

    connect(table, &QTableWidget::itemSelectionChanged, this, &ProcessPickerDialog::updateButtons);
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
    if (row < 0 || row >= m_rows.size() || m_rows.at(row).owner.exe.empty())
        return -1;
    return row;
}

std::optional<WhitelistRule> ProcessPickerDialog::rule() const
{
    const int row = selectedRow();
    if (row < 0)
        return std::nullopt;
    const Row &entry = m_rows.at(row);
    WhitelistRule rule;
    rule.exe = QString::fromStdString(entry.owner.exe);
    if (m_ui->limitUserCheck->isChecked())
        rule.user = QString::fromStdString(entry.owner.user);
    if (m_ui->limitPortCheck->isChecked())
        rule.ports = PortSpec::single(entry.socket.protocol, entry.socket.port);
    return rule;
}

void ProcessPickerDialog::updateButtons()
{
    const int row = selectedRow();
    m_ui->buttonBox->button(QDialogButtonBox::Ok)->setEnabled(row >= 0);
    if (row < 0) {
        m_ui->limitUserCheck->setText(tr("Only when run by the same &user"));
        m_ui->limitPortCheck->setText(tr("Only on the same p&ort"));
        return;
    }
    const Row &entry = m_rows.at(row);
    m_ui->limitUserCheck->setText(tr("Only when run by the same &user (%1)").arg(QString::fromStdString(entry.owner.user)));
    m_ui->limitPortCheck->setText(tr("Only on the same p&ort (%1)").arg(listenertext::port(entry.socket)));
}

} // namespace portwatch
