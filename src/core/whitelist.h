// Whitelist rules: which processes may hold watched ports without raising an alert.
#pragma once

#include "portspec.h"
#include "platform/types.h"

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace portwatch {

enum class Verdict {
    Expected,   // every visible owner matches a whitelist rule
    Unexpected, // some owner matches no rule
    Unknown,    // the owner is not visible to us, so no rule can be checked
};

struct WhitelistRule {
    QString exe;   // absolute executable path, compared exactly
    QString user;  // empty: any user
    PortSpec ports; // empty: any port

    bool matches(const platform::SocketEntry &socket, const platform::ProcessInfo &owner) const;
    QString describe() const; // "/usr/sbin/nginx as www-data on tcp/80"

    QJsonObject toJson() const;
    // Rejects a rule without an absolute "exe", with a bad "ports" spec or wrong value types.
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
    explicit Whitelist(QList<WhitelistRule> rules) : m_rules(std::move(rules)) {}

    Verdict judge(const platform::Listener &listener) const;
    const QList<WhitelistRule> &rules() const noexcept { return m_rules; }

private:
    QList<WhitelistRule> m_rules;
};

} // namespace portwatch
