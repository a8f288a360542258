// What Windows knows as HTTP.sys users: the services that usually take ports through the HTTP Server
// API (IIS, WinRM, BranchCache, Reporting Services, ...), and how a URL reservation's security
// descriptor names one of them. Plain data and string work, so it is tested on Linux.
#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include <cstdint>

namespace portwatch::httpsys {

struct KnownService {
    QString name;                 // service name for `net stop`: "W3SVC"
    QString what;                 // what the user knows it as: "IIS (World Wide Web Publishing Service)"
    QList<std::uint16_t> ports;   // the ports it takes out of the box; empty: any port it is configured for
    QString urlFragment;          // a path its URL reservations carry ("/wsman/"), empty when none is typical
};

// The table, most common first.
const QList<KnownService> &knownServices();

// "S-1-5-80-..." for "NT SERVICE\<name>": the SHA-1 of the upper-cased name in UTF-16LE as five
// little-endian 32-bit numbers, the way the service control manager derives a service's SID.
QString serviceSid(const QString &serviceName);

// Who a URL reservation lets register: the account names of the SIDs in its SDDL ("NT SERVICE\WinRM",
// "NETWORK SERVICE", "Everyone", or the SID itself when unknown).
QStringList sddlAccounts(const QString &sddl);

// The known services a reservation belongs to: by service SID in its SDDL, else by URL fragment.
QStringList servicesForReservation(const QString &url, const QString &sddl);

} // namespace portwatch::httpsys
