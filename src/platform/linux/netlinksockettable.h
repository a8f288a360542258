// The Linux socket table through NETLINK_SOCK_DIAG (inet_diag): the port filter runs in the kernel
// (idiag_sport for one port, INET_DIAG_REQ_BYTECODE otherwise), so only sockets on the asked ports
// come back; the kernel still looks at every socket of the protocol to decide.
#pragma once

#include "platform/sockettable.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace portwatch::platform {

// Not thread-safe: it owns one socket and reused buffers, so use one table per thread.
class NetlinkSocketTable final : public SocketTable {
public:
    NetlinkSocketTable();
    ~NetlinkSocketTable() override;
    NetlinkSocketTable(const NetlinkSocketTable &) = delete;
    NetlinkSocketTable &operator=(const NetlinkSocketTable &) = delete;

    // One dump per protocol the query names (TCP LISTEN, bound UDP), each covering IPv4 and IPv6,
    // or one per family where this kernel cannot do both at once. One netlink socket serves every
    // query; it is opened on first use and reopened after an error, so a failed query does not break
    // the next one.
    SocketList query(const SocketQuery &query) override;
    std::string backendName() const override;

    // True when the last query failed because netlink sock_diag is not usable here at all: the
    // socket could not be created, or the kernel refused a kind of dump it has never answered
    // (no inet_diag/udp_diag support, a seccomp or LSM policy). A caller may then fall back.
    bool unavailable() const noexcept { return m_unavailable; }
    // Socket records the kernel sent for the last query, before the check against the query here:
    // with the port filter working in the kernel, only sockets on the asked ports.
    std::size_t lastReceived() const noexcept { return m_lastReceived; }
    // Dump requests the last query sent.
    int lastDumps() const noexcept { return m_lastDumps; }

    // Whether UDP of both families comes in one dump on this kernel (probed on the second UDP query,
    // so that a table asked once pays nothing for it; false until then). Tests turn the combined dump off to check the one-dump-per-family path.
    bool combinedUdp() const noexcept { return m_combinedUdp == Support::Works; }
    void setUseCombinedUdp(bool use) noexcept { m_useCombinedUdp = use; }

private:
    enum class DumpStatus { Ok, Failed, Refused };
    // The families of one dump. Both: through the kernel's older TCPDIAG_GETSOCK request, which has
    // no family filter, so the kernel walks its table once for IPv4 and IPv6 together instead of
    // once per family. That request is for TCP; an INET_DIAG_REQ_PROTOCOL attribute makes it UDP.
    enum class Families { IPv4, IPv6, Both };
    enum class Support { Unknown, Works, Missing };

    bool ensureOpen(std::string &error);
    bool useCombined(Protocol protocol);
    bool probeCombinedUdp();
    void close() noexcept;
    DumpStatus dump(Protocol protocol, Families families, const SocketQuery &query, std::vector<SocketEntry> &out,
                    std::string &error);
    void buildRequest(Protocol protocol, Families families, const SocketQuery &query);
    DumpStatus receive(Protocol protocol, Families families, const SocketQuery &query, std::vector<SocketEntry> &out,
                       std::string &error);

    int m_fd = -1;
    std::uint32_t m_sequence = 0;
    std::uint32_t m_answeredKinds = 0; // bit per (protocol, family) the kernel has answered once
    std::size_t m_lastReceived = 0;
    bool m_unavailable = false;
    int m_lastDumps = 0;
    // Whether each protocol's families come in one dump. TCP's form is as old as sock_diag and taken
    // to work until refused; UDP's is probed (see probeCombinedUdp()). Missing: one dump per family.
    Support m_combinedTcp = Support::Works;
    Support m_combinedUdp = Support::Unknown;
    bool m_useCombinedUdp = true;
    bool m_askedUdp = false; // a UDP query was made (the probe waits for the second)
    std::vector<unsigned char> m_request; // reused: header + inet_diag_req_v2 + bytecode attribute
    std::vector<unsigned char> m_receive; // reused: one netlink datagram of a dump
    std::vector<PortRange> m_ranges;      // reused: the query's merged port ranges for one protocol
};

} // namespace portwatch::platform
