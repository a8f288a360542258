// JournalSink: see journalsink.h. Field values are the same words the JSON output uses.
#include "journalsink.h"

#include "output.h"

namespace portwatch::cli {

namespace {

// syslog priorities: a new unexpected listener is a warning, its end a notice.
constexpr const char *priorityWarning = "4";
constexpr const char *priorityNotice = "5";

} // namespace

JournalSink::JournalSink(std::unique_ptr<platform::JournalWriter> writer) : m_writer(std::move(writer)) {}

platform::JournalFields JournalSink::fields(const char *event, const WatchedListener &watched,
                                            const platform::ProcessInfo *owner)
{
    const platform::Listener &listener = watched.listener;
    const bool appeared = std::string_view(event) == "appeared";
    const QString what = watched.verdict == Verdict::Unknown ? QStringLiteral("listener with an owner not visible")
                                                             : QStringLiteral("unexpected listener");
    QString message = QStringLiteral("%1 %2: %3, %4").arg(what, QLatin1String(event), socketText(listener.socket),
                                                          ownerText(listener, owner));
    if (owner && !owner->exe.empty())
        message += QLatin1Char(' ') + QString::fromStdString(owner->exe);

    platform::JournalFields result{
        {"MESSAGE", message.toStdString()},
        {"PRIORITY", appeared ? priorityWarning : priorityNotice},
        {"SYSLOG_IDENTIFIER", "portwatch-cli"},
        {"PORTWATCH_EVENT", event},
        {"PORTWATCH_PROTOCOL", platform::toString(listener.socket.protocol)},
        {"PORTWATCH_PORT", std::to_string(listener.socket.port)},
        {"PORTWATCH_ADDRESS", listener.socket.address},
        {"PORTWATCH_EXPECTED", expectedText(watched.verdict)},
    };
    if (owner) {
        result.emplace_back("PORTWATCH_PID", std::to_string(owner->pid));
        result.emplace_back("PORTWATCH_EXE", owner->exe);
        result.emplace_back("PORTWATCH_USER", owner->user);
    } else {
        result.emplace_back("PORTWATCH_USER", listener.user);
    }
    return result;
}

bool JournalSink::write(const char *event, const WatchedListener &watched, QString *error)
{
    QList<const platform::ProcessInfo *> owners;
    for (const platform::ProcessInfo &owner : watched.listener.owners)
        owners.append(&owner);
    if (owners.isEmpty())
        owners.append(nullptr);
    bool ok = true;
    for (const platform::ProcessInfo *owner : std::as_const(owners)) {
        std::string reason;
        if (!m_writer->send(fields(event, watched, owner), &reason)) {
            ok = false;
            if (error)
                *error = QString::fromStdString(reason);
        }
    }
    return ok;
}

} // namespace portwatch::cli
