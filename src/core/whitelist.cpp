// Whitelist rules: matching a socket's owner, judging a listener, and the rules' JSON form.
#include "whitelist.h"

#include "jsonvalues.h"

#include <QDir>
#include <QFileInfo>

#include <algorithm>
#include <utility>

namespace portwatch {
namespace {

const QString exeKey = QStringLiteral("exe");
const QString userKey = QStringLiteral("user");
const QString portsKey = QStringLiteral("ports");
const QString argsKey = QStringLiteral("args");

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

// A rule may name the user or, for users without a name, the numeric uid.
bool sameUser(const QString &ruleUser, const std::string &name, std::uint32_t uid)
{
    return ruleUser.isEmpty() || ruleUser == QString::fromStdString(name) || ruleUser == QString::number(uid);
}

struct GlobToken {
    enum class Kind { Literal, AnyOne, AnyRun } kind = Kind::Literal;
    QChar character;
    bool escaped = false;
};

std::vector<GlobToken> tokenize(QStringView glob)
{
    std::vector<GlobToken> tokens;
    for (qsizetype i = 0; i < glob.size(); ++i) {
        const QChar c = glob.at(i);
        if (c == QLatin1Char('\\') && i + 1 < glob.size())
            tokens.push_back({GlobToken::Kind::Literal, glob.at(++i), true});
        else if (c == QLatin1Char('*'))
            tokens.push_back({GlobToken::Kind::AnyRun, {}, false});
        else if (c == QLatin1Char('?'))
            tokens.push_back({GlobToken::Kind::AnyOne, {}, false});
        else
            tokens.push_back({GlobToken::Kind::Literal, c, false});
    }
    return tokens;
}

// The classic linear-backtracking wildcard match: on a mismatch, the last `*` takes one more character.
bool globMatch(const std::vector<GlobToken> &glob, QStringView text)
{
    std::size_t g = 0;
    qsizetype t = 0;
    std::size_t starG = glob.size();
    qsizetype starT = 0;
    while (t < text.size()) {
        if (g < glob.size() && glob[g].kind == GlobToken::Kind::AnyRun) {
            starG = g++;
            starT = t;
        } else if (g < glob.size()
                   && (glob[g].kind == GlobToken::Kind::AnyOne || glob[g].character == text.at(t))) {
            ++g;
            ++t;
        } else if (starG < glob.size()) {
            g = starG + 1;
            t = ++starT;
        } else {
            return false;
        }
    }
    while (g < glob.size() && glob[g].kind == GlobToken::Kind::AnyRun)
        ++g;
    return g == glob.size();
}

} // namespace

bool ownerHidden(const platform::Listener &listener)
{
    return listener.owners.empty() && !listener.ownersVisible;
}

bool WhitelistRule::matches(const platform::SocketEntry &socket, const platform::ProcessInfo &owner,
                            const QString &resolvedExe) const
{
    if (!exe.isEmpty()) {
        if (owner.exe.empty())
            return false;
        const QString ownerExe = comparableExe(owner.exe);
        if (ownerExe != exe && (resolvedExe.isEmpty() || ownerExe != resolvedExe))
            return false;
    } else if (user.isEmpty() || ports.isEmpty()) {
        return false; // not a valid rule: it would trust everything
    }
    if (!sameUser(user, owner.user, owner.uid))
        return false;
    if (args && !argsMatch(*args, owner.cmdline))
        return false;
    return ports.isEmpty() || ports.matches(socket.protocol, socket.port);
}

bool WhitelistRule::matchesHidden(const platform::Listener &listener) const
{
    if (!exe.isEmpty() || args || user.isEmpty() || ports.isEmpty())
        return false;
    return sameUser(user, listener.user, listener.socket.uid) && ports.matches(listener.socket.protocol,
                                                                               listener.socket.port);
}

QString WhitelistRule::resolveExe(const QString &exe)
{
    if (exe.isEmpty())
        return {};
    const QString canonical = QFileInfo(exe).canonicalFilePath();
    return canonical.isEmpty() ? exe : canonical;
}

QString WhitelistRule::argsLine(const std::vector<std::string> &cmdline)
{
    QStringList parts;
    for (std::size_t i = 1; i < cmdline.size(); ++i)
        parts << QString::fromStdString(cmdline[i]);
    return parts.join(QLatin1Char(' '));
}

bool WhitelistRule::argsMatch(const QString &glob, const std::vector<std::string> &cmdline)
{
    if (cmdline.empty())
        return false; // unreadable command line: nothing to check the glob against
    const QString line = argsLine(cmdline);
    const std::vector<GlobToken> tokens = tokenize(glob);
    if (globMatch(tokens, line))
        return true;
    // "app.py *" stands for app.py with any arguments, none included.
    const std::size_t n = tokens.size();
    if (n >= 2 && tokens[n - 1].kind == GlobToken::Kind::AnyRun && tokens[n - 2].kind == GlobToken::Kind::Literal
        && tokens[n - 2].character == QLatin1Char(' ') && !tokens[n - 2].escaped) {
        return globMatch(std::vector<GlobToken>(tokens.begin(), tokens.end() - 2), line);
    }
    return false;
}

QString WhitelistRule::describe() const
{
    QString text = exe.isEmpty() ? QStringLiteral("any program") : exe;
    if (args)
        text += args->isEmpty() ? QStringLiteral(" (no arguments)") : QStringLiteral(" ") + *args;
    if (!user.isEmpty())
        text += QStringLiteral(" as ") + user;
    text += ports.isEmpty() ? QStringLiteral(" on any port") : QStringLiteral(" on ") + ports.toString();
    return text;
}

QJsonObject WhitelistRule::toJson() const
{
    QJsonObject object;
    if (!exe.isEmpty())
        object.insert(exeKey, exe);
    if (args)
        object.insert(argsKey, *args);
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
    // Without "exe" a rule trusts every program of one user on some ports: the rule for a socket
    // whose owner Portwatch cannot see. It needs both, or it would trust far too much.
    const bool userRule = (exe.isUndefined() || exe.isNull()) && object.value(userKey).isString()
        && !object.value(userKey).toString().isEmpty() && object.value(portsKey).isString();
    if ((exe.isUndefined() || exe.isNull()) && !userRule) {
        problem(exeKey, QStringLiteral("missing (the absolute path of the executable; a rule without one needs "
                                       "\"user\" and \"ports\")"));
    } else if (userRule) {
        if (object.contains(argsKey) && !object.value(argsKey).isNull())
            problem(argsKey, QStringLiteral("needs \"exe\" (the arguments of which program?)"));
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

    const QJsonValue args = object.value(argsKey);
    if (args.isString())
        rule.args = args.toString();
    else if (!args.isUndefined() && !args.isNull())
        problem(argsKey, json::mustBe(QStringLiteral("a string (a glob such as \"-m http.server *\")"), args));

    if (errors)
        errors->append(found);
    if (!found.isEmpty())
        return std::nullopt;
    return rule;
}

Whitelist::Whitelist(QList<WhitelistRule> rules) : m_rules(std::move(rules))
{
    m_resolved.reserve(m_rules.size());
    for (const WhitelistRule &rule : std::as_const(m_rules))
        m_resolved.append(WhitelistRule::resolveExe(rule.exe));
}

bool Whitelist::allows(const platform::SocketEntry &socket, const platform::ProcessInfo &owner) const
{
    for (qsizetype i = 0; i < m_rules.size(); ++i) {
        if (m_rules.at(i).matches(socket, owner, m_resolved.at(i)))
            return true;
    }
    return false;
}

QStringList Whitelist::portsAllowing(const platform::ProcessInfo &owner) const
{
    QStringList ports;
    for (qsizetype i = 0; i < m_rules.size(); ++i) {
        WhitelistRule anyPort = m_rules.at(i);
        const PortSpec spec = std::exchange(anyPort.ports, PortSpec{});
        // A rule without an executable needs its ports to be valid; any socket of them stands in.
        platform::SocketEntry probe;
        if (!spec.isEmpty()) {
            anyPort.ports = spec;
            const PortSpecItem &first = spec.items().front();
            probe.protocol = first.tcp ? platform::Protocol::Tcp : platform::Protocol::Udp;
            probe.port = first.range.first;
        }
        if (!anyPort.matches(probe, owner, m_resolved.at(i)))
            continue;
        const QString text = spec.isEmpty() ? QStringLiteral("any port") : spec.toString();
        if (!ports.contains(text))
            ports.append(text);
    }
    return ports;
}

Verdict Whitelist::judge(const platform::Listener &listener) const
{
    // A hidden owner is still somebody: the socket's uid is known, so it is judged by the rules for
    // that user and port, and alerts like any other when none allows it.
    if (ownerHidden(listener)) {
        const bool allowed = std::any_of(m_rules.cbegin(), m_rules.cend(),
                                         [&](const WhitelistRule &rule) { return rule.matchesHidden(listener); });
        return allowed ? Verdict::Expected : Verdict::Unexpected;
    }
    // An owner whose executable we cannot read can still be allowed by a rule for its user; it
    // neither clears nor condemns the listener otherwise.
    bool anyJudged = false;
    for (const platform::ProcessInfo &owner : listener.owners) {
        const bool allowed = allows(listener.socket, owner);
        if (owner.exe.empty() && !allowed)
            continue;
        anyJudged = true;
        if (!allowed)
            return Verdict::Unexpected;
    }
    return anyJudged ? Verdict::Expected : Verdict::Unknown;
}

} // namespace portwatch
