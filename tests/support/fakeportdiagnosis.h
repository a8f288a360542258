// A PortDiagnosis that answers from what the test set, and a loader that fills it (and a list of
// listeners) from the recorded Windows answers in tests/platform/data/windows: netsh's excluded
// port ranges (read by the production parser), HTTP.sys's URL reservations and SSL bindings, the
// service control manager's services with their process ids, and netstat -ano's TCP/UDP rows.
// Header-only, for tests of core/binddiagnosis and of anything that shows its answers.
#pragma once

#include "platform/portdiagnosis.h"
#include "platform/portlistparser.h"

#include <QFile>
#include <QList>
#include <QMap>
#include <QRegularExpression>
#include <QString>
#include <QStringList>

#include <algorithm>
#include <optional>

namespace portwatch::testing {

class FakePortDiagnosis final : public platform::PortDiagnosis
{
public:
    platform::Fact<platform::PrivilegedPorts> privileged;
    platform::Fact<std::vector<platform::ReservedRange>> ranges;
    QMap<quint16, platform::PortConnections> connectionsByPort; // TCP
    platform::ServiceManager manager = platform::ServiceManager::None;
    std::vector<platform::ServiceEntry> allServices; // every service the manager knows, running or not
    std::string servicesError;
    std::optional<int> kernel;
    platform::Fact<std::vector<platform::HttpSysEntry>> httpSys;
    int servicesOfCalls = 0;

    platform::Fact<platform::PrivilegedPorts> privilegedPorts() override { return privileged; }

    platform::Fact<std::vector<platform::ReservedRange>> reservedRanges(platform::Protocol protocol) override
    {
        platform::Fact<std::vector<platform::ReservedRange>> fact;
        fact.error = ranges.error;
        for (const platform::ReservedRange &range : ranges.value)
            if (range.protocol == protocol)
                fact.value.push_back(range);
        return fact;
    }

    platform::Fact<platform::PortConnections> connections(platform::Protocol protocol, std::uint16_t port) override
    {
        platform::Fact<platform::PortConnections> fact;
        if (protocol == platform::Protocol::Tcp)
            fact.value = connectionsByPort.value(port);
        return fact;
    }

    platform::ServiceManager serviceManager() const override { return manager; }

    platform::Fact<std::vector<platform::ServiceEntry>> servicesOf(const std::vector<int> &pids) override
    {
        ++servicesOfCalls;
        platform::Fact<std::vector<platform::ServiceEntry>> fact;
        fact.error = servicesError;
        for (const platform::ServiceEntry &service : allServices)
            if (service.running && std::find(pids.begin(), pids.end(), service.pid) != pids.end())
                fact.value.push_back(service);
        return fact;
    }

    platform::Fact<std::vector<platform::ServiceEntry>> services(const std::vector<std::string> &names) override
    {
        platform::Fact<std::vector<platform::ServiceEntry>> fact;
        fact.error = servicesError;
        for (const platform::ServiceEntry &service : allServices)
            if (std::find(names.begin(), names.end(), service.name) != names.end())
                fact.value.push_back(service);
        return fact;
    }

