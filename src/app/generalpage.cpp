// General page: see generalpage.h.
#include "generalpage.h"
#include "ui_generalpage.h"

#include "autostart.h"

#include <QDir>
#include <QStyle>

namespace portwatch {

GeneralPage::GeneralPage(QWidget *parent)
    : SettingsPage(parent)
    , m_ui(std::make_unique<Ui::GeneralPage>())
{
    m_ui->setupUi(this);
    m_ui->intervalSpin->setRange(Config::minIntervalMs, Config::maxIntervalMs);
    m_ui->intervalSpin->setToolTip(tr("Between %1 and %2 ms. A check costs very little, so once a second is a good default.")
                                       .arg(Config::minIntervalMs)
                                       .arg(Config::maxIntervalMs));

    const QStringList labels{tr("Trace (everything)"), tr("Debug"), tr("Info"), tr("Warnings"),
                             tr("Errors"), tr("Critical only"), tr("Off")};
    const QStringList names = logLevels();
    for (int i = 0; i < names.size(); ++i)
        m_ui->logLevelCombo->addItem(labels.value(i, names.at(i)), names.at(i));

    m_ui->autostartPathLabel->setText(tr("Adds %1").arg(QDir::toNativeSeparators(autostart::location())));
    m_ui->autostartPathLabel->setEnabled(false);
    // Line the note up with the check box's text, so it reads as part of that option.
    m_ui->autostartPathLabel->setContentsMargins(
        style()->pixelMetric(QStyle::PM_IndicatorWidth) + style()->pixelMetric(QStyle::PM_CheckBoxLabelSpacing), 0, 0, 0);

    connect(m_ui->intervalSpin, &QSpinBox::valueChanged, this, &SettingsPage::changed);
    connect(m_ui->logLevelCombo, &QComboBox::currentIndexChanged, this, &SettingsPage::changed);
    connect(m_ui->autostartCheck, &QCheckBox::toggled, this, &SettingsPage::changed);
}

GeneralPage::~GeneralPage() = default;

QStringList GeneralPage::logLevels()
{
    return {QStringLiteral("trace"), QStringLiteral("debug"), QStringLiteral("info"), QStringLiteral("warn"),
            QStringLiteral("error"), QStringLiteral("critical"), QStringLiteral("off")};
}

void GeneralPage::load(const Config &config)
{
    m_ui->intervalSpin->setValue(config.intervalMs);
    int index = m_ui->logLevelCombo->findData(config.logLevel);
    if (index < 0) {
        // A spelling the combo does not list ("warning") stays as it is rather than being changed
        // behind the user's back.
        m_ui->logLevelCombo->addItem(config.logLevel, config.logLevel);
        index = m_ui->logLevelCombo->count() - 1;
    }
    m_ui->logLevelCombo->setCurrentIndex(index);
}

void GeneralPage::store(Config &config) const
{
    config.intervalMs = m_ui->intervalSpin->value();
    config.logLevel = m_ui->logLevelCombo->currentData().toString();
}

bool GeneralPage::startAtLogin() const
{
    return m_ui->autostartCheck->isChecked();
}

void GeneralPage::setStartAtLogin(bool enabled)
{
    m_ui->autostartCheck->setChecked(enabled);
}

} // namespace portwatch
