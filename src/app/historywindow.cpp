// Status and history window: see historywindow.h.
#include "historywindow.h"
#include "ui_historywindow.h"

#include "compacttable.h"
#include "historyfilter.h"
#include "historymodel.h"
#include "core/listenertext.h"
#include "messagelabel.h"

#include <QDir>
#include <QFileDialog>
#include <QHeaderView>
#include <QTextDocument>
#include <QStandardPaths>
#include <QStyle>

namespace portwatch {

namespace {
enum NowColumn { PortColumn, AddressColumn, StatusColumn, ProcessColumn, PidColumn, UserColumn, SinceColumn,
                 ExeColumn };
}

HistoryWindow::HistoryWindow(History *history, QWidget *parent)
    : QWidget(parent, Qt::Window)
    , m_ui(std::make_unique<Ui::HistoryWindow>())
    , m_history(history)
    , m_model(new HistoryModel(this))
    , m_filter(new HistoryFilter(this))
{
    m_ui->setupUi(this);
    makeCompact(m_ui->historyView);
    makeCompact(m_ui->nowTable);

    m_filter->setSourceModel(m_model);
    m_ui->historyView->setModel(m_filter);
    m_ui->historyView->sortByColumn(HistoryModel::TimeColumn, Qt::DescendingOrder);
    QHeaderView *header = m_ui->historyView->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::Interactive);
    header->setStretchLastSection(true);

    m_ui->kindCombo->addItem(tr("All events"), -1);
    for (const HistoryEvent::Kind kind : {HistoryEvent::Kind::Appeared, HistoryEvent::Kind::Vanished,
                                          HistoryEvent::Kind::Killed, HistoryEvent::Kind::Whitelisted}) {
        HistoryEvent sample;
        sample.kind = kind;
        const QString label = kind == HistoryEvent::Kind::Appeared ? tr("Appeared") : HistoryModel::eventText(sample);
        m_ui->kindCombo->addItem(label, static_cast<int>(kind));
    }

    connect(m_ui->filterEdit, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_filter->setText(text);
        updateCount();
    });
    connect(m_ui->kindCombo, &QComboBox::currentIndexChanged, this, [this] {
        const int kind = m_ui->kindCombo->currentData().toInt();
        m_filter->setKind(kind < 0 ? std::nullopt : std::optional(static_cast<HistoryEvent::Kind>(kind)));
        updateCount();
    });
    connect(m_ui->exportCsvButton, &QPushButton::clicked, this, [this] { chooseExportFile(ExportFormat::Csv); });
    connect(m_ui->exportJsonButton, &QPushButton::clicked, this, [this] { chooseExportFile(ExportFormat::Json); });
    connect(m_ui->refreshButton, &QPushButton::clicked, this, &HistoryWindow::refresh);
    connect(m_ui->closeButton, &QPushButton::clicked, this, &QWidget::close);

    connect(m_ui->nowTable, &QTableWidget::itemSelectionChanged, this, &HistoryWindow::updateNowButtons);
    connect(m_ui->killButton, &QPushButton::clicked, this, [this] {
        if (const int row = selectedListener(); row >= 0)
            Q_EMIT killRequested(m_listeners.at(row));
    });
    connect(m_ui->whitelistButton, &QPushButton::clicked, this, [this] {
        if (const int row = selectedListener(); row >= 0)
            Q_EMIT whitelistRequested(m_listeners.at(row));
    });

    messagelabel::show(m_ui->statusLabel, messagelabel::Kind::Hint, {});
    setCurrentListeners({});
    refresh();
}

HistoryWindow::~HistoryWindow() = default;

void HistoryWindow::refresh()
{
    m_model->setEvents(m_history ? m_history->events() : QList<HistoryEvent>{});
    m_ui->historyView->resizeColumnsToContents();
    // Long paths and details would push everything else off screen.
    for (const int column : {static_cast<int>(HistoryModel::ExeColumn), static_cast<int>(HistoryModel::DetailColumn)})
        m_ui->historyView->setColumnWidth(column, std::min(m_ui->historyView->columnWidth(column), 320));
    updateCount();
}

