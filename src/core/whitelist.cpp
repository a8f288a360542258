// Whitelist rules: matching a socket's owner, judging a listener, and the rules' JSON form.
#include "whitelist.h"

#include "jsonvalues.h"

#include <QDir>

#include <algorithm>

namespace portwatch {
namespace {

const QString exeKey = QStringLiteral("exe");
const QString userKey = QStringLiteral("user");
const QString portsKey = QStringLiteral("ports");

// Linux reports "/usr/sbin/nginx (deleted)" for a process whose binary was replaced on disk, as a
// package upgrade does while the old server keeps running; it is still the program the rule names.
QString comparableExe(const std::string &exe)
{
    static const QString deletedSuffix = QStringLiteral(" (deleted)");
    QString path = QString::fromStdString(exe);
    if (path.endsWith(deletedSuffix))
        path.chop(deletedSuffix.size());
    return path;
}

} // namespace

bool WhitelistRule::matches(const platform::SocketEntry &socket, const platform::ProcessInfo &owner) const
{
    if (exe.isEmpty() || owner.exe.empty() || comparableExe(owner.exe) != exe)
        return false;
    if (!user.isEmpty()) {
        const QString ownerUser = QString::fromStdString(owner.user);
        // A rule may name the user or, for users without a name, the numeric uid.
        if (user != ownerUser && user != QString::number(owner.uid))
            return false;
    }
    return ports.isEmpty() || ports.matches(socket.protocol, socket.port);
}

QString WhitelistRule::describe() const
{
    QString text = exe;
    if (!user.isEmpty())
        text += QStringLiteral(" as ") + user;
    text += ports.isEmpty() ? QStringLiteral(" on any port") : QStringLiteral(" on ") + ports.toString();
    return text;
}

QJsonObject WhitelistRule::toJson() const
{
    QJsonObject object{{exeKey, exe}};
    if (!user.isEmpty())
        object.insert(userKey, user);
    if (!ports.isEmpty())
        object.insert(portsKey, ports.toString());
    return object;
}

std::optional<WhitelistRule> WhitelistRule::fromJson(const QJsonObject &object, QString *error)
{
    QStringList errors;
    auto rule = fromJson(object, QString(), &errors);
    if (error)
        *error = errors.join(QStringLiteral("; "));
    return rule;
}

std::optional<WhitelistRule> WhitelistRule::fromJson(const QJsonObject &object, const QString &jsonPath,
                                                     QStringList *errors)
{
    QStringList found;
    auto problem = [&](const QString &key, const QString &why) {
        found.append((jsonPath.isEmpty() ? key : jsonPath + QLatin1Char('.') + key) + QStringLiteral(": ") + why);
    };

    WhitelistRule rule;
    const QJsonValue exe = object.value(exeKey);
    if (exe.isUndefined()) {
        problem(exeKey, QStringLiteral("missing (the absolute path of the executable)"));
    } else if (!exe.isString()) {
        problem(exeKey, json::mustBe(QStringLiteral("a string"), exe));
    } else if (!QDir::isAbsolutePath(exe.toString())) {
        problem(exeKey, json::describe(exe) + QStringLiteral(" is not an absolute path"));
    } else {
        rule.exe = exe.toString();
    }

    // null is accepted as "not given" for the optional keys: some tools write it that way.
    const QJsonValue user = object.value(userKey);
    if (user.isString())
        rule.user = user.toString();
    else if (!user.isUndefined() && !user.isNull())
        problem(userKey, json::mustBe(QStringLiteral("a string (a user name)"), user));

    const QJsonValue ports = object.value(portsKey);
    if (ports.isString()) {
        QString why;
        if (auto spec = PortSpec::parse(ports.toString(), &why)) {
            rule.ports = *spec;
        } else {
            if (ports.toString().trimmed().isEmpty())
                why += QStringLiteral(" (leave \"ports\" out to allow any port)");
            problem(portsKey, why);
        }
    } else if (!ports.isUndefined() && !ports.isNull()) {
        problem(portsKey, json::mustBe(QStringLiteral("a string (a port spec such as \"tcp/80,tcp/443\")"), ports));
    }

    if (errors)
        errors->append(found);
    if (!found.isEmpty())
        return std::nullopt;
    return rule;
}

Verdict Whitelist::judge(const platform::Listener &listener) const
{
    // An owner whose executable we cannot read is as good as invisible: no rule can be checked
    // against it, so it neither clears nor condemns the listener.
    bool anyVisible = false;
    for (const platform::ProcessInfo &owner : listener.owners) {
        if (owner.exe.empty())
            continue;
        anyVisible = true;
        const bool allowed = std::any_of(m_rules.cbegin(), m_rules.cend(), [&](const WhitelistRule &rule) {
            return rule.matches(listener.socket, owner);
        });
        if (!allowed)
            return Verdict::Unexpected;
    }
    return anyVisible ? Verdict::Expected : Verdict::Unknown;
}

} // namespace portwatch
