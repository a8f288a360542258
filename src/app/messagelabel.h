// The inline message under an input: a neutral hint, or an error the user must fix. Errors are shown
// in the place the user is looking instead of in a modal box, and they stay readable on dark themes.
#pragma once

#include <QString>

class QLabel;

namespace portwatch::messagelabel {

enum class Kind { Hint, Error };

// Sets the text and its look; an empty text hides the label.
void show(QLabel *label, Kind kind, const QString &text);
bool isError(const QLabel *label);

} // namespace portwatch::messagelabel
