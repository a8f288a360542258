// Filters the history table by event kind and by a text that may appear in any column
// (case-insensitive), and sorts by raw values (time, pid) rather than by their text.
#pragma once

#include "core/history.h"

#include <QSortFilterProxyModel>

#include <optional>

namespace portwatch {

class HistoryFilter final : public QSortFilterProxyModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HistoryFilter)
public:
    explicit HistoryFilter(QObject *parent = nullptr);

    void setText(const QString &text);
    void setKind(std::optional<HistoryEvent::Kind> kind);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_text;
    std::optional<HistoryEvent::Kind> m_kind;
};

} // namespace portwatch
