// Settings page "Watched ports": the list of port specs, with an editor that validates as the user
// types and names the bad part of a spec.
#pragma once

#include "settingspage.h"

#include <QList>

#include <memory>
#include <optional>

namespace Ui {
class WatchedPortsPage;
}

namespace portwatch {

class WatchedPortsPage final : public SettingsPage
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WatchedPortsPage)
public:
    explicit WatchedPortsPage(QWidget *parent = nullptr);
    ~WatchedPortsPage() override;

    void load(const Config &config) override;
    void store(Config &config) const override;
    // Invalid while the editor holds text that is not a port spec.
    bool isValid() const override;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    // Parses the editor; sets the message and the buttons. Returns the spec when it is valid.
    std::optional<PortSpec> validate();
    // Index of a watched spec equal to spec, other than the one at except; -1 when none.
    int indexOf(const PortSpec &spec, int except = -1) const;
    void add();
    void replaceSelected();
    void removeSelected();
    void selectionChanged();
    void rebuildList(int select);

    const std::unique_ptr<Ui::WatchedPortsPage> m_ui;
    QList<PortSpec> m_specs;
};

} // namespace portwatch
