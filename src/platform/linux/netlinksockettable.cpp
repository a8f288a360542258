// NETLINK_SOCK_DIAG socket table. Per query: one request and usually one reply datagram per dump
// (the kernel appends NLMSG_DONE to the last batch), on one socket kept open between queries, with
// request and receive buffers reused, so a quiet poll is a handful of syscalls and no allocation
// beyond the result itself.
#include "netlinksockettable.h"

#include "netlinkreply.h"
#include "procfs.h"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace portwatch::platform {

namespace {

using netlink::holdingState;

// The largest netlink datagram the kernel builds for a dump is about 32 KiB; twice that leaves room.
constexpr std::size_t receiveBufferSize = 64 * 1024;

// Ranges whose bytecode would not fit the 16-bit attribute length are filtered here instead.
constexpr std::size_t maxBytecodeRanges = 2048;

// A port comparison (S_GE or S_LE) is two 4-byte ops: the condition and the port; a JMP is one.
constexpr std::size_t bytecodeCompareSize = 2 * sizeof(inet_diag_bc_op);
constexpr std::size_t bytecodeJumpSize = sizeof(inet_diag_bc_op);

const char *protocolLabel(Protocol protocol) noexcept
{
    return protocol == Protocol::Tcp ? "TCP" : "UDP";
}

template<typename Families>
const char *familyLabel(Families families) noexcept
{
    return families == Families::IPv4 ? "IPv4" : families == Families::IPv6 ? "IPv6" : "IPv4 and IPv6";
}

std::string errnoText(int error)
{
    return std::generic_category().message(error);
}

template<typename Families>
unsigned kindBits(Protocol protocol, Families families) noexcept
{
    const unsigned v4 = 1u << (protocol == Protocol::Tcp ? 0 : 2);
    return families == Families::IPv4 ? v4 : families == Families::IPv6 ? v4 << 1 : v4 | (v4 << 1);
}

template<typename T>
void append(std::vector<unsigned char> &buffer, const T &value)
{
    const auto *bytes = reinterpret_cast<const unsigned char *>(&value);
    buffer.insert(buffer.end(), bytes, bytes + sizeof value);
}

// The query's port ranges for one protocol, sorted and merged, in `ranges`. Returns false when
// the query wants nothing of this protocol (the dump can be skipped). An empty `ranges` after a
// true return means every port.
bool portRanges(const SocketQuery &query, Protocol protocol, std::vector<PortRange> &ranges)
{
    ranges.clear();
    if (query.all())
        return true;
    for (const SocketQuery::Item &item : query.items) {
        if (item.protocol == protocol && item.ports.first <= item.ports.last)
            ranges.push_back(item.ports);
    }
    if (ranges.empty())
        return false;
    std::sort(ranges.begin(), ranges.end(), [](const PortRange &a, const PortRange &b) { return a.first < b.first; });
    std::size_t merged = 0;
    for (std::size_t i = 1; i < ranges.size(); ++i) {
        PortRange &last = ranges[merged];
        if (unsigned(ranges[i].first) <= unsigned(last.last) + 1)
            last.last = std::max(last.last, ranges[i].last);
        else
            ranges[++merged] = ranges[i];
    }
    ranges.resize(merged + 1);
    // Bound sockets never have port 0, so 1-65535 is as good as everything.
    if (ranges.size() == 1 && ranges.front().first <= 1 && ranges.front().last == 65535)
        ranges.clear();
    return true;
}

// inet_diag bytecode accepting a source port inside any of `ranges` (sorted, disjoint): a balanced
// decision tree, so that the kernel runs about log2(ranges) + 2 ops per socket it looks at instead
// of up to two per range. The kernel visits every socket of the protocol on the machine for each
// dump and most of them match no range, so this is what a dump costs per socket.
//
// The kernel runs the ops in order: a true condition advances by `yes` bytes, a false one by `no`
// bytes, and the socket is accepted when it lands exactly on the end, rejected when it jumps 4 bytes
// beyond it. Its validator walks the `yes` chain and only allows `no` to land on an op of that chain,
// so every `yes` is the next op and branches are forward `no` jumps: a node "port >= pivot" falls
// through to the subtree of the ranges from the pivot on and jumps over it to the subtree of the
// ranges below. A leaf checks only the bounds the path to it has not settled, then JMPs to the end.
class Bytecode {
public:
    explicit Bytecode(const std::vector<PortRange> &ranges) : m_ranges(ranges) {}

