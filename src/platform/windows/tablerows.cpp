// IP Helper table rows to SocketEntry: see tablerows.h.
#include "tablerows.h"

#include <cstring>

namespace portwatch::platform::win {

namespace {

// The tables keep the port in network byte order in the low 16 bits of a DWORD.
std::uint16_t portOf(DWORD value) noexcept
{
    return ntohs(static_cast<u_short>(value & 0xffff));
}

std::string text4(DWORD address)
{
    in_addr in{};
    in.s_addr = address;
    char buffer[INET_ADDRSTRLEN] = {};
    return ::inet_ntop(AF_INET, &in, buffer, sizeof buffer) ? buffer : std::string();
}

std::string text6(const UCHAR (&address)[16])
{
    in6_addr in{};
    std::memcpy(&in, address, sizeof in);
    char buffer[INET6_ADDRSTRLEN] = {};
    return ::inet_ntop(AF_INET6, &in, buffer, sizeof buffer) ? buffer : std::string();
}

SocketEntry entry(Protocol protocol, Family family, std::string address, std::uint16_t port, DWORD pid)
{
    SocketEntry socket;
    socket.protocol = protocol;
    socket.family = family;
    socket.address = std::move(address);
    socket.port = port;
    socket.ownerPid = pid;
    socket.inode = pid; // the table names no socket; the owner stands in (see types.h)
    // Windows sockets are IPv6-only unless the program clears IPV6_V6ONLY, which the table does
    // not show: the default is what we report.
    socket.v6Only = family == Family::IPv6;
    return socket;
}

} // namespace

void appendRows(const MIB_TCPTABLE_OWNER_PID &table, const SocketQuery &query, std::vector<SocketEntry> &out)
{
    for (DWORD i = 0; i < table.dwNumEntries; ++i) {
        const MIB_TCPROW_OWNER_PID &row = table.table[i];
        const std::uint16_t port = portOf(row.dwLocalPort);
        if (row.dwState == MIB_TCP_STATE_LISTEN && query.wants(Protocol::Tcp, port))
            out.push_back(entry(Protocol::Tcp, Family::IPv4, text4(row.dwLocalAddr), port, row.dwOwningPid));
    }
}

void appendRows(const MIB_TCP6TABLE_OWNER_PID &table, const SocketQuery &query, std::vector<SocketEntry> &out)
{
    for (DWORD i = 0; i < table.dwNumEntries; ++i) {
        const MIB_TCP6ROW_OWNER_PID &row = table.table[i];
        const std::uint16_t port = portOf(row.dwLocalPort);
        if (row.dwState == MIB_TCP_STATE_LISTEN && query.wants(Protocol::Tcp, port))
            out.push_back(entry(Protocol::Tcp, Family::IPv6, text6(row.ucLocalAddr), port, row.dwOwningPid));
    }
}

void appendRows(const MIB_UDPTABLE_OWNER_PID &table, const SocketQuery &query, std::vector<SocketEntry> &out)
{
    for (DWORD i = 0; i < table.dwNumEntries; ++i) {
        const MIB_UDPROW_OWNER_PID &row = table.table[i];
        const std::uint16_t port = portOf(row.dwLocalPort);
        if (query.wants(Protocol::Udp, port))
            out.push_back(entry(Protocol::Udp, Family::IPv4, text4(row.dwLocalAddr), port, row.dwOwningPid));
    }
}

void appendRows(const MIB_UDP6TABLE_OWNER_PID &table, const SocketQuery &query, std::vector<SocketEntry> &out)
{
    for (DWORD i = 0; i < table.dwNumEntries; ++i) {
        const MIB_UDP6ROW_OWNER_PID &row = table.table[i];
        const std::uint16_t port = portOf(row.dwLocalPort);
        if (query.wants(Protocol::Udp, port))
            out.push_back(entry(Protocol::Udp, Family::IPv6, text6(row.ucLocalAddr), port, row.dwOwningPid));
    }
}

} // namespace portwatch::platform::win
