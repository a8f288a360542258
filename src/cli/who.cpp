// portwatch-cli who: which processes hold these ports.
#include "commands.h"
#include "output.h"

#include "platform/accounts.h"
#include "core/listenertext.h"
#include "core/binddiagnosis.h"

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
        // Only rows that lack their owner are worth a note: a row that names its process is complete,
        // even when processes of other users could not be searched for further sharers of the socket.
        QStringList incomplete;
        for (const platform::Listener &listener : *listeners) {
            const QString port = listenertext::port(listener.socket);
            if (listener.owners.empty() && !listener.ownersVisible && !incomplete.contains(port))
                incomplete.append(port);
        }
        if (!incomplete.isEmpty() && !platform::isPrivileged())
            err((incomplete.size() == 1 ? QStringLiteral("note: the owner of %1 is not visible to you; run %2 to see it\n")
                                        : QStringLiteral("note: the owners of %1 are not visible to you; run %2 to see them\n"))
                    .arg(incomplete.join(QLatin1String(", ")), QString::fromStdString(platform::elevationHint())));
        // HTTP.sys behind PID 4, the services inside a svchost.exe: what the table alone cannot say.
        const auto facts = platform::makePortDiagnosis();
        BindDiagnoser diagnoser(*facts);
        for (const BindReason &note : diagnoser.ownerNotes(*listeners))
            err(reasonLines(note, QStringLiteral("note: ")));
    }
    return listeners->isEmpty() ? ExitNegative : ExitOk;
}

} // namespace portwatch::cli
