// Watched ports page: see watchedportspage.h.
#include "watchedportspage.h"
#include "ui_watchedportspage.h"

#include "messagelabel.h"

#include <QKeyEvent>

namespace portwatch {

namespace {

// Whether every port and protocol of `spec` is watched already by the union of `specs`: "tcp/8080"
// typed while "tcp/8000-8100" is in the list adds nothing.
bool coveredBy(const PortSpec &spec, const QList<PortSpec> &specs)
{
    for (const PortSpecItem &item : spec.items()) {
        for (const bool udp : {false, true}) {
            if (udp ? !item.udp : !item.tcp)
                continue;
            // Walk the range forward over whatever existing item covers its next port.
            quint32 next = item.range.first;
            bool advanced = true;
            while (next <= item.range.last && advanced) {
                advanced = false;
                for (const PortSpec &other : specs) {
                    for (const PortSpecItem &covering : other.items()) {
                        if ((udp ? covering.udp : covering.tcp) && covering.range.contains(quint16(next))) {
                            next = quint32(covering.range.last) + 1;
                            advanced = true;
                        }
                    }
                }
            }
            if (next <= item.range.last)
                return false;
        }
    }
    return true;
}

// The entries of `specs` that share a port and protocol with `spec`, as the user sees them.
QStringList overlapping(const PortSpec &spec, const QList<PortSpec> &specs, int except)
{
    QStringList names;
    for (int i = 0; i < specs.size(); ++i) {
        if (i == except)
            continue;
        bool shared = false;
        for (const PortSpecItem &item : spec.items()) {
            for (const PortSpecItem &other : specs.at(i).items()) {
                const bool protocol = (item.tcp && other.tcp) || (item.udp && other.udp);
                if (protocol && item.range.first <= other.range.last && other.range.first <= item.range.last)
                    shared = true;
            }
        }
        if (shared)
            names.append(specs.at(i).label());
    }
    return names;
}

} // namespace

WatchedPortsPage::WatchedPortsPage(QWidget *parent)
    : SettingsPage(parent)
    , m_ui(std::make_unique<Ui::WatchedPortsPage>())
{
    m_ui->setupUi(this);
    // Enter in the editor means "add this spec", not "press the dialog's default button".
    m_ui->specEdit->installEventFilter(this);
    m_ui->specList->installEventFilter(this);

    connect(m_ui->specEdit, &QLineEdit::textChanged, this, [this] {
        validate();
        Q_EMIT changed();
    });
    connect(m_ui->addSpecButton, &QPushButton::clicked, this, &WatchedPortsPage::add);
    connect(m_ui->replaceSpecButton, &QPushButton::clicked, this, &WatchedPortsPage::replaceSelected);
    connect(m_ui->removeSpecButton, &QPushButton::clicked, this, &WatchedPortsPage::removeSelected);
    connect(m_ui->specList, &QListWidget::currentRowChanged, this, &WatchedPortsPage::selectionChanged);
    validate();
}

WatchedPortsPage::~WatchedPortsPage() = default;

void WatchedPortsPage::load(const Config &config)
{
    m_specs = config.watched;
    m_ui->specEdit->clear();
    rebuildList(-1);
    validate();
}

void WatchedPortsPage::store(Config &config) const
{
    config.watched = m_specs;
}

bool WatchedPortsPage::isValid() const
{
    const QString text = m_ui->specEdit->text().trimmed();
    return text.isEmpty() || PortSpec::parse(text).has_value();
}

bool WatchedPortsPage::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() == QEvent::KeyPress) {
        const auto *key = static_cast<QKeyEvent *>(event);
        const bool enter = key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter;
        if (watched == m_ui->specEdit && enter && !m_ui->specEdit->text().trimmed().isEmpty()) {
            add();
            return true;
        }
        if (watched == m_ui->specList && key->key() == Qt::Key_Delete) {
            removeSelected();
            return true;
        }
    }
    return SettingsPage::eventFilter(watched, event);
}

