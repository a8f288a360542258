// Merging unsaved edits into a changed configuration: see configmerge.h.
#include "configmerge.h"

namespace portwatch {

namespace {

template<typename T>
void takeIfEdited(T &merged, const T &base, const T &edited)
{
    if (edited != base)
        merged = edited;
}

template<typename T>
QList<T> mergeList(const QList<T> &base, const QList<T> &edited, const QList<T> &current)
{
    QList<T> merged;
    for (const T &item : current) {
        // Removed by the user; an item that is in `current` only was added elsewhere and stays.
        if (base.contains(item) && !edited.contains(item))
            continue;
        merged.append(item);
    }
    for (const T &item : edited) {
        if (!base.contains(item) && !merged.contains(item))
            merged.append(item);
    }
    return merged;
}

} // namespace

Config mergeEdits(const Config &base, const Config &edited, const Config &current)
{
    Config merged = current;
    merged.watched = mergeList(base.watched, edited.watched, current.watched);
    merged.whitelist = mergeList(base.whitelist, edited.whitelist, current.whitelist);
    takeIfEdited(merged.intervalMs, base.intervalMs, edited.intervalMs);
    takeIfEdited(merged.notificationsEnabled, base.notificationsEnabled, edited.notificationsEnabled);
    takeIfEdited(merged.notificationCooldownSec, base.notificationCooldownSec, edited.notificationCooldownSec);
    takeIfEdited(merged.logLevel, base.logLevel, edited.logLevel);
    takeIfEdited(merged.firstRunDone, base.firstRunDone, edited.firstRunDone);
    takeIfEdited(merged.interpreters, base.interpreters, edited.interpreters);
    return merged;
}

} // namespace portwatch
