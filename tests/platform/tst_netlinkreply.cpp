// Unit tests of the NETLINK_SOCK_DIAG reply reader on datagrams built here the way the kernel frames
// them: records, attributes, left-over messages, the end of a dump, refusals and broken framing.
#include "platform/linux/netlinkreply.h"

#include <QTest>

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <climits>
#include <cstring>
#include <utility>
#include <vector>

using namespace portwatch::platform;

namespace {

using Bytes = std::vector<unsigned char>;

void put(Bytes &bytes, const void *data, std::size_t size)
{
    const auto *begin = static_cast<const unsigned char *>(data);
    bytes.insert(bytes.end(), begin, begin + size);
    bytes.resize(NLMSG_ALIGN(bytes.size()));
}

// One netlink message of `type` with `payload`, sequence `sequence`.
Bytes message(std::uint16_t type, const Bytes &payload, std::uint32_t sequence = 1)
{
    nlmsghdr header{};
    header.nlmsg_len = std::uint32_t(NLMSG_LENGTH(payload.size()));
    header.nlmsg_type = type;
    header.nlmsg_flags = NLM_F_MULTI;
    header.nlmsg_seq = sequence;
    Bytes bytes;
    put(bytes, &header, sizeof header);
    put(bytes, payload.data(), payload.size());
    return bytes;
}

// An inet_diag_msg for a socket on `port` in `state`, with an INET_DIAG_SKV6ONLY attribute for IPv6.
Bytes record(int family, const char *address, std::uint16_t port, unsigned state, bool v6Only = false)
{
    inet_diag_msg msg{};
    msg.idiag_family = std::uint8_t(family);
    msg.idiag_state = std::uint8_t(state);
    msg.id.idiag_sport = htons(port);
    ::inet_pton(family, address, msg.id.idiag_src);
    msg.idiag_uid = 1000;
    msg.idiag_inode = 4242;
    Bytes bytes;
    put(bytes, &msg, sizeof msg);
    if (family == AF_INET6) {
        nlattr attribute{};
        attribute.nla_len = NLA_HDRLEN + 1;
        attribute.nla_type = INET_DIAG_SKV6ONLY;
        const std::uint8_t flag = v6Only ? 1 : 0;
        Bytes withAttribute = bytes;
        withAttribute.insert(withAttribute.end(), reinterpret_cast<const unsigned char *>(&attribute),
                             reinterpret_cast<const unsigned char *>(&attribute) + sizeof attribute);
        withAttribute.push_back(flag);
        withAttribute.resize(NLMSG_ALIGN(withAttribute.size()));
        return withAttribute;
    }
    return bytes;
}

Bytes intPayload(int value)
{
    Bytes bytes(sizeof value);
    std::memcpy(bytes.data(), &value, sizeof value);
    return bytes;
}

Bytes concat(std::initializer_list<Bytes> parts)
{
    Bytes all;
    for (const Bytes &part : parts)
        all.insert(all.end(), part.begin(), part.end());
    return all;
}

constexpr netlink::ReplyContext tcpBoth{Protocol::Tcp, AF_UNSPEC, TCPDIAG_GETSOCK, 1};
constexpr netlink::ReplyContext udp6{Protocol::Udp, AF_INET6, SOCK_DIAG_BY_FAMILY, 1};

} // namespace

