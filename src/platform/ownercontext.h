// Who is really behind a listener, beyond its PID: the systemd unit that runs it (and whether that unit
// would start it again), the socket unit when systemd itself holds the socket, the container a proxy
// forwards to. It decides how a port is freed: kill the process, stop the unit, or stop the container.
// Plain data, no Qt: filled by the platform layer, read by every layer above.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace portwatch::platform {

// The systemd unit a process belongs to, from its cgroup and, where the bus answers, from systemd.
struct UnitContext {
    std::string name;         // "nginx.service", "session-3.scope", "cups.socket"
    bool userManager = false; // a unit of a user's own systemd (systemctl --user), not the system's
    std::string slice;        // "system.slice", "user-1000.slice", "app.slice"; empty when unknown
    // From systemd's D-Bus properties; empty when the bus could not be asked.
    std::string restart;      // the service's Restart= ("no", "always", "on-failure", ...)
    // Set when the listener is systemd itself (PID 1 or a user manager) holding the socket of a
    // socket-activated unit: that unit's name ("cups.socket").
    std::string socketUnit;
    // Without the bus: the socket units that may hold it (from /run/systemd or `systemctl list-sockets`).
    std::vector<std::string> candidateSocketUnits;

    // True when a kill would be undone: the unit restarts the service, or the socket is systemd's.
    bool restartsAfterKill() const noexcept
    {
        return !socketUnit.empty() || (!restart.empty() && restart != "no");
    }
    friend bool operator==(const UnitContext &, const UnitContext &) = default;
};

// The container a port is published for, when the listener is a container engine's port helper.
struct ContainerContext {
    std::string engine;           // "docker" or "podman"
    std::string helper;           // "docker-proxy", "rootlesskit", "pasta", "slirp4netns", "conmon"
    std::string containerAddress; // where the helper forwards to: "172.17.0.2:80"; empty when unknown
    // From the engine's API socket; empty when it was not readable.
    std::string id;
    std::string name;             // "web-1"
    friend bool operator==(const ContainerContext &, const ContainerContext &) = default;
};

// How a port is best freed, given its owner's context.
enum class FreeAction : std::uint8_t {
    Kill,          // signal the process (the default)
    StopUnit,      // stop the systemd unit: it would restart the process, or it holds the socket itself
    StopContainer, // stop the container the proxy forwards to
};

struct OwnerContext {
    std::optional<UnitContext> unit;
    std::optional<ContainerContext> container;

    bool empty() const noexcept { return !unit && !container; }
    friend bool operator==(const OwnerContext &, const OwnerContext &) = default;
};

} // namespace portwatch::platform
