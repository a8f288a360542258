// BindDiagnoser: the reasons and fixes behind `why`, `who`'s notes and `kill`'s refusals, driven by a
// fake PortDiagnosis fed recorded Windows answers (HTTP.sys, services by pid, netsh's excluded
// ranges, netstat) and by hand-set Linux facts. The Linux facts themselves are read for real in
// tests/platform/tst_portdiagnosis.
#include "core/binddiagnosis.h"
#include "core/httpsysservices.h"
#include "fakeportdiagnosis.h"
#include "fakeplatform.h"

#include <QJsonArray>
#include <QTest>

using namespace portwatch;
using platform::Protocol;
using testing::FakePortDiagnosis;

namespace {

const QString windowsData = QStringLiteral(PORTWATCH_PLATFORM_TEST_DATA "/windows");

QList<platform::Listener> onPort(const QList<platform::Listener> &listeners, Protocol protocol, quint16 port)
{
    QList<platform::Listener> found;
    for (const platform::Listener &listener : listeners)
        if (listener.socket.protocol == protocol && listener.socket.port == port)
            found.append(listener);
    return found;
}

QList<BindReason> ofKind(const BindVerdict &verdict, BindReason::Kind kind)
{
    QList<BindReason> found;
    for (const BindReason &reason : verdict.reasons)
        if (reason.kind == kind)
            found.append(reason);
    return found;
}

bool anyFixContains(const BindReason &reason, const QString &text)
{
    return std::any_of(reason.fixes.begin(), reason.fixes.end(), [&text](const QString &fix) { return fix.contains(text); });
}

} // namespace

class TestBindDiagnosis : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void serviceSidIsTheScmDerivation();
    void reservationsNameTheirServices();
    void httpSysOnPort80NamesIisAndNeverPid4();
    void httpSysWithoutKnownServicePointsToRequestQueues();
    void svchostNamesItsServices();
    void ownProcessServiceSaysStopTheService();
    void ordinaryProcessIsKilled();
    void excludedDynamicRange();
    void excludedAdministeredRange();
    void excludedOnlyForIpv4();
    void freePortOnWindows();
    void whoNotesForWindowsRows();
    void killRefusals();
    void privilegedWithoutCapability();
    void privilegedWithCapabilityIsANote();
    void linuxReservedAndEphemeralAreNotes();
    void timeWaitBlocksOnlyWithoutListener();
    void timeWaitOnWindowsIsANote();
    void systemdServiceIsNotedNotRefused();
    void unreadableFactsAreReported();

private:
    FakePortDiagnosis m_windows;
    QList<platform::Listener> m_windowsListeners;
};

void TestBindDiagnosis::init()
{
    m_windows = FakePortDiagnosis();
    testing::loadWindowsRecording(windowsData, m_windows);
    m_windowsListeners = testing::recordedWindowsListeners(windowsData);
}

void TestBindDiagnosis::serviceSidIsTheScmDerivation()
{
    // As `sc showsid WinRM` prints it; the same SID stands in WinRM's URL reservations.
    QCOMPARE(httpsys::serviceSid(QStringLiteral("WinRM")),
             QStringLiteral("S-1-5-80-569256582-2953403351-2909559716-1301513147-412116970"));
    QCOMPARE(httpsys::serviceSid(QStringLiteral("winrm")), httpsys::serviceSid(QStringLiteral("WINRM")));
}

void TestBindDiagnosis::reservationsNameTheirServices()
{
    const QStringList lines = testing::recordedLines(windowsData + QStringLiteral("/httpapi-urlacl.txt"));
    QMap<QString, QStringList> services;
    for (const QString &line : lines)
        services.insert(line.section(QLatin1Char('\t'), 0, 0),
                        httpsys::servicesForReservation(line.section(QLatin1Char('\t'), 0, 0), line.section(QLatin1Char('\t'), 1)));
    QCOMPARE(services.value(QStringLiteral("http://+:5985/wsman/")), QStringList({QStringLiteral("WinRM")}));
    QCOMPARE(services.value(QStringLiteral("http://+:80/ReportServer/")), QStringList({QStringLiteral("ReportServer")}));
    QCOMPARE(services.value(QStringLiteral("http://+:80/MSDEPLOYAGENTSERVICE/")), QStringList({QStringLiteral("MsDepSvc")}));
    // No service SID, so the URL's well-known path tells.
    QCOMPARE(services.value(QStringLiteral("http://+:80/116B50EB-ECE2-41ac-8429-9F9E963361B7/")), QStringList({QStringLiteral("PeerDistSvc")}));
    QCOMPARE(services.value(QStringLiteral("http://+:80/Temporary_Listen_Addresses/")), QStringList());
    // The second trustee of WinRM's reservations is not in the table and stays a SID.
    const QStringList accounts = httpsys::sddlAccounts(lines.value(3).section(QLatin1Char('\t'), 1));
    QCOMPARE(accounts.value(0), QStringLiteral("NT SERVICE\\WinRM"));
    QVERIFY(accounts.value(1).startsWith(QLatin1String("S-1-5-80-4059739203")));
    QCOMPARE(httpsys::sddlAccounts(QStringLiteral("D:(A;;GX;;;WD)")), QStringList({QStringLiteral("Everyone")}));
}

