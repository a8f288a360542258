// Compact table rows: see compacttable.h.
#include "compacttable.h"

#include <QHeaderView>
#include <QTableView>

namespace portwatch {

void makeCompact(QTableView *view)
{
    QHeaderView *rows = view->verticalHeader();
    const int height = view->fontMetrics().height() + 8;
    rows->setMinimumSectionSize(height);
    rows->setDefaultSectionSize(height);
    rows->setSectionResizeMode(QHeaderView::Fixed);
}

} // namespace portwatch
