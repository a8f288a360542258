// A scriptable stand-in for the platform layer, for tests of everything above it: a socket table and a
// process resolver that answer from what the test set, count what they were asked, and can fail or be
// slow on demand. Thread-safe, because the monitor asks from its worker thread while the test thread
// scripts. Tests keep a std::shared_ptr to each fake and hand the code under test a forwarding proxy
// (share()), so the fake outlives the code under test and can be inspected after it is gone.
#pragma once

#include "platform/processes.h"
#include "platform/sockettable.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace portwatch::testing {

// A socket entry with the fields tests usually care about.
inline platform::SocketEntry makeSocket(platform::Protocol protocol, std::uint16_t port, std::uint64_t inode,
                                        std::uint32_t uid = 1000, const char *address = "0.0.0.0",
                                        platform::Family family = platform::Family::IPv4)
{
    platform::SocketEntry socket;
    socket.protocol = protocol;
    socket.family = family;
    socket.address = address;
    socket.port = port;
    socket.inode = inode;
    socket.uid = uid;
    return socket;
}

inline platform::ProcessInfo makeProcess(int pid, const std::string &exe, std::uint32_t uid = 1000,
                                         const std::string &user = "alice")
{
    platform::ProcessInfo info;
    info.pid = pid;
    info.exe = exe;
    info.name = exe.substr(exe.find_last_of('/') + 1);
    info.cmdline = {exe};
    info.uid = uid;
    info.user = user;
    info.startTicks = 1000 + static_cast<std::uint64_t>(pid);
    info.startTimeMs = 1'700'000'000'000 + pid;
    return info;
}

class FakeSocketTable final : public platform::SocketTable
{
public:
    // Answers with the sockets the query wants, the way a kernel-side filter would. The query is
    // counted once its answer is fixed, so a test that saw the count rise may change the sockets
    // without affecting that answer.
    platform::SocketList query(const platform::SocketQuery &query) override
    {
        std::chrono::milliseconds delay{0};
        {
            std::lock_guard lock(m_mutex);
            delay = m_delay;
        }
        m_running = true;
        if (delay.count() > 0)
            std::this_thread::sleep_for(delay); // stands for a slow OS call, on the caller's (worker) thread
        m_running = false;

        std::lock_guard lock(m_mutex);
        platform::SocketList list;
        if (!m_error.empty()) {
            list.error = m_error;
        } else {
            for (const auto &socket : m_sockets) {
                if (!m_filter || query.wants(socket.protocol, socket.port))
                    list.sockets.push_back(socket);
            }
        }
        m_queries.push_back(query);
        return list;
    }
    std::string backendName() const override { return "fake"; }

    void setSockets(std::vector<platform::SocketEntry> sockets)
    {
        std::lock_guard lock(m_mutex);
        m_sockets = std::move(sockets);
    }
    void addSocket(const platform::SocketEntry &socket)
    {
        std::lock_guard lock(m_mutex);
        m_sockets.push_back(socket);
    }
    void removeSocket(std::uint64_t inode)
    {
        std::lock_guard lock(m_mutex);
        std::erase_if(m_sockets, [inode](const platform::SocketEntry &s) { return s.inode == inode; });
    }
    // Non-empty: every query fails with this text until it is cleared.
    void setError(std::string error)
    {
        std::lock_guard lock(m_mutex);
        m_error = std::move(error);
    }
    // false: answer with every socket whatever the query, like a backend that cannot filter.
    void setFiltering(bool filter)
    {
        std::lock_guard lock(m_mutex);
        m_filter = filter;
    }
    void setDelay(std::chrono::milliseconds delay)
    {
        std::lock_guard lock(m_mutex);
        m_delay = delay;
    }

    int queryCount() const
    {
        std::lock_guard lock(m_mutex);
        return static_cast<int>(m_queries.size());
    }
    std::vector<platform::SocketQuery> queries() const
    {
        std::lock_guard lock(m_mutex);
        return m_queries;
    }
    std::optional<platform::SocketQuery> lastQuery() const
    {
        std::lock_guard lock(m_mutex);
        if (m_queries.empty())
            return std::nullopt;
        return m_queries.back();
    }
    bool isQueryRunning() const { return m_running; }

private:
    mutable std::mutex m_mutex;
    std::vector<platform::SocketEntry> m_sockets;
    std::string m_error;
    std::chrono::milliseconds m_delay{0};
    bool m_filter = true;
    std::vector<platform::SocketQuery> m_queries;
    std::atomic<bool> m_running{false};
};

// Owners are scripted per inode. An inode without scripted owners is reported the way the real
// resolver reports another user's socket without privileges: no owners, ownersVisible false.
// It models the real resolver's cache: the first time it is asked about an inode counts as a
// "search" (the expensive /proc scan); later requests for the same inode are cheap confirmations.
class FakeProcessResolver final : public platform::ProcessResolver
{
public:
    std::vector<platform::Listener> resolve(const std::vector<platform::SocketEntry> &sockets) override
    {
        std::lock_guard lock(m_mutex);
        ++m_resolveCalls;
        std::vector<platform::Listener> result;
        result.reserve(sockets.size());
        for (const auto &socket : sockets) {
            m_requested.push_back(socket.inode);
            if (m_known.insert(socket.inode).second)
                m_searched.push_back(socket.inode);
            platform::Listener listener;
            listener.socket = socket;
            listener.user = userOf(socket.uid);
            if (const auto it = m_owners.find(socket.inode); it != m_owners.end()) {
                listener.owners = it->second;
                listener.ownersVisible = true;
            } else if (m_unidentified.count(socket.inode) != 0) {
                listener.ownersVisible = true; // nothing hidden, and still no owner found
            } else {
                listener.ownersVisible = false;
            }
            result.push_back(std::move(listener));
        }
        return result;
    }

