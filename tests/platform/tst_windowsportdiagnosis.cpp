// The Windows PortDiagnosis against the real OS (Windows, or Wine in the cross build's test run):
// services and their display names from the service control manager, no service inside this test
// process, a TIME_WAIT connection this test makes on loopback, netsh's excluded ranges, and the
// HTTP Server API's URL reservations. Where Wine lacks a piece (its netsh prints nothing, its HTTP
// Server API answers error 2) the answer must be a named error, never an invented empty list.
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include "platform/portdiagnosis.h"

#include <QTest>

#include <algorithm>

using namespace portwatch::platform;

class TestWindowsPortDiagnosis : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void constants();
    void servicesByName();
    void noServiceInThisProcess();
    void timeWaitOnLoopback();
    void excludedRanges();
    void httpSysReservations();

private:
    std::unique_ptr<PortDiagnosis> m_diagnosis = makePortDiagnosis();
};

void TestWindowsPortDiagnosis::initTestCase()
{
    WSADATA data;
    QCOMPARE(::WSAStartup(MAKEWORD(2, 2), &data), 0);
}

void TestWindowsPortDiagnosis::cleanupTestCase()
{
    ::WSACleanup();
}

void TestWindowsPortDiagnosis::constants()
{
    QCOMPARE(m_diagnosis->kernelPid().value_or(0), 4);
    QCOMPARE(m_diagnosis->serviceManager(), ServiceManager::WindowsScm);
    const auto privileged = m_diagnosis->privilegedPorts();
    QVERIFY(privileged.ok());
    QCOMPARE(privileged.value.firstUnprivileged, std::uint16_t(0));
}

void TestWindowsPortDiagnosis::servicesByName()
{
    // RpcSs exists on every Windows (and in every Wine prefix); the second name on none.
    const auto services = m_diagnosis->services({"RpcSs", "PortwatchNoSuchService"});
    QVERIFY2(services.ok(), services.error.c_str());
    QCOMPARE(services.value.size(), std::size_t(1));
    QCOMPARE(QString::fromStdString(services.value.front().name), QStringLiteral("RpcSs"));
    QVERIFY(!services.value.front().displayName.empty());
}

void TestWindowsPortDiagnosis::noServiceInThisProcess()
{
    const auto services = m_diagnosis->servicesOf({static_cast<int>(::GetCurrentProcessId())});
    QVERIFY2(services.ok(), services.error.c_str());
    QVERIFY(services.value.empty());
}

void TestWindowsPortDiagnosis::timeWaitOnLoopback()
{
    const SOCKET listener = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    QCOMPARE(::bind(listener, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0);
    QCOMPARE(::listen(listener, 1), 0);
    int length = sizeof addr;
    ::getsockname(listener, reinterpret_cast<sockaddr *>(&addr), &length);
    const std::uint16_t port = ntohs(addr.sin_port);
    const SOCKET client = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    QCOMPARE(::connect(client, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0);
    const SOCKET accepted = ::accept(listener, nullptr, nullptr);
    QVERIFY(accepted != INVALID_SOCKET);
    ::closesocket(accepted); // the server side closes first: its socket, on `port`, ends in TIME_WAIT
    char byte = 0;
    QCOMPARE(::recv(client, &byte, 1, 0), 0);
    ::closesocket(client);
    ::closesocket(listener);

    QTRY_COMPARE(m_diagnosis->connections(Protocol::Tcp, port).value.timeWait, 1);
    const auto fact = m_diagnosis->connections(Protocol::Tcp, port);
    QVERIFY2(fact.ok(), fact.error.c_str());
    QVERIFY(!fact.value.blockBind);
}

void TestWindowsPortDiagnosis::excludedRanges()
{
    const auto ranges = m_diagnosis->reservedRanges(Protocol::Tcp);
    if (!ranges.ok()) {
        QVERIFY2(ranges.error.find("netsh") != std::string::npos, ranges.error.c_str());
        QVERIFY(ranges.value.empty() || ranges.value.front().family == Family::IPv4);
        QSKIP(qPrintable(QStringLiteral("netsh gives no excluded port ranges here: %1").arg(QString::fromStdString(ranges.error))));
    }
    for (const ReservedRange &range : ranges.value) {
        QVERIFY(range.ports.first <= range.ports.last);
        QCOMPARE(range.kind, RangeKind::WindowsExcluded);
        QVERIFY(range.protocol == Protocol::Tcp);
    }
}

void TestWindowsPortDiagnosis::httpSysReservations()
{
    const auto entries = m_diagnosis->httpSysEntries();
    if (!entries.ok()) {
        QVERIFY2(entries.error.find("Http") != std::string::npos, entries.error.c_str());
        QSKIP(qPrintable(QStringLiteral("no HTTP Server API configuration here: %1").arg(QString::fromStdString(entries.error))));
    }
    // Every Windows since Vista reserves http://+:80/Temporary_Listen_Addresses/ for WCF.
    const bool temporary = std::any_of(entries.value.begin(), entries.value.end(), [](const HttpSysEntry &entry) {
        return entry.kind == HttpSysEntry::Kind::UrlReservation && entry.port == 80
            && entry.key.find("/Temporary_Listen_Addresses/") != std::string::npos;
    });
    QVERIFY(temporary);
}

QTEST_GUILESS_MAIN(TestWindowsPortDiagnosis)
#include "tst_windowsportdiagnosis.moc"
