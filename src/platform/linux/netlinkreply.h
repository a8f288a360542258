// Reading the kernel's NETLINK_SOCK_DIAG replies: one received datagram (a batch of nlmsghdr-framed
// inet_diag_msg records, maybe ending in NLMSG_DONE or NLMSG_ERROR) into SocketEntry values. Pure
// functions over bytes, apart from the socket that received them, so that they can be tested and
// fuzzed on crafted replies.
#pragma once

#include "platform/types.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace portwatch::platform::netlink {

// Kernel socket states (include/net/tcp_states.h); UDP reuses them: an unconnected bound UDP
// socket is TCP_CLOSE, which is what `ss -lun` lists as UNCONN.
constexpr unsigned tcpListen = 10;
constexpr unsigned tcpClose = 7;

// The state a socket of `protocol` is in while it holds its port for anyone: listening TCP, bound UDP.
constexpr unsigned holdingState(Protocol protocol) noexcept
{
    return protocol == Protocol::Tcp ? tcpListen : tcpClose;
}

// The request a datagram answers.
struct ReplyContext {
    Protocol protocol = Protocol::Tcp;
    int family = 0;                // AF_INET, AF_INET6, or AF_UNSPEC (0) for either
    std::uint16_t messageType = 0; // of the records: SOCK_DIAG_BY_FAMILY, or TCPDIAG_GETSOCK for the one-dump form
    std::uint32_t sequence = 0;    // of the request; messages with another are left over from an earlier one
};

struct BatchResult {
    enum class Status {
        More,      // no NLMSG_DONE yet: the dump goes on in the next datagram
        Done,      // NLMSG_DONE without an error
        Failed,    // NLMSG_DONE carrying an error: the dump ended early
        Refused,   // NLMSG_ERROR with an error: the kernel refused the request
        Malformed, // a message header does not fit the datagram
    };
    Status status = Status::More;
    int error = 0;           // for Failed and Refused: the errno the kernel sent, positive
    std::size_t records = 0; // messages of the record type read, usable or not
};

// Appends to `out` every socket of `data` that is of the context's family, in the holding state of
// its protocol, and wanted by `query`. Records that do not parse are skipped; parsing stops at
// NLMSG_DONE, at a refusal or at a malformed header.
BatchResult parseBatch(const unsigned char *data, std::size_t size, const ReplyContext &context,
                       const SocketQuery &query, std::vector<SocketEntry> &out);

// Reads one inet_diag_msg (plus attributes) into `entry`; false when it is not usable. `wanted` is
// AF_INET, AF_INET6, or AF_UNSPEC for either.
bool parseDiagMessage(const unsigned char *payload, std::size_t length, Protocol protocol, int wanted,
                      SocketEntry &entry);

} // namespace portwatch::platform::netlink
