// Quit on termination requests: see quitsignals.h. The OS side (signals, console events) lives in
// platform/quitrequests, the queued quit in core/quitonrequest.
#include "quitsignals.h"

#include "core/quitonrequest.h"

#include <spdlog/spdlog.h>

namespace portwatch::quitsignals {

bool install()
{
    QString error;
    const bool installed = quitOnRequest(&error);
    if (!installed)
        spdlog::warn("cannot route termination signals to a clean shutdown: {}", error.toStdString());
    return installed;
}

} // namespace portwatch::quitsignals
