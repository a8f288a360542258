// Parsing of /proc/net/{tcp,tcp6,udp,udp6} rows. The kernel prints each 32-bit word of an address
// as hex of the value in host byte order (%08X of the raw in-memory word), so a word is read back
// as a number and stored in memory as-is to recover the network-order bytes.
#include "procnetparser.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <charconv>
#include <cstring>
#include <unordered_set>

namespace portwatch::platform::procnet {

namespace {

// Socket states as /proc/net prints them (include/net/tcp_states.h).
constexpr unsigned stateListen = 0x0A; // TCP_LISTEN
constexpr unsigned stateClose = 0x07;  // TCP_CLOSE: a bound UDP socket that is not connected

bool isSpace(char c) noexcept
{
    return c == ' ' || c == '\t' || c == '\r';
}

// Splits a line into whitespace-separated fields, up to fields.size(); returns how many it found.
template<std::size_t N>
std::size_t splitFields(std::string_view line, std::array<std::string_view, N> &fields) noexcept
{
    std::size_t count = 0;
    std::size_t i = 0;
    while (count < N) {
        while (i < line.size() && isSpace(line[i]))
            ++i;
        if (i == line.size())
            break;
        const std::size_t start = i;
        while (i < line.size() && !isSpace(line[i]))
            ++i;
        fields[count++] = line.substr(start, i - start);
    }
    return count;
}

// Parses all of `text` as a number in `base`; fails on empty text, junk or overflow.
template<typename T>
bool parseNumber(std::string_view text, int base, T &value) noexcept
{
    if (text.empty())
        return false;
    const char *end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value, base);
    return ec == std::errc{} && ptr == end;
}

bool parseHexWord(std::string_view text, std::uint32_t &word) noexcept
{
    return text.size() == 8 && parseNumber(text, 16, word);
}

// Splits "0100007F:1F90" into its address and port parts and reads the port.
bool splitEndpoint(std::string_view field, std::string_view &hexAddress, std::uint16_t &port) noexcept
{
    const std::size_t colon = field.find(':');
    if (colon == std::string_view::npos)
        return false;
    hexAddress = field.substr(0, colon);
    const std::string_view hexPort = field.substr(colon + 1);
    return hexPort.size() == 4 && parseNumber(hexPort, 16, port);
}

// Address words -> canonical text. False when malformed or the length does not match the family.
bool parseAddress(std::string_view hexAddress, Family family, std::string &address)
{
    char text[INET6_ADDRSTRLEN];
    if (family == Family::IPv4) {
        std::uint32_t word = 0;
        if (!parseHexWord(hexAddress, word))
            return false;
        in_addr raw{};
        std::memcpy(&raw, &word, sizeof raw);
        if (!::inet_ntop(AF_INET, &raw, text, sizeof text))
            return false;
    } else {
        if (hexAddress.size() != 32)
            return false;
        in6_addr raw{};
        for (std::size_t i = 0; i < 4; ++i) {
            std::uint32_t word = 0;
            if (!parseHexWord(hexAddress.substr(i * 8, 8), word))
                return false;
            std::memcpy(reinterpret_cast<unsigned char *>(&raw) + i * 4, &word, sizeof word);
        }
        if (!::inet_ntop(AF_INET6, &raw, text, sizeof text))
            return false;
    }
    address.assign(text);
    return true;
}

bool isV4Mapped(std::string_view address) noexcept
{
    // inet_ntop spells every v4-mapped address this way.
    return address.starts_with("::ffff:") && address.find('.') != std::string_view::npos;
}

// Parses one row; false when it is not a wanted listening/bound socket or does not parse.
bool parseRow(std::string_view line, const FileKind &kind, const SocketQuery &query, SocketEntry &entry)
{
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
    std::array<std::string_view, 10> fields;
    if (splitFields(line, fields) < fields.size())
        return false;
    if (fields[0].empty() || fields[0].back() != ':')
        return false; // the header line, or a row that does not start with its slot number

    unsigned state = 0;
    if (fields[3].size() != 2 || !parseNumber(fields[3], 16, state))
        return false;
    if (state != (kind.protocol == Protocol::Tcp ? stateListen : stateClose))
        return false;

    // The port filter comes before any text is built, so a big table costs little to skip through.
    std::string_view hexAddress;
    std::uint16_t port = 0;
    if (!splitEndpoint(fields[1], hexAddress, port) || !query.wants(kind.protocol, port))
        return false;
    std::string address;
    if (!parseAddress(hexAddress, kind.family, address))
        return false;

    std::uint32_t uid = 0;
    std::uint64_t inode = 0;
    if (!parseNumber(fields[7], 10, uid) || !parseNumber(fields[9], 10, inode))
        return false;

    entry.protocol = kind.protocol;
    entry.family = kind.family;
    if (kind.family == Family::IPv4)
        entry.v6Only = false;
    else if (address == "::")
        entry.v6Only = kind.assumedV6Only;
    else
        entry.v6Only = !isV4Mapped(address);
    entry.address = std::move(address);
    entry.port = port;
    entry.inode = inode;
    entry.uid = uid;
    return true;
}

} // namespace

void parse(std::string_view text, const FileKind &kind, const SocketQuery &query, std::vector<SocketEntry> &out)
{
    // The kernel prints these files a page at a time and finds its place again in a hash table that
    // may have changed in between: on a busy host a row can come twice. One socket is one inode.
    std::unordered_set<std::uint64_t> seen;
    SocketEntry entry;
    while (!text.empty()) {
        const std::size_t newline = text.find('\n');
        const std::string_view line = text.substr(0, newline);
        text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
        if (!parseRow(line, kind, query, entry))
            continue;
        if (entry.inode != 0 && !seen.insert(entry.inode).second)
            continue;
        out.push_back(entry);
    }
}

std::vector<SocketEntry> parse(std::string_view text, const FileKind &kind)
{
    std::vector<SocketEntry> out;
    parse(text, kind, SocketQuery{}, out);
    return out;
}

} // namespace portwatch::platform::procnet
