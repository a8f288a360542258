// One page of the settings dialog: shows part of a Config, writes the user's edits back into one,
// and says whether what it shows can be saved.
#pragma once

#include "core/config.h"

#include <QWidget>

namespace portwatch {

class SettingsPage : public QWidget
{
    Q_OBJECT
public:
    using QWidget::QWidget;

    virtual void load(const Config &config) = 0;
    // Writes what the page shows into config, leaving the fields of other pages alone.
    virtual void store(Config &config) const = 0;
    // False while the page holds input that cannot be saved (the dialog then disables OK and Apply).
    virtual bool isValid() const { return true; }

Q_SIGNALS:
    // Anything the user did that may change config() or isValid().
    void changed();
};

} // namespace portwatch
