// Alert dialog: see alertdialog.h.
#include "alertdialog.h"
#include "ui_alertdialog.h"

#include "core/listenertext.h"

#include <QStyle>

namespace portwatch {

AlertDialog::AlertDialog(const WatchedListener &listener, QWidget *parent)
    : QDialog(parent)
    , m_ui(std::make_unique<Ui::AlertDialog>())
{
    m_ui->setupUi(this);
    const int iconSize = style()->pixelMetric(QStyle::PM_MessageBoxIconSize, nullptr, this);
    m_ui->iconLabel->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxWarning, nullptr, this).pixmap(iconSize));
    // Details are for copying into a terminal or a bug report.
    for (QLabel *value : {m_ui->portValue, m_ui->addressValue, m_ui->processValue, m_ui->pidValue, m_ui->userValue,
                          m_ui->exeValue, m_ui->cmdlineValue, m_ui->startedValue, m_ui->parentValue, m_ui->cwdValue})
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);

    connect(m_ui->killButton, &QPushButton::clicked, this, [this] {
        Q_EMIT killRequested(m_listener);
        accept();
    });
    connect(m_ui->whitelistButton, &QPushButton::clicked, this, [this] {
        Q_EMIT whitelistRequested(m_listener);
        accept();
    });
    connect(m_ui->dismissButton, &QPushButton::clicked, this, &QDialog::reject);
    setListener(listener);
}

AlertDialog::~AlertDialog() = default;

void AlertDialog::setListener(const WatchedListener &listener)
{
    m_listener = listener;
    const platform::Listener &socket = listener.listener;
    const QString port = listenertext::port(socket.socket);
    const bool visible = !socket.owners.empty();
    const platform::ProcessInfo first = visible ? socket.owners.front() : platform::ProcessInfo{};
    const QString name = visible ? listenertext::processName(first) : QString();
    // What it runs, so that two "python3" are told apart at a glance.
    const QString command = visible ? listenertext::shortCommand(first) : QString();

    if (!visible) {
        m_ui->headingLabel->setText(tr("<b>%1</b> is held by a process Portwatch cannot see.").arg(port));
    } else if (listener.verdict == Verdict::Expected) {
        m_ui->headingLabel->setText(tr("<b>%1</b> is held by <b>%2</b> (whitelisted).").arg(port, command.toHtmlEscaped()));
    } else {
        m_ui->headingLabel->setText(
            tr("<b>%1</b> was taken by <b>%2</b>, which is not on the whitelist.").arg(port, command.toHtmlEscaped()));
    }
    setWindowTitle(tr("Portwatch: %1").arg(port));

    m_ui->portValue->setText(listenertext::portAndService(socket.socket));
    m_ui->addressValue->setText(listenertext::address(socket.socket));
    QString since = listenertext::localTime(listener.firstSeen);
    if (!visible) {
        m_ui->processValue->setText(tr("not visible: it belongs to user %1; run Portwatch as that user or as root "
                                       "to see it")
                                        .arg(QString::fromStdString(socket.user)));
        m_ui->pidValue->setText(tr("unknown"));
        m_ui->userValue->setText(QString::fromStdString(socket.user));
        m_ui->exeValue->setText(tr("unknown"));
        m_ui->cmdlineValue->setText(tr("unknown"));
        m_ui->parentValue->setText(tr("unknown"));
        m_ui->cwdValue->setText(tr("unknown"));
        m_ui->startedValue->setText(since.isEmpty() ? tr("unknown") : tr("first seen %1").arg(since));
    } else {
        QStringList pids;
        for (const platform::ProcessInfo &owner : socket.owners)
            pids << QString::number(owner.pid);
        m_ui->processValue->setText(name);
        m_ui->pidValue->setText(socket.owners.size() > 1
                                    ? tr("%1 (the socket is shared by %2 processes)").arg(pids.join(QStringLiteral(", ")))
                                          .arg(socket.owners.size())
                                    : pids.constFirst());
        m_ui->userValue->setText(QString::fromStdString(first.user));
        m_ui->exeValue->setText(first.exe.empty() ? tr("not readable") : QString::fromStdString(first.exe));
        m_ui->cmdlineValue->setText(first.cmdline.empty() ? tr("not readable") : listenertext::commandLine(first));
        const QString parent = listenertext::parent(first);
        m_ui->parentValue->setText(parent.isEmpty() ? tr("unknown") : parent);
        m_ui->cwdValue->setText(first.cwd.empty() ? tr("not readable") : QString::fromStdString(first.cwd));
        const QString started = listenertext::processStart(first);
        if (started.isEmpty())
            m_ui->startedValue->setText(since.isEmpty() ? tr("unknown") : tr("first seen %1").arg(since));
        else if (since.isEmpty())
            m_ui->startedValue->setText(started);
        else
            m_ui->startedValue->setText(tr("%1 (port first seen %2)").arg(started, since));
    }

    // Without a visible process there is nothing to signal; without an executable no rule can name it.
    m_ui->killButton->setEnabled(visible);
    m_ui->whitelistButton->setEnabled(visible && !first.exe.empty());
    m_ui->whitelistButton->setToolTip(visible && !first.exe.empty()
                                          ? tr("Trust %1 on %2 from now on").arg(QString::fromStdString(first.exe), port)
                                          : tr("The executable is not visible, so no rule can name it"));
}

} // namespace portwatch
