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
    // Details are for copying into a terminal or a bug report. They come from another process, which
    // names itself and its arguments as it likes: never let a label take them for rich text.
    for (QLabel *value : {m_ui->portValue, m_ui->addressValue, m_ui->processValue, m_ui->pidValue, m_ui->userValue,
                          m_ui->exeValue, m_ui->cmdlineValue, m_ui->startedValue, m_ui->parentValue, m_ui->cwdValue}) {
        value->setTextFormat(Qt::PlainText);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    }

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

void AlertDialog::setWhitelist(const QList<WhitelistRule> &rules)
{
    m_rules = rules;
    setListener(m_listener);
}

void AlertDialog::setListener(const WatchedListener &listener)
{
    m_listener = listener;
    const platform::Listener &socket = listener.listener;
    const QString port = listenertext::port(socket.socket);
    const bool visible = !socket.owners.empty();
    const bool hidden = ownerHidden(socket);
    const QString socketUser = QString::fromStdString(socket.user);
    const platform::ProcessInfo first = visible ? socket.owners.front() : platform::ProcessInfo{};
    const QString name = visible ? listenertext::processName(first) : QString();
    // Ports where this program is trusted already, for the one that is not trusted here.
    const QStringList elsewhere = visible && listener.verdict != Verdict::Expected
        ? Whitelist(m_rules).portsAllowing(first)
        : QStringList();
    // What it runs, so that two "python3" are told apart at a glance.
    const QString command = visible ? listenertext::shortCommand(first) : QString();

    if (hidden) {
        m_ui->headingLabel->setText(listener.verdict == Verdict::Expected
                                        ? tr("<b>%1</b> is held by a process of user <b>%2</b> (whitelisted for that "
                                             "user and port).").arg(port, socketUser.toHtmlEscaped())
                                        : tr("<b>%1</b> was taken by a process of user <b>%2</b>, which is not on the "
                                             "whitelist.").arg(port, socketUser.toHtmlEscaped()));
    } else if (!visible) {
        m_ui->headingLabel->setText(tr("<b>%1</b> is held by a process Portwatch cannot see.").arg(port));
    } else if (listener.verdict == Verdict::Expected) {
        m_ui->headingLabel->setText(tr("<b>%1</b> is held by <b>%2</b> (whitelisted).").arg(port, command.toHtmlEscaped()));
    } else if (!elsewhere.isEmpty()) {
        m_ui->headingLabel->setText(tr("<b>%1</b> was taken by <b>%2</b>, which is whitelisted only on %3, not on %1.")
                                        .arg(port, command.toHtmlEscaped(), elsewhere.join(QStringLiteral("; ")).toHtmlEscaped()));
    } else {
        m_ui->headingLabel->setText(
            tr("<b>%1</b> was taken by <b>%2</b>, which is not on the whitelist.").arg(port, command.toHtmlEscaped()));
    }
    setWindowTitle(tr("Portwatch: %1").arg(port));

    m_ui->portValue->setText(listenertext::portAndService(socket.socket));
    m_ui->addressValue->setText(listenertext::address(socket.socket));
    QString since = listenertext::localTime(listener.firstSeen);
    if (!visible) {
        m_ui->processValue->setText(tr("hidden: a process of user %1").arg(socketUser));
        m_ui->pidValue->setText(tr("unknown"));
        m_ui->userValue->setText(socketUser);
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
    const QString help = listenertext::hiddenOwnerHelp(socket);
    m_ui->hintLabel->setText(help);
    m_ui->hintLabel->setVisible(!help.isEmpty());

    // A hidden owner cannot be signalled from here, but it can be trusted by its user and port.
    m_ui->killButton->setEnabled(visible);
    m_ui->killButton->setToolTip(hidden ? tr("Portwatch cannot end another user's process. Run: sudo portwatch-cli "
                                             "kill %1").arg(port)
                                        : QString());
    const bool canWhitelist = hidden || visible;
    m_ui->whitelistButton->setEnabled(canWhitelist && listener.verdict != Verdict::Expected);
    if (hidden)
        m_ui->whitelistButton->setToolTip(tr("Trust any program of user %1 on %2 from now on").arg(socketUser, port));
    else if (visible && !first.exe.empty())
        m_ui->whitelistButton->setToolTip(tr("Trust %1 as %2 on %3 from now on")
                                              .arg(QString::fromStdString(first.exe), QString::fromStdString(first.user), port));
    else if (visible)
        m_ui->whitelistButton->setToolTip(tr("The executable is not readable: trust any program of user %1 on %2")
                                              .arg(QString::fromStdString(first.user), port));
    else
        m_ui->whitelistButton->setToolTip(tr("Nothing visible holds %1").arg(port));
}

} // namespace portwatch
