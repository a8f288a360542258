// Settings page "Notifications": on or off, and the quiet period for repeats.
#pragma once

#include "settingspage.h"

#include <memory>

namespace Ui {
class NotificationsPage;
}

namespace portwatch {

class NotificationsPage final : public SettingsPage
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NotificationsPage)
public:
    explicit NotificationsPage(QWidget *parent = nullptr);
    ~NotificationsPage() override;

    void load(const Config &config) override;
    void store(Config &config) const override;

private:
    const std::unique_ptr<Ui::NotificationsPage> m_ui;
};

} // namespace portwatch