    std::optional<int> kernelPid() const override { return kernel; }
    platform::Fact<std::vector<platform::HttpSysEntry>> httpSysEntries() override { return httpSys; }
};

// The lines of a recorded file without CR and without "#" comment lines.
inline QStringList recordedLines(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read recorded data %s", qPrintable(path));
    QStringList lines;
    for (const QString &line : QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'))) {
        QString clean = line;
        clean.remove(QLatin1Char('\r'));
        if (!clean.startsWith(QLatin1Char('#')) && !clean.isEmpty())
            lines << clean;
    }
    return lines;
}

inline QByteArray recordedBytes(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read recorded data %s", qPrintable(path));
    return file.readAll();
}

// "0.0.0.0:443" / "[::]:443" / "http://+:80/wsman/" -> port
inline quint16 trailingPort(const QString &ipPort)
{
    return static_cast<quint16>(ipPort.mid(ipPort.lastIndexOf(QLatin1Char(':')) + 1).toUInt());
}

// Fills `fake` from the recorded Windows answers in `dir`, as the Windows implementation would.
inline void loadWindowsRecording(const QString &dir, FakePortDiagnosis &fake)
{
    using namespace platform;
    fake.manager = ServiceManager::WindowsScm;
    fake.kernel = 4;
    fake.privileged.value = {0, true};
    for (Protocol protocol : {Protocol::Tcp, Protocol::Udp}) {
        for (Family family : {Family::IPv4, Family::IPv6}) {
            const QString name = QStringLiteral("%1/netsh-excludedportrange-%2-%3.txt")
                                     .arg(dir, QLatin1String(toString(family)), QLatin1String(toString(protocol)));
            const QByteArray text = recordedBytes(name);
            const auto parsed = portlist::parseNetshExcluded(std::string_view(text.constData(), text.size()), protocol, family);
            if (!parsed)
                qFatal("recorded netsh output does not parse: %s", qPrintable(name));
            fake.ranges.value.insert(fake.ranges.value.end(), parsed->begin(), parsed->end());
        }
    }
    for (const QString &line : recordedLines(dir + QStringLiteral("/httpapi-urlacl.txt"))) {
        const QStringList fields = line.split(QLatin1Char('\t'));
        HttpSysEntry entry;
        entry.kind = HttpSysEntry::Kind::UrlReservation;
        entry.key = fields.value(0).toStdString();
        entry.security = fields.value(1).toStdString();
        entry.port = portlist::urlPort(entry.key);
        fake.httpSys.value.push_back(entry);
    }
    for (const QString &line : recordedLines(dir + QStringLiteral("/httpapi-sslcert.txt"))) {
        const QStringList fields = line.split(QLatin1Char('\t'));
        HttpSysEntry entry;
        entry.kind = HttpSysEntry::Kind::SslBinding;
        entry.key = fields.value(0).toStdString();
        entry.port = trailingPort(fields.value(0));
        entry.certHash = fields.value(1).toStdString();
        entry.appId = fields.value(2).toStdString();
        fake.httpSys.value.push_back(entry);
    }
    for (const QString &line : recordedLines(dir + QStringLiteral("/scm-services.txt"))) {
        const QStringList fields = line.split(QLatin1Char('\t'));
        ServiceEntry service;
        service.name = fields.value(0).toStdString();
        service.displayName = fields.value(1).toStdString();
        const uint type = fields.value(2).toUInt(nullptr, 16);
        service.sharedProcess = (type & 0x20U) != 0;      // SERVICE_WIN32_SHARE_PROCESS
        service.running = fields.value(3).toUInt() == 4; // SERVICE_RUNNING
        service.pid = fields.value(4).toInt();
        fake.allServices.push_back(service);
    }
}

// The listening rows of a recorded `netstat -ano` (GetExtendedTcpTable / GetExtendedUdpTable as
// Windows prints them) with their owners from processes.txt, as the Windows socket table and
// process resolver would hand them up.
inline QList<platform::Listener> recordedWindowsListeners(const QString &dir)
{
    using namespace platform;
    QMap<int, ProcessInfo> processes;
    for (const QString &line : recordedLines(dir + QStringLiteral("/processes.txt"))) {
        const QStringList fields = line.split(QLatin1Char('\t'));
        ProcessInfo info;
        info.pid = fields.value(0).toInt();
        info.name = fields.value(1).toStdString();
        info.exe = fields.value(2).toStdString();
        info.user = info.pid == 4 ? "SYSTEM" : "NT AUTHORITY\\SYSTEM";
        processes.insert(info.pid, info);
    }
    QList<Listener> listeners;
    static const QRegularExpression row(QStringLiteral(R"(^\s+(TCP|UDP)\s+(\S+):(\d+)\s+\S+\s+(LISTENING\s+)?(\d+)$)"));
    for (const QString &line : recordedLines(dir + QStringLiteral("/netstat-ano.txt"))) {
        const QRegularExpressionMatch match = row.match(line);
        if (!match.hasMatch() || (match.captured(1) == QLatin1String("TCP") && match.captured(4).isEmpty()))
            continue;
        Listener listener;
        listener.socket.protocol = match.captured(1) == QLatin1String("TCP") ? Protocol::Tcp : Protocol::Udp;
        QString address = match.captured(2);
        listener.socket.family = address.startsWith(QLatin1Char('[')) ? Family::IPv6 : Family::IPv4;
        address.remove(QLatin1Char('[')).remove(QLatin1Char(']'));
        listener.socket.address = address.toStdString();
        listener.socket.port = static_cast<std::uint16_t>(match.captured(3).toUInt());
        listener.owners.push_back(processes.value(match.captured(5).toInt()));
        listeners.append(listener);
    }
    return listeners;
}

} // namespace portwatch::testing
