// Guarded reads and checked atomic writes: see safefile.h.
#include "safefile.h"

#include <QDir>
#include <QFileInfo>
#include <QSaveFile>

namespace portwatch::safefile {

Read read(const QString &path, qsizetype maxBytes, platform::OverLimit overLimit)
{
    const platform::FileRead raw =
        platform::readRegularFile(QFile::encodeName(path).toStdString(), std::size_t(maxBytes), overLimit);
    Read result;
    result.status = raw.status;
    result.size = qint64(raw.size);
    const QString shown = QDir::toNativeSeparators(path);
    const QString why = QString::fromStdString(raw.error);
    switch (raw.status) {
    case platform::FileRead::Status::Ok:
        result.data = QByteArray(raw.data.data(), qsizetype(raw.data.size()));
        break;
    case platform::FileRead::Status::Missing:
        result.error = QStringLiteral("%1 does not exist").arg(shown);
        break;
    case platform::FileRead::Status::NotRegular:
        result.error = QStringLiteral("%1 is %2, not a regular file; it is not read").arg(shown, why);
        break;
    case platform::FileRead::Status::TooLarge:
        result.error = QStringLiteral("%1 is too large (%2 bytes; the limit is %3 bytes)")
                           .arg(shown)
                           .arg(raw.size)
                           .arg(maxBytes);
        break;
    case platform::FileRead::Status::Unreadable:
        result.error = QStringLiteral("Cannot read %1: %2").arg(shown, why);
        break;
    }
    return result;
}

bool write(const QString &path, const QByteArray &data, QString *error,
           std::optional<QFileDevice::Permissions> permissions)
{
    return write(path, [&data](QIODevice &file) { return file.write(data) == data.size(); }, error, permissions);
}

bool write(const QString &path, const std::function<bool(QIODevice &)> &fill, QString *error,
           std::optional<QFileDevice::Permissions> permissions)
{
    const QString shown = QDir::toNativeSeparators(path);
    auto fail = [&](const QString &reason) {
        if (error)
            *error = QStringLiteral("Cannot write %1: %2; the file on disk is unchanged.").arg(shown, reason);
        return false;
    };
    const QString directory = QFileInfo(path).absolutePath();
    if (!QDir().mkpath(directory))
        return fail(QStringLiteral("cannot create the directory %1").arg(QDir::toNativeSeparators(directory)));

    const bool existed = QFileInfo::exists(path);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(file.errorString());
    // Set on the temporary file, so the content is never visible under wider permissions.
    if (!existed && permissions)
        file.setPermissions(*permissions);
    // QSaveFile buffers writes, so write() succeeds even on a full disk; the failure only shows when the
    // buffer is flushed, and Qt 6.4's commit() does not notice a failed flush: it would rename the
    // truncated temporary file over the good one. Flush ourselves and cancel on any failure.
    if (!fill(file) || !file.flush() || file.error() != QFileDevice::NoError) {
        const QString reason = file.errorString();
        file.cancelWriting();
        file.commit(); // removes the temporary file; the target is left alone
        return fail(reason);
    }
    if (!file.commit())
        return fail(file.errorString());
    return true;
}

} // namespace portwatch::safefile