class TestNetlinkReply final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readsRecordsUntilDone()
    {
        const Bytes datagram = concat({
            message(TCPDIAG_GETSOCK, record(AF_INET, "127.0.0.1", 8080, netlink::tcpListen)),
            message(TCPDIAG_GETSOCK, record(AF_INET6, "::", 443, netlink::tcpListen, true)),
            message(NLMSG_DONE, intPayload(0)),
        });
        std::vector<SocketEntry> out;
        const auto result = netlink::parseBatch(datagram.data(), datagram.size(), tcpBoth, {}, out);
        QCOMPARE(result.status, netlink::BatchResult::Status::Done);
        QCOMPARE(result.records, 2u);
        QCOMPARE(out.size(), 2u);
        QCOMPARE(out[0].address, std::string("127.0.0.1"));
        QCOMPARE(out[0].port, 8080);
        QCOMPARE(out[0].family, Family::IPv4);
        QCOMPARE(out[0].inode, 4242u);
        QCOMPARE(out[0].uid, 1000u);
        QCOMPARE(out[1].address, std::string("::"));
        QCOMPARE(out[1].family, Family::IPv6);
        QVERIFY(out[1].v6Only);
    }

    void skipsWhatTheRequestDidNotAskFor()
    {
        SocketQuery query;
        query.items.push_back({Protocol::Udp, {50, 60}});
        const Bytes datagram = concat({
            message(SOCK_DIAG_BY_FAMILY, record(AF_INET6, "::1", 53, netlink::tcpClose), 7), // an earlier request's
            message(SOCK_DIAG_BY_FAMILY, record(AF_INET, "127.0.0.1", 53, netlink::tcpClose)), // another family
            message(SOCK_DIAG_BY_FAMILY, record(AF_INET6, "::1", 53, netlink::tcpListen)),     // not bound-only
            message(SOCK_DIAG_BY_FAMILY, record(AF_INET6, "::1", 5353, netlink::tcpClose)),    // another port
            message(NLMSG_ERROR, intPayload(0)),                                                // an acknowledgement
            message(SOCK_DIAG_BY_FAMILY, record(AF_INET6, "::1", 53, netlink::tcpClose)),
        });
        std::vector<SocketEntry> out;
        const auto result = netlink::parseBatch(datagram.data(), datagram.size(), udp6, query, out);
        QCOMPARE(result.status, netlink::BatchResult::Status::More);
        QCOMPARE(result.records, 4u);
        QCOMPARE(out.size(), 1u);
        QCOMPARE(out[0].port, 53);
        QVERIFY(!out[0].v6Only);
    }

    void reportsRefusalsAndErrors()
    {
        std::vector<SocketEntry> out;
        const Bytes refused = message(NLMSG_ERROR, intPayload(-EPERM));
        auto result = netlink::parseBatch(refused.data(), refused.size(), udp6, {}, out);
        QCOMPARE(result.status, netlink::BatchResult::Status::Refused);
        QCOMPARE(result.error, EPERM);

        const Bytes failed = message(NLMSG_DONE, intPayload(-EBUSY));
        result = netlink::parseBatch(failed.data(), failed.size(), udp6, {}, out);
        QCOMPARE(result.status, netlink::BatchResult::Status::Failed);
        QCOMPARE(result.error, EBUSY);
    }

    // Any int can arrive where the kernel puts a negated errno: the most negative one has no positive
    // twin, and a positive one is no negated errno.
    void theMostNegativeErrorStaysAnErrno()
    {
        std::vector<SocketEntry> out;
        for (const auto &[type, value] : {std::pair{NLMSG_DONE, INT_MIN}, std::pair{NLMSG_ERROR, INT_MIN},
                                          std::pair{NLMSG_ERROR, EIO}}) {
            const Bytes datagram = message(std::uint16_t(type), intPayload(value));
            const auto result = netlink::parseBatch(datagram.data(), datagram.size(), udp6, {}, out);
            QVERIFY(result.status != netlink::BatchResult::Status::Done);
            QVERIFY2(result.error > 0, qPrintable(QString::number(result.error)));
        }
    }

    void rejectsBrokenFraming()
    {
        Bytes datagram = message(TCPDIAG_GETSOCK, record(AF_INET, "127.0.0.1", 80, netlink::tcpListen));
        nlmsghdr header;
        std::memcpy(&header, datagram.data(), sizeof header);
        header.nlmsg_len += 4; // beyond the datagram
        std::memcpy(datagram.data(), &header, sizeof header);
        std::vector<SocketEntry> out;
        auto result = netlink::parseBatch(datagram.data(), datagram.size(), tcpBoth, {}, out);
        QCOMPARE(result.status, netlink::BatchResult::Status::Malformed);
        QVERIFY(out.empty());

        // A record cut short and an attribute running past its record are skipped or ignored, not read.
        Bytes shortRecord = record(AF_INET, "127.0.0.1", 80, netlink::tcpListen);
        shortRecord.resize(sizeof(inet_diag_msg) - 4);
        Bytes overlong = record(AF_INET6, "::", 80, netlink::tcpListen, true);
        nlattr attribute;
        std::memcpy(&attribute, overlong.data() + NLMSG_ALIGN(sizeof(inet_diag_msg)), sizeof attribute);
        attribute.nla_len = 200;
        std::memcpy(overlong.data() + NLMSG_ALIGN(sizeof(inet_diag_msg)), &attribute, sizeof attribute);
        datagram = concat({message(TCPDIAG_GETSOCK, shortRecord), message(TCPDIAG_GETSOCK, overlong)});
        result = netlink::parseBatch(datagram.data(), datagram.size(), tcpBoth, {}, out);
        QCOMPARE(result.status, netlink::BatchResult::Status::More);
        QCOMPARE(result.records, 2u);
        QCOMPARE(out.size(), 1u);
        QVERIFY(!out[0].v6Only);
    }
};

QTEST_GUILESS_MAIN(TestNetlinkReply)
#include "tst_netlinkreply.moc"
