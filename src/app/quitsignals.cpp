// Quit on termination requests: see quitsignals.h. The OS side (signals, console events) lives in
// platform/quitrequests; here the request becomes a queued quit of the event loop.
#include "quitsignals.h"

#include "platform/quitrequests.h"

#include <QCoreApplication>
#include <QMetaObject>

#include <spdlog/spdlog.h>

namespace portwatch::quitsignals {

bool install()
{
    std::string error;
    const bool installed = platform::installQuitHandler(
        [](const std::string &what) {
            spdlog::info("{} received; shutting down", what);
            // Called on the platform's thread: queue the quit onto the application's own thread.
            QMetaObject::invokeMethod(QCoreApplication::instance(), &QCoreApplication::quit, Qt::QueuedConnection);
        },
        &error);
    if (!installed)
        spdlog::warn("cannot route termination signals to a clean shutdown: {}", error);
    return installed;
}

} // namespace portwatch::quitsignals
