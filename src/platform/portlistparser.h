// Port range lists as the OS prints them: Linux sysctls ("8080,9000-9010", "32768\t60999") and
// Windows' `netsh int ipv4 show excludedportrange` table. Pure functions over text, built on every
// OS, so they are tested on recorded output wherever the tests run.
#pragma once

#include "portdiagnosis.h"

#include <optional>
#include <string_view>
#include <vector>

namespace portwatch::platform::portlist {

// net.ipv4.ip_local_reserved_ports: comma-separated ports and first-last ranges; empty text is an
// empty list. Nothing when the text does not parse.
std::optional<std::vector<PortRange>> parseSysctlList(std::string_view text);

// net.ipv4.ip_local_port_range: two numbers separated by blanks.
std::optional<PortRange> parseSysctlRange(std::string_view text);

// The table netsh prints: a row is a start port, an end port and an optional "*" (added by an
// administrator). Headers, the legend and blank lines are skipped by shape, not by their words, so
// a localized Windows reads the same. Nothing when the text has no table (no rule of dashes under
// the headers: an error message, or no output at all, as Wine's netsh gives) or when a row looks
// like a range but is not a valid one.
std::optional<std::vector<ReservedRange>> parseNetshExcluded(std::string_view text, Protocol protocol, Family family);

// The port of an HTTP Server API URL prefix ("http://+:80/wsman/" -> 80, "https://[::1]:8443/" -> 8443;
// without a port 80 for http, 443 for https); 0 when it does not parse.
std::uint16_t urlPort(std::string_view url);

} // namespace portwatch::platform::portlist
