// Parsers for the port range lists of Linux sysctls and Windows' netsh.
#include "portlistparser.h"

#include <charconv>
#include <string>

namespace portwatch::platform::portlist {
namespace {

bool isBlank(char c) noexcept
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trimmed(std::string_view text) noexcept
{
    while (!text.empty() && isBlank(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && isBlank(text.back()))
        text.remove_suffix(1);
    return text;
}

// A whole token as a port number 0-65535 (sysctls allow 0 in ranges only as "nothing").
std::optional<std::uint16_t> portNumber(std::string_view token) noexcept
{
    unsigned value = 0;
    const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), value);
    if (error != std::errc() || end != token.data() + token.size() || token.empty() || value > 65535)
        return std::nullopt;
    return static_cast<std::uint16_t>(value);
}

std::vector<std::string_view> words(std::string_view line)
{
    std::vector<std::string_view> result;
    while (true) {
        line = trimmed(line);
        if (line.empty())
            return result;
        std::size_t end = 0;
        while (end < line.size() && !isBlank(line[end]))
            ++end;
        result.push_back(line.substr(0, end));
        line.remove_prefix(end);
    }
}

} // namespace

std::optional<std::vector<PortRange>> parseSysctlList(std::string_view text)
{
    std::vector<PortRange> ranges;
    text = trimmed(text);
    while (!text.empty()) {
        const std::size_t comma = text.find(',');
        const std::string_view item = trimmed(text.substr(0, comma));
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
        const std::size_t dash = item.find('-');
        const auto first = portNumber(item.substr(0, dash));
        const auto last = dash == std::string_view::npos ? first : portNumber(item.substr(dash + 1));
        if (!first || !last || *last < *first)
            return std::nullopt;
        ranges.push_back({*first, *last});
    }
    return ranges;
}

std::optional<PortRange> parseSysctlRange(std::string_view text)
{
    const std::vector<std::string_view> parts = words(text);
    if (parts.size() != 2)
        return std::nullopt;
    const auto first = portNumber(parts[0]);
    const auto last = portNumber(parts[1]);
    if (!first || !last || *last < *first)
        return std::nullopt;
    return PortRange{*first, *last};
}

std::optional<std::vector<ReservedRange>> parseNetshExcluded(std::string_view text, Protocol protocol, Family family)
{
    std::vector<ReservedRange> ranges;
    bool sawTable = false;
    while (!text.empty()) {
        const std::size_t newline = text.find('\n');
        const std::string_view line = text.substr(0, newline);
        text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
        const std::vector<std::string_view> parts = words(line);
        // The rule under the column headers ("----------    --------") is the one mark of the table
        // that no translation changes; output without it (an error text, nothing) is no table.
        if (parts.size() == 2 && parts[0].find_first_not_of('-') == std::string_view::npos
            && parts[1].find_first_not_of('-') == std::string_view::npos)
            sawTable = true;
        // A row starts with two numbers; the legend ("* - Administered port exclusions.") and the
        // headers never do.
        if (parts.size() < 2 || parts.size() > 3 || !portNumber(parts[0]).has_value()
            || parts[1].find_first_not_of("0123456789") != std::string_view::npos)
            continue;
        const auto first = portNumber(parts[0]);
        const auto last = portNumber(parts[1]);
        if (!last || *last < *first || (parts.size() == 3 && parts[2] != "*"))
            return std::nullopt;
        ReservedRange range;
        range.ports = {*first, *last};
        range.protocol = protocol;
        range.family = family;
        range.kind = RangeKind::WindowsExcluded;
        range.administered = parts.size() == 3;
        ranges.push_back(range);
    }
    if (!sawTable)
        return std::nullopt;
    return ranges;
}

std::uint16_t urlPort(std::string_view url)
{
    const std::size_t scheme = url.find("://");
    if (scheme == std::string_view::npos)
        return 0;
    const std::string_view name = url.substr(0, scheme);
    const bool https = name == "https" || name == "HTTPS";
    if (!https && name != "http" && name != "HTTP")
        return 0;
    std::string_view host = url.substr(scheme + 3);
    host = host.substr(0, host.find('/'));
    // The port follows the last colon, unless that colon is inside an IPv6 literal ("[::1]").
    const std::size_t colon = host.rfind(':');
    if (colon == std::string_view::npos || host.find(']', colon) != std::string_view::npos)
        return https ? 443 : 80;
    return portNumber(host.substr(colon + 1)).value_or(0);
}

} // namespace portwatch::platform::portlist
