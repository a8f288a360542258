// Fuzz target: port specifications as users type them on the command line and in the settings
// ("tcp/80, 8000-8100"). Any text either parses to a spec that reads back to itself from its canonical
// text, or is rejected with a message.
#include "core/portspec.h"
#include "fuzzcheck.h"

#include <QString>

#include <cstddef>
#include <cstdint>

using portwatch::PortSpec;
using portwatch::platform::Protocol;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    QString error;
    const auto spec = PortSpec::parse(text, &error);
    if (!spec) {
        PORTWATCH_FUZZ_CHECK(!error.isEmpty(), "a rejected spec says why");
        return 0;
    }
    QString again;
    const auto reread = PortSpec::parse(spec->toString(), &again);
    PORTWATCH_FUZZ_CHECK(reread.has_value(), "the canonical text of a spec parses");
    PORTWATCH_FUZZ_CHECK(*reread == *spec, "the canonical text of a spec reads back to the same spec");

    portwatch::platform::SocketQuery query;
    spec->addTo(query);
    for (const auto &item : spec->items()) {
        PORTWATCH_FUZZ_CHECK(item.range.first >= 1 && item.range.first <= item.range.last, "ranges are 1-65535 and ordered");
        const Protocol protocol = item.tcp ? Protocol::Tcp : Protocol::Udp;
        PORTWATCH_FUZZ_CHECK(spec->matches(protocol, item.range.first) && spec->matches(protocol, item.range.last),
                             "a spec matches the ends of its own ranges");
        PORTWATCH_FUZZ_CHECK(query.wants(protocol, item.range.last), "the socket query covers the spec");
    }
    return 0;
}