    std::optional<platform::ProcessInfo> process(int pid) override
    {
        std::lock_guard lock(m_mutex);
        for (const auto &[inode, owners] : m_owners) {
            for (const auto &owner : owners) {
                if (owner.pid == pid)
                    return owner;
            }
        }
        return std::nullopt;
    }

    void clearCache() override
    {
        std::lock_guard lock(m_mutex);
        ++m_cacheClears;
        m_known.clear();
    }

    void setOwners(std::uint64_t inode, std::vector<platform::ProcessInfo> owners)
    {
        std::lock_guard lock(m_mutex);
        m_owners[inode] = std::move(owners);
    }
    // The owner of this inode becomes invisible (as another user's process is without privileges).
    void hideOwners(std::uint64_t inode)
    {
        std::lock_guard lock(m_mutex);
        m_owners.erase(inode);
    }
    // No owner found for this inode although every process was readable (one busy or exiting).
    void setUnidentified(std::uint64_t inode)
    {
        std::lock_guard lock(m_mutex);
        m_owners.erase(inode);
        m_unidentified.insert(inode);
    }
    void setUserName(std::uint32_t uid, std::string name)
    {
        std::lock_guard lock(m_mutex);
        m_userNames[uid] = std::move(name);
    }

    int resolveCalls() const
    {
        std::lock_guard lock(m_mutex);
        return m_resolveCalls;
    }
    // Every inode passed to resolve(), in order, over all calls.
    std::vector<std::uint64_t> requestedInodes() const
    {
        std::lock_guard lock(m_mutex);
        return m_requested;
    }
    // Inodes that were not in the cache when asked for: the ones a real resolver had to search for.
    std::vector<std::uint64_t> searchedInodes() const
    {
        std::lock_guard lock(m_mutex);
        return m_searched;
    }
    int cacheClears() const
    {
        std::lock_guard lock(m_mutex);
        return m_cacheClears;
    }

private:
    std::string userOf(std::uint32_t uid) const
    {
        const auto it = m_userNames.find(uid);
        return it != m_userNames.end() ? it->second : std::to_string(uid);
    }

    mutable std::mutex m_mutex;
    std::map<std::uint64_t, std::vector<platform::ProcessInfo>> m_owners;
    std::map<std::uint32_t, std::string> m_userNames;
    std::set<std::uint64_t> m_unidentified;
    std::set<std::uint64_t> m_known;
    std::vector<std::uint64_t> m_requested;
    std::vector<std::uint64_t> m_searched;
    int m_resolveCalls = 0;
    int m_cacheClears = 0;
};

// Forwarding proxies: the code under test owns these; the test keeps the shared fake. released()
// tells whether the code under test has let go of its proxy (for destructor tests).
namespace detail {
class SharedSocketTable final : public platform::SocketTable
{
public:
    SharedSocketTable(std::shared_ptr<FakeSocketTable> fake, std::shared_ptr<std::atomic<bool>> released)
        : m_fake(std::move(fake)), m_released(std::move(released))
    {
    }
    ~SharedSocketTable() override { *m_released = true; }
    platform::SocketList query(const platform::SocketQuery &query) override { return m_fake->query(query); }
    std::string backendName() const override { return m_fake->backendName(); }

private:
    std::shared_ptr<FakeSocketTable> m_fake;
    std::shared_ptr<std::atomic<bool>> m_released;
};

class SharedProcessResolver final : public platform::ProcessResolver
{
public:
    SharedProcessResolver(std::shared_ptr<FakeProcessResolver> fake, std::shared_ptr<std::atomic<bool>> released)
        : m_fake(std::move(fake)), m_released(std::move(released))
    {
    }
    ~SharedProcessResolver() override { *m_released = true; }
    std::vector<platform::Listener> resolve(const std::vector<platform::SocketEntry> &sockets) override
    {
        return m_fake->resolve(sockets);
    }
    std::optional<platform::ProcessInfo> process(int pid) override { return m_fake->process(pid); }
    void clearCache() override { m_fake->clearCache(); }

private:
    std::shared_ptr<FakeProcessResolver> m_fake;
    std::shared_ptr<std::atomic<bool>> m_released;
};
} // namespace detail

// A fake platform: both fakes, and proxies to hand over.
struct FakePlatform {
    std::shared_ptr<FakeSocketTable> sockets = std::make_shared<FakeSocketTable>();
    std::shared_ptr<FakeProcessResolver> processes = std::make_shared<FakeProcessResolver>();
    std::shared_ptr<std::atomic<bool>> socketTableReleased = std::make_shared<std::atomic<bool>>(false);
    std::shared_ptr<std::atomic<bool>> resolverReleased = std::make_shared<std::atomic<bool>>(false);

    std::unique_ptr<platform::SocketTable> socketTable() const
    {
        return std::make_unique<detail::SharedSocketTable>(sockets, socketTableReleased);
    }
    std::unique_ptr<platform::ProcessResolver> resolver() const
    {
        return std::make_unique<detail::SharedProcessResolver>(processes, resolverReleased);
    }
};

} // namespace portwatch::testing
