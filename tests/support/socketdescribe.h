// One line of text per socket entry, so platform tests compare whole sets with QCOMPARE and a failure
// shows exactly which socket differs: "tcp ipv6 ::1 41082 inode=23834 uid=0 v6only=1".
#pragma once

#include "platform/types.h"

#include <QLatin1String>
#include <QString>
#include <QStringList>

#include <vector>

namespace portwatch::testing {

inline QString describe(const platform::SocketEntry &entry)
{
    return QStringLiteral("%1 %2 %3 %4 inode=%5 uid=%6 v6only=%7")
        .arg(QLatin1String(platform::toString(entry.protocol)), QLatin1String(platform::toString(entry.family)),
             QString::fromStdString(entry.address))
        .arg(entry.port)
        .arg(entry.inode)
        .arg(entry.uid)
        .arg(entry.v6Only ? 1 : 0);
}

// Sorted, so the order the kernel or the file listed them in does not matter.
inline QStringList describeAll(const std::vector<platform::SocketEntry> &entries)
{
    QStringList lines;
    for (const platform::SocketEntry &entry : entries)
        lines << describe(entry);
    lines.sort();
    return lines;
}

} // namespace portwatch::testing
