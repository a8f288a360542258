// The picture a desktop notification carries: see notificationicon.h.
#include "notificationicon.h"

#include <QDBusMetaType>
#include <QDir>
#include <QFileInfo>
#include <QHash>
#include <QLoggingCategory>
#include <QPainter>
#include <QSaveFile>
#include <QStandardPaths>
#include <QSvgRenderer>

namespace portwatch {

namespace {
Q_LOGGING_CATEGORY(lcIcon, "portwatch.notify")
} // namespace

NotificationImage NotificationImage::fromImage(const QImage &source)
{
    // RGBA8888 is the spec's byte order (R, G, B, A) on every endianness, unlike ARGB32.
    const QImage image = source.convertToFormat(QImage::Format_RGBA8888);
    NotificationImage result;
    result.width = image.width();
    result.height = image.height();
    result.rowStride = int(image.bytesPerLine());
    result.data = QByteArray(reinterpret_cast<const char *>(image.constBits()), qsizetype(image.sizeInBytes()));
    return result;
}

QImage NotificationImage::toImage() const
{
    if (bitsPerSample != 8 || (channels != 4 && channels != 3) || (channels == 4) != hasAlpha || width <= 0
        || height <= 0 || rowStride < width * channels || data.size() < qsizetype(rowStride) * height)
        return {};
    const QImage view(reinterpret_cast<const uchar *>(data.constData()), width, height, rowStride,
                      channels == 4 ? QImage::Format_RGBA8888 : QImage::Format_RGB888);
    return view.copy(); // the bytes belong to this structure
}

void NotificationImage::registerType()
{
    static const bool registered = [] {
        qDBusRegisterMetaType<NotificationImage>();
        return true;
    }();
    Q_UNUSED(registered)
}

QDBusArgument &operator<<(QDBusArgument &argument, const NotificationImage &image)
{
    argument.beginStructure();
    argument << image.width << image.height << image.rowStride << image.hasAlpha << image.bitsPerSample
             << image.channels << image.data;
    argument.endStructure();
    return argument;
}

const QDBusArgument &operator>>(const QDBusArgument &argument, NotificationImage &image)
{
    argument.beginStructure();
    argument >> image.width >> image.height >> image.rowStride >> image.hasAlpha >> image.bitsPerSample
        >> image.channels >> image.data;
    argument.endStructure();
    return argument;
}

namespace notificationicon {

QImage render(const QString &path)
{
    QSvgRenderer svg(path);
    if (!svg.isValid()) {
        const QImage image(path);
        return image.isNull() ? image : image.scaled(Size, Size, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    }
    QImage image(Size, Size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::transparent);
    QPainter painter(&image);
    svg.render(&painter);
    painter.end();
    return image;
}

QString pngFile(const QString &path)
{
    // Written once per process: the images are compiled in and do not change while it runs.
    static QHash<QString, QString> written;
    // Written again when something (a tmp cleaner, a logout) removed it meanwhile.
    if (const auto it = written.constFind(path); it != written.cend() && (it->isEmpty() || QFileInfo::exists(*it)))
        return it.value();

    QString dir = QStandardPaths::writableLocation(QStandardPaths::RuntimeLocation);
    if (dir.isEmpty())
        dir = QStandardPaths::writableLocation(QStandardPaths::GenericCacheLocation);
    QString file;
    const QImage image = render(path);
    if (!dir.isEmpty() && !image.isNull()) {
        dir += QStringLiteral("/portwatch/icons");
        const QString candidate = dir + QLatin1Char('/') + QFileInfo(path).completeBaseName() + QStringLiteral(".png");
        QSaveFile out(candidate);
        if (QDir().mkpath(dir) && out.open(QIODevice::WriteOnly) && image.save(&out, "PNG") && out.commit())
            file = candidate;
        else
            qCWarning(lcIcon) << "cannot write the notification icon" << candidate << ":" << out.errorString();
    }
    written.insert(path, file);
    return file;
}

} // namespace notificationicon

} // namespace portwatch
