// Reading NETLINK_SOCK_DIAG reply datagrams: see netlinkreply.h.
#include "netlinkreply.h"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <climits>
#include <cstring>

namespace portwatch::platform::netlink {

namespace {

// The kernel sends errors negated. Any int can arrive there: INT_MIN has no positive twin, and a
// positive one is taken as it stands, so that what is reported is always a positive errno.
int errnoFromKernel(int negated) noexcept
{
    if (negated >= 0)
        return negated;
    return negated == INT_MIN ? INT_MAX : -negated;
}

} // namespace

bool parseDiagMessage(const unsigned char *payload, std::size_t length, Protocol protocol, int wanted,
                      SocketEntry &entry)
{
    inet_diag_msg msg;
    if (length < sizeof msg)
        return false;
    std::memcpy(&msg, payload, sizeof msg);
    if (msg.idiag_family != AF_INET && msg.idiag_family != AF_INET6)
        return false;
    if (wanted != AF_UNSPEC && msg.idiag_family != wanted)
        return false;
    const int wantedFamily = msg.idiag_family;
    const Family family = wantedFamily == AF_INET ? Family::IPv4 : Family::IPv6;
    if (msg.idiag_state != holdingState(protocol))
        return false;

    char text[INET6_ADDRSTRLEN];
    if (!::inet_ntop(wantedFamily, msg.id.idiag_src, text, sizeof text))
        return false;

    bool v6Only = false;
    std::size_t offset = NLMSG_ALIGN(sizeof msg);
    while (offset + sizeof(nlattr) <= length) {
        nlattr attribute;
        std::memcpy(&attribute, payload + offset, sizeof attribute);
        if (attribute.nla_len < sizeof attribute || offset + attribute.nla_len > length)
            break;
        if ((attribute.nla_type & NLA_TYPE_MASK) == INET_DIAG_SKV6ONLY && attribute.nla_len > sizeof attribute)
            v6Only = payload[offset + NLA_HDRLEN] != 0;
        offset += NLA_ALIGN(attribute.nla_len);
    }

    entry.protocol = protocol;
    entry.family = family;
    entry.address.assign(text);
    entry.port = ntohs(msg.id.idiag_sport);
    entry.inode = msg.idiag_inode;
    entry.uid = msg.idiag_uid;
    entry.v6Only = family == Family::IPv6 && v6Only;
    return true;
}

BatchResult parseBatch(const unsigned char *data, std::size_t size, const ReplyContext &context,
                       const SocketQuery &query, std::vector<SocketEntry> &out)
{
    BatchResult result;
    SocketEntry entry;
    std::size_t offset = 0;
    while (offset + sizeof(nlmsghdr) <= size) {
        nlmsghdr header;
        std::memcpy(&header, data + offset, sizeof header);
        if (header.nlmsg_len < sizeof header || offset + header.nlmsg_len > size) {
            result.status = BatchResult::Status::Malformed;
            return result;
        }
        const unsigned char *payload = data + offset + NLMSG_HDRLEN;
        const std::size_t payloadLength = header.nlmsg_len - NLMSG_HDRLEN;
        offset += NLMSG_ALIGN(header.nlmsg_len);
        if (header.nlmsg_seq != context.sequence)
            continue; // left over from an earlier request

        if (header.nlmsg_type == NLMSG_DONE) {
            int status = 0;
            if (payloadLength >= sizeof status)
                std::memcpy(&status, payload, sizeof status);
            if (status < 0) {
                result.status = BatchResult::Status::Failed;
                result.error = errnoFromKernel(status);
            } else {
                result.status = BatchResult::Status::Done;
            }
            return result;
        }
        if (header.nlmsg_type == NLMSG_ERROR) {
            nlmsgerr failure{};
            if (payloadLength >= sizeof failure.error)
                std::memcpy(&failure.error, payload, sizeof failure.error);
            if (failure.error == 0)
                continue; // an acknowledgement
            result.status = BatchResult::Status::Refused;
            result.error = errnoFromKernel(failure.error);
            return result;
        }
        if (header.nlmsg_type != context.messageType)
            continue;
        ++result.records;
        // The kernel applied the port filter already (unless the query had too many ranges for
        // bytecode); checking again is cheap. Unparsable entries are skipped, not fatal.
        if (parseDiagMessage(payload, payloadLength, context.protocol, context.family, entry)
            && query.wants(context.protocol, entry.port))
            out.push_back(entry);
    }
    return result;
}

} // namespace portwatch::platform::netlink