void TestBindDiagnosis::httpSysOnPort80NamesIisAndNeverPid4()
{
    BindDiagnoser diagnoser(m_windows);
    const BindVerdict verdict = diagnoser.diagnose(Protocol::Tcp, 80, onPort(m_windowsListeners, Protocol::Tcp, 80));
    QVERIFY(verdict.bindWouldFail());
    QCOMPARE(ofKind(verdict, BindReason::Kind::Listener).size(), 0); // pid 4 is never shown as a plain holder
    const QList<BindReason> httpSys = ofKind(verdict, BindReason::Kind::HttpSys);
    QCOMPARE(httpSys.size(), 1); // one owner (pid 4) for both the IPv4 and the IPv6 socket
    const BindReason &reason = httpSys.first();
    QVERIFY2(reason.text.contains(QLatin1String("HTTP.sys")), qPrintable(reason.text));
    QVERIFY2(reason.text.contains(QLatin1String("W3SVC (World Wide Web Publishing Service)")), qPrintable(reason.text));
    // ReportServer's reservation names it, so it is the first suspect; W3SVC takes any port.
    QVERIFY2(reason.fixes.value(0).startsWith(QLatin1String("net stop ReportServer")), qPrintable(reason.fixes.join('\n')));
    QVERIFY(anyFixContains(reason, QStringLiteral("net stop W3SVC")));
    QVERIFY(anyFixContains(reason, QStringLiteral("Stop-Service W3SVC")));
    QVERIFY(anyFixContains(reason, QStringLiteral("netsh http show servicestate")));
    QVERIFY(!anyFixContains(reason, QStringLiteral("net stop PeerDistSvc"))); // reserved, but not running
    QVERIFY(!anyFixContains(reason, QStringLiteral("net stop WinRM")));       // running, but its ports are 5985/5986/47001
    for (const QString &fix : reason.fixes)
        QVERIFY2(!fix.contains(QLatin1String("portwatch-cli kill")) && !fix.startsWith(QLatin1String("taskkill")), qPrintable(fix));
    const QJsonArray reservations = reason.details.value(QStringLiteral("urlReservations")).toArray();
    QCOMPARE(reservations.size(), 5); // the five recorded reservations on port 80
    QCOMPARE(reason.details.value(QStringLiteral("pid")).toInt(), 4);
}

void TestBindDiagnosis::httpSysWithoutKnownServicePointsToRequestQueues()
{
    BindDiagnoser diagnoser(m_windows);
    // 5357 (WS-Discovery) is held by pid 4 in no recording; say it were, with its services and IIS stopped.
    for (platform::ServiceEntry &service : m_windows.allServices)
        if (service.name == "fdPHost" || service.name == "FDResPub" || service.name == "W3SVC" || service.name == "WAS")
            service.running = false;
    platform::Listener listener;
    listener.socket = testing::makeSocket(Protocol::Tcp, 5357, 0, 0);
    listener.owners.push_back(testing::makeProcess(4, "System"));
    const BindVerdict verdict = diagnoser.diagnose(Protocol::Tcp, 5357, {listener});
    const QList<BindReason> httpSys = ofKind(verdict, BindReason::Kind::HttpSys);
    QCOMPARE(httpSys.size(), 1);
    QVERIFY2(httpSys.first().text.contains(QLatin1String("No well-known HTTP.sys service is running")), qPrintable(httpSys.first().text));
    QVERIFY(httpSys.first().fixes.first().startsWith(QLatin1String("netsh http show servicestate")));
    // 5357 is in the recorded excluded ranges too (a single-port range, taken at boot).
    QCOMPARE(ofKind(verdict, BindReason::Kind::ExcludedRange).size(), 1);
}

