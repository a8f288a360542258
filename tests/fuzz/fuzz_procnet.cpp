// Fuzz target: /proc/net/{tcp,tcp6,udp,udp6} text, the fallback socket table. The first byte picks
// the file kind (protocol, family, assumed IPV6_V6ONLY) and whether a port filter applies; the rest
// is the file. Every row kept must be of that kind, in range, and wanted by the filter.
#include "platform/linux/procnetparser.h"
#include "fuzzcheck.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace platform = portwatch::platform;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size == 0)
        return 0;
    const std::uint8_t selector = data[0];
    platform::procnet::FileKind kind;
    kind.protocol = (selector & 1) ? platform::Protocol::Udp : platform::Protocol::Tcp;
    kind.family = (selector & 2) ? platform::Family::IPv6 : platform::Family::IPv4;
    kind.assumedV6Only = (selector & 4) != 0;
    platform::SocketQuery query;
    if (selector & 8)
        query.items.push_back({kind.protocol, {1, 1024}});

    const std::string_view text(reinterpret_cast<const char *>(data + 1), size - 1);
    std::vector<platform::SocketEntry> out;
    platform::procnet::parse(text, kind, query, out);
    for (const platform::SocketEntry &entry : out) {
        PORTWATCH_FUZZ_CHECK(entry.protocol == kind.protocol && entry.family == kind.family, "rows are of the file's kind");
        PORTWATCH_FUZZ_CHECK(query.wants(entry.protocol, entry.port), "rows are wanted by the query");
        PORTWATCH_FUZZ_CHECK(!entry.address.empty(), "rows have an address");
        PORTWATCH_FUZZ_CHECK(entry.family == platform::Family::IPv6 || !entry.v6Only, "only IPv6 rows are v6-only");
    }
    return 0;
}
