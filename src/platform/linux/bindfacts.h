// Pure parsers behind the Linux PortDiagnosis: the effective capabilities in /proc/self/status,
// the connections on a local port in /proc/net/tcp{,6}, and a process's systemd service from
// /proc/<pid>/cgroup. Separate from the reading so they are tested on recorded text.
#pragma once

#include "platform/portdiagnosis.h"

#include <cstdint>
#include <optional>
#include <string_view>

namespace portwatch::platform::bindfacts {

inline constexpr int capNetBindService = 10; // linux/capability.h

// The CapEff mask of a /proc/<pid>/status text.
std::optional<std::uint64_t> effectiveCapabilities(std::string_view status);

// Adds to `counts` the non-listening rows of a /proc/net/tcp or tcp6 text whose local port is
// `port`: TIME_WAIT (state 06) and every other state except LISTEN (0A).
void countConnections(std::string_view procNetTcp, std::uint16_t port, PortConnections &counts);

// The systemd service unit of a /proc/<pid>/cgroup text: the innermost path component, when it
// ends in ".service" (a process in a scope or a slice belongs to no service). A unit below
// "user@UID.service" belongs to that user's own manager.
std::optional<ServiceEntry> serviceOfCgroup(std::string_view cgroup);

} // namespace portwatch::platform::bindfacts
