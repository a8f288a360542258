// The one way Portwatch reads and writes its own files (configuration, history, exports): reads go
// through platform::readRegularFile (regular files only, never blocking, size-capped); writes replace
// the file atomically and only after every byte reached it, so a full disk leaves the old file whole.
#pragma once

#include "platform/files.h"

#include <QByteArray>
#include <QFileDevice>
#include <QIODevice>
#include <QString>

#include <functional>
#include <optional>

namespace portwatch::safefile {

struct Read {
    platform::FileRead::Status status = platform::FileRead::Status::Missing;
    QByteArray data;
    QString error; // a sentence naming the file and what is wrong with it; empty when Ok
    qint64 size = 0; // the whole file's size, when it could be opened (data may hold only its tail)
};

// The file's bytes, or why not. `what` names the file in messages ("configuration file").
Read read(const QString &path, qsizetype maxBytes, platform::OverLimit overLimit = platform::OverLimit::Refuse);

// Writes data to a temporary file next to path, checks that every byte was written and flushed,
// then renames it over path; on any failure path is left as it was and error says why (the OS's
// reason, such as "No space left on device"). Creates the directory. A new file gets `permissions`
// when given; an existing file keeps its own.
bool write(const QString &path, const QByteArray &data, QString *error = nullptr,
           std::optional<QFileDevice::Permissions> permissions = std::nullopt);
// The same, with the content written by `fill` into the temporary file piece by piece (a large file
// need not be assembled in memory first); `fill` returns false when a write came up short.
bool write(const QString &path, const std::function<bool(QIODevice &)> &fill, QString *error = nullptr,
           std::optional<QFileDevice::Permissions> permissions = std::nullopt);

} // namespace portwatch::safefile
