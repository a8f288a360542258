// The Linux socket table read from /proc/net/{tcp,tcp6,udp,udp6}: the fallback when netlink
// sock_diag is not available. Reads whole files and filters in user space, so it costs in
// proportion to every socket on the machine; IPV6_V6ONLY is not visible there (see procnetparser.h).
#pragma once

#include "platform/sockettable.h"

#include <optional>
#include <string>

namespace portwatch::platform {

// Not thread-safe (one reused read buffer): use one table per thread.
class ProcNetSocketTable final : public SocketTable {
public:
    // `root` is where the net files are read from; tests may point it at recorded copies.
    explicit ProcNetSocketTable(std::string root = "/proc/net");

    SocketList query(const SocketQuery &query) override;
    std::string backendName() const override;

private:
    int readFile(const std::string &path); // 0 or the errno; the text lands in m_buffer
    bool defaultV6Only();

    std::string m_root;
    std::string m_buffer; // reused: the text of one file
    std::optional<bool> m_defaultV6Only;
};

} // namespace portwatch::platform
