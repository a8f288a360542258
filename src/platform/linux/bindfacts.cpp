// Parsers for /proc/self/status (CapEff), /proc/net/tcp (connections per local port) and
// /proc/<pid>/cgroup (systemd service).
#include "bindfacts.h"

#include <charconv>
#include <string>
#include <vector>

namespace portwatch::platform::bindfacts {
namespace {

std::vector<std::string_view> lines(std::string_view text)
{
    std::vector<std::string_view> result;
    while (!text.empty()) {
        const std::size_t newline = text.find('\n');
        result.push_back(text.substr(0, newline));
        text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    }
    return result;
}

std::string_view nextWord(std::string_view &text)
{
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    std::size_t end = 0;
    while (end < text.size() && text[end] != ' ' && text[end] != '\t')
        ++end;
    const std::string_view word = text.substr(0, end);
    text.remove_prefix(end);
    return word;
}

template <typename T>
std::optional<T> hexNumber(std::string_view text)
{
    T value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
    if (error != std::errc() || end != text.data() + text.size() || text.empty())
        return std::nullopt;
    return value;
}

} // namespace

std::optional<std::uint64_t> effectiveCapabilities(std::string_view status)
{
    for (std::string_view line : lines(status)) {
        if (!line.starts_with("CapEff:"))
            continue;
        line.remove_prefix(7);
        return hexNumber<std::uint64_t>(nextWord(line));
    }
    return std::nullopt;
}

void countConnections(std::string_view procNetTcp, std::uint16_t port, PortConnections &counts)
{
    for (std::string_view line : lines(procNetTcp)) {
        // "  12: 0100007F:A0D2 0100007F:1F90 06 ..." : slot, local, remote, state.
        const std::string_view slot = nextWord(line);
        if (slot.empty() || slot.back() != ':')
            continue; // the header
        const std::string_view local = nextWord(line);
        nextWord(line);
        const std::string_view state = nextWord(line);
        const std::size_t colon = local.rfind(':');
        if (colon == std::string_view::npos)
            continue;
        const auto localPort = hexNumber<std::uint16_t>(local.substr(colon + 1));
        const auto stateCode = hexNumber<unsigned>(state);
        if (!localPort || !stateCode || *localPort != port || *stateCode == 0x0A)
            continue;
        if (*stateCode == 0x06)
            ++counts.timeWait;
        else
            ++counts.other;
    }
}

std::optional<ServiceEntry> serviceOfCgroup(std::string_view cgroup)
{
    for (std::string_view line : lines(cgroup)) {
        // cgroup v2 ("0::/system.slice/nginx.service") or v1's systemd hierarchy ("1:name=systemd:/...").
        if (!line.starts_with("0::") && line.find(":name=systemd:") == std::string_view::npos)
            continue;
        const std::string_view path = line.substr(line.find(":/") + 1);
        const std::size_t slash = path.rfind('/');
        const std::string_view unit = path.substr(slash + 1);
        if (!unit.ends_with(".service") || unit.size() <= 8)
            continue;
        ServiceEntry service;
        service.name = std::string(unit);
        service.running = true;
        service.userUnit = path.substr(0, slash).find("/user@") != std::string_view::npos;
        return service;
    }
    return std::nullopt;
}

} // namespace portwatch::platform::bindfacts
