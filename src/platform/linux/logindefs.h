// The range of uids that belong to people, as /etc/login.defs declares it (UID_MIN, UID_MAX):
// everything outside it is a system account.
#pragma once

#include <cstdint>
#include <string_view>

namespace portwatch::platform::linuxos {

struct UidRange {
    std::uint32_t min = 1000;  // Debian's and Fedora's default UID_MIN
    std::uint32_t max = 60000; // Debian's and Fedora's default UID_MAX

    constexpr bool contains(std::uint32_t uid) const noexcept { return uid >= min && uid <= max; }
};

// Reads UID_MIN and UID_MAX from the text of a login.defs file; a key that is missing, not a
// number, or that would make an empty range keeps its default.
UidRange parseLoginDefs(std::string_view text);

// The range of this machine, read from /etc/login.defs once.
const UidRange &regularUidRange();

} // namespace portwatch::platform::linuxos
