// First-run dialog: see firstrundialog.h.
#include "firstrundialog.h"
#include "ui_firstrundialog.h"

#include "compacttable.h"
#include "core/listenertext.h"
#include "core/rulemaker.h"

#include <QCoreApplication>
#include <QHeaderView>
#include <QPushButton>
#include <QTextDocument>

namespace portwatch {

namespace {
enum Column { TrustColumn, ProcessColumn, PidColumn, UserColumn, ExeColumn };

QString exeText(const platform::Listener &listener)
{
    if (listener.owners.empty())
        return {};
    const platform::ProcessInfo &first = listener.owners.front();
    return first.exe.empty() ? QCoreApplication::translate("portwatch::FirstRunDialog", "(not readable)")
                             : QString::fromStdString(first.exe);
}
} // namespace

FirstRunDialog::FirstRunDialog(const QList<WatchedListener> &listeners, QWidget *parent)
    : QDialog(parent)
    , m_ui(std::make_unique<Ui::FirstRunDialog>())
    , m_listeners(listeners)
{
    m_ui->setupUi(this);
    makeCompact(m_ui->listenerTable);

    QTableWidget *table = m_ui->listenerTable;
    table->setRowCount(static_cast<int>(listeners.size()));
    int hidden = 0;
    for (int row = 0; row < listeners.size(); ++row) {
        const platform::Listener &listener = listeners.at(row).listener;
        QString process;
        QString pids;
        QString user = QString::fromStdString(listener.user);
        QString tip;
        if (listener.owners.empty()) {
            ++hidden;
            process = ownerHidden(listener) ? tr("hidden (another user's process)") : tr("no visible process");
            tip = listenertext::hiddenOwnerHelp(listener);
        } else {
            const platform::ProcessInfo &first = listener.owners.front();
            process = listenertext::processName(first);
            QStringList pidList;
            for (const platform::ProcessInfo &owner : listener.owners)
                pidList << QString::number(owner.pid);
            pids = pidList.join(QStringLiteral(", "));
            user = first.user.empty() ? QString::number(first.uid) : QString::fromStdString(first.user);
            tip = listenertext::commandLine(first);
        }
        const QStringList cells{listenertext::address(listener.socket) + QStringLiteral(" (")
                                    + listenertext::port(listener.socket) + QLatin1Char(')'),
                                process, pids, user, exeText(listener)};
        for (int column = 0; column < cells.size(); ++column) {
            auto *item = new QTableWidgetItem(cells.at(column));
            // Tooltips guess rich text from content; an argument like "<img ...>" must stay text.
            item->setToolTip(Qt::convertFromPlainText(tip, Qt::WhiteSpaceNormal));
            item->setFlags(item->flags() & ~Qt::ItemIsEditable);
            if (column == TrustColumn) {
                item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
                item->setCheckState(Qt::Checked);
            }
            table->setItem(row, column, item);
        }
    }
    table->resizeColumnsToContents();
    table->horizontalHeader()->setStretchLastSection(true);

    m_ui->introLabel->setText(tr("<p><b>These programs already listen on ports Portwatch watches.</b></p>"
                                 "<p>Check the ones you trust: Portwatch whitelists each for its user and port (a "
                                 "script's interpreter together with its script). Portwatch alerts you about the ones "
                                 "you leave unchecked, as about any new listener, and you decide there.</p>"));
    m_ui->noteLabel->setText(
        hidden == 0 ? QString()
                    : tr("A process Portwatch cannot see (another user's) is trusted by its user and port: any program "
                         "of that user on that port. Hover over its row to see how to look at it."));
    m_ui->noteLabel->setVisible(hidden > 0);

    connect(table, &QTableWidget::itemChanged, this, &FirstRunDialog::updateSummary);
    connect(m_ui->checkAllButton, &QPushButton::clicked, this, [this] {
        for (int row = 0; row < m_ui->listenerTable->rowCount(); ++row)
            m_ui->listenerTable->item(row, TrustColumn)->setCheckState(Qt::Checked);
    });
    connect(m_ui->checkNoneButton, &QPushButton::clicked, this, [this] {
        for (int row = 0; row < m_ui->listenerTable->rowCount(); ++row)
            m_ui->listenerTable->item(row, TrustColumn)->setCheckState(Qt::Unchecked);
    });
    connect(m_ui->continueButton, &QPushButton::clicked, this, &QDialog::accept);
    updateSummary();
    resize(760, 420);
}

FirstRunDialog::~FirstRunDialog() = default;

QList<WatchedListener> FirstRunDialog::checked() const
{
    QList<WatchedListener> result;
    for (int row = 0; row < m_listeners.size(); ++row) {
        if (m_ui->listenerTable->item(row, TrustColumn)->checkState() == Qt::Checked)
            result.append(m_listeners.at(row));
    }
    return result;
}

QList<WatchedListener> FirstRunDialog::unchecked() const
{
    QList<WatchedListener> result;
    for (int row = 0; row < m_listeners.size(); ++row) {
        if (m_ui->listenerTable->item(row, TrustColumn)->checkState() != Qt::Checked)
            result.append(m_listeners.at(row));
    }
    return result;
}

QList<WhitelistRule> FirstRunDialog::rules(const Config &config) const
{
    QList<WhitelistRule> result;
    for (const WatchedListener &listener : checked()) {
        // Each rule counts as trusted for the next listener: the IPv6 twin of a socket adds nothing.
        const Whitelist current(config.whitelist + result);
        for (const WhitelistRule &rule : rulemaker::forListener(listener.listener, current, config.interpreters)) {
            if (!result.contains(rule))
                result.append(rule);
        }
    }
    return result;
}

void FirstRunDialog::updateSummary()
{
    const qsizetype trusted = checked().size();
    const qsizetype alerting = m_listeners.size() - trusted;
    QString text;
    if (alerting == 0)
        text = tr("&Trust All");
    else if (trusted == 0)
        text = tr("&Alert Me About All");
    else
        text = tr("&Trust %1, Alert About %2").arg(trusted).arg(alerting);
    m_ui->continueButton->setText(text);
}

} // namespace portwatch