    std::size_t size() const { return size(0, m_ranges.size(), 0, 65535); }

    void appendTo(std::vector<unsigned char> &buffer) const
    {
        m_total = size();
        m_base = buffer.size();
        emit(buffer, 0, m_ranges.size(), 0, 65535);
    }

private:
    // The ranges [lo, hi), for a port known to lie in [low, high].
    std::size_t size(std::size_t lo, std::size_t hi, unsigned low, unsigned high) const
    {
        if (hi - lo == 1) {
            const PortRange &range = m_ranges[lo];
            return (range.first > low ? bytecodeCompareSize : 0) + (range.last < high ? bytecodeCompareSize : 0)
                + bytecodeJumpSize;
        }
        const std::size_t mid = lo + (hi - lo) / 2;
        const unsigned pivot = m_ranges[mid].first;
        return bytecodeCompareSize + size(mid, hi, pivot, high) + size(lo, mid, low, pivot - 1);
    }

    void emit(std::vector<unsigned char> &buffer, std::size_t lo, std::size_t hi, unsigned low, unsigned high) const
    {
        const auto here = [&buffer, this] { return buffer.size() - m_base; };
        const auto reject = [&] { return std::uint16_t(m_total - here() + 4); };
        if (hi - lo == 1) {
            const PortRange &range = m_ranges[lo];
            if (range.first > low) {
                add(buffer, inet_diag_bc_op{INET_DIAG_BC_S_GE, bytecodeCompareSize, reject()});
                add(buffer, inet_diag_bc_op{0, 0, range.first});
            }
            if (range.last < high) {
                add(buffer, inet_diag_bc_op{INET_DIAG_BC_S_LE, bytecodeCompareSize, reject()});
                add(buffer, inet_diag_bc_op{0, 0, range.last});
            }
            // JMP never takes `yes`; its `no` lands on the end: accept.
            add(buffer, inet_diag_bc_op{INET_DIAG_BC_JMP, bytecodeJumpSize, std::uint16_t(m_total - here())});
            return;
        }
        const std::size_t mid = lo + (hi - lo) / 2;
        const unsigned pivot = m_ranges[mid].first;
        const std::size_t upper = size(mid, hi, pivot, high);
        add(buffer, inet_diag_bc_op{INET_DIAG_BC_S_GE, bytecodeCompareSize, std::uint16_t(bytecodeCompareSize + upper)});
        add(buffer, inet_diag_bc_op{0, 0, std::uint16_t(pivot)});
        emit(buffer, mid, hi, pivot, high);
        emit(buffer, lo, mid, low, pivot - 1);
    }

    static void add(std::vector<unsigned char> &buffer, const inet_diag_bc_op &op) { append(buffer, op); }

    const std::vector<PortRange> &m_ranges;
    mutable std::size_t m_total = 0;
    mutable std::size_t m_base = 0;
};

} // namespace

NetlinkSocketTable::NetlinkSocketTable()
{
    m_receive.resize(receiveBufferSize);
}

NetlinkSocketTable::~NetlinkSocketTable()
{
    close();
}

std::string NetlinkSocketTable::backendName() const
{
    return "netlink";
}

bool NetlinkSocketTable::ensureOpen(std::string &error)
{
    if (m_fd >= 0)
        return true;
    const int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0) {
        const int saved = errno;
        error = "Could not open a NETLINK_SOCK_DIAG socket: " + errnoText(saved) + ".";
        return false;
    }
    // A dump is answered at once; the timeout only guards against a kernel that never replies.
    const timeval timeout{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    m_fd = fd;
    return true;
}

