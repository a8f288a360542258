// portwatch-cli who: which processes hold these ports.
#include "commands.h"
#include "output.h"

#include "platform/accounts.h"

#include <QJsonDocument>

#include <algorithm>


namespace portwatch::cli {

int runWho(const CommonOptions &common, const QList<PortSpec> &specs)
{
    const auto listeners = lookup(specs, common);
    if (!listeners)
        return ExitFailure;
    if (common.json) {
        out(QString::fromUtf8(QJsonDocument(listenersToJson(*listeners)).toJson(QJsonDocument::Indented)));
    } else if (listeners->isEmpty()) {
        err(specs.isEmpty() ? QStringLiteral("nothing is listening\n")
                            : QStringLiteral("nothing holds %1\n").arg(specsSummary(specs)));
    } else {
        out(listenersTable(*listeners));
        const bool hidden = std::any_of(listeners->begin(), listeners->end(),
                                        [](const platform::Listener &listener) { return !listener.ownersVisible; });
        if (hidden && !platform::isPrivileged())
            err(QStringLiteral("note: some owners are not visible to you; run %1 to see every process\n")
                    .arg(QString::fromStdString(platform::elevationHint())));
    }
    return listeners->isEmpty() ? ExitNegative : ExitOk;
}

} // namespace portwatch::cli
