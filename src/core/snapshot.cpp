// Snapshots of the listeners on watched ports, and the diff between two polls: see snapshot.h.
#include "snapshot.h"

#include <QByteArrayView>
#include <QHashFunctions>

#include <algorithm>
#include <iterator>
#include <tuple>

namespace portwatch {

namespace {

// The documented order of sockets() and of a diff: what a user scans for first is the port, so
// protocol and port lead; family, address and inode only make the order total.
bool socketLess(const platform::SocketEntry &a, const platform::SocketEntry &b)
{
    return std::tie(a.protocol, a.port, a.family, a.address, a.inode)
        < std::tie(b.protocol, b.port, b.family, b.address, b.inode);
}

QList<platform::SocketEntry> sorted(QList<platform::SocketEntry> sockets)
{
    std::sort(sockets.begin(), sockets.end(), socketLess);
    return sockets;
}

} // namespace

ListenerKey ListenerKey::of(const platform::SocketEntry &socket)
{
    return ListenerKey{socket.protocol, socket.family, socket.address, socket.port, socket.inode};
}

size_t qHash(const ListenerKey &key, size_t seed) noexcept
{
    return qHashMulti(seed, static_cast<int>(key.protocol), static_cast<int>(key.family),
                      QByteArrayView(key.address.data(), static_cast<qsizetype>(key.address.size())), key.port,
                      key.inode);
}

Snapshot::Snapshot(const std::vector<platform::SocketEntry> &sockets)
{
    m_sockets.reserve(static_cast<qsizetype>(sockets.size()));
    for (const auto &socket : sockets)
        m_sockets.insert(ListenerKey::of(socket), socket);
}

QList<platform::SocketEntry> Snapshot::sockets() const
{
    return sorted(m_sockets.values());
}

void Snapshot::normalize(std::vector<platform::SocketEntry> &sockets)
{
    // Stable, so that among entries of one identity the last one given stays last.
    std::stable_sort(sockets.begin(), sockets.end(), socketLess);
    const auto sameIdentity = [](const platform::SocketEntry &a, const platform::SocketEntry &b) {
        return !socketLess(a, b) && !socketLess(b, a);
    };
    auto kept = sockets.begin();
    for (auto it = sockets.begin(); it != sockets.end(); ++it) {
        if (kept != sockets.begin() && sameIdentity(*std::prev(kept), *it))
            *std::prev(kept) = std::move(*it); // a later entry of the same identity replaces it
        else if (kept != it)
            *kept++ = std::move(*it);
        else
            ++kept;
    }
    sockets.erase(kept, sockets.end());
}

SnapshotDiff Snapshot::diff(const Snapshot &before, const Snapshot &after)
{
    SnapshotDiff result;
    for (auto it = after.m_sockets.cbegin(); it != after.m_sockets.cend(); ++it) {
        if (!before.m_sockets.contains(it.key()))
            result.appeared.append(it.value());
    }
    for (auto it = before.m_sockets.cbegin(); it != before.m_sockets.cend(); ++it) {
        if (!after.m_sockets.contains(it.key()))
            result.vanished.append(it.value());
    }
    result.appeared = sorted(std::move(result.appeared));
    result.vanished = sorted(std::move(result.vanished));
    return result;
}

} // namespace portwatch
