// portwatch-cli watch --journal: each event as a structured journal entry, so that
// `journalctl -u portwatch-watch PORTWATCH_PORT=80` finds it.
#pragma once

#include "core/monitor.h"
#include "platform/journal.h"

#include <QString>

#include <memory>

namespace portwatch::cli {

class JournalSink final
{
    Q_DISABLE_COPY_MOVE(JournalSink)
public:
    explicit JournalSink(std::unique_ptr<platform::JournalWriter> writer);

    // One entry per owning process (one without PID and EXE when the owner is not visible), with
    // MESSAGE, PRIORITY and the PORTWATCH_* fields. event is "appeared" or "gone".
    // False with the reason in error when the journal did not take an entry.
    bool write(const char *event, const WatchedListener &watched, QString *error = nullptr);

    // The fields of one entry; owner is null when not visible.
    static platform::JournalFields fields(const char *event, const WatchedListener &watched,
                                          const platform::ProcessInfo *owner);

private:
    const std::unique_ptr<platform::JournalWriter> m_writer;
};

} // namespace portwatch::cli
