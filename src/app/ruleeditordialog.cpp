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
{
    m_ui->setupUi(this);
    setWindowTitle(initial.exe.isEmpty() ? tr("Add Whitelist Rule") : tr("Edit Whitelist Rule"));
    m_ui->exeEdit->setText(initial.exe);
    m_ui->userEdit->setText(initial.user);
    m_ui->portsEdit->setText(initial.ports.toString());

    for (QLineEdit *edit : {m_ui->exeEdit, m_ui->userEdit, m_ui->portsEdit})
        connect(edit, &QLineEdit::textChanged, this, &RuleEditorDialog::validate);
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
    if (result.exe.isEmpty() || !QDir::isAbsolutePath(result.exe))
        return std::nullopt;
    const QString ports = m_ui->portsEdit->text().trimmed();
    if (!ports.isEmpty()) {
        std::optional<PortSpec> spec = PortSpec::parse(ports);
        if (!spec)
            return std::nullopt;
        result.ports = *spec;
    }
    return result;
}

void RuleEditorDialog::validate()
{
    using messagelabel::Kind;
    const QString exe = m_ui->exeEdit->text().trimmed();
    const QString ports = m_ui->portsEdit->text().trimmed();
    QString portsError;
    const bool portsValid = ports.isEmpty() || PortSpec::parse(ports, &portsError).has_value();

    if (exe.isEmpty())
        messagelabel::show(m_ui->messageLabel, Kind::Hint, tr("Enter the full path of the program to trust."));
    else if (!QDir::isAbsolutePath(exe))
        messagelabel::show(m_ui->messageLabel, Kind::Error,
                           tr("The executable must be an absolute path, such as /usr/bin/%1.").arg(exe));
    else if (!portsValid)
        messagelabel::show(m_ui->messageLabel, Kind::Error, tr("Ports: %1").arg(portsError));
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
