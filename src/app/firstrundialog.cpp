// First-run dialog: see firstrundialog.h.
#include "firstrundialog.h"
#include "ui_firstrundialog.h"

#include "compacttable.h"
#include "core/listenertext.h"

#include <QHeaderView>
#include <QTextDocument>

namespace portwatch {

FirstRunDialog::FirstRunDialog(const QList<WatchedListener> &listeners, QWidget *parent)
    : QDialog(parent)
    , m_ui(std::make_unique<Ui::FirstRunDialog>())
    , m_listeners(listeners)
{
    m_ui->setupUi(this);
    makeCompact(m_ui->listenerTable);
    // A read-only list: the first focus belongs to the buttons, not to a cell.
    m_ui->listenerTable->setFocusPolicy(Qt::NoFocus);

    QTableWidget *table = m_ui->listenerTable;
    int hidden = 0;
    for (const WatchedListener &watched : listeners) {
        const platform::Listener &listener = watched.listener;
        const QString port = listenertext::port(listener.socket);
        if (listener.owners.empty()) {
            ++hidden;
            const int row = table->rowCount();
            table->insertRow(row);
            const QStringList cells{port, tr("(not visible)"), QString(), QString::fromStdString(listener.user),
                                    QString()};
            for (int column = 0; column < cells.size(); ++column)
                table->setItem(row, column, new QTableWidgetItem(cells.at(column)));
            continue;
        }
        for (const platform::ProcessInfo &owner : listener.owners) {
            const int row = table->rowCount();
            table->insertRow(row);
            const QStringList cells{port, listenertext::processName(owner), QString::number(owner.pid),
                                    QString::fromStdString(owner.user),
                                    owner.exe.empty() ? tr("(not readable)") : QString::fromStdString(owner.exe)};
            for (int column = 0; column < cells.size(); ++column) {
                auto *item = new QTableWidgetItem(cells.at(column));
                // Tooltips guess rich text from content; an argument like "<img ...>" must stay text.
                item->setToolTip(Qt::convertFromPlainText(listenertext::commandLine(owner)));
                table->setItem(row, column, item);
            }
        }
    }
    table->resizeColumnsToContents();
    table->horizontalHeader()->setStretchLastSection(true);

    const qsizetype ruleCount = rulesFor(listeners).size();
    const QString ruleText = ruleCount == 1 ? tr("one whitelist rule")
                                            : tr("%1 whitelist rules, one per program and port").arg(ruleCount);
    m_ui->introLabel->setText(tr("<p><b>These programs already listen on ports Portwatch watches.</b></p>"
                                 "<p>Trust them all, and Portwatch stays quiet about them (%1). Or review them "
                                 "one by one: Portwatch then alerts about each, and you decide.</p>")
                                  .arg(ruleText));
    QString note;
    if (hidden == 1)
        note = tr("One listener belongs to a process Portwatch cannot see (another user's, without privileges); it "
                  "cannot be trusted by program.");
    else if (hidden > 1)
        note = tr("%1 listeners belong to processes Portwatch cannot see (another user's, without privileges); they "
                  "cannot be trusted by program.").arg(hidden);
    m_ui->noteLabel->setText(note);
    m_ui->noteLabel->setVisible(hidden > 0);
    m_ui->trustAllButton->setEnabled(ruleCount > 0);

    connect(m_ui->trustAllButton, &QPushButton::clicked, this, [this] {
        m_trustAll = true;
        accept();
    });
    connect(m_ui->reviewButton, &QPushButton::clicked, this, [this] {
        m_trustAll = false;
        accept();
    });
    resize(720, 400);
}

FirstRunDialog::~FirstRunDialog() = default;

QList<WhitelistRule> FirstRunDialog::rulesFor(const QList<WatchedListener> &listeners)
{
    QList<WhitelistRule> rules;
    for (const WatchedListener &watched : listeners) {
        const platform::SocketEntry &socket = watched.listener.socket;
        for (const platform::ProcessInfo &owner : watched.listener.owners) {
            if (owner.exe.empty())
                continue;
            WhitelistRule rule;
            rule.exe = QString::fromStdString(owner.exe);
            rule.ports = PortSpec::single(socket.protocol, socket.port);
            // The same program on IPv4 and IPv6, or a master and its workers, make one rule.
            if (!rules.contains(rule))
                rules.append(rule);
        }
    }
    return rules;
}

} // namespace portwatch