void NetlinkSocketTable::close() noexcept
{
    if (m_fd >= 0)
        ::close(m_fd);
    m_fd = -1;
}

SocketList NetlinkSocketTable::query(const SocketQuery &query)
{
    SocketList result;
    m_unavailable = false;
    m_lastReceived = 0;
    if (!ensureOpen(result.error)) {
        m_unavailable = true;
        return result;
    }
    m_lastDumps = 0;
    for (const Protocol protocol : {Protocol::Tcp, Protocol::Udp}) {
        if (!query.all() && std::none_of(query.items.begin(), query.items.end(),
                                         [protocol](const SocketQuery::Item &item) { return item.protocol == protocol; }))
            continue;
        if (useCombined(protocol)) {
            const DumpStatus status = dump(protocol, Families::Both, query, result.sockets, result.error);
            if (status == DumpStatus::Ok)
                continue;
            close();
            if (status == DumpStatus::Failed) {
                result.sockets.clear();
                return result;
            }
            // A kernel without the compatibility request (or a policy that refuses it): one dump per
            // family from now on. If netlink is not usable at all, those are refused too.
            (protocol == Protocol::Tcp ? m_combinedTcp : m_combinedUdp) = Support::Missing;
            result.error.clear();
        }
        if (!ensureOpen(result.error)) { // closed by a refused combined dump or by the UDP probe
            m_unavailable = true;
            result.sockets.clear();
            return result;
        }
        for (const Families families : {Families::IPv4, Families::IPv6}) {
            const DumpStatus status = dump(protocol, families, query, result.sockets, result.error);
            if (status == DumpStatus::Ok)
                continue;
            // Whatever is left in the socket belongs to the failed dump; a fresh socket is simpler
            // and safer than draining it.
            close();
            m_unavailable = status == DumpStatus::Refused;
            result.sockets.clear();
            return result;
        }
    }
    return result;
}

bool NetlinkSocketTable::useCombined(Protocol protocol)
{
    if (protocol == Protocol::Tcp)
        return m_combinedTcp == Support::Works;
    if (!m_useCombinedUdp)
        return false;
    if (m_combinedUdp == Support::Unknown) {
        // The probe costs two small dumps and two sockets: more than it saves a table asked once
        // (`portwatch-cli who`), so the first UDP query goes per family and the second one probes.
        if (!m_askedUdp) {
            m_askedUdp = true;
            return false;
        }
        const std::size_t received = m_lastReceived;
        const int dumps = m_lastDumps;
        m_combinedUdp = probeCombinedUdp() ? Support::Works : Support::Missing;
        m_lastReceived = received; // the probe's dumps and records are not the query's
        m_lastDumps = dumps;
    }
    return m_combinedUdp == Support::Works;
}

