// Row height for the dialogs' tables: one line of text with a little air, instead of the style's tall
// default, so a table shows as many listeners or rules as the window allows.
#pragma once

class QTableView;

namespace portwatch {

void makeCompact(QTableView *view);

} // namespace portwatch
