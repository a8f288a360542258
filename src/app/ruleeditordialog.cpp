// Whitelist rule editor: see ruleeditordialog.h.
#include "ruleeditordialog.h"
#include "ui_ruleeditordialog.h"

#include "messagelabel.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QPushButton>

namespace portwatch {

RuleEditorDialog::RuleEditorDialog(const WhitelistRule &initial, QWidget *parent)
    : QDialog(parent)
    , m_ui(std::make_unique<Ui::RuleEditorDialog>())
    , m_noArguments(initial.args.has_value() && initial.args->isEmpty())
{
    m_ui->setupUi(this);
    const bool fresh = initial == WhitelistRule{};
    setWindowTitle(fresh ? tr("Add Whitelist Rule") : tr("Edit Whitelist Rule"));
    m_ui->exeEdit->setText(initial.exe);
    m_ui->argsEdit->setText(initial.args.value_or(QString()));
    if (m_noArguments)
        m_ui->argsEdit->setPlaceholderText(tr("no arguments at all"));
    m_ui->userEdit->setText(initial.user);
    m_ui->portsEdit->setText(initial.ports.toString());

    for (QLineEdit *edit : {m_ui->exeEdit, m_ui->argsEdit, m_ui->userEdit, m_ui->portsEdit})
        connect(edit, &QLineEdit::textChanged, this, &RuleEditorDialog::validate);
    connect(m_ui->argsEdit, &QLineEdit::textEdited, this, [this] { m_noArguments = false; });
    connect(m_ui->browseButton, &QPushButton::clicked, this, &RuleEditorDialog::browse);
    connect(m_ui->buttonBox, &QDialogButtonBox::accepted, this, [this] {
        if (rule())
            accept();
    });
    connect(m_ui->buttonBox, &QDialogButtonBox::rejected, this, &QDialog::reject);
    validate();
    adjustSize();
}

RuleEditorDialog::~RuleEditorDialog() = default;

std::optional<WhitelistRule> RuleEditorDialog::rule() const
{
    WhitelistRule result;
    result.exe = m_ui->exeEdit->text().trimmed();
    result.user = m_ui->userEdit->text().trimmed();
    // Arguments are kept as typed: a space in a pattern is part of it.
    const QString args = m_ui->argsEdit->text();
    if (!args.isEmpty())
        result.args = args;
    else if (m_noArguments)
        result.args = QString();
    if (!result.exe.isEmpty() && !QDir::isAbsolutePath(result.exe))
        return std::nullopt;
    const QString ports = m_ui->portsEdit->text().trimmed();
    if (!ports.isEmpty()) {
        std::optional<PortSpec> spec = PortSpec::parse(ports);
        if (!spec)
            return std::nullopt;
        result.ports = *spec;
    }
    // Without a program, only "any program of this user on these ports".
    if (result.exe.isEmpty() && (result.user.isEmpty() || result.ports.isEmpty() || result.args))
        return std::nullopt;
    return result;
}

void RuleEditorDialog::validate()
{
    using messagelabel::Kind;
    const QString exe = m_ui->exeEdit->text().trimmed();
    const QString user = m_ui->userEdit->text().trimmed();
    const QString ports = m_ui->portsEdit->text().trimmed();
    const bool hasArgs = !m_ui->argsEdit->text().isEmpty();
    QString portsError;
    const bool portsValid = ports.isEmpty() || PortSpec::parse(ports, &portsError).has_value();

    // Resolved here, once per edit, not on every poll: the monitor's whitelist resolves it again
    // when the rule is saved and loaded.
    const QString resolved = QDir::isAbsolutePath(exe) ? WhitelistRule::resolveExe(exe) : QString();
    const bool isLink = !resolved.isEmpty() && resolved != QDir::cleanPath(exe);
    m_ui->resolvedLabel->setText(isLink ? tr("\u2192 %1 (the rule matches both paths)").arg(resolved) : QString());
    m_ui->resolvedLabel->setVisible(isLink);

    if (exe.isEmpty() && user.isEmpty() && ports.isEmpty())
        messagelabel::show(m_ui->messageLabel, Kind::Hint,
                           tr("Enter the full path of the program to trust. Or leave it empty and give a user and "
                              "ports: that trusts any program of that user there, as for a process Portwatch cannot "
                              "see."));
    else if (!exe.isEmpty() && !QDir::isAbsolutePath(exe))
        messagelabel::show(m_ui->messageLabel, Kind::Error,
                           tr("The executable must be an absolute path, such as /usr/bin/%1.").arg(exe));
    else if (!portsValid)
        messagelabel::show(m_ui->messageLabel, Kind::Error, tr("Ports: %1").arg(portsError));
    else if (exe.isEmpty() && hasArgs)
        messagelabel::show(m_ui->messageLabel, Kind::Error, tr("Arguments need the program they belong to."));
    else if (exe.isEmpty() && (user.isEmpty() || ports.isEmpty()))
        messagelabel::show(m_ui->messageLabel, Kind::Error,
                           tr("Without a program, give both a user and ports: the rule then trusts any program of "
                              "that user on those ports."));
    else if (exe.isEmpty())
        messagelabel::show(m_ui->messageLabel, Kind::Hint,
                           tr("Trusts any program of user %1 on %2, also one Portwatch cannot see.").arg(user, ports));
    else if (!QFileInfo(exe).isFile())
        messagelabel::show(m_ui->messageLabel, Kind::Hint,
                           tr("%1 does not exist on this machine; the rule applies once it does.").arg(exe));
    else
        messagelabel::show(m_ui->messageLabel, Kind::Hint, {});

    m_ui->buttonBox->button(QDialogButtonBox::Ok)->setEnabled(rule().has_value());
}

void RuleEditorDialog::browse()
{
    const QFileInfo current(m_ui->exeEdit->text().trimmed());
    const QString directory = current.isAbsolute() ? current.absolutePath() : QStringLiteral("/usr/bin");
    // Window-modal and asynchronous, so the rest of the application keeps running meanwhile.
    auto *chooser = new QFileDialog(this, tr("Choose the Program to Trust"), directory);
    chooser->setAttribute(Qt::WA_DeleteOnClose);
    chooser->setFileMode(QFileDialog::ExistingFile);
    chooser->setFilter(QDir::AllDirs | QDir::Files | QDir::Executable | QDir::NoDotAndDotDot);
    connect(chooser, &QFileDialog::fileSelected, this, [this](const QString &file) {
        m_ui->exeEdit->setText(QDir::cleanPath(file));
    });
    chooser->open();
}

} // namespace portwatch