// UDP through TCPDIAG_GETSOCK with an INET_DIAG_REQ_PROTOCOL attribute naming UDP is one walk of the
// UDP table for both families (Linux 5.10 and later), where SOCK_DIAG_BY_FAMILY needs one per family.
// A kernel that does not read the attribute there answers for TCP instead, without an error, so the
// answer is checked once against sockets of our own: a loopback UDP socket of each family (IPv6 only
// where it can be had) must come back with its inode. Leaves the netlink socket closed on failure.
bool NetlinkSocketTable::probeCombinedUdp()
{
    for (const int family : {AF_INET, AF_INET6}) {
        sockaddr_storage address{};
        socklen_t length;
        if (family == AF_INET) {
            auto *v4 = reinterpret_cast<sockaddr_in *>(&address);
            v4->sin_family = AF_INET;
            v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            length = sizeof *v4;
        } else {
            auto *v6 = reinterpret_cast<sockaddr_in6 *>(&address);
            v6->sin6_family = AF_INET6;
            v6->sin6_addr = in6addr_loopback;
            length = sizeof *v6;
        }
        const procfs::UniqueFd own(::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        struct stat status{};
        const bool bound = own.valid() && ::bind(own.get(), reinterpret_cast<sockaddr *>(&address), length) == 0
            && ::getsockname(own.get(), reinterpret_cast<sockaddr *>(&address), &length) == 0
            && ::fstat(own.get(), &status) == 0;
        if (!bound)
            return family == AF_INET6; // no IPv6 socket or loopback to be had: the IPv4 answer decides
        const std::uint16_t port = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in *>(&address)->sin_port
                                                           : reinterpret_cast<sockaddr_in6 *>(&address)->sin6_port);
        SocketQuery query;
        query.items.push_back({Protocol::Udp, {port, port}});
        std::vector<SocketEntry> found;
        std::string error;
        if (dump(Protocol::Udp, Families::Both, query, found, error) != DumpStatus::Ok) {
            close(); // whatever the failed dump left in the socket goes with it
            return false;
        }
        if (std::none_of(found.begin(), found.end(),
                         [&status](const SocketEntry &entry) { return entry.inode == status.st_ino; }))
            return false;
    }
    return true;
}

NetlinkSocketTable::DumpStatus NetlinkSocketTable::dump(Protocol protocol, Families families, const SocketQuery &query,
                                                        std::vector<SocketEntry> &out, std::string &error)
{
    buildRequest(protocol, families, query);
    if (m_request.empty())
        return DumpStatus::Ok; // nothing of this protocol wanted
    ++m_lastDumps;

    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    iovec iov{m_request.data(), m_request.size()};
    msghdr msg{};
    msg.msg_name = &kernel;
    msg.msg_namelen = sizeof kernel;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    ssize_t sent;
    do {
        sent = ::sendmsg(m_fd, &msg, 0);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) {
        const int saved = errno;
        error = std::string("Could not send the ") + protocolLabel(protocol) + "/" + familyLabel(families)
                + " socket dump request over netlink: " + errnoText(saved) + ".";
        const bool refused = saved == EPERM || saved == EACCES || saved == EOPNOTSUPP;
        return refused && !(m_answeredKinds & kindBits(protocol, families)) ? DumpStatus::Refused : DumpStatus::Failed;
    }
    return receive(protocol, families, query, out, error);
}

void NetlinkSocketTable::buildRequest(Protocol protocol, Families families, const SocketQuery &query)
{
    m_request.clear();
    if (!portRanges(query, protocol, m_ranges))
        return;
    // One port: the kernel compares idiag_sport before anything else and runs no bytecode, which
    // saves the per-socket setup the bytecode needs (about a quarter of a dump on a busy host).
    const bool onePort = m_ranges.size() == 1 && m_ranges.front().first == m_ranges.front().last;
    const std::uint16_t sport = onePort ? htons(m_ranges.front().first) : 0;
    const bool useBytecode = !onePort && !m_ranges.empty() && m_ranges.size() <= maxBytecodeRanges;
    const Bytecode bytecode(m_ranges);
    const std::size_t bytecodeSize = useBytecode ? bytecode.size() : 0;

    const bool combined = families == Families::Both;
    const bool protocolAttribute = combined && protocol == Protocol::Udp;
    nlmsghdr header{};
    header.nlmsg_len = NLMSG_LENGTH(combined ? sizeof(inet_diag_req) : sizeof(inet_diag_req_v2))
        + (useBytecode ? NLA_HDRLEN + bytecodeSize : 0) + (protocolAttribute ? NLA_HDRLEN + sizeof(std::uint32_t) : 0);
    header.nlmsg_type = combined ? TCPDIAG_GETSOCK : SOCK_DIAG_BY_FAMILY;
    header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    header.nlmsg_seq = ++m_sequence;
    append(m_request, header);

    if (combined) {
        // The kernel dumps this request with no family filter (AF_UNSPEC); idiag_family is unused.
        inet_diag_req request{};
        request.idiag_family = AF_INET;
        request.idiag_states = 1u << holdingState(protocol);
        request.id.idiag_sport = sport;
        append(m_request, request);
    } else {
        inet_diag_req_v2 request{};
        request.sdiag_family = families == Families::IPv4 ? AF_INET : AF_INET6;
        request.sdiag_protocol = protocol == Protocol::Tcp ? IPPROTO_TCP : IPPROTO_UDP;
        request.idiag_states = 1u << holdingState(protocol);
        request.id.idiag_sport = sport;
        append(m_request, request);
    }

    if (useBytecode) {
        nlattr attribute{};
        attribute.nla_len = std::uint16_t(NLA_HDRLEN + bytecodeSize);
        attribute.nla_type = INET_DIAG_REQ_BYTECODE;
        append(m_request, attribute);
        bytecode.appendTo(m_request);
    }
    if (protocolAttribute) {
        nlattr attribute{};
        attribute.nla_len = std::uint16_t(NLA_HDRLEN + sizeof(std::uint32_t));
        attribute.nla_type = INET_DIAG_REQ_PROTOCOL;
        append(m_request, attribute);
        append(m_request, std::uint32_t{IPPROTO_UDP});
    }
}

