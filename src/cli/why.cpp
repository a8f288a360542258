// portwatch-cli why: would a bind of this port fail now, why, and what frees it.
#include "commands.h"
#include "output.h"

#include "core/binddiagnosis.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace portwatch::cli {
namespace {

QJsonObject reasonToJson(const BindReason &reason)
{
    return QJsonObject{{QStringLiteral("kind"), QLatin1String(toString(reason.kind))},
                       {QStringLiteral("blocksBind"), reason.blocksBind},
                       {QStringLiteral("text"), reason.text},
                       {QStringLiteral("fixes"), QJsonArray::fromStringList(reason.fixes)},
                       {QStringLiteral("details"), reason.details}};
}

} // namespace

QString reasonLines(const BindReason &reason, const QString &lead)
{
    QString text = QStringLiteral("%1%2\n").arg(lead, reason.text);
    for (const QString &fix : reason.fixes)
        text += QStringLiteral("%1    fix: %2\n").arg(QString(lead.size(), QLatin1Char(' ')), fix);
    return text;
}

std::optional<std::pair<platform::Protocol, quint16>> parseWhyPort(const QStringList &arguments)
{
    if (arguments.size() != 1) {
        err(QStringLiteral("portwatch-cli: why takes exactly one port, for example 'portwatch-cli why 8080' or 'why udp/53'\n"));
        return std::nullopt;
    }
    const auto specs = parseSpecs(arguments);
    if (!specs)
        return std::nullopt;
    const QList<PortSpecItem> &items = specs->first().items();
    if (items.size() != 1 || items.first().range.first != items.first().range.last) {
        err(QStringLiteral("portwatch-cli: why looks at one port, not '%1'\n").arg(arguments.first()));
        return std::nullopt;
    }
    // A bare port means TCP, what servers bind most; "udp/53" asks about UDP.
    const PortSpecItem &item = items.first();
    const platform::Protocol protocol = item.tcp ? platform::Protocol::Tcp : platform::Protocol::Udp;
    return std::pair{protocol, item.range.first};
}

int runWhy(const CommonOptions &common, platform::Protocol protocol, quint16 port)
{
    const auto listeners = lookup({PortSpec::single(protocol, port)}, common);
    if (!listeners)
        return ExitFailure;
    const auto facts = platform::makePortDiagnosis();
    BindDiagnoser diagnoser(*facts);
    BindVerdict verdict = diagnoser.diagnose(protocol, port, *listeners);
    // A socket without a visible owner: what would show it depends on who runs us, which the
    // platform-neutral diagnosis does not know.
    for (BindReason &reason : verdict.reasons) {
        if (reason.kind != BindReason::Kind::Listener || !reason.details.value(QStringLiteral("pid")).isNull())
            continue;
        for (const platform::Listener &listener : verdict.listeners)
            if (listener.owners.empty() && reason.fixes.isEmpty())
                reason.fixes << invisibleHint(listener);
    }
    const QString name = QStringLiteral("%1/%2").arg(QLatin1String(platform::toString(protocol))).arg(port);

    if (common.json) {
        QJsonArray reasons;
        for (const BindReason &reason : verdict.reasons)
            reasons.append(reasonToJson(reason));
        const QJsonObject object{{QStringLiteral("protocol"), QLatin1String(platform::toString(protocol))},
                                 {QStringLiteral("port"), port},
                                 {QStringLiteral("bindWouldFail"), verdict.bindWouldFail()},
                                 {QStringLiteral("listeners"), listenersToJson(verdict.listeners)},
                                 {QStringLiteral("reasons"), reasons},
                                 {QStringLiteral("unchecked"), QJsonArray::fromStringList(verdict.unchecked)}};
        out(QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Indented)));
    } else {
        QString text = verdict.bindWouldFail()
            ? QStringLiteral("%1: a bind would fail now (* blocks it, - worth knowing):\n").arg(name)
            : QStringLiteral("%1 is free: a bind would succeed now.\n").arg(name);
        for (const BindReason &reason : verdict.reasons)
            if (reason.blocksBind)
                text += reasonLines(reason, reason.blocksBind ? QStringLiteral("  * ") : QStringLiteral("  - "));
        for (const BindReason &reason : verdict.reasons)
            if (!reason.blocksBind)
                text += reasonLines(reason, reason.blocksBind ? QStringLiteral("  * ") : QStringLiteral("  - "));
        out(text);
        for (const QString &what : verdict.unchecked)
            err(QStringLiteral("warning: not checked: %1\n").arg(what));
    }
    return verdict.bindWouldFail() ? ExitNegative : ExitOk;
}

} // namespace portwatch::cli