void TestBindDiagnosis::svchostNamesItsServices()
{
    BindDiagnoser diagnoser(m_windows);
    const BindVerdict verdict = diagnoser.diagnose(Protocol::Tcp, 135, onPort(m_windowsListeners, Protocol::Tcp, 135));
    const QList<BindReason> services = ofKind(verdict, BindReason::Kind::Service);
    QCOMPARE(services.size(), 1);
    QVERIFY2(services.first().text.contains(QLatin1String("RpcSs (Remote Procedure Call (RPC))")), qPrintable(services.first().text));
    QVERIFY(services.first().text.contains(QLatin1String("RpcEptMapper")));
    QVERIFY(services.first().text.contains(QLatin1String("svchost.exe (pid 1000")));
    QVERIFY(anyFixContains(services.first(), QStringLiteral("net stop RpcEptMapper")));
    QCOMPARE(services.first().details.value(QStringLiteral("services")).toArray().size(), 2);
}

void TestBindDiagnosis::ownProcessServiceSaysStopTheService()
{
    BindDiagnoser diagnoser(m_windows);
    const BindVerdict verdict = diagnoser.diagnose(Protocol::Tcp, 1433, onPort(m_windowsListeners, Protocol::Tcp, 1433));
    const QList<BindReason> services = ofKind(verdict, BindReason::Kind::Service);
    QCOMPARE(services.size(), 1);
    QVERIFY2(services.first().text.contains(QLatin1String("the process of the service MSSQLSERVER")), qPrintable(services.first().text));
    QCOMPARE(services.first().fixes.size(), 1);
    QVERIFY(services.first().fixes.first().startsWith(QLatin1String("net stop MSSQLSERVER")));
}

void TestBindDiagnosis::ordinaryProcessIsKilled()
{
    BindDiagnoser diagnoser(m_windows);
    const BindVerdict verdict = diagnoser.diagnose(Protocol::Tcp, 3000, onPort(m_windowsListeners, Protocol::Tcp, 3000));
    QCOMPARE(verdict.reasons.size(), 1);
    const BindReason &reason = verdict.reasons.first();
    QCOMPARE(reason.kind, BindReason::Kind::Listener);
    QVERIFY(reason.blocksBind);
    QVERIFY2(reason.text.contains(QLatin1String("node.exe (pid 6612")), qPrintable(reason.text));
    QCOMPARE(reason.fixes, QStringList({QStringLiteral("portwatch-cli kill tcp/3000")}));
    // A listener hides the connections that use the port: they are its own accepted ones.
    m_windows.connectionsByPort.insert(3000, {2, 3, false});
    QCOMPARE(diagnoser.diagnose(Protocol::Tcp, 3000, onPort(m_windowsListeners, Protocol::Tcp, 3000)).reasons.size(), 1);
}

void TestBindDiagnosis::excludedDynamicRange()
{
    BindDiagnoser diagnoser(m_windows);
    const BindVerdict verdict = diagnoser.diagnose(Protocol::Tcp, 8080 - 50, {});
    QVERIFY(verdict.bindWouldFail());
    const QList<BindReason> excluded = ofKind(verdict, BindReason::Kind::ExcludedRange);
    QCOMPARE(excluded.size(), 1); // one range, in both families
    const BindReason &reason = excluded.first();
    QCOMPARE(reason.details.value(QStringLiteral("first")).toInt(), 8005);
    QCOMPARE(reason.details.value(QStringLiteral("last")).toInt(), 8104);
    QCOMPARE(reason.details.value(QStringLiteral("administered")).toBool(), false);
    QCOMPARE(reason.details.value(QStringLiteral("families")).toArray(), QJsonArray({QStringLiteral("ipv4"), QStringLiteral("ipv6")}));
    QVERIFY2(reason.text.contains(QLatin1String("8005-8104")) && reason.text.contains(QLatin1String("10013")), qPrintable(reason.text));
    QVERIFY(reason.fixes.first().startsWith(QLatin1String("net stop winnat")));
    QVERIFY(anyFixContains(reason, QStringLiteral("startport=8030 numberofports=1")));
    QVERIFY(anyFixContains(reason, QStringLiteral("netsh int ipv4 set dynamic tcp")));
}