NetlinkSocketTable::DumpStatus NetlinkSocketTable::receive(Protocol protocol, Families families,
                                                           const SocketQuery &query, std::vector<SocketEntry> &out,
                                                           std::string &error)
{
    // Named only when something goes wrong: a quiet poll builds no strings.
    const auto what = [protocol, families] {
        return std::string(protocolLabel(protocol)) + "/" + familyLabel(families) + " socket dump";
    };
    const unsigned bits = kindBits(protocol, families);
    const bool answeredBefore = (m_answeredKinds & bits) == bits;
    const netlink::ReplyContext context{
        protocol,
        families == Families::IPv4 ? AF_INET : families == Families::IPv6 ? AF_INET6 : AF_UNSPEC,
        std::uint16_t(families == Families::Both ? TCPDIAG_GETSOCK : SOCK_DIAG_BY_FAMILY),
        m_sequence,
    };
    for (;;) {
        sockaddr_nl from{};
        iovec iov{m_receive.data(), m_receive.size()};
        msghdr msg{};
        msg.msg_name = &from;
        msg.msg_namelen = sizeof from;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        const ssize_t received = ::recvmsg(m_fd, &msg, 0);
        if (received < 0) {
            const int saved = errno;
            if (saved == EINTR)
                continue;
            error = "Could not read the " + what() + " from netlink: " + errnoText(saved) + ".";
            return DumpStatus::Failed;
        }
        if (msg.msg_flags & MSG_TRUNC) {
            error = "The " + what() + " sent a netlink message larger than the receive buffer.";
            return DumpStatus::Failed;
        }
        if (from.nl_pid != 0)
            continue; // not from the kernel

        const netlink::BatchResult batch =
            netlink::parseBatch(m_receive.data(), static_cast<std::size_t>(received), context, query, out);
        m_lastReceived += batch.records;
        switch (batch.status) {
        case netlink::BatchResult::Status::More:
            continue;
        case netlink::BatchResult::Status::Done:
            m_answeredKinds |= bits;
            return DumpStatus::Ok;
        case netlink::BatchResult::Status::Failed:
            error = "The " + what() + " ended with an error: " + errnoText(batch.error) + ".";
            return DumpStatus::Failed;
        case netlink::BatchResult::Status::Refused:
            error = "The kernel refused the " + what() + ": " + errnoText(batch.error) + ".";
            return answeredBefore ? DumpStatus::Failed : DumpStatus::Refused;
        case netlink::BatchResult::Status::Malformed:
            error = "The " + what() + " returned a malformed netlink message.";
            return DumpStatus::Failed;
        }
    }
}

} // namespace portwatch::platform
