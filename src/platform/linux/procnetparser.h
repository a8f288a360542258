// Parsing of one /proc/net/{tcp,tcp6,udp,udp6} file: the fallback socket table when netlink sock_diag
// is not available. Pure functions over text, so they can be tested on recorded samples.
#pragma once

#include "platform/types.h"

#include <string_view>
#include <vector>

namespace portwatch::platform::procnet {

// How to read a file: which protocol and family its rows are, and what IPV6_V6ONLY to assume.
// /proc/net does not show IPV6_V6ONLY, so it is inferred the way the kernel sets it: a socket bound
// to a specific IPv6 address is v6-only (bind sets the flag), one bound to a v4-mapped address is
// not (such a bind fails on a v6-only socket); only for the wildcard "::" is it the socket's own
// choice, unknown here, and `assumedV6Only` (the system default, net.ipv6.bindv6only) is reported.
struct FileKind {
    Protocol protocol = Protocol::Tcp;
    Family family = Family::IPv4;
    bool assumedV6Only = false;
};

// Appends to `out` the rows of `text` that are listening TCP sockets (state LISTEN) or bound,
// unconnected UDP sockets (state CLOSE) and that `query` wants. Lines that do not parse (the
// header, truncated or malformed rows, rows of the wrong family) are skipped, and so is a row for an
// inode already taken from `text` (the kernel can print a row twice when sockets come and go while
// the file is read).
void parse(std::string_view text, const FileKind &kind, const SocketQuery &query, std::vector<SocketEntry> &out);

// Convenience for tests and one-off callers: every listening/bound row of `text`.
std::vector<SocketEntry> parse(std::string_view text, const FileKind &kind);

} // namespace portwatch::platform::procnet
