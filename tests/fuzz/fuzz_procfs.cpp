// Fuzz target: the /proc/<pid> texts the process layer parses: stat (whose comm any process sets to
// anything, parentheses and spaces included), fdinfo, schedstat and fd links. The first byte picks
// the parser; the rest is the text.
#include "platform/linux/procfs.h"
#include "fuzzcheck.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace procfs = portwatch::platform::procfs;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size == 0)
        return 0;
    const std::string_view text(reinterpret_cast<const char *>(data + 1), size - 1);
    switch (data[0] & 3) {
    case 0:
        if (const auto stat = procfs::parseStat(text))
            PORTWATCH_FUZZ_CHECK(stat->comm.size() < text.size(), "comm is part of the text");
        break;
    case 1:
        procfs::parseFdInfo(text);
        break;
    case 2:
        procfs::parseRunRecord(text);
        break;
    case 3:
        procfs::parseSocketLink(text);
        break;
    }
    return 0;
}
