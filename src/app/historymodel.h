// The history as a table model: one row per event, in the order given (the window sorts). Columns:
// time (local), event, port, process, pid, user, executable, detail.
#pragma once

#include "core/history.h"

#include <QAbstractTableModel>
#include <QList>

namespace portwatch {

class HistoryModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HistoryModel)
public:
    enum Column { TimeColumn, EventColumn, PortColumn, ProcessColumn, PidColumn, UserColumn, ExeColumn, DetailColumn,
                  ColumnCount };
    // Raw values for sorting and filtering: a QDateTime for time, the pid as a number, the kind as int.
    static constexpr int SortRole = Qt::UserRole + 1;
    static constexpr int KindRole = Qt::UserRole + 2;

    using QAbstractTableModel::QAbstractTableModel;

    void setEvents(const QList<HistoryEvent> &events);
    const HistoryEvent &event(int row) const { return m_events.at(row); }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // "Appeared (unexpected)", "Killed", ...
    static QString eventText(const HistoryEvent &event);

private:
    QList<HistoryEvent> m_events;
};

} // namespace portwatch
