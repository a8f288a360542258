// Inline messages: see messagelabel.h.
#include "messagelabel.h"

#include <QLabel>
#include <QPalette>

namespace portwatch::messagelabel {

namespace {
constexpr const char *errorProperty = "portwatchError";
}

void show(QLabel *label, Kind kind, const QString &text)
{
    label->setTextFormat(Qt::PlainText); // messages quote paths and process data: never rich text
    label->setText(text);
    label->setVisible(!text.isEmpty());
    label->setProperty(errorProperty, kind == Kind::Error);
    QPalette palette = label->parentWidget() ? label->parentWidget()->palette() : label->palette();
    if (kind == Kind::Error) {
        // A red that keeps enough contrast on both light and dark window colours.
        const bool darkWindow = palette.color(QPalette::Window).lightness() < 128;
        palette.setColor(QPalette::WindowText, darkWindow ? QColor(0xff, 0x7b, 0x72) : QColor(0xb0, 0x1c, 0x1c));
    }
    label->setPalette(palette);
}

bool isError(const QLabel *label)
{
    return !label->text().isEmpty() && label->property(errorProperty).toBool();
}

} // namespace portwatch::messagelabel
