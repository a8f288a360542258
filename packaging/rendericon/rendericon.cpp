// rendericon: renders an SVG to square PNGs at build time, so the package ships the bitmap sizes
// panels and notification servers look up (hicolor/NxN/apps) without checked-in binaries.
//   rendericon SVG OUTDIR SIZE...   writes OUTDIR/SIZExSIZE/apps/<svg base name>.png
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QGuiApplication>
#include <QImage>
#include <QPainter>
#include <QSvgRenderer>

#include <cstdio>

int main(int argc, char *argv[])
{
    // No display at build time: the offscreen platform is enough for QImage and QPainter.
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QGuiApplication app(argc, argv);
    const QStringList arguments = QCoreApplication::arguments();
    if (arguments.size() < 4) {
        std::fprintf(stderr, "usage: rendericon SVG OUTDIR SIZE...\n");
        return 2;
    }
    const QString svgPath = arguments.at(1);
    QSvgRenderer renderer(svgPath);
    if (!renderer.isValid()) {
        std::fprintf(stderr, "rendericon: %s is not a valid SVG\n", qPrintable(svgPath));
        return 1;
    }
    const QString name = QFileInfo(svgPath).completeBaseName();
    for (const QString &sizeText : arguments.mid(3)) {
        bool ok = false;
        const int size = sizeText.toInt(&ok);
        if (!ok || size < 1 || size > 1024) {
            std::fprintf(stderr, "rendericon: bad size \"%s\" (1-1024)\n", qPrintable(sizeText));
            return 2;
        }
        QImage image(size, size, QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::transparent);
        QPainter painter(&image);
        painter.setRenderHint(QPainter::Antialiasing);
        renderer.render(&painter);
        painter.end();
        const QString dir = QStringLiteral("%1/%2x%2/apps").arg(arguments.at(2)).arg(size);
        const QString out = dir + QLatin1Char('/') + name + QStringLiteral(".png");
        // Qt's PNG writer adds no time stamp: the same SVG gives the same bytes, build after build.
        if (!QDir().mkpath(dir) || !image.save(out, "PNG")) {
            std::fprintf(stderr, "rendericon: cannot write %s\n", qPrintable(out));
            return 1;
        }
    }
    return 0;
}
