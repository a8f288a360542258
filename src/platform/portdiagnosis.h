// What besides a listener can make a bind of a port fail, as raw facts from the OS: privileged
// ports, reserved or excluded port ranges, connections still using the port, the services hosted by
// a process, and (Windows) what the HTTP Server API has registered. Deciding what these facts mean
// for a bind, and what to tell the user, is core/binddiagnosis's job, so fakes test that logic.
#pragma once

#include "types.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace portwatch::platform {

// A fact, or why it could not be read (empty error on success).
template <typename T>
struct Fact {
    T value{};
    std::string error;

    bool ok() const noexcept { return error.empty(); }
};

// Linux: ports below net.ipv4.ip_unprivileged_port_start need CAP_NET_BIND_SERVICE.
// Windows has no privileged ports: firstUnprivileged is 0.
struct PrivilegedPorts {
    std::uint16_t firstUnprivileged = 0;
    bool callerMayBindAll = true; // the calling process holds the capability (or the OS has no limit)
};

enum class RangeKind : std::uint8_t {
    LinuxReserved,      // net.ipv4.ip_local_reserved_ports: skipped by automatic assignment only
    LinuxEphemeral,     // net.ipv4.ip_local_port_range: where outgoing connections take their port
    WindowsExcluded,    // "excluded port range": nobody can bind inside it (WSAEACCES)
};

struct ReservedRange {
    PortRange ports;
    Protocol protocol = Protocol::Tcp;
    Family family = Family::IPv4;
    RangeKind kind = RangeKind::LinuxReserved;
    bool administered = false; // Windows: added by an administrator (netsh's "*"), not by a service at boot
};

// Sockets other than listeners that use the port as their local port.
struct PortConnections {
    int timeWait = 0; // TCP connections in TIME_WAIT
    int other = 0;    // established, closing, ... (not LISTEN, not TIME_WAIT)
    bool blockBind = false; // whether such sockets make a plain bind (no SO_REUSEADDR) fail on this OS
};

enum class ServiceManager : std::uint8_t { None, Systemd, WindowsScm };

// A service as the service manager knows it.
struct ServiceEntry {
    std::string name;        // "W3SVC", "nginx.service"
    std::string displayName; // "World Wide Web Publishing Service"; empty when the manager has none
    int pid = 0;             // 0 when not running
    bool running = false;
    bool userUnit = false;   // systemd: a unit of a user's own manager (systemctl --user)
    bool sharedProcess = false; // Windows: SERVICE_WIN32_SHARE_PROCESS (hosted by svchost.exe with others)
};

// What the HTTP Server API (HTTP.sys) has configured: URL reservations (who may register a URL)
// and SSL certificate bindings (ip:port to certificate and application id).
struct HttpSysEntry {
    enum class Kind : std::uint8_t { UrlReservation, SslBinding };
    Kind kind = Kind::UrlReservation;
    std::string key;       // the URL prefix ("http://+:80/wsman/") or the ip:port ("0.0.0.0:443")
    std::uint16_t port = 0;
    std::string security;  // URL reservation: the SDDL of who may register it
    std::string appId;     // SSL binding: the application's GUID ("{4dc3e181-e14b-4a21-b022-59fc669b0914}")
    std::string certHash;  // SSL binding: certificate thumbprint, hex
};

class PortDiagnosis {
public:
    virtual ~PortDiagnosis() = default;

    virtual Fact<PrivilegedPorts> privilegedPorts() = 0;
    // Every range this OS keeps apart for the protocol, both families.
    virtual Fact<std::vector<ReservedRange>> reservedRanges(Protocol protocol) = 0;
    virtual Fact<PortConnections> connections(Protocol protocol, std::uint16_t port) = 0;

    virtual ServiceManager serviceManager() const = 0;
    // The services these processes host (a svchost.exe can host several; a systemd unit's process one).
    virtual Fact<std::vector<ServiceEntry>> servicesOf(const std::vector<int> &pids) = 0;
    // Which of the named services exist, with their state (Windows: the service control manager).
    virtual Fact<std::vector<ServiceEntry>> services(const std::vector<std::string> &names) = 0;

    // The process id the OS shows for its kernel's own listeners (Windows: 4, "System", which is how
    // HTTP.sys's sockets appear), if it has one; Linux kernel sockets have no owning process.
    virtual std::optional<int> kernelPid() const = 0;
    // HTTP.sys's configuration; empty where the OS has no HTTP.sys.
    virtual Fact<std::vector<HttpSysEntry>> httpSysEntries() = 0;
};

std::unique_ptr<PortDiagnosis> makePortDiagnosis();

} // namespace portwatch::platform
