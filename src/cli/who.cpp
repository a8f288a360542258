// portwatch-cli who: which processes hold these ports.
#include "commands.h"
#include "output.h"

#include "core/binddiagnosis.h"

#include <QJsonDocument>

#include <algorithm>

#include <unistd.h>

namespace portwatch::cli {

int runWho(const CommonOptions &common, const QList<PortSpec> &specs)
{
    const auto listeners = lookup(specs, common);
    if (!listeners)
        return ExitFailure;
    if (common.json) {
        out(QString::fromUtf8(QJsonDocument(listenersToJson(*listeners)).toJson(QJsonDocument::Indented)));
    } else if (listeners->isEmpty()) {
        QStringList wanted;
        for (const PortSpec &spec : specs)
            wanted << spec.toString();
        err(wanted.isEmpty() ? QStringLiteral("nothing is listening\n")
                             : QStringLiteral("nothing holds %1\n").arg(wanted.join(QLatin1String(", "))));
    } else {
        out(listenersTable(*listeners));
        const bool hidden = std::any_of(listeners->begin(), listeners->end(),
                                        [](const platform::Listener &listener) { return !listener.ownersVisible; });
        if (hidden && ::geteuid() != 0)
            err(QStringLiteral("note: some owners are not visible to you; run with sudo to see every process\n"));
        // HTTP.sys behind PID 4, the services inside a svchost.exe: what the table alone cannot say.
        const auto facts = platform::makePortDiagnosis();
        BindDiagnoser diagnoser(*facts);
        for (const BindReason &note : diagnoser.ownerNotes(*listeners))
            err(reasonLines(note, QStringLiteral("note: ")));
    }
    return listeners->isEmpty() ? ExitNegative : ExitOk;
}

} // namespace portwatch::cli
