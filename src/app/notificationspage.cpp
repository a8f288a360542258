// Notifications page: see notificationspage.h.
#include "notificationspage.h"
#include "ui_notificationspage.h"

namespace portwatch {

NotificationsPage::NotificationsPage(QWidget *parent)
    : SettingsPage(parent)
    , m_ui(std::make_unique<Ui::NotificationsPage>())
{
    m_ui->setupUi(this);
    m_ui->cooldownSpin->setRange(Config::minCooldownSec, Config::maxCooldownSec);
    m_ui->cooldownSpin->setSpecialValueText(tr("none (notify every time)"));

    connect(m_ui->enabledCheck, &QCheckBox::toggled, this, [this](bool on) {
        m_ui->cooldownSpin->setEnabled(on);
        m_ui->cooldownLabel->setEnabled(on);
        Q_EMIT changed();
    });
    connect(m_ui->cooldownSpin, &QSpinBox::valueChanged, this, &SettingsPage::changed);
}

NotificationsPage::~NotificationsPage() = default;

void NotificationsPage::load(const Config &config)
{
    m_ui->enabledCheck->setChecked(config.notificationsEnabled);
    m_ui->cooldownSpin->setValue(config.notificationCooldownSec);
    m_ui->cooldownSpin->setEnabled(config.notificationsEnabled);
    m_ui->cooldownLabel->setEnabled(config.notificationsEnabled);
}

void NotificationsPage::store(Config &config) const
{
    config.notificationsEnabled = m_ui->enabledCheck->isChecked();
    config.notificationCooldownSec = m_ui->cooldownSpin->value();
}

} // namespace portwatch