void TestBindDiagnosis::excludedAdministeredRange()
{
    BindDiagnoser diagnoser(m_windows);
    const BindVerdict verdict = diagnoser.diagnose(Protocol::Udp, 50010, {});
    const QList<BindReason> excluded = ofKind(verdict, BindReason::Kind::ExcludedRange);
    QCOMPARE(excluded.size(), 1);
    QCOMPARE(excluded.first().details.value(QStringLiteral("administered")).toBool(), true);
    QVERIFY(excluded.first().text.contains(QLatin1String("an administrator added")));
    QCOMPARE(excluded.first().fixes,
             QStringList({QStringLiteral("netsh int ipv4 delete excludedportrange protocol=udp startport=50000 numberofports=60   (as administrator)")}));
    QVERIFY(!anyFixContains(excluded.first(), QStringLiteral("winnat")));
}

void TestBindDiagnosis::excludedOnlyForIpv4()
{
    BindDiagnoser diagnoser(m_windows);
    const BindVerdict verdict = diagnoser.diagnose(Protocol::Tcp, 4200, {}); // the classic "ng serve cannot bind 4200"
    const QList<BindReason> excluded = ofKind(verdict, BindReason::Kind::ExcludedRange);
    QCOMPARE(excluded.size(), 1);
    QCOMPARE(excluded.first().details.value(QStringLiteral("families")).toArray(), QJsonArray({QStringLiteral("ipv4")}));
}

void TestBindDiagnosis::freePortOnWindows()
{
    BindDiagnoser diagnoser(m_windows);
    const BindVerdict verdict = diagnoser.diagnose(Protocol::Tcp, 9000, {});
    QVERIFY(!verdict.bindWouldFail());
    QVERIFY(verdict.reasons.isEmpty());
    QVERIFY(verdict.unchecked.isEmpty());
    // UDP's recorded ranges are not TCP's.
    QVERIFY(!diagnoser.diagnose(Protocol::Udp, 8030, {}).bindWouldFail());
}

void TestBindDiagnosis::whoNotesForWindowsRows()
{
    BindDiagnoser diagnoser(m_windows);
    const QList<BindReason> notes = diagnoser.ownerNotes(m_windowsListeners);
    QStringList kinds;
    for (const BindReason &note : notes)
        kinds << QStringLiteral("%1:%2").arg(QLatin1String(toString(note.kind))).arg(note.details.value(QStringLiteral("pid")).toInt());
    // pid 4 once per port it holds (HTTP.sys on 80, 443, 2869, 5985, 47001 in both families; the SMB
    // server on 445), each service host once, node.exe not at all.
    QCOMPARE(kinds, QStringList({QStringLiteral("http-sys:4"), QStringLiteral("service:1000"), QStringLiteral("http-sys:4"),
                                 QStringLiteral("kernel:4"), QStringLiteral("service:4380"), QStringLiteral("http-sys:4"),
                                 QStringLiteral("service:1188"), QStringLiteral("http-sys:4"), QStringLiteral("http-sys:4"),
                                 QStringLiteral("service:1544"), QStringLiteral("service:2688")}));
    QVERIFY2(notes.value(3).text.contains(QLatin1String("SMB file server")), qPrintable(notes.value(3).text));
    QVERIFY(notes.value(3).fixes.first().startsWith(QLatin1String("net stop LanmanServer")));
    // One question for every owner, however many owners and sockets there are.
    QCOMPARE(m_windows.servicesOfCalls, 1);
}

void TestBindDiagnosis::killRefusals()
{
    BindDiagnoser diagnoser(m_windows);
    const platform::Listener http = onPort(m_windowsListeners, Protocol::Tcp, 80).first();
    const auto kernel = diagnoser.killRefusal(http.owners.front(), http.socket);
    QVERIFY(kernel.has_value());
    QVERIFY2(kernel->text.startsWith(QLatin1String("Not killing pid 4: it is the Windows kernel.")), qPrintable(kernel->text));
    QVERIFY(anyFixContains(*kernel, QStringLiteral("net stop W3SVC")));

    const platform::Listener smb = onPort(m_windowsListeners, Protocol::Tcp, 445).first();
    const auto smbRefusal = diagnoser.killRefusal(smb.owners.front(), smb.socket);
    QVERIFY(smbRefusal.has_value());
    QCOMPARE(smbRefusal->kind, BindReason::Kind::Kernel); // PID 4 is not always HTTP.sys
    QVERIFY(anyFixContains(*smbRefusal, QStringLiteral("net stop LanmanServer")));

    const platform::Listener rdp = onPort(m_windowsListeners, Protocol::Tcp, 3389).first();
    const auto svchost = diagnoser.killRefusal(rdp.owners.front(), rdp.socket);
    QVERIFY(svchost.has_value());
    QVERIFY2(svchost->text.contains(QLatin1String("TermService")), qPrintable(svchost->text));
    QCOMPARE(svchost->fixes.size(), 1);
    QVERIFY(svchost->fixes.first().startsWith(QLatin1String("net stop TermService")));

    const platform::Listener node = onPort(m_windowsListeners, Protocol::Tcp, 3000).first();
    QVERIFY(!diagnoser.killRefusal(node.owners.front(), node.socket).has_value());
}