std::optional<PortSpec> WatchedPortsPage::validate()
{
    using messagelabel::Kind;
    const int selected = m_ui->specList->currentRow();
    const QString text = m_ui->specEdit->text().trimmed();
    m_ui->addSpecButton->setEnabled(false);
    m_ui->replaceSpecButton->setEnabled(false);
    m_ui->removeSpecButton->setEnabled(selected >= 0);

    if (text.isEmpty()) {
        messagelabel::show(m_ui->specMessageLabel, Kind::Hint,
                           tr("A port, a range, or several separated by commas; "
                              "tcp/ or udp/ in front limits it to one protocol."));
        return std::nullopt;
    }
    QString error;
    const std::optional<PortSpec> spec = PortSpec::parse(text, &error);
    if (!spec) {
        messagelabel::show(m_ui->specMessageLabel, Kind::Error, tr("Not a port spec: %1").arg(error));
        return std::nullopt;
    }
    const int duplicate = indexOf(*spec);
    if (duplicate >= 0 && duplicate == selected) {
        messagelabel::show(m_ui->specMessageLabel, Kind::Hint,
                           tr("%1 is the selected entry: change it and press Replace, or Remove it.")
                               .arg(spec->toString()));
        return spec;
    }
    if (duplicate >= 0) {
        messagelabel::show(m_ui->specMessageLabel, Kind::Error, tr("%1 is already watched.").arg(spec->toString()));
        return spec;
    }
    QList<PortSpec> others = m_specs;
    if (selected >= 0 && selected < others.size())
        others.removeAt(selected); // Replace swaps the selected entry out
    if (coveredBy(*spec, others)) {
        messagelabel::show(m_ui->specMessageLabel, Kind::Error,
                           tr("%1 is already watched (by %2).")
                               .arg(spec->toString(), overlapping(*spec, m_specs, selected).join(QStringLiteral(", "))));
        return spec;
    }
    m_ui->addSpecButton->setEnabled(true);
    m_ui->replaceSpecButton->setEnabled(selected >= 0);
    messagelabel::show(m_ui->specMessageLabel, Kind::Hint,
                       tr("Press Enter or Add to watch %1.").arg(spec->toString()));
    return spec;
}

int WatchedPortsPage::indexOf(const PortSpec &spec, int except) const
{
    for (int i = 0; i < m_specs.size(); ++i) {
        if (i != except && m_specs.at(i) == spec)
            return i;
    }
    return -1;
}

void WatchedPortsPage::add()
{
    const std::optional<PortSpec> spec = validate();
    if (!spec)
        return;
    if (indexOf(*spec) >= 0 || coveredBy(*spec, m_specs)) {
        messagelabel::show(m_ui->specMessageLabel, messagelabel::Kind::Error,
                           tr("%1 is already watched.").arg(spec->toString()));
        return;
    }
    m_specs.append(*spec);
    m_ui->specEdit->clear();
    rebuildList(-1);
    m_ui->specList->scrollToBottom();
    messagelabel::show(m_ui->specMessageLabel, messagelabel::Kind::Hint, tr("Now watching %1.").arg(spec->toString()));
    Q_EMIT changed();
}

void WatchedPortsPage::replaceSelected()
{
    const int row = m_ui->specList->currentRow();
    const std::optional<PortSpec> spec = validate();
    if (row < 0 || !spec)
        return;
    if (indexOf(*spec, row) >= 0) {
        messagelabel::show(m_ui->specMessageLabel, messagelabel::Kind::Error,
                           tr("%1 is already watched.").arg(spec->toString()));
        return;
    }
    m_specs[row] = *spec;
    rebuildList(row);
    Q_EMIT changed();
}

void WatchedPortsPage::removeSelected()
{
    const int row = m_ui->specList->currentRow();
    if (row < 0)
        return;
    m_specs.removeAt(row);
    m_ui->specEdit->clear();
    rebuildList(std::min(row, static_cast<int>(m_specs.size()) - 1));
    Q_EMIT changed();
}

void WatchedPortsPage::selectionChanged()
{
    const int row = m_ui->specList->currentRow();
    if (row >= 0 && row < m_specs.size())
        m_ui->specEdit->setText(m_specs.at(row).toString()); // validates through textChanged
    else
        validate();
}

void WatchedPortsPage::rebuildList(int select)
{
    const QSignalBlocker blocker(m_ui->specList);
    m_ui->specList->clear();
    for (const PortSpec &spec : std::as_const(m_specs))
        m_ui->specList->addItem(spec.label());
    m_ui->specList->setCurrentRow(select);
    validate();
}

} // namespace portwatch
