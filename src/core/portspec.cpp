// Port specs: parsing with errors that name the bad part, exact matching, canonical text, and the
// merge into a platform SocketQuery.
#include "portspec.h"

#include <QStringList>

#include <algorithm>
#include <utility>

namespace portwatch {
namespace {

constexpr int maxPort = 65535;

QString quoted(QStringView text)
{
    return QLatin1Char('"') + text.toString() + QLatin1Char('"');
}

// A decimal port number, 1-65535. ASCII digits only: QString::toInt would accept "+80" and " 80".
std::optional<quint16> parsePort(QStringView text, QString *why)
{
    if (text.isEmpty()) {
        *why = QStringLiteral("port number missing");
        return std::nullopt;
    }
    qint64 value = 0;
    for (const QChar ch : text) {
        if (ch < QLatin1Char('0') || ch > QLatin1Char('9')) {
            *why = quoted(text) + QStringLiteral(" is not a port number");
            return std::nullopt;
        }
        // Saturate instead of overflowing; anything above maxPort is reported the same way.
        value = std::min<qint64>(value * 10 + (ch.unicode() - '0'), qint64(maxPort) + 1);
    }
    if (value < 1 || value > maxPort) {
        *why = QStringLiteral("port %1 is out of range 1-%2").arg(text.toString()).arg(maxPort);
        return std::nullopt;
    }
    return static_cast<quint16>(value);
}

// One element: [tcp/|udp/][:]PORT[-PORT]. Whitespace around the parts is tolerated.
std::optional<PortSpecItem> parseItem(QStringView text, QString *why)
{
    PortSpecItem item;
    QStringView rest = text;
    const qsizetype slash = rest.indexOf(QLatin1Char('/'));
    if (slash >= 0) {
        const QString protocol = rest.left(slash).trimmed().toString().toLower();
        if (protocol == QLatin1String("tcp")) {
            item.udp = false;
        } else if (protocol == QLatin1String("udp")) {
            item.tcp = false;
        } else if (protocol.isEmpty()) {
            *why = QStringLiteral("protocol missing before \"/\" (use tcp or udp)");
            return std::nullopt;
        } else {
            *why = QStringLiteral("unknown protocol %1 (use tcp or udp)").arg(quoted(rest.left(slash).trimmed()));
            return std::nullopt;
        }
        rest = rest.mid(slash + 1).trimmed();
    } else {
        const QString lower = rest.toString().toLower();
        if (lower == QLatin1String("tcp") || lower == QLatin1String("udp")) {
            *why = QStringLiteral("port missing (write %1/PORT)").arg(lower);
            return std::nullopt;
        }
    }
    // netstat and ss print ":80"; people paste that.
    if (rest.startsWith(QLatin1Char(':')))
        rest = rest.mid(1).trimmed();
    if (rest.isEmpty()) {
        *why = QStringLiteral("port number missing");
        return std::nullopt;
    }

    const qsizetype dash = rest.indexOf(QLatin1Char('-'));
    if (dash < 0) {
        const auto port = parsePort(rest, why);
        if (!port)
            return std::nullopt;
        item.range = {*port, *port};
        return item;
    }

    const QStringView firstText = rest.left(dash).trimmed();
    const QStringView lastText = rest.mid(dash + 1).trimmed();
    if (firstText.isEmpty() || lastText.isEmpty()) {
        *why = QStringLiteral("range %1 is incomplete (write FIRST-LAST, e.g. 8000-8100)").arg(quoted(rest));
        return std::nullopt;
    }
    const auto first = parsePort(firstText, why);
    if (!first)
        return std::nullopt;
    const auto last = parsePort(lastText, why);
    if (!last)
        return std::nullopt;
    if (*first > *last) {
        *why = QStringLiteral("range %1-%2 is reversed (write %2-%1)").arg(*first).arg(*last);
        return std::nullopt;
    }
    item.range = {*first, *last};
    return item;
}

} // namespace

bool PortSpecItem::matches(platform::Protocol protocol, quint16 port) const noexcept
{
    const bool protocolWanted = protocol == platform::Protocol::Tcp ? tcp : udp;
    return protocolWanted && range.contains(port);
}

QString PortSpecItem::toString() const
{
    QString text;
    if (tcp && !udp)
        text = QStringLiteral("tcp/");
    else if (udp && !tcp)
        text = QStringLiteral("udp/");
    text += QString::number(range.first);
    if (range.last != range.first)
        text += QLatin1Char('-') + QString::number(range.last);
    return text;
}

std::optional<PortSpec> PortSpec::parse(QStringView text, QString *error)
{
    QString why;
    auto fail = [&](const QString &message) -> std::optional<PortSpec> {
        if (error)
            *error = message;
        return std::nullopt;
    };

    if (text.trimmed().isEmpty())
        return fail(QStringLiteral("the port spec is empty"));

    PortSpec spec;
    const auto elements = text.split(QLatin1Char(','));
    for (qsizetype i = 0; i < elements.size(); ++i) {
        const QStringView element = elements.at(i).trimmed();
        if (element.isEmpty()) {
            return fail(QStringLiteral("element %1 of %2 is empty (a stray comma?)")
                            .arg(i + 1)
                            .arg(quoted(text.trimmed())));
        }
        const auto item = parseItem(element, &why);
        if (!item)
            return fail(quoted(element) + QStringLiteral(": ") + why);
        // "80, 80" means "80": keep the canonical form free of repeats.
        if (!spec.m_items.contains(*item))
            spec.m_items.append(*item);
    }
    if (error)
        error->clear();
    return spec;
}

PortSpec PortSpec::single(platform::Protocol protocol, quint16 port)
{
    PortSpecItem item;
    item.tcp = protocol == platform::Protocol::Tcp;
    item.udp = protocol == platform::Protocol::Udp;
    item.range = {port, port};
    PortSpec spec;
    spec.m_items.append(item);
    return spec;
}

bool PortSpec::matches(platform::Protocol protocol, quint16 port) const noexcept
{
    return std::any_of(m_items.cbegin(), m_items.cend(),
                       [&](const PortSpecItem &item) { return item.matches(protocol, port); });
}

QString PortSpec::toString() const
{
    QStringList parts;
    parts.reserve(m_items.size());
    for (const PortSpecItem &item : m_items)
        parts.append(item.toString());
    return parts.join(QStringLiteral(", "));
}

QString PortSpec::label() const
{
    QStringList parts;
    for (const PortSpecItem &item : m_items) {
        for (const bool udp : {false, true}) {
            if (udp ? !item.udp : !item.tcp)
                continue;
            PortSpecItem one = item;
            one.tcp = !udp;
            one.udp = udp;
            parts.append(one.toString());
        }
    }
    return parts.join(QStringLiteral(", "));
}

void PortSpec::addTo(platform::SocketQuery &query) const
{
    using platform::PortRange;
    using platform::Protocol;

    // Gather per protocol what the query already asks for plus what this spec adds, then merge
    // overlapping and adjacent ranges so the kernel filter stays as short as possible.
    std::vector<PortRange> tcpRanges;
    std::vector<PortRange> udpRanges;
    for (const auto &item : query.items)
        (item.protocol == Protocol::Tcp ? tcpRanges : udpRanges).push_back(item.ports);
    for (const PortSpecItem &item : m_items) {
        if (item.tcp)
            tcpRanges.push_back(item.range);
        if (item.udp)
            udpRanges.push_back(item.range);
    }

    query.items.clear();
    auto emitMerged = [&query](Protocol protocol, std::vector<PortRange> &ranges) {
        std::sort(ranges.begin(), ranges.end(),
                  [](const PortRange &a, const PortRange &b) { return a.first < b.first; });
        std::optional<PortRange> current;
        for (const PortRange &range : ranges) {
            if (current && int(range.first) <= int(current->last) + 1) {
                current->last = std::max(current->last, range.last);
                continue;
            }
            if (current)
                query.items.push_back({protocol, *current});
            current = range;
        }
        if (current)
            query.items.push_back({protocol, *current});
    };
    emitMerged(Protocol::Tcp, tcpRanges);
    emitMerged(Protocol::Udp, udpRanges);
}

platform::SocketQuery socketQueryFor(const QList<PortSpec> &specs)
{
    // Note for callers: a query with no items means "every socket" to the platform layer, so an
    // empty list of specs yields a query for everything. Check for nothing-to-watch before asking.
    platform::SocketQuery query;
    for (const PortSpec &spec : specs)
        spec.addTo(query);
    return query;
}

} // namespace portwatch
