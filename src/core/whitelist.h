// Whitelist rules: which processes may hold watched ports without raising an alert.
#pragma once

#include "portspec.h"
#include "platform/types.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>
#include <string>
#include <vector>

namespace portwatch {

enum class Verdict {
    Expected,   // every owner matches a whitelist rule (a hidden owner: a rule for its user and port)
    Unexpected, // some owner, visible or hidden, matches no rule
    Unknown,    // no owner could be identified at all, so no rule can be checked
};

// A socket whose owning processes Portwatch cannot see (another user's, without privileges): only
// the socket's uid is known. Such a listener is judged by rules that name a user and ports but no
// executable.
bool ownerHidden(const platform::Listener &listener);

struct WhitelistRule {
    QString exe;   // absolute executable path as the user wrote it; empty: any program of `user` (then
                   // user and ports are required)
    QString user;  // empty: any user
    PortSpec ports; // empty: any port
    // Not set: any arguments. Set: a glob on the command line after the executable (see argsMatch);
    // set and empty: no arguments at all.
    std::optional<QString> args;

    // `resolvedExe` is exe with its symlinks resolved (Whitelist computes it once per rule), so a rule
    // for /usr/bin/python3 also matches a process whose executable is /usr/bin/python3.11.
    bool matches(const platform::SocketEntry &socket, const platform::ProcessInfo &owner,
                 const QString &resolvedExe = {}) const;
    // For a socket whose owner is hidden: only a rule without exe and args can match, by the socket's
    // user (name or uid) and port.
    bool matchesHidden(const platform::Listener &listener) const;
    QString describe() const; // "/usr/sbin/nginx as www-data on tcp/80"

    // exe with every symlink resolved; exe itself when it does not exist (yet) or has no links.
    // Touches the file system: call it when a rule is entered or loaded, not per poll.
    static QString resolveExe(const QString &exe);
    // The glob `args` against argv after argv[0], joined by single spaces. `*` matches any run of
    // characters (spaces and slashes too), `?` any one character, `\` makes the next character
    // literal; everything else matches itself, case-sensitively, and the glob must match the whole
    // line. A glob ending in " *" also matches the line without that tail ("app.py *" matches
    // "app.py" and "app.py --port 8000").
    static bool argsMatch(const QString &glob, const std::vector<std::string> &cmdline);
    // argv after argv[0] joined as argsMatch() sees it.
    static QString argsLine(const std::vector<std::string> &cmdline);

    QJsonObject toJson() const;
    // Rejects a rule without an absolute "exe" (unless it has "user" and "ports" and no "args"), with
    // a bad "ports" spec or wrong value types.
    static std::optional<WhitelistRule> fromJson(const QJsonObject &object, QString *error = nullptr);
    // The same, appending every problem to errors, each prefixed with jsonPath
    // ("whitelist[2].exe: \"nginx\" is not an absolute path").
    static std::optional<WhitelistRule> fromJson(const QJsonObject &object, const QString &jsonPath,
                                                 QStringList *errors);

    friend bool operator==(const WhitelistRule &, const WhitelistRule &) = default;
};

class Whitelist final
{
public:
    Whitelist() = default;
    // Resolves each rule's executable once, here (see WhitelistRule::resolveExe).
    explicit Whitelist(QList<WhitelistRule> rules);

    Verdict judge(const platform::Listener &listener) const;
    // Whether some rule allows this owner on this socket.
    bool allows(const platform::SocketEntry &socket, const platform::ProcessInfo &owner) const;
    // The ports on which some rule allows this owner ("tcp/80, tcp/443", "any port"), for "whitelisted
    // on other ports" in the details: each rule that matches the owner on some port, in rule order.
    QStringList portsAllowing(const platform::ProcessInfo &owner) const;
    const QList<WhitelistRule> &rules() const noexcept { return m_rules; }

private:
    QList<WhitelistRule> m_rules;
    QStringList m_resolved; // m_rules[i].exe resolved
};

} // namespace portwatch
