// The picture a desktop notification carries: an SVG from the resources rendered to an image, sent
// as the "image-data" hint (the freedesktop notification specification's iiibiiay structure) and
// written once as a PNG whose absolute path goes into app_icon. Either works without any icon theme;
// servers that read neither still get the application's name.
#pragma once

#include <QDBusArgument>
#include <QImage>
#include <QMetaType>
#include <QString>

namespace portwatch {

// The "image-data" hint: width, height, rowstride, has alpha, bits per sample, channels, RGBA bytes.
struct NotificationImage {
    int width = 0;
    int height = 0;
    int rowStride = 0;
    bool hasAlpha = true;
    int bitsPerSample = 8;
    int channels = 4;
    QByteArray data;

    static NotificationImage fromImage(const QImage &image);
    QImage toImage() const; // null when the fields do not describe RGB(A) bytes of 8 bits
    // Registers the D-Bus signature once, so a QVariant holding it can go into a hint map.
    static void registerType();
};

QDBusArgument &operator<<(QDBusArgument &argument, const NotificationImage &image);
const QDBusArgument &operator>>(const QDBusArgument &argument, NotificationImage &image);

namespace notificationicon {

// Servers scale the image themselves; 64 pixels is sharp at the sizes they show (32 to 64).
inline constexpr int Size = 64;

// Renders an SVG (or loads another image) at Size x Size; null when it cannot be read.
QImage render(const QString &path);
// The absolute path of a PNG of `path` under the runtime directory (or the cache directory), written
// on first use; empty when it cannot be written.
QString pngFile(const QString &path);

} // namespace notificationicon

} // namespace portwatch

Q_DECLARE_METATYPE(portwatch::NotificationImage)
