// Why a bind of a port would fail now, and what to do about it: the one place that turns the
// platform's facts (listeners, privileged ports, reserved and excluded ranges, connections, services,
// HTTP.sys) into reasons and fixes, for `portwatch-cli why`, the notes of `who` and the refusals of
// `kill`. Fed through platform::PortDiagnosis, so tests drive it with recorded data of any OS.
#pragma once

#include "platform/portdiagnosis.h"
#include "platform/types.h"

#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

#include <optional>

namespace portwatch {

struct BindReason {
    enum class Kind {
        Listener,       // a process listens on the port
        HttpSys,        // the kernel's HTTP server listens on it for a registered URL (Windows PID 4)
        Kernel,         // another kernel driver listens on it (Windows PID 4: SMB on 445, NetBIOS on 137-139)
        Service,        // a service's process listens on it: stop the service, not the process
        ExcludedRange,  // Windows excluded the port from binding
        Privileged,     // below the unprivileged port start
        Connections,    // connections (TIME_WAIT, established) still use it as their local port
        ReservedRange,  // Linux ip_local_reserved_ports (a note: explicit binds still work)
        EphemeralRange, // in the range outgoing connections take their ports from (a note)
    };
    Kind kind = Kind::Listener;
    bool blocksBind = false;
    QString text;        // one or two sentences for the user
    QStringList fixes;   // commands or steps, the most direct first
    QJsonObject details; // kind-specific fields for --json
};

const char *toString(BindReason::Kind kind) noexcept; // "listener", "http-sys", "excluded-range", ...

struct BindVerdict {
    platform::Protocol protocol = platform::Protocol::Tcp;
    quint16 port = 0;
    QList<platform::Listener> listeners;
    QList<BindReason> reasons;
    QStringList unchecked; // facts that could not be read, each with why

    bool bindWouldFail() const;
};

class BindDiagnoser final
{
public:
    explicit BindDiagnoser(platform::PortDiagnosis &facts);
    Q_DISABLE_COPY_MOVE(BindDiagnoser)

    // Everything that stands in the way of binding the port on every address, given its listeners.
    BindVerdict diagnose(platform::Protocol protocol, quint16 port, const QList<platform::Listener> &listeners);

    // What `who` adds under its table: for a listener of the kernel's pid, HTTP.sys and how to free
    // the port; for a Windows service's process, which services. Empty for ordinary processes, and
    // where neither exists (Linux).
    QList<BindReason> ownerNotes(const QList<platform::Listener> &listeners);

    // Why `kill` must not end this process, with the fix instead: the kernel's pid (HTTP.sys), or a
    // Windows service's process (the service manager would restart it; a svchost.exe would take
    // other services down with it). Nothing when a kill is the right tool.
    std::optional<BindReason> killRefusal(const platform::ProcessInfo &owner, const platform::SocketEntry &socket);

    // What `kill` says after ending a process run by a systemd service, which may restart it.
    std::optional<BindReason> killNote(const platform::ProcessInfo &owner);

private:
    std::optional<BindReason> ownerReason(const platform::Listener &listener, const platform::ProcessInfo &owner);
    BindReason httpSysReason(const platform::SocketEntry &socket);
    BindReason kernelReason(const platform::SocketEntry &socket);
    QList<platform::ServiceEntry> servicesOf(int pid);
    void prefetchServices(const QList<platform::Listener> &listeners);
    void addRangeReasons(BindVerdict &verdict);
    void addPrivilegedReason(BindVerdict &verdict);
    void addConnectionReason(BindVerdict &verdict);

    platform::PortDiagnosis &m_facts;
    QMap<int, QList<platform::ServiceEntry>> m_servicesByPid; // asked once per pid per diagnoser
    QStringList m_unchecked;
};

} // namespace portwatch
