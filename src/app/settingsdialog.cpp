// Settings dialog: see settingsdialog.h.
#include "settingsdialog.h"
#include "ui_settingsdialog.h"

#include "autostart.h"
#include "configmerge.h"
#include "generalpage.h"
#include "messagelabel.h"
#include "notificationspage.h"
#include "watchedportspage.h"
#include "whitelistpage.h"

#include <QPushButton>

#include <algorithm>

namespace portwatch {

SettingsDialog::SettingsDialog(const Config &config, QWidget *parent)
    : QDialog(parent)
    , m_ui(std::make_unique<Ui::SettingsDialog>())
    , m_watchedPage(new WatchedPortsPage(this))
    , m_whitelistPage(new WhitelistPage(this))
    , m_notificationsPage(new NotificationsPage(this))
    , m_generalPage(new GeneralPage(this))
{
    m_ui->setupUi(this);
    m_ui->tabs->addTab(m_watchedPage, tr("&Watched Ports"));
    m_ui->tabs->addTab(m_whitelistPage, tr("W&hitelist"));
    m_ui->tabs->addTab(m_notificationsPage, tr("&Notifications"));
    m_ui->tabs->addTab(m_generalPage, tr("&General"));
    m_pages = {m_watchedPage, m_whitelistPage, m_notificationsPage, m_generalPage};

    for (SettingsPage *page : std::as_const(m_pages))
        connect(page, &SettingsPage::changed, this, &SettingsDialog::updateButtons);

    // The button box's own accepted() would close the dialog even when applying failed.
    connect(m_ui->buttonBox, &QDialogButtonBox::clicked, this, [this](QAbstractButton *button) {
        switch (m_ui->buttonBox->standardButton(button)) {
        case QDialogButtonBox::Ok:
            if (isValid() && apply())
                accept();
            break;
        case QDialogButtonBox::Apply:
            if (isValid())
                apply();
            break;
        case QDialogButtonBox::Cancel:
            reject();
            break;
        default:
            break;
        }
    });

    setConfig(config);
}

SettingsDialog::~SettingsDialog() = default;

void SettingsDialog::setRunningListeners(const QList<WatchedListener> &listeners)
{
    m_whitelistPage->setRunningListeners(listeners);
}

Config SettingsDialog::config() const
{
    Config shown = m_applied;
    for (const SettingsPage *page : m_pages)
        page->store(shown);
    return shown;
}

void SettingsDialog::setConfig(const Config &config)
{
    m_applied = config;
    m_startAtLogin = autostart::isEnabled();
    for (SettingsPage *page : std::as_const(m_pages)) {
        const QSignalBlocker blocker(page);
        page->load(config);
    }
    {
        const QSignalBlocker blocker(m_generalPage);
        m_generalPage->setStartAtLogin(m_startAtLogin);
    }
    messagelabel::show(m_ui->statusLabel, messagelabel::Kind::Hint, {});
    updateButtons();
}

void SettingsDialog::followExternalChange(const Config &current)
{
    if (current == m_applied)
        return; // our own Apply coming back, or nothing that concerns the dialog
    if (!hasChanges()) {
        setConfig(current);
        return;
    }
    const Config merged = mergeEdits(m_applied, config(), current);
    m_applied = current;
    for (SettingsPage *page : std::as_const(m_pages)) {
        const QSignalBlocker blocker(page);
        page->load(merged);
    }
    messagelabel::show(m_ui->statusLabel, messagelabel::Kind::Hint,
                       tr("The settings were changed outside this window meanwhile; your unsaved edits are kept on "
                          "top of that change."));
    updateButtons();
}

void SettingsDialog::showPage(Page page)
{
    m_ui->tabs->setCurrentIndex(static_cast<int>(page));
}

bool SettingsDialog::hasChanges() const
{
    return config() != m_applied || m_generalPage->startAtLogin() != m_startAtLogin;
}

bool SettingsDialog::isValid() const
{
    return std::all_of(m_pages.cbegin(), m_pages.cend(), [](const SettingsPage *page) { return page->isValid(); });
}

bool SettingsDialog::apply()
{
    bool ok = true;
    // What the label said (an earlier error, the note about a change made elsewhere) is answered now.
    messagelabel::show(m_ui->statusLabel, messagelabel::Kind::Hint, {});
    const bool wanted = m_generalPage->startAtLogin();
    if (wanted != m_startAtLogin) {
        QString error;
        if (autostart::setEnabled(wanted, &error)) {
            m_startAtLogin = wanted;
        } else {
            messagelabel::show(m_ui->statusLabel, messagelabel::Kind::Error, error);
            ok = false;
        }
    }
    const Config edited = config();
    if (edited != m_applied) {
        m_applied = edited;
        Q_EMIT applied(m_applied);
    }
    updateButtons();
    return ok;
}

void SettingsDialog::updateButtons()
{
    const bool valid = isValid();
    m_ui->buttonBox->button(QDialogButtonBox::Ok)->setEnabled(valid);
    m_ui->buttonBox->button(QDialogButtonBox::Apply)->setEnabled(valid && hasChanges());
}

} // namespace portwatch
