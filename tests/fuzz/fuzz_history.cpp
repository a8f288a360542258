// Fuzz target: the history file (JSON lines, one event each), through the loader itself: the bytes
// are written to a file and History reads it. Whatever it keeps must survive being written back, or
// the next rewrite of the file would lose it.
#include "core/history.h"
#include "fuzzcheck.h"

#include <QFile>
#include <QJsonDocument>
#include <QString>
#include <QTemporaryDir>
#include <QtGlobal>

#include <cstddef>
#include <cstdint>
#include <memory>

using portwatch::History;
using portwatch::HistoryEvent;

namespace {

QString historyPath()
{
    // Set TMPDIR to a tmpfs (packaging/ci/fuzz.sh uses /dev/shm) to keep the disk out of the loop.
    static const auto dir = std::make_unique<QTemporaryDir>();
    PORTWATCH_FUZZ_CHECK(dir->isValid(), "a temporary directory for the history file");
    return dir->filePath(QStringLiteral("history.jsonl"));
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    // The loader warns about every unreadable line; millions of runs need no log.
    qInstallMessageHandler([](QtMsgType, const QMessageLogContext &, const QString &) {});
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QString path = historyPath();
    {
        QFile file(path);
        PORTWATCH_FUZZ_CHECK(file.open(QIODevice::WriteOnly | QIODevice::Truncate), "the history file opens");
        PORTWATCH_FUZZ_CHECK(file.write(reinterpret_cast<const char *>(data), qint64(size)) == qint64(size),
                             "the history file is written");
    }
    // A small capacity, so that trimming to it is exercised too.
    constexpr int capacity = 16;
    const History history(path, capacity);
    PORTWATCH_FUZZ_CHECK(history.events().size() <= capacity, "the loader keeps at most its capacity");
    for (const HistoryEvent &event : history.events()) {
        const QByteArray line = QJsonDocument(event.toJson()).toJson(QJsonDocument::Compact);
        const QJsonDocument document = QJsonDocument::fromJson(line);
        PORTWATCH_FUZZ_CHECK(document.isObject(), "a kept event is written as a JSON object");
        const std::optional<HistoryEvent> reread = HistoryEvent::fromJson(document.object());
        PORTWATCH_FUZZ_CHECK(reread.has_value(), "a kept event, written back, is readable");
        PORTWATCH_FUZZ_CHECK(*reread == event, "a kept event, written back, reads the same");
    }
    return 0;
}
