// makeSocketTable() for Linux: netlink sock_diag, /proc/net, or netlink with a fallback to /proc/net.
#include "platform/sockettable.h"

#include "netlinksockettable.h"
#include "procnetsockettable.h"

namespace portwatch::platform {

namespace {

// Uses netlink while it works. When netlink is not usable at all here (the socket cannot be
// created, or the kernel refuses a dump it has never answered), switches to /proc/net for good and
// answers the same query from there; transient netlink errors are reported, not papered over.
class AutomaticSocketTable final : public SocketTable {
public:
    SocketList query(const SocketQuery &query) override
    {
        if (m_fallback)
            return m_fallback->query(query);
        SocketList result = m_netlink.query(query);
        if (result.ok() || !m_netlink.unavailable())
            return result;
        m_fallbackReason = result.error;
        m_fallback = std::make_unique<ProcNetSocketTable>();
        return m_fallback->query(query);
    }

    std::string backendName() const override
    {
        if (m_fallback)
            return m_fallback->backendName() + " (netlink unavailable: " + m_fallbackReason + ")";
        return m_netlink.backendName();
    }

private:
    NetlinkSocketTable m_netlink;
    std::unique_ptr<ProcNetSocketTable> m_fallback;
    std::string m_fallbackReason;
};

} // namespace

std::unique_ptr<SocketTable> makeSocketTable(SocketBackend backend)
{
    switch (backend) {
    case SocketBackend::Native:
        return std::make_unique<NetlinkSocketTable>();
    case SocketBackend::Fallback:
        return std::make_unique<ProcNetSocketTable>();
    case SocketBackend::Automatic:
        break;
    }
    return std::make_unique<AutomaticSocketTable>();
}

} // namespace portwatch::platform
