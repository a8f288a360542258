// A snapshot of listeners on watched ports, and what changed between two of them.
#pragma once

#include "platform/types.h"

#include <QHash>
#include <QList>

#include <compare>
#include <string>
#include <vector>

namespace portwatch {

// Identity of a listener across polls.
struct ListenerKey {
    platform::Protocol protocol = platform::Protocol::Tcp;
    platform::Family family = platform::Family::IPv4;
    std::string address;
    quint16 port = 0;
    quint64 inode = 0;

    static ListenerKey of(const platform::SocketEntry &socket);
    friend bool operator==(const ListenerKey &, const ListenerKey &) = default;
    friend auto operator<=>(const ListenerKey &, const ListenerKey &) = default;
};
size_t qHash(const ListenerKey &key, size_t seed = 0) noexcept;

struct SnapshotDiff {
    QList<platform::SocketEntry> appeared;
    QList<platform::SocketEntry> vanished;
    bool isEmpty() const noexcept { return appeared.isEmpty() && vanished.isEmpty(); }
};

class Snapshot final
{
public:
    Snapshot() = default;
    explicit Snapshot(const std::vector<platform::SocketEntry> &sockets);

    bool contains(const ListenerKey &key) const { return m_sockets.contains(key); }
    qsizetype size() const noexcept { return m_sockets.size(); }
    QList<platform::SocketEntry> sockets() const; // sorted by protocol, port, family, address, inode

    // What a snapshot of `sockets` would hold, in place and without building one: sorted as
    // sockets() sorts, one entry per identity (the last one given, as the snapshot keeps it).
    static void normalize(std::vector<platform::SocketEntry> &sockets);

    // appeared: in `after` but not in `before`; vanished: the other way round. Both sorted.
    static SnapshotDiff diff(const Snapshot &before, const Snapshot &after);

private:
    QHash<ListenerKey, platform::SocketEntry> m_sockets;
};

} // namespace portwatch