void TestBindDiagnosis::privilegedWithoutCapability()
{
    FakePortDiagnosis linux;
    linux.privileged.value = {1024, false};
    BindDiagnoser diagnoser(linux);
    const BindVerdict verdict = diagnoser.diagnose(Protocol::Tcp, 80, {});
    QVERIFY(verdict.bindWouldFail());
    const QList<BindReason> privileged = ofKind(verdict, BindReason::Kind::Privileged);
    QCOMPARE(privileged.size(), 1);
    QVERIFY(privileged.first().text.contains(QLatin1String("CAP_NET_BIND_SERVICE")));
    QVERIFY(anyFixContains(privileged.first(), QStringLiteral("setcap cap_net_bind_service=+ep")));
    QVERIFY(anyFixContains(privileged.first(), QStringLiteral("ip_unprivileged_port_start=80")));
    QVERIFY(!diagnoser.diagnose(Protocol::Tcp, 1024, {}).bindWouldFail()); // the first unprivileged port
    linux.privileged.value = {0, false};                                       // sysctl set to 0: nothing is privileged
    QVERIFY(!diagnoser.diagnose(Protocol::Tcp, 1, {}).bindWouldFail());
}

void TestBindDiagnosis::privilegedWithCapabilityIsANote()
{
    FakePortDiagnosis linux;
    linux.privileged.value = {1024, true};
    BindDiagnoser diagnoser(linux);
    const BindVerdict verdict = diagnoser.diagnose(Protocol::Udp, 53, {});
    QVERIFY(!verdict.bindWouldFail());
    QCOMPARE(ofKind(verdict, BindReason::Kind::Privileged).size(), 1);
    QVERIFY(ofKind(verdict, BindReason::Kind::Privileged).first().fixes.isEmpty());
}

void TestBindDiagnosis::linuxReservedAndEphemeralAreNotes()
{
    FakePortDiagnosis linux;
    linux.privileged.value = {1024, false};
    for (platform::Family family : {platform::Family::IPv4, platform::Family::IPv6}) {
        linux.ranges.value.push_back({{9000, 9010}, Protocol::Tcp, family, platform::RangeKind::LinuxReserved, false});
        linux.ranges.value.push_back({{32768, 60999}, Protocol::Tcp, family, platform::RangeKind::LinuxEphemeral, false});
    }
    BindDiagnoser diagnoser(linux);
    const BindVerdict reserved = diagnoser.diagnose(Protocol::Tcp, 9005, {});
    QVERIFY(!reserved.bindWouldFail()); // only automatic assignment avoids a reserved port
    QCOMPARE(ofKind(reserved, BindReason::Kind::ReservedRange).size(), 1);
    const BindVerdict ephemeral = diagnoser.diagnose(Protocol::Tcp, 40000, {});
    QVERIFY(!ephemeral.bindWouldFail());
    QCOMPARE(ofKind(ephemeral, BindReason::Kind::EphemeralRange).size(), 1);
    QVERIFY(anyFixContains(ofKind(ephemeral, BindReason::Kind::EphemeralRange).first(), QStringLiteral("ip_local_reserved_ports=40000")));
}

