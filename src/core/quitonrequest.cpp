// Quit on the OS's request: see quitonrequest.h.
#include "quitonrequest.h"

#include "platform/quitrequests.h"

#include <QCoreApplication>
#include <QMetaObject>

#include <spdlog/spdlog.h>

namespace portwatch {

bool quitOnRequest(QString *error)
{
    std::string reason;
    const bool routed = platform::installQuitHandler(
        [](const std::string &what) {
            spdlog::info("{} received; shutting down", what);
            // Called on the platform's thread: queue the quit onto the application's own thread.
            QMetaObject::invokeMethod(QCoreApplication::instance(), &QCoreApplication::quit, Qt::QueuedConnection);
        },
        &reason);
    if (!routed && error)
        *error = QString::fromStdString(reason);
    return routed;
}

} // namespace portwatch