void HistoryWindow::setCurrentListeners(const QList<WatchedListener> &listeners)
{
    m_listeners = listeners;
    QTableWidget *table = m_ui->nowTable;
    const QSignalBlocker blocker(table);
    table->clearContents();
    table->setRowCount(static_cast<int>(listeners.size()));
    const QIcon warning = style()->standardIcon(QStyle::SP_MessageBoxWarning);
    for (int row = 0; row < listeners.size(); ++row) {
        const WatchedListener &watched = listeners.at(row);
        const platform::Listener &listener = watched.listener;
        QStringList names, pids, users, exes;
        for (const platform::ProcessInfo &owner : listener.owners) {
            names << listenertext::processName(owner);
            pids << QString::number(owner.pid);
            users << QString::fromStdString(owner.user);
            exes << QString::fromStdString(owner.exe);
        }
        users.removeDuplicates();
        exes.removeDuplicates();
        if (listener.owners.empty())
            users << QString::fromStdString(listener.user);
        const QStringList cells{listenertext::port(listener.socket), listenertext::address(listener.socket),
                                listenertext::verdict(watched.verdict), names.join(QStringLiteral(", ")),
                                pids.join(QStringLiteral(", ")), users.join(QStringLiteral(", ")),
                                listenertext::localTime(watched.firstSeen), exes.join(QStringLiteral(", "))};
        for (int column = 0; column < cells.size(); ++column) {
            auto *item = new QTableWidgetItem(cells.at(column));
            // Tooltips guess rich text from content; a process name like "<b>" must stay text.
            item->setToolTip(Qt::convertFromPlainText(listenertext::owners(listener), Qt::WhiteSpaceNormal));
            if (watched.verdict == Verdict::Unexpected) {
                QFont font = item->font();
                font.setBold(true);
                item->setFont(font);
            }
            table->setItem(row, column, item);
        }
        if (watched.verdict == Verdict::Unexpected)
            table->item(row, StatusColumn)->setIcon(warning);
    }
    table->resizeColumnsToContents();
    updateSummary();
    updateNowButtons();
}

void HistoryWindow::setStatus(MonitorState state, const QString &reason)
{
    m_state = state;
    m_reason = reason;
    m_haveStatus = true;
    updateSummary();
}

void HistoryWindow::showTab(Tab tab)
{
    m_ui->tabs->setCurrentWidget(tab == Tab::Now ? m_ui->nowTab : m_ui->historyTab);
}

HistoryWindow::Tab HistoryWindow::currentTab() const
{
    return m_ui->tabs->currentWidget() == m_ui->nowTab ? Tab::Now : Tab::History;
}

QList<HistoryEvent> HistoryWindow::visibleEvents() const
{
    QList<HistoryEvent> events;
    events.reserve(m_filter->rowCount());
    for (int row = 0; row < m_filter->rowCount(); ++row)
        events.append(m_model->event(m_filter->mapToSource(m_filter->index(row, 0)).row()));
    return events;
}

bool HistoryWindow::exportTo(ExportFormat format, const QString &path)
{
    const QList<HistoryEvent> events = visibleEvents();
    QString error;
    const bool ok = format == ExportFormat::Csv ? History::exportCsv(events, path, &error)
                                                : History::exportJson(events, path, &error);
    if (ok) {
        messagelabel::show(m_ui->statusLabel, messagelabel::Kind::Hint,
                           (events.size() == 1 ? tr("Exported 1 event to %1.")
                                               : tr("Exported %1 events to %2.").arg(events.size()))
                               .arg(QDir::toNativeSeparators(path)));
    } else {
        messagelabel::show(m_ui->statusLabel, messagelabel::Kind::Error,
                           tr("Could not export to %1: %2").arg(QDir::toNativeSeparators(path), error));
    }
    return ok;
}

