// Port specifications as users write them: "80", "tcp/80", "udp/53", "8000-8100", "tcp/8000-8100",
// ":80", and comma-separated lists of these. Matching is exact: 80 never matches 8080.
#pragma once

#include "platform/types.h"

#include <QList>
#include <QString>
#include <QStringView>

#include <optional>

namespace portwatch {

// One element of a spec: which protocols, which ports.
struct PortSpecItem {
    bool tcp = true;
    bool udp = true;
    platform::PortRange range;

    bool matches(platform::Protocol protocol, quint16 port) const noexcept;
    QString toString() const; // "80", "tcp/80", "udp/8000-8100"
    friend bool operator==(const PortSpecItem &, const PortSpecItem &) = default;
};

class PortSpec final
{
public:
    PortSpec() = default;

    // Parses one spec or a comma-separated list. On failure returns nothing and, when error is
    // given, sets it to a sentence naming the bad part ("\"99999\": port 99999 is out of range 1-65535").
    static std::optional<PortSpec> parse(QStringView text, QString *error = nullptr);
    static PortSpec single(platform::Protocol protocol, quint16 port);

    bool matches(platform::Protocol protocol, quint16 port) const noexcept;
    bool isEmpty() const noexcept { return m_items.isEmpty(); }
    const QList<PortSpecItem> &items() const noexcept { return m_items; }

    // Canonical text that parse() reads back to an equal spec ("tcp/80, udp/53").
    QString toString() const;
    // For people: every port with its protocol, like every other spec ("8000-8100" reads
    // "tcp/8000-8100, udp/8000-8100"); toString() stays the short form the configuration keeps.
    QString label() const;
    // Adds this spec's protocol/port ranges to a socket query for the platform layer.
    void addTo(platform::SocketQuery &query) const;

    friend bool operator==(const PortSpec &, const PortSpec &) = default;

private:
    QList<PortSpecItem> m_items;
};

// A query for everything the given specs cover (one item per protocol and range).
platform::SocketQuery socketQueryFor(const QList<PortSpec> &specs);

} // namespace portwatch