void TestBindDiagnosis::timeWaitBlocksOnlyWithoutListener()
{
    FakePortDiagnosis linux;
    linux.privileged.value = {1024, true};
    linux.connectionsByPort.insert(8080, {3, 0, true});
    BindDiagnoser diagnoser(linux);
    const BindVerdict verdict = diagnoser.diagnose(Protocol::Tcp, 8080, {});
    QVERIFY(verdict.bindWouldFail());
    const QList<BindReason> connections = ofKind(verdict, BindReason::Kind::Connections);
    QCOMPARE(connections.size(), 1);
    QVERIFY2(connections.first().text.contains(QLatin1String("3 in TIME_WAIT")), qPrintable(connections.first().text));
    QVERIFY(connections.first().text.contains(QLatin1String("SO_REUSEADDR")));
    QCOMPARE(connections.first().details.value(QStringLiteral("timeWait")).toInt(), 3);
    QVERIFY(!diagnoser.diagnose(Protocol::Udp, 8080, {}).bindWouldFail());
}

void TestBindDiagnosis::timeWaitOnWindowsIsANote()
{
    m_windows.connectionsByPort.insert(9000, {1, 0, false});
    BindDiagnoser diagnoser(m_windows);
    const BindVerdict verdict = diagnoser.diagnose(Protocol::Tcp, 9000, {});
    QVERIFY(!verdict.bindWouldFail());
    QCOMPARE(ofKind(verdict, BindReason::Kind::Connections).size(), 1);
    QVERIFY(ofKind(verdict, BindReason::Kind::Connections).first().text.contains(QLatin1String("SO_EXCLUSIVEADDRUSE")));
}

void TestBindDiagnosis::systemdServiceIsNotedNotRefused()
{
    FakePortDiagnosis linux;
    linux.manager = platform::ServiceManager::Systemd;
    platform::ServiceEntry nginx;
    nginx.name = "nginx.service";
    nginx.pid = 811;
    nginx.running = true;
    linux.allServices.push_back(nginx);
    BindDiagnoser diagnoser(linux);
    const platform::ProcessInfo owner = testing::makeProcess(811, "/usr/sbin/nginx", 0, "root");
    QVERIFY(!diagnoser.killRefusal(owner, testing::makeSocket(Protocol::Tcp, 80, 1)).has_value());
    const auto note = diagnoser.killNote(owner);
    QVERIFY(note.has_value());
    QCOMPARE(note->fixes.value(0), QStringLiteral("sudo systemctl stop nginx.service   (keep it stopped: sudo systemctl disable nginx.service)"));
    QVERIFY(!diagnoser.killNote(testing::makeProcess(812, "/usr/bin/python3")).has_value());
    platform::Listener listener;
    listener.socket = testing::makeSocket(Protocol::Tcp, 80, 1);
    listener.owners.push_back(owner);
    QVERIFY(diagnoser.ownerNotes({listener}).isEmpty()); // `who` on Linux stays as it was
    QCOMPARE(linux.servicesOfCalls, 2);                  // and reads no cgroup for it
}

void TestBindDiagnosis::unreadableFactsAreReported()
{
    FakePortDiagnosis broken;
    broken.privileged.error = "cannot read /proc/self/status: Permission denied";
    broken.ranges.error = "cannot read /proc/sys/net/ipv4/ip_local_reserved_ports: No such file or directory";
    BindDiagnoser diagnoser(broken);
    const BindVerdict verdict = diagnoser.diagnose(Protocol::Tcp, 80, {});
    QVERIFY(!verdict.bindWouldFail());
    QCOMPARE(verdict.unchecked.size(), 2);
    QVERIFY(verdict.unchecked.first().contains(QLatin1String("ip_local_reserved_ports")));
    QVERIFY(verdict.unchecked.last().contains(QLatin1String("Permission denied")));

    // A service manager that cannot be asked: the listener is still shown, the gap said once.
    FakePortDiagnosis noScm;
    noScm.manager = platform::ServiceManager::WindowsScm;
    noScm.servicesError = "cannot open the service control manager: Access is denied (error 5)";
    BindDiagnoser withoutServices(noScm);
    platform::Listener listener;
    listener.socket = testing::makeSocket(Protocol::Tcp, 3000, 0);
    listener.owners = {testing::makeProcess(77, "C:/tools/node.exe"), testing::makeProcess(78, "C:/tools/node.exe")};
    const BindVerdict held = withoutServices.diagnose(Protocol::Tcp, 3000, {listener});
    QVERIFY(held.bindWouldFail());
    QCOMPARE(ofKind(held, BindReason::Kind::Listener).size(), 2);
    QCOMPARE(held.unchecked, QStringList({QStringLiteral("services: ") + QString::fromStdString(noScm.servicesError)}));
}

QTEST_GUILESS_MAIN(TestBindDiagnosis)
#include "tst_binddiagnosis.moc"
