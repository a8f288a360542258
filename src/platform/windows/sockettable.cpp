// makeSocketTable() for Windows: the IP Helper tables with owner PIDs (GetExtendedTcpTable for
// listening TCP sockets, GetExtendedUdpTable for bound UDP sockets), IPv4 and IPv6. The API takes no
// port filter, so the rows are filtered here, as they are read.
#include "platform/sockettable.h"

#include "tablerows.h"
#include "winutil.h"

#include <cstdint>
#include <vector>

namespace portwatch::platform {

namespace {

// A table can grow between the call that asks for its size and the call that fills the buffer;
// each retry gets the size the last call reported.
constexpr int kAttempts = 8;

template<typename Fetch>
bool fetch(Fetch call, std::vector<std::uint64_t> &buffer, std::string &error, const char *what)
{
    DWORD size = static_cast<DWORD>(buffer.size() * sizeof(std::uint64_t));
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
        const DWORD rc = call(buffer.empty() ? nullptr : buffer.data(), &size);
        if (rc == NO_ERROR)
            return true;
        if (rc != ERROR_INSUFFICIENT_BUFFER) {
            error = std::string("cannot read the ") + what + " table: " + win::errorText(rc);
            return false;
        }
        // Room for the rows that appear meanwhile, and 8-byte alignment for the table structure.
        buffer.assign((size + size / 8 + 64) / sizeof(std::uint64_t) + 1, 0);
        size = static_cast<DWORD>(buffer.size() * sizeof(std::uint64_t));
    }
    error = std::string("cannot read the ") + what + " table: it kept growing while it was read";
    return false;
}

class WindowsSocketTable final : public SocketTable {
public:
    SocketList query(const SocketQuery &query) override
    {
        SocketList list;
        bool tcp = query.all();
        bool udp = query.all();
        for (const SocketQuery::Item &item : query.items)
            (item.protocol == Protocol::Tcp ? tcp : udp) = true;
        if (tcp) {
            if (!read(AF_INET, true, query, list) || !read(AF_INET6, true, query, list))
                return list;
        }
        if (udp) {
            if (!read(AF_INET, false, query, list) || !read(AF_INET6, false, query, list))
                return list;
        }
        return list;
    }

    std::string backendName() const override { return "iphlpapi"; }

private:
    bool read(ULONG family, bool tcp, const SocketQuery &query, SocketList &list)
    {
        std::vector<std::uint64_t> &buffer = tcp ? m_tcpBuffer : m_udpBuffer;
        const char *what = tcp ? (family == AF_INET ? "TCP/IPv4" : "TCP/IPv6") : (family == AF_INET ? "UDP/IPv4" : "UDP/IPv6");
        const bool ok = tcp ? fetch([family](void *data, DWORD *size) {
                                  return ::GetExtendedTcpTable(data, size, FALSE, family, TCP_TABLE_OWNER_PID_LISTENER, 0);
                              }, buffer, list.error, what)
                            : fetch([family](void *data, DWORD *size) {
                                  return ::GetExtendedUdpTable(data, size, FALSE, family, UDP_TABLE_OWNER_PID, 0);
                              }, buffer, list.error, what);
        if (!ok) {
            list.sockets.clear();
            return false;
        }
        const void *data = buffer.data();
        if (tcp && family == AF_INET)
            win::appendRows(*static_cast<const MIB_TCPTABLE_OWNER_PID *>(data), query, list.sockets);
        else if (tcp)
            win::appendRows(*static_cast<const MIB_TCP6TABLE_OWNER_PID *>(data), query, list.sockets);
        else if (family == AF_INET)
            win::appendRows(*static_cast<const MIB_UDPTABLE_OWNER_PID *>(data), query, list.sockets);
        else
            win::appendRows(*static_cast<const MIB_UDP6TABLE_OWNER_PID *>(data), query, list.sockets);
        return true;
    }

    // Kept between polls: a quiet tick reuses the memory of the last one.
    std::vector<std::uint64_t> m_tcpBuffer;
    std::vector<std::uint64_t> m_udpBuffer;
};

} // namespace

std::unique_ptr<SocketTable> makeSocketTable(SocketBackend backend)
{
    // Windows has one interface for this; Native and Fallback name Linux's two.
    (void)backend;
    return std::make_unique<WindowsSocketTable>();
}

} // namespace portwatch::platform
