// History table model: see historymodel.h.
#include "historymodel.h"

#include "core/listenertext.h"

#include <QFont>

namespace portwatch {

void HistoryModel::setEvents(const QList<HistoryEvent> &events)
{
    beginResetModel();
    m_events = events;
    endResetModel();
}

int HistoryModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_events.size());
}

int HistoryModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString HistoryModel::eventText(const HistoryEvent &event)
{
    switch (event.kind) {
    case HistoryEvent::Kind::Appeared:
        return event.expected ? tr("Appeared (whitelisted)") : tr("Appeared (unexpected)");
    case HistoryEvent::Kind::Vanished:
        return tr("Vanished");
    case HistoryEvent::Kind::Killed:
        return tr("Killed");
    case HistoryEvent::Kind::Whitelisted:
        return tr("Whitelisted");
    }
    return toString(event.kind);
}

QVariant HistoryModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_events.size())
        return {};
    const HistoryEvent &event = m_events.at(index.row());
    if (role == KindRole)
        return static_cast<int>(event.kind);

    if (role == Qt::DisplayRole || role == Qt::ToolTipRole || role == SortRole) {
        switch (index.column()) {
        case TimeColumn:
            if (role == SortRole)
                return event.time;
            return listenertext::localTime(event.time);
        case EventColumn:
            return eventText(event);
        case PortColumn:
            return QStringLiteral("%1/%2").arg(QString::fromLatin1(platform::toString(event.protocol))).arg(event.port);
        case ProcessColumn:
            return event.process;
        case PidColumn:
            if (role == SortRole)
                return event.pid;
            return event.pid > 0 ? QString::number(event.pid) : QString();
        case UserColumn:
            return event.user;
        case ExeColumn:
            return event.exe;
        case DetailColumn:
            return event.detail;
        default:
            break;
        }
    }
    if (role == Qt::FontRole && index.column() == EventColumn && event.kind == HistoryEvent::Kind::Appeared
        && !event.expected) {
        QFont font;
        font.setBold(true);
        return font;
    }
    if (role == Qt::TextAlignmentRole && index.column() == PidColumn)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant HistoryModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case EventColumn:
        return tr("Event");
    case PortColumn:
        return tr("Port");
    case ProcessColumn:
        return tr("Process");
    case PidColumn:
        return tr("PID");
    case UserColumn:
        return tr("User");
    case ExeColumn:
        return tr("Executable");
    case DetailColumn:
        return tr("Detail");
    default:
        return {};
    }
}

} // namespace portwatch
