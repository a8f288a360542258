// Settings page "General": poll interval, log level, and start at login. Start at login is not part
// of Config: it is the XDG autostart entry, which the dialog writes on OK/Apply (see autostart.h).
#pragma once

#include "settingspage.h"

#include <QStringList>

#include <memory>

namespace Ui {
class GeneralPage;
}

namespace portwatch {

class GeneralPage final : public SettingsPage
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GeneralPage)
public:
    explicit GeneralPage(QWidget *parent = nullptr);
    ~GeneralPage() override;

    void load(const Config &config) override;
    void store(Config &config) const override;

    bool startAtLogin() const;
    void setStartAtLogin(bool enabled);

    // The level names the combo offers, as logging::parseLevel reads them.
    static QStringList logLevels();

private:
    const std::unique_ptr<Ui::GeneralPage> m_ui;
};

} // namespace portwatch