void HistoryWindow::showEvent(QShowEvent *event)
{
    refresh();
    QWidget::showEvent(event);
}

void HistoryWindow::chooseExportFile(ExportFormat format)
{
    const bool csv = format == ExportFormat::Csv;
    QString directory = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    if (directory.isEmpty() || !QDir(directory).exists())
        directory = QDir::homePath();
    const QString suggested = directory + (csv ? QStringLiteral("/portwatch-history.csv")
                                               : QStringLiteral("/portwatch-history.json"));
    // Window-modal and asynchronous: the monitor keeps running while the user picks a file.
    auto *chooser = new QFileDialog(this, csv ? tr("Export History as CSV") : tr("Export History as JSON"),
                                    suggested);
    chooser->setAttribute(Qt::WA_DeleteOnClose);
    chooser->setAcceptMode(QFileDialog::AcceptSave);
    chooser->setFileMode(QFileDialog::AnyFile);
    chooser->setDefaultSuffix(csv ? QStringLiteral("csv") : QStringLiteral("json"));
    chooser->setNameFilters({csv ? tr("CSV files (*.csv)") : tr("JSON files (*.json)"), tr("All files (*)")});
    connect(chooser, &QFileDialog::fileSelected, this, [this, format](const QString &path) { exportTo(format, path); });
    chooser->open();
}

void HistoryWindow::updateCount()
{
    const int shown = m_filter->rowCount();
    const int total = m_model->rowCount();
    const QString events = total == 1 ? tr("1 event") : tr("%1 events").arg(total);
    m_ui->countLabel->setText(shown == total ? events : tr("%1 of %2").arg(shown).arg(events));
    m_ui->exportCsvButton->setEnabled(shown > 0);
    m_ui->exportJsonButton->setEnabled(shown > 0);
}

void HistoryWindow::updateSummary()
{
    int unexpected = 0;
    int hidden = 0;
    for (const WatchedListener &watched : std::as_const(m_listeners)) {
        if (watched.verdict == Verdict::Unexpected)
            ++unexpected;
        else if (watched.verdict == Verdict::Unknown)
            ++hidden;
    }
    QStringList lines;
    if (m_haveStatus) {
        const QString state = toString(m_state);
        lines << (m_reason.isEmpty() ? tr("<b>Status:</b> %1").arg(state)
                                     : tr("<b>Status:</b> %1: %2").arg(state, m_reason.toHtmlEscaped()));
    }
    if (m_listeners.isEmpty()) {
        lines << tr("Nothing listens on a watched port.");
    } else {
        QString line = m_listeners.size() == 1 ? tr("1 listener on watched ports")
                                               : tr("%1 listeners on watched ports").arg(m_listeners.size());
        if (unexpected > 0)
            line += tr(", %1 unexpected").arg(unexpected);
        if (hidden > 0)
            line += tr(", %1 with an owner Portwatch cannot see").arg(hidden);
        lines << line + QLatin1Char('.');
    }
    m_ui->summaryLabel->setText(lines.join(QStringLiteral("<br>")));
}

void HistoryWindow::updateNowButtons()
{
    const int row = selectedListener();
    const bool visible = row >= 0 && !m_listeners.at(row).listener.owners.empty();
    m_ui->killButton->setEnabled(visible);
    // rulemaker trusts a hidden owner or an unreadable executable by its user and port.
    m_ui->whitelistButton->setEnabled(visible || (row >= 0 && ownerHidden(m_listeners.at(row).listener)));
}

int HistoryWindow::selectedListener() const
{
    const QList<QTableWidgetItem *> items = m_ui->nowTable->selectedItems();
    if (items.isEmpty())
        return -1;
    const int row = items.first()->row();
    return row < m_listeners.size() ? row : -1;
}

} // namespace portwatch
