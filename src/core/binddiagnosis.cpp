// Deciding what the platform's facts mean for a bind, and putting reasons and fixes into words.
#include "binddiagnosis.h"

#include "httpsysservices.h"
#include "listenertext.h"

#include <QJsonArray>
#include <QSet>

#include <algorithm>

namespace portwatch {
namespace {

using platform::Protocol;
using platform::ServiceManager;

QString portText(Protocol protocol, quint16 port)
{
    return QStringLiteral("%1/%2").arg(QLatin1String(platform::toString(protocol))).arg(port);
}

QString qs(const std::string &text)
{
    return QString::fromStdString(text);
}

QString stopCommand(ServiceManager manager, const platform::ServiceEntry &service)
{
    const QString name = qs(service.name);
    if (manager == ServiceManager::WindowsScm)
        return QStringLiteral("net stop %1   (PowerShell: Stop-Service %1; keep it stopped: sc config %1 start= disabled)").arg(name);
    if (service.userUnit)
        return QStringLiteral("systemctl --user stop %1   (keep it stopped: systemctl --user disable %1)").arg(name);
    return QStringLiteral("sudo systemctl stop %1   (keep it stopped: sudo systemctl disable %1)").arg(name);
}

QString serviceLabel(const platform::ServiceEntry &service)
{
    return service.displayName.empty() ? qs(service.name)
                                       : QStringLiteral("%1 (%2)").arg(qs(service.name), qs(service.displayName));
}

QJsonArray servicesJson(const QList<platform::ServiceEntry> &services)
{
    QJsonArray array;
    for (const platform::ServiceEntry &service : services)
        array.append(QJsonObject{{QStringLiteral("name"), qs(service.name)},
                                 {QStringLiteral("displayName"), qs(service.displayName)},
                                 {QStringLiteral("pid"), service.pid},
                                 {QStringLiteral("running"), service.running}});
    return array;
}

QString familyFlag(platform::Family family)
{
    return family == platform::Family::IPv6 ? QStringLiteral("ipv6") : QStringLiteral("ipv4");
}

} // namespace

const char *toString(BindReason::Kind kind) noexcept
{
    switch (kind) {
    case BindReason::Kind::Listener: return "listener";
    case BindReason::Kind::HttpSys: return "http-sys";
    case BindReason::Kind::Kernel: return "kernel";
    case BindReason::Kind::Service: return "service";
    case BindReason::Kind::ExcludedRange: return "excluded-range";
    case BindReason::Kind::Privileged: return "privileged";
    case BindReason::Kind::Connections: return "connections";
    case BindReason::Kind::ReservedRange: return "reserved-range";
    case BindReason::Kind::EphemeralRange: return "ephemeral-range";
    }
    return "unknown";
}

bool BindVerdict::bindWouldFail() const
{
    return std::any_of(reasons.begin(), reasons.end(), [](const BindReason &reason) { return reason.blocksBind; });
}

BindDiagnoser::BindDiagnoser(platform::PortDiagnosis &facts)
    : m_facts(facts)
{
}

QList<platform::ServiceEntry> BindDiagnoser::servicesOf(int pid)
{
    if (const auto known = m_servicesByPid.constFind(pid); known != m_servicesByPid.constEnd())
        return *known;
    const auto fact = m_facts.servicesOf({pid});
    if (!fact.ok())
        m_unchecked << QStringLiteral("services of pid %1: %2").arg(pid).arg(qs(fact.error));
    const QList<platform::ServiceEntry> services(fact.value.begin(), fact.value.end());
    m_servicesByPid.insert(pid, services);
    return services;
}

void BindDiagnoser::prefetchServices(const QList<platform::Listener> &listeners)
{
    // One question for every owner: on Windows each one enumerates every service.
    std::vector<int> pids;
    for (const platform::Listener &listener : listeners)
        for (const platform::ProcessInfo &owner : listener.owners)
            if (!m_servicesByPid.contains(owner.pid) && std::find(pids.begin(), pids.end(), owner.pid) == pids.end())
                pids.push_back(owner.pid);
    if (pids.empty())
        return;
    const auto fact = m_facts.servicesOf(pids);
    if (!fact.ok())
        m_unchecked << QStringLiteral("services: %1").arg(qs(fact.error)); // said once, not once per owner
    for (int pid : pids)
        m_servicesByPid.insert(pid, {});
    for (const platform::ServiceEntry &service : fact.value)
        m_servicesByPid[service.pid].append(service);
}

BindReason BindDiagnoser::httpSysReason(const platform::SocketEntry &socket)
{
    const quint16 port = socket.port;
    BindReason reason;
    reason.kind = BindReason::Kind::HttpSys;
    reason.blocksBind = true;

    // What HTTP.sys has configured for this port, and which known services that points to.
    QJsonArray reservations;
    QJsonArray bindings;
    QStringList pointedTo;
    const auto entries = m_facts.httpSysEntries();
    if (!entries.ok())
        m_unchecked << QStringLiteral("HTTP.sys configuration: %1").arg(qs(entries.error));
    for (const platform::HttpSysEntry &entry : entries.value) {
        if (entry.port != port)
            continue;
        if (entry.kind == platform::HttpSysEntry::Kind::UrlReservation) {
            const QStringList services = httpsys::servicesForReservation(qs(entry.key), qs(entry.security));
            pointedTo << services;
            reservations.append(QJsonObject{{QStringLiteral("url"), qs(entry.key)},
                                            {QStringLiteral("sddl"), qs(entry.security)},
                                            {QStringLiteral("accounts"), QJsonArray::fromStringList(httpsys::sddlAccounts(qs(entry.security)))},
                                            {QStringLiteral("services"), QJsonArray::fromStringList(services)}});
        } else {
            bindings.append(QJsonObject{{QStringLiteral("ipPort"), qs(entry.key)},
                                        {QStringLiteral("appId"), qs(entry.appId)},
                                        {QStringLiteral("certHash"), qs(entry.certHash)}});
        }
    }

    // The known services that may be behind it and run now: the ones the reservations name, then
    // those that take this port out of the box, then those that take any port they are given.
    std::vector<std::string> names;
    for (const httpsys::KnownService &known : httpsys::knownServices())
        names.push_back(known.name.toStdString());
    for (const QString &name : pointedTo)
        if (std::find(names.begin(), names.end(), name.toStdString()) == names.end())
            names.push_back(name.toStdString());
    const auto states = m_facts.services(names);
    if (!states.ok())
        m_unchecked << QStringLiteral("services: %1").arg(qs(states.error));
    auto rank = [&](const platform::ServiceEntry &service) {
        const QString name = qs(service.name);
        if (pointedTo.contains(name))
            return 0;
        for (const httpsys::KnownService &known : httpsys::knownServices())
            if (known.name == name)
                return known.ports.contains(port) ? 1 : known.ports.isEmpty() ? 2 : 3;
        return 3;
    };
    QList<platform::ServiceEntry> candidates;
    for (const platform::ServiceEntry &service : states.value)
        if (service.running && rank(service) < 3)
            candidates.append(service);
    std::stable_sort(candidates.begin(), candidates.end(),
                     [&](const platform::ServiceEntry &a, const platform::ServiceEntry &b) { return rank(a) < rank(b); });

    const QString held = QStringLiteral("%1 is held by HTTP.sys, the kernel's HTTP server (pid %2, System), "
                                        "on behalf of a program that registered a URL on port %3 with the HTTP Server API.")
                             .arg(listenertext::address(socket))
                             .arg(m_facts.kernelPid().value_or(0))
                             .arg(port);
    if (candidates.isEmpty()) {
        reason.text = held + QStringLiteral(" No well-known HTTP.sys service is running; the request queue list names the program.");
    } else {
        QStringList labels;
        for (const platform::ServiceEntry &service : candidates)
            labels << serviceLabel(service);
        reason.text = held + QStringLiteral(" Running services that may hold it through HTTP.sys: %1.").arg(labels.join(QLatin1String(", ")));
    }
    for (const platform::ServiceEntry &service : candidates)
        reason.fixes << stopCommand(ServiceManager::WindowsScm, service);
    reason.fixes << QStringLiteral("netsh http show servicestate view=requestq   (as administrator: every request queue with its URLs and the process that owns it)");
    reason.fixes << QStringLiteral("do not kill pid 4: it is the Windows kernel, and HTTP.sys would keep the port");
    reason.details = QJsonObject{{QStringLiteral("pid"), m_facts.kernelPid().value_or(0)},
                                 {QStringLiteral("urlReservations"), reservations},
                                 {QStringLiteral("sslBindings"), bindings},
                                 {QStringLiteral("services"), servicesJson(candidates)}};
    return reason;
}

BindReason BindDiagnoser::kernelReason(const platform::SocketEntry &socket)
{
    // PID 4 also stands for the kernel's own servers, which HTTP.sys's configuration does not list.
    BindReason reason;
    reason.kind = BindReason::Kind::Kernel;
    reason.blocksBind = true;
    const QString held = QStringLiteral("%1 is held by the Windows kernel (pid %2, System)")
                             .arg(listenertext::address(socket))
                             .arg(m_facts.kernelPid().value_or(0));
    const bool tcp = socket.protocol == Protocol::Tcp;
    if (tcp && socket.port == 445) {
        reason.text = held + QStringLiteral(": the SMB file server (srv2.sys) that shares this machine's files and printers.");
        reason.fixes << QStringLiteral("net stop LanmanServer   (stops sharing files from this machine; PowerShell: Stop-Service LanmanServer -Force)");
    } else if ((tcp && socket.port == 139) || (!tcp && (socket.port == 137 || socket.port == 138))) {
        reason.text = held + QStringLiteral(": NetBIOS over TCP/IP (netbt.sys).");
        reason.fixes << QStringLiteral("turn off NetBIOS over TCP/IP in the network adapter's IPv4 settings (Advanced, WINS)");
    } else {
        reason.text = held + QStringLiteral(": a kernel driver, not a process.");
    }
    reason.fixes << QStringLiteral("do not kill pid 4: it is the Windows kernel");
    reason.details = QJsonObject{{QStringLiteral("pid"), m_facts.kernelPid().value_or(0)}};
    return reason;
}

std::optional<BindReason> BindDiagnoser::ownerReason(const platform::Listener &listener, const platform::ProcessInfo &owner)
{
    if (m_facts.kernelPid() && owner.pid == *m_facts.kernelPid()) {
        const platform::SocketEntry &socket = listener.socket;
        const bool kernelServer = socket.port == 445 || socket.port == 139;
        return socket.protocol == Protocol::Tcp && !kernelServer ? httpSysReason(socket) : kernelReason(socket);
    }
    const QList<platform::ServiceEntry> services = servicesOf(owner.pid);
    if (services.isEmpty())
        return std::nullopt;
    const ServiceManager manager = m_facts.serviceManager();
    BindReason reason;
    reason.kind = BindReason::Kind::Service;
    reason.blocksBind = true;
    QStringList labels;
    for (const platform::ServiceEntry &service : services)
        labels << serviceLabel(service);
    const QString who = QStringLiteral("%1 is held by %2").arg(listenertext::address(listener.socket), listenertext::owner(owner));
    if (services.size() > 1)
        reason.text = QStringLiteral("%1, which hosts the services %2; one of them listens. Stop that service rather "
                                     "than the process, which would end every one of them.")
                          .arg(who, labels.join(QLatin1String(", ")));
    else if (manager == ServiceManager::WindowsScm)
        reason.text = QStringLiteral("%1, the process of the service %2. Stop the service; the service manager may "
                                     "restart a killed one.").arg(who, labels.first());
    else
        reason.text = QStringLiteral("%1, the process of the systemd service %2, which restarts it if it is set to.")
                          .arg(who, labels.first());
    for (const platform::ServiceEntry &service : services)
        reason.fixes << stopCommand(manager, service);
    reason.details = QJsonObject{{QStringLiteral("pid"), owner.pid}, {QStringLiteral("services"), servicesJson(services)}};
    return reason;
}

BindVerdict BindDiagnoser::diagnose(Protocol protocol, quint16 port, const QList<platform::Listener> &listeners)
{
    m_unchecked.clear();
    BindVerdict verdict;
    verdict.protocol = protocol;
    verdict.port = port;
    verdict.listeners = listeners;
    prefetchServices(listeners);

    QSet<int> seen;
    for (const platform::Listener &listener : listeners) {
        if (listener.owners.empty()) {
            BindReason reason;
            reason.blocksBind = true;
            reason.text = QStringLiteral("%1 is held by %2.").arg(listenertext::address(listener.socket), listenertext::owners(listener));
            reason.details = QJsonObject{{QStringLiteral("pid"), QJsonValue::Null},
                                         {QStringLiteral("uid"), static_cast<double>(listener.socket.uid)}};
            verdict.reasons.append(reason);
            continue;
        }
        for (const platform::ProcessInfo &owner : listener.owners) {
            if (seen.contains(owner.pid))
                continue;
            seen.insert(owner.pid);
            if (auto special = ownerReason(listener, owner)) {
                verdict.reasons.append(*special);
                continue;
            }
            BindReason reason;
            reason.blocksBind = true;
            reason.text = QStringLiteral("%1 is held by %2.").arg(listenertext::address(listener.socket), listenertext::owner(owner));
            reason.fixes << QStringLiteral("portwatch-cli kill %1").arg(portText(protocol, port));
            reason.details = QJsonObject{{QStringLiteral("pid"), owner.pid}, {QStringLiteral("process"), listenertext::processName(owner)}};
            verdict.reasons.append(reason);
        }
    }
    addRangeReasons(verdict);
    addPrivilegedReason(verdict);
    if (listeners.isEmpty())
        addConnectionReason(verdict);
    verdict.unchecked = m_unchecked;
    return verdict;
}

void BindDiagnoser::addRangeReasons(BindVerdict &verdict)
{
    const auto ranges = m_facts.reservedRanges(verdict.protocol);
    if (!ranges.ok())
        m_unchecked << QStringLiteral("reserved port ranges: %1").arg(qs(ranges.error));
    const quint16 port = verdict.port;
    const QString proto = QLatin1String(platform::toString(verdict.protocol));
    // One reason per range; Linux lists the same range for both families, Windows may differ per family.
    QList<std::pair<const platform::ReservedRange *, QStringList>> hits;
    for (const platform::ReservedRange &range : ranges.value) {
        if (!range.ports.contains(port))
            continue;
        auto same = std::find_if(hits.begin(), hits.end(), [&range](const auto &hit) {
            return hit.first->ports == range.ports && hit.first->kind == range.kind && hit.first->administered == range.administered;
        });
        if (same == hits.end())
            hits.append({&range, {familyFlag(range.family)}});
        else
            same->second << familyFlag(range.family);
    }
    for (const auto &[range, families] : hits) {
        const QString span = QStringLiteral("%1-%2").arg(range->ports.first).arg(range->ports.last);
        const int count = range->ports.last - range->ports.first + 1;
        BindReason reason;
        reason.details = QJsonObject{{QStringLiteral("first"), range->ports.first},
                                     {QStringLiteral("last"), range->ports.last},
                                     {QStringLiteral("families"), QJsonArray::fromStringList(families)}};
        switch (range->kind) {
        case platform::RangeKind::WindowsExcluded:
            reason.kind = BindReason::Kind::ExcludedRange;
            reason.blocksBind = true;
            reason.details.insert(QStringLiteral("administered"), range->administered);
            for (const QString &family : families) {
                const QString netsh = family == QLatin1String("ipv6") ? QStringLiteral("netsh int ipv6") : QStringLiteral("netsh int ipv4");
                if (range->administered)
                    reason.fixes << QStringLiteral("%1 delete excludedportrange protocol=%2 startport=%3 numberofports=%4   (as administrator)")
                                        .arg(netsh, proto).arg(range->ports.first).arg(count);
            }
            if (range->administered) {
                reason.text = QStringLiteral("Port %1 is inside the excluded port range %2 (%3) that an administrator added; "
                                             "Windows refuses every bind in it (WSAEACCES, error 10013).")
                                  .arg(port).arg(span, families.join(QLatin1String(", ")));
            } else {
                reason.text = QStringLiteral("Port %1 is inside the excluded port range %2 (%3) that a service reserved at start-up "
                                             "(Hyper-V, WinNAT, Docker Desktop and WSL2 take blocks like this); Windows refuses every "
                                             "bind in it (WSAEACCES, error 10013).")
                                  .arg(port).arg(span, families.join(QLatin1String(", ")));
                reason.fixes << QStringLiteral("net stop winnat, then start your program or reserve the port for it (netsh int ipv4 add "
                                               "excludedportrange protocol=%1 startport=%2 numberofports=1), then net start winnat   (as administrator)")
                                    .arg(proto).arg(port);
                reason.fixes << QStringLiteral("move the dynamic port range away from your ports: netsh int ipv4 set dynamic %1 start=49152 num=16384, then reboot")
                                    .arg(proto);
            }
            break;
        case platform::RangeKind::LinuxReserved:
            reason.kind = BindReason::Kind::ReservedRange;
            reason.text = QStringLiteral("Port %1 is in net.ipv4.ip_local_reserved_ports (%2): the kernel never hands it out on its "
                                         "own, and an explicit bind still works.").arg(port).arg(span);
            break;
        case platform::RangeKind::LinuxEphemeral:
            reason.kind = BindReason::Kind::EphemeralRange;
            reason.text = QStringLiteral("Port %1 is in the ephemeral range %2 (net.ipv4.ip_local_port_range): an outgoing connection "
                                         "may take it as its local port for a while.").arg(port).arg(span);
            reason.fixes << QStringLiteral("keep outgoing connections off it: sudo sysctl -w net.ipv4.ip_local_reserved_ports=%1 "
                                           "(add to the existing list; persist it in /etc/sysctl.d)").arg(port);
            break;
        }
        verdict.reasons.append(reason);
    }
}

void BindDiagnoser::addPrivilegedReason(BindVerdict &verdict)
{
    const auto privileged = m_facts.privilegedPorts();
    if (!privileged.ok()) {
        m_unchecked << QStringLiteral("privileged ports: %1").arg(qs(privileged.error));
        return;
    }
    const quint16 first = privileged.value.firstUnprivileged;
    if (verdict.port >= first)
        return;
    BindReason reason;
    reason.kind = BindReason::Kind::Privileged;
    reason.blocksBind = !privileged.value.callerMayBindAll;
    reason.details = QJsonObject{{QStringLiteral("unprivilegedPortStart"), first},
                                 {QStringLiteral("callerMayBind"), privileged.value.callerMayBindAll}};
    if (privileged.value.callerMayBindAll) {
        reason.text = QStringLiteral("Port %1 is privileged (below %2): you may bind it (root or CAP_NET_BIND_SERVICE); "
                                     "other users may not.").arg(verdict.port).arg(first);
    } else {
        reason.text = QStringLiteral("Port %1 is privileged (below %2, net.ipv4.ip_unprivileged_port_start) and this process lacks "
                                     "CAP_NET_BIND_SERVICE (which root normally has), so your bind fails with EACCES.").arg(verdict.port).arg(first);
        reason.fixes << QStringLiteral("give the server the capability: sudo setcap cap_net_bind_service=+ep /path/to/server");
        reason.fixes << QStringLiteral("or, under systemd: AmbientCapabilities=CAP_NET_BIND_SERVICE in its unit");
        reason.fixes << QStringLiteral("or lower the limit for every user: sudo sysctl -w net.ipv4.ip_unprivileged_port_start=%1").arg(verdict.port);
        reason.fixes << QStringLiteral("or use a port of %1 or above").arg(first);
    }
    verdict.reasons.append(reason);
}

void BindDiagnoser::addConnectionReason(BindVerdict &verdict)
{
    const auto connections = m_facts.connections(verdict.protocol, verdict.port);
    if (!connections.ok()) {
        m_unchecked << QStringLiteral("connections: %1").arg(qs(connections.error));
        return;
    }
    const platform::PortConnections &count = connections.value;
    if (count.timeWait == 0 && count.other == 0)
        return;
    BindReason reason;
    reason.kind = BindReason::Kind::Connections;
    reason.blocksBind = count.blockBind;
    reason.details = QJsonObject{{QStringLiteral("timeWait"), count.timeWait}, {QStringLiteral("other"), count.other}};
    QStringList parts;
    if (count.timeWait > 0)
        parts << QStringLiteral("%1 in TIME_WAIT").arg(count.timeWait);
    if (count.other > 0)
        parts << QStringLiteral("%1 open").arg(count.other);
    const QString what = QStringLiteral("No one listens on port %1, but connections still use it as their local port (%2).")
                             .arg(verdict.port).arg(parts.join(QLatin1String(", ")));
    if (count.blockBind) {
        reason.text = what + QStringLiteral(" A bind without SO_REUSEADDR fails with EADDRINUSE until they are gone"
                                            "%1.").arg(count.other == 0 ? QStringLiteral(" (TIME_WAIT ends within a minute)") : QString());
        reason.fixes << QStringLiteral("set SO_REUSEADDR on the server's socket before bind (most servers do; the old sockets need it too)");
        if (count.timeWait > 0)
            reason.fixes << QStringLiteral("or wait for TIME_WAIT to end (60 seconds on Linux)");
    } else {
        reason.text = what + QStringLiteral(" They do not block a new listener here unless the old socket used SO_EXCLUSIVEADDRUSE.");
    }
    verdict.reasons.append(reason);
}

QList<BindReason> BindDiagnoser::ownerNotes(const QList<platform::Listener> &listeners)
{
    m_unchecked.clear();
    QList<BindReason> notes;
    // A systemd unit's process is killed like any other, so `who` says nothing of it; on Windows a
    // service's process is not, and `who` says why before anyone tries.
    if (!m_facts.kernelPid() && m_facts.serviceManager() != ServiceManager::WindowsScm)
        return notes;
    prefetchServices(listeners);
    QSet<int> seen;
    QSet<QString> kernelPorts; // the kernel's pid holds many ports, each for its own reason
    for (const platform::Listener &listener : listeners) {
        for (const platform::ProcessInfo &owner : listener.owners) {
            if (m_facts.kernelPid() && owner.pid == *m_facts.kernelPid()) {
                const QString port = listenertext::port(listener.socket);
                if (kernelPorts.contains(port))
                    continue;
                kernelPorts.insert(port);
            } else if (seen.contains(owner.pid)) {
                continue;
            }
            seen.insert(owner.pid);
            if (auto reason = ownerReason(listener, owner))
                notes.append(*reason);
        }
    }
    return notes;
}

std::optional<BindReason> BindDiagnoser::killRefusal(const platform::ProcessInfo &owner, const platform::SocketEntry &socket)
{
    // Only a Windows service is refused: a systemd unit's process may be killed (a test, a restart
    // policy of "no"), and killNote() tells what to do when it comes back.
    const bool kernel = m_facts.kernelPid() && owner.pid == *m_facts.kernelPid();
    if (!kernel && m_facts.serviceManager() != ServiceManager::WindowsScm)
        return std::nullopt;
    platform::Listener listener;
    listener.socket = socket;
    std::optional<BindReason> reason = ownerReason(listener, owner);
    if (reason && kernel)
        reason->text = QStringLiteral("Not killing pid %1: it is the Windows kernel. ").arg(owner.pid) + reason->text;
    else if (reason)
        reason->text = QStringLiteral("Not killing %1: ").arg(listenertext::owner(owner)) + reason->text;
    return reason;
}

std::optional<BindReason> BindDiagnoser::killNote(const platform::ProcessInfo &owner)
{
    if (m_facts.serviceManager() != ServiceManager::Systemd)
        return std::nullopt;
    const QList<platform::ServiceEntry> services = servicesOf(owner.pid);
    if (services.isEmpty())
        return std::nullopt;
    BindReason reason;
    reason.kind = BindReason::Kind::Service;
    reason.text = QStringLiteral("%1 belongs to the systemd service %2; if the port is taken again, stop the service.")
                      .arg(listenertext::owner(owner), qs(services.first().name));
    reason.fixes << stopCommand(ServiceManager::Systemd, services.first());
    return reason;
}

} // namespace portwatch
