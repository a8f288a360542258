// makePortDiagnosis() for Linux: sysctls under /proc/sys/net/ipv4, CapEff of /proc/self/status,
// /proc/net/tcp{,6} for connections, and systemd's cgroup paths for services.
#include "platform/portdiagnosis.h"

#include "bindfacts.h"
#include "procfs.h"
#include "platform/portlistparser.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace portwatch::platform {
namespace {

// A whole /proc or /sys file; on failure nothing, and `error` (when given) says which file and why.
std::optional<std::string> readText(const std::string &path, std::string *error = nullptr)
{
    std::string text;
    if (!procfs::readFileAt(AT_FDCWD, path, text)) {
        const int saved = errno; // callers look at it after the message is built
        if (error)
            *error = "cannot read " + path + ": " + std::strerror(saved);
        errno = saved;
        return std::nullopt;
    }
    return text;
}

class LinuxPortDiagnosis final : public PortDiagnosis {
public:
    Fact<PrivilegedPorts> privilegedPorts() override
    {
        Fact<PrivilegedPorts> fact;
        // The sysctl exists since Linux 4.11; before it, the limit was fixed at 1024.
        fact.value.firstUnprivileged = 1024;
        if (const auto text = readText("/proc/sys/net/ipv4/ip_unprivileged_port_start")) {
            const auto range = portlist::parseSysctlList(*text);
            if (!range || range->size() != 1 || range->front().first != range->front().last) {
                fact.error = "unexpected net.ipv4.ip_unprivileged_port_start: " + *text;
                return fact;
            }
            fact.value.firstUnprivileged = range->front().first;
        }
        std::string error;
        const auto status = readText("/proc/self/status", &error);
        const auto caps = status ? bindfacts::effectiveCapabilities(*status) : std::nullopt;
        if (!caps) {
            fact.error = status ? "no CapEff line in /proc/self/status" : error;
            return fact;
        }
        fact.value.callerMayBindAll = (*caps >> bindfacts::capNetBindService) & 1U;
        return fact;
    }

    Fact<std::vector<ReservedRange>> reservedRanges(Protocol protocol) override
    {
        // Both sysctls are per network namespace and govern IPv4 and IPv6 alike, despite the name.
        Fact<std::vector<ReservedRange>> fact;
        std::string error;
        const auto reserved = readText("/proc/sys/net/ipv4/ip_local_reserved_ports", &error);
        const auto list = reserved ? portlist::parseSysctlList(*reserved) : std::nullopt;
        if (!list) {
            fact.error = reserved ? "unexpected net.ipv4.ip_local_reserved_ports: " + *reserved : error;
            return fact;
        }
        for (const PortRange &ports : *list)
            for (Family family : {Family::IPv4, Family::IPv6})
                fact.value.push_back({ports, protocol, family, RangeKind::LinuxReserved, false});
        const auto ephemeralText = readText("/proc/sys/net/ipv4/ip_local_port_range", &error);
        const auto ephemeral = ephemeralText ? portlist::parseSysctlRange(*ephemeralText) : std::nullopt;
        if (!ephemeral) {
            fact.error = ephemeralText ? "unexpected net.ipv4.ip_local_port_range: " + *ephemeralText : error;
            return fact;
        }
        for (Family family : {Family::IPv4, Family::IPv6})
            fact.value.push_back({*ephemeral, protocol, family, RangeKind::LinuxEphemeral, false});
        return fact;
    }

    Fact<PortConnections> connections(Protocol protocol, std::uint16_t port) override
    {
        Fact<PortConnections> fact;
        fact.value.blockBind = true;
        if (protocol != Protocol::Tcp)
            return fact; // UDP has no connection states; a bound UDP socket is a listener
        for (const char *path : {"/proc/net/tcp", "/proc/net/tcp6"}) {
            std::string error;
            const auto text = readText(path, &error);
            if (!text) {
                // Without IPv6 there is no tcp6 file, and no IPv6 connection either.
                if (std::string_view(path).ends_with("6") && errno == ENOENT)
                    continue;
                fact.error = error;
                return fact;
            }
            bindfacts::countConnections(*text, port, fact.value);
        }
        return fact;
    }

    ServiceManager serviceManager() const override
    {
        // systemd's own test (sd_booted): this directory exists only when systemd is PID 1.
        return ::access("/run/systemd/system", F_OK) == 0 ? ServiceManager::Systemd : ServiceManager::None;
    }

    Fact<std::vector<ServiceEntry>> servicesOf(const std::vector<int> &pids) override
    {
        Fact<std::vector<ServiceEntry>> fact;
        for (int pid : pids) {
            // A process that vanished meanwhile, or one we may not look at, hosts no service we can name.
            const auto cgroup = readText("/proc/" + std::to_string(pid) + "/cgroup");
            if (!cgroup)
                continue;
            if (auto service = bindfacts::serviceOfCgroup(*cgroup)) {
                service->pid = pid;
                fact.value.push_back(std::move(*service));
            }
        }
        return fact;
    }

    Fact<std::vector<ServiceEntry>> services(const std::vector<std::string> &names) override
    {
        Fact<std::vector<ServiceEntry>> fact;
        for (const std::string &name : names) {
            // cgroup v2 first, then v1's named systemd hierarchy.
            for (const char *root : {"/sys/fs/cgroup/system.slice/", "/sys/fs/cgroup/systemd/system.slice/"}) {
                const auto procs = readText(root + name + "/cgroup.procs");
                if (!procs)
                    continue;
                ServiceEntry service;
                service.name = name;
                service.pid = std::atoi(procs->c_str()); // the first process; 0 when the unit has none
                service.running = service.pid > 0;
                fact.value.push_back(service);
                break;
            }
        }
        return fact;
    }

    std::optional<int> kernelPid() const override { return std::nullopt; }

    Fact<std::vector<HttpSysEntry>> httpSysEntries() override { return {}; } // Linux has no HTTP.sys
};

} // namespace

std::unique_ptr<PortDiagnosis> makePortDiagnosis()
{
    return std::make_unique<LinuxPortDiagnosis>();
}

} // namespace portwatch::platform
