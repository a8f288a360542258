// Fuzz target: NETLINK_SOCK_DIAG reply datagrams as the kernel sends them (nlmsghdr framing,
// inet_diag_msg records, nlattr attributes, NLMSG_DONE / NLMSG_ERROR). The first byte picks the
// request the datagram answers (protocol, family or both, one-dump message type, a port filter);
// the request's sequence number is 1. Every socket kept must match that request.
#include "platform/linux/netlinkreply.h"
#include "fuzzcheck.h"

#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>

namespace platform = portwatch::platform;
namespace netlink = portwatch::platform::netlink;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size == 0)
        return 0;
    const std::uint8_t selector = data[0];
    netlink::ReplyContext context;
    context.protocol = (selector & 1) ? platform::Protocol::Udp : platform::Protocol::Tcp;
    const int families[] = {AF_INET, AF_INET6, AF_UNSPEC, AF_UNSPEC};
    context.family = families[(selector >> 1) & 3];
    context.messageType = context.family == AF_UNSPEC ? TCPDIAG_GETSOCK : SOCK_DIAG_BY_FAMILY;
    context.sequence = 1;
    platform::SocketQuery query;
    if (selector & 8)
        query.items.push_back({context.protocol, {1, 1024}});

    std::vector<platform::SocketEntry> out;
    const netlink::BatchResult result = netlink::parseBatch(data + 1, size - 1, context, query, out);
    PORTWATCH_FUZZ_CHECK(out.size() <= result.records, "every socket kept comes from a record");
    if (result.status == netlink::BatchResult::Status::Failed || result.status == netlink::BatchResult::Status::Refused)
        PORTWATCH_FUZZ_CHECK(result.error > 0, "an error from the kernel is a positive errno");
    for (const platform::SocketEntry &entry : out) {
        PORTWATCH_FUZZ_CHECK(entry.protocol == context.protocol, "sockets are of the request's protocol");
        PORTWATCH_FUZZ_CHECK(context.family == AF_UNSPEC
                                 || (context.family == AF_INET) == (entry.family == platform::Family::IPv4),
                             "sockets are of the request's family");
        PORTWATCH_FUZZ_CHECK(query.wants(entry.protocol, entry.port), "sockets are wanted by the query");
        PORTWATCH_FUZZ_CHECK(!entry.address.empty(), "sockets have an address");
    }
    return 0;
}
