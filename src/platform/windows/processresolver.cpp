// makeProcessResolver() for Windows: the socket table already names each socket's owning PID, so
// resolving is reading that process. Answers are kept per PID and confirmed by the creation time,
// so a PID reused by another process is read afresh.
#include "platform/processes.h"

#include "processinfo.h"
#include "winutil.h"

#include <unordered_map>

namespace portwatch::platform {

namespace {

class WindowsProcessResolver final : public ProcessResolver {
public:
    explicit WindowsProcessResolver(ResolveMode mode) : m_cache(mode == ResolveMode::Fast) {}

    std::vector<Listener> resolve(const std::vector<SocketEntry> &sockets) override
    {
        std::vector<Listener> listeners;
        listeners.reserve(sockets.size());
        for (const SocketEntry &socket : sockets) {
            Listener listener;
            listener.socket = socket;
            if (socket.ownerPid == 0) {
                // The table did not say (Wine leaves it 0 for sockets its process has not used yet).
                listener.ownersVisible = false;
            } else if (const std::optional<win::ProcessRead> read = lookup(socket.ownerPid)) {
                listener.owners.push_back(read->info);
                listener.ownersVisible = read->visible;
                listener.user = read->info.user;
            }
            listeners.push_back(std::move(listener));
        }
        return listeners;
    }

    std::optional<ProcessInfo> process(int pid) override
    {
        if (pid < 0)
            return std::nullopt;
        const std::optional<win::ProcessRead> read = lookup(static_cast<DWORD>(pid));
        if (!read)
            return std::nullopt;
        return read->info;
    }

    void clearCache() override { m_known.clear(); }

private:
    std::optional<win::ProcessRead> lookup(DWORD pid)
    {
        if (m_cache) {
            const auto known = m_known.find(pid);
            if (known != m_known.end() && known->second.visible && stillSame(pid, known->second.info.startTicks))
                return known->second;
        }
        std::optional<win::ProcessRead> read = win::readProcess(pid);
        if (m_cache) {
            if (read)
                m_known[pid] = *read;
            else
                m_known.erase(pid);
        }
        return read;
    }

    static bool stillSame(DWORD pid, std::uint64_t startTicks)
    {
        win::UniqueHandle process(::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, FALSE, pid));
        if (!process.valid() || ::WaitForSingleObject(process.get(), 0) == WAIT_OBJECT_0)
            return false;
        const std::optional<std::uint64_t> created = win::creationTime(process.get());
        return created && *created == startTicks;
    }

    const bool m_cache;
    std::unordered_map<DWORD, win::ProcessRead> m_known;
};

} // namespace

std::unique_ptr<ProcessResolver> makeProcessResolver(ResolveMode mode)
{
    return std::make_unique<WindowsProcessResolver>(mode);
}

int currentProcessId() noexcept
{
    return static_cast<int>(::GetCurrentProcessId());
}

} // namespace portwatch::platform
