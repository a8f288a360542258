// makePortDiagnosis() for Windows: excluded port ranges from netsh (Windows has no public API that
// lists them), connections from GetExtendedTcpTable, services from the service control manager
// (EnumServicesStatusEx with SC_ENUM_PROCESS_INFO maps processes to services), and HTTP.sys's URL
// reservations and SSL bindings from the HTTP Server API. Links httpapi, advapi32, iphlpapi, ws2_32.
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <http.h>
#include <iphlpapi.h>
#include <winsvc.h>

#include "platform/portdiagnosis.h"
#include "platform/portlistparser.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

namespace portwatch::platform {
namespace {

constexpr int systemPid = 4; // "System": the kernel, and so HTTP.sys's sockets

std::string utf8(const wchar_t *text)
{
    if (!text || !*text)
        return {};
    const int size = ::WideCharToMultiByte(CP_UTF8, 0, text, -1, nullptr, 0, nullptr, nullptr);
    if (size <= 1)
        return {};
    std::string result(static_cast<std::size_t>(size - 1), '\0');
    ::WideCharToMultiByte(CP_UTF8, 0, text, -1, result.data(), size, nullptr, nullptr);
    return result;
}

std::wstring wide(const std::string &text)
{
    const int size = ::MultiByteToWideChar(CP_UTF8, 0, text.c_str(), -1, nullptr, 0);
    std::wstring result(static_cast<std::size_t>(size > 0 ? size - 1 : 0), L'\0');
    if (size > 1)
        ::MultiByteToWideChar(CP_UTF8, 0, text.c_str(), -1, result.data(), size);
    return result;
}

std::string systemError(DWORD code)
{
    wchar_t *buffer = nullptr;
    const DWORD length = ::FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                                          nullptr, code, 0, reinterpret_cast<wchar_t *>(&buffer), 0, nullptr);
    std::string text = length ? utf8(buffer) : std::string();
    if (buffer)
        ::LocalFree(buffer);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' || text.back() == '.'))
        text.pop_back();
    return text + " (error " + std::to_string(code) + ")";
}

struct HandleCloser {
    void operator()(HANDLE handle) const noexcept
    {
        if (handle && handle != INVALID_HANDLE_VALUE)
            ::CloseHandle(handle);
    }
};
using UniqueHandle = std::unique_ptr<void, HandleCloser>;

struct ScHandleCloser {
    void operator()(SC_HANDLE handle) const noexcept
    {
        if (handle)
            ::CloseServiceHandle(handle);
    }
};
using UniqueScHandle = std::unique_ptr<std::remove_pointer_t<SC_HANDLE>, ScHandleCloser>;

// Runs netsh from the system directory (never whatever "netsh" PATH finds first) and returns what
// it printed, or the error.
Fact<std::string> runNetsh(const std::wstring &arguments)
{
    Fact<std::string> fact;
    wchar_t systemDir[MAX_PATH];
    const UINT length = ::GetSystemDirectoryW(systemDir, MAX_PATH);
    if (length == 0 || length >= MAX_PATH) {
        fact.error = "cannot find the system directory: " + systemError(::GetLastError());
        return fact;
    }
    const std::wstring program = std::wstring(systemDir) + L"\\netsh.exe";
    std::wstring commandLine = L"\"" + program + L"\" " + arguments;

    SECURITY_ATTRIBUTES inherit{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
    HANDLE readEnd = nullptr;
    HANDLE writeEnd = nullptr;
    if (!::CreatePipe(&readEnd, &writeEnd, &inherit, 0)) {
        fact.error = "cannot create a pipe for netsh: " + systemError(::GetLastError());
        return fact;
    }
    UniqueHandle reader(readEnd);
    UniqueHandle writer(writeEnd);
    ::SetHandleInformation(readEnd, HANDLE_FLAG_INHERIT, 0);

    STARTUPINFOW startup{};
    startup.cb = sizeof startup;
    startup.dwFlags = STARTF_USESTDHANDLES;
    startup.hStdOutput = writeEnd;
    startup.hStdError = writeEnd;
    startup.hStdInput = nullptr;
    PROCESS_INFORMATION process{};
    if (!::CreateProcessW(program.c_str(), commandLine.data(), nullptr, nullptr, TRUE, CREATE_NO_WINDOW, nullptr, nullptr,
                          &startup, &process)) {
        fact.error = "cannot run netsh: " + systemError(::GetLastError());
        return fact;
    }
    UniqueHandle processHandle(process.hProcess);
    UniqueHandle threadHandle(process.hThread);
    writer.reset(); // our copy of the write end, so the read sees the end when netsh exits

    char buffer[4096];
    DWORD got = 0;
    while (::ReadFile(readEnd, buffer, sizeof buffer, &got, nullptr) && got > 0)
        fact.value.append(buffer, got);
    ::WaitForSingleObject(process.hProcess, 10000);
    DWORD exitCode = 0;
    ::GetExitCodeProcess(process.hProcess, &exitCode);
    if (exitCode != 0)
        fact.error = "netsh " + utf8(arguments.c_str()) + " failed (exit " + std::to_string(exitCode) + ")";
    return fact;
}

std::string hex(const void *data, ULONG length)
{
    static const char digits[] = "0123456789abcdef";
    std::string text;
    const auto *bytes = static_cast<const unsigned char *>(data);
    for (ULONG i = 0; bytes && i < length; ++i) {
        text += digits[bytes[i] >> 4];
        text += digits[bytes[i] & 0xf];
    }
    return text;
}

std::string guidText(const GUID &guid)
{
    char text[64];
    std::snprintf(text, sizeof text, "{%08lx-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x}", static_cast<unsigned long>(guid.Data1),
                  guid.Data2, guid.Data3, guid.Data4[0], guid.Data4[1], guid.Data4[2], guid.Data4[3], guid.Data4[4], guid.Data4[5],
                  guid.Data4[6], guid.Data4[7]);
    return text;
}

// "0.0.0.0:443" / "[::]:443" for an SSL binding's key, and its port.
std::pair<std::string, std::uint16_t> ipPortText(const SOCKADDR *address)
{
    char text[INET6_ADDRSTRLEN] = {};
    if (!address)
        return {};
    if (address->sa_family == AF_INET6) {
        const auto *v6 = reinterpret_cast<const sockaddr_in6 *>(address);
        ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
        return {"[" + std::string(text) + "]:" + std::to_string(ntohs(v6->sin6_port)), ntohs(v6->sin6_port)};
    }
    const auto *v4 = reinterpret_cast<const sockaddr_in *>(address);
    ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
    return {std::string(text) + ":" + std::to_string(ntohs(v4->sin_port)), ntohs(v4->sin_port)};
}

// One HttpQueryServiceConfiguration enumeration: asks for token 0, 1, ... until no more items,
// growing the buffer when it is too small. `take` reads one record.
template <typename Query, typename Take>
std::string enumerateHttpConfig(HTTP_SERVICE_CONFIG_ID id, Take take)
{
    std::vector<unsigned char> buffer(4096);
    for (DWORD token = 0;; ++token) {
        Query query{};
        query.QueryDesc = HttpServiceConfigQueryNext;
        query.dwToken = token;
        ULONG needed = 0;
        ULONG result = ::HttpQueryServiceConfiguration(nullptr, id, &query, sizeof query, buffer.data(),
                                                       static_cast<ULONG>(buffer.size()), &needed, nullptr);
        if (result == ERROR_INSUFFICIENT_BUFFER) {
            buffer.resize(needed);
            result = ::HttpQueryServiceConfiguration(nullptr, id, &query, sizeof query, buffer.data(),
                                                     static_cast<ULONG>(buffer.size()), &needed, nullptr);
        }
        if (result == ERROR_NO_MORE_ITEMS)
            return {};
        if (result != NO_ERROR)
            return systemError(result);
        take(buffer.data());
    }
}

ServiceEntry serviceOf(const ENUM_SERVICE_STATUS_PROCESSW &status)
{
    ServiceEntry service;
    service.name = utf8(status.lpServiceName);
    service.displayName = utf8(status.lpDisplayName);
    service.running = status.ServiceStatusProcess.dwCurrentState == SERVICE_RUNNING;
    service.pid = static_cast<int>(status.ServiceStatusProcess.dwProcessId);
    service.sharedProcess = (status.ServiceStatusProcess.dwServiceType & SERVICE_WIN32_SHARE_PROCESS) != 0;
    return service;
}

class WindowsPortDiagnosis final : public PortDiagnosis {
public:
    Fact<PrivilegedPorts> privilegedPorts() override
    {
        return {{0, true}, {}}; // any user may bind any port Windows has not excluded
    }

    Fact<std::vector<ReservedRange>> reservedRanges(Protocol protocol) override
    {
        Fact<std::vector<ReservedRange>> fact;
        for (Family family : {Family::IPv4, Family::IPv6}) {
            const std::wstring arguments = std::wstring(L"int ") + (family == Family::IPv4 ? L"ipv4" : L"ipv6")
                + L" show excludedportrange protocol=" + (protocol == Protocol::Tcp ? L"tcp" : L"udp");
            const Fact<std::string> output = runNetsh(arguments);
            if (!output.ok()) {
                fact.error = output.error;
                return fact;
            }
            const auto ranges = portlist::parseNetshExcluded(output.value, protocol, family);
            if (!ranges) {
                fact.error = "unexpected output of netsh " + utf8(arguments.c_str());
                return fact;
            }
            fact.value.insert(fact.value.end(), ranges->begin(), ranges->end());
        }
        return fact;
    }

    Fact<PortConnections> connections(Protocol protocol, std::uint16_t port) override
    {
        Fact<PortConnections> fact;
        fact.value.blockBind = false; // unless the old socket used SO_EXCLUSIVEADDRUSE
        if (protocol != Protocol::Tcp)
            return fact;
        for (ULONG family : {ULONG(AF_INET), ULONG(AF_INET6)}) {
            std::vector<unsigned char> buffer;
            DWORD size = 0;
            DWORD result = ERROR_INSUFFICIENT_BUFFER;
            for (int attempt = 0; attempt < 4 && result == ERROR_INSUFFICIENT_BUFFER; ++attempt) {
                buffer.resize(size);
                result = ::GetExtendedTcpTable(buffer.empty() ? nullptr : buffer.data(), &size, FALSE, family, TCP_TABLE_OWNER_PID_ALL, 0);
            }
            if (result != NO_ERROR) {
                fact.error = "GetExtendedTcpTable: " + systemError(result);
                return fact;
            }
            auto count = [&](DWORD localPort, DWORD state) {
                if (ntohs(static_cast<u_short>(localPort)) != port || state == MIB_TCP_STATE_LISTEN)
                    return;
                if (state == MIB_TCP_STATE_TIME_WAIT)
                    ++fact.value.timeWait;
                else
                    ++fact.value.other;
            };
            if (family == AF_INET) {
                const auto *table = reinterpret_cast<const MIB_TCPTABLE_OWNER_PID *>(buffer.data());
                for (DWORD i = 0; i < table->dwNumEntries; ++i)
                    count(table->table[i].dwLocalPort, table->table[i].dwState);
            } else {
                const auto *table = reinterpret_cast<const MIB_TCP6TABLE_OWNER_PID *>(buffer.data());
                for (DWORD i = 0; i < table->dwNumEntries; ++i)
                    count(table->table[i].dwLocalPort, table->table[i].dwState);
            }
        }
        return fact;
    }

    ServiceManager serviceManager() const override { return ServiceManager::WindowsScm; }

    Fact<std::vector<ServiceEntry>> servicesOf(const std::vector<int> &pids) override
    {
        Fact<std::vector<ServiceEntry>> fact;
        UniqueScHandle manager(::OpenSCManagerW(nullptr, nullptr, SC_MANAGER_ENUMERATE_SERVICE));
        if (!manager) {
            fact.error = "cannot open the service control manager: " + systemError(::GetLastError());
            return fact;
        }
        std::vector<unsigned char> buffer;
        DWORD needed = 0;
        DWORD returned = 0;
        DWORD resume = 0;
        for (;;) {
            const BOOL done = ::EnumServicesStatusExW(manager.get(), SC_ENUM_PROCESS_INFO, SERVICE_WIN32, SERVICE_ACTIVE,
                                                      buffer.empty() ? nullptr : buffer.data(), static_cast<DWORD>(buffer.size()),
                                                      &needed, &returned, &resume, nullptr);
            const DWORD error = done ? ERROR_SUCCESS : ::GetLastError();
            if (!done && error != ERROR_MORE_DATA) {
                fact.error = "EnumServicesStatusEx: " + systemError(error);
                return fact;
            }
            const auto *statuses = reinterpret_cast<const ENUM_SERVICE_STATUS_PROCESSW *>(buffer.data());
            for (DWORD i = 0; i < returned; ++i) {
                const ServiceEntry service = serviceOf(statuses[i]);
                for (int pid : pids)
                    if (service.running && service.pid == pid)
                        fact.value.push_back(service);
            }
            if (done)
                return fact;
            buffer.resize(std::max<std::size_t>(needed, buffer.size()) + 4096);
        }
    }

    Fact<std::vector<ServiceEntry>> services(const std::vector<std::string> &names) override
    {
        Fact<std::vector<ServiceEntry>> fact;
        UniqueScHandle manager(::OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT));
        if (!manager) {
            fact.error = "cannot open the service control manager: " + systemError(::GetLastError());
            return fact;
        }
        for (const std::string &name : names) {
            const std::wstring wideName = wide(name);
            UniqueScHandle handle(::OpenServiceW(manager.get(), wideName.c_str(), SERVICE_QUERY_STATUS));
            if (!handle)
                continue; // not installed here (or not ours to look at)
            SERVICE_STATUS_PROCESS status{};
            DWORD needed = 0;
            if (!::QueryServiceStatusEx(handle.get(), SC_STATUS_PROCESS_INFO, reinterpret_cast<LPBYTE>(&status), sizeof status, &needed))
                continue;
            ServiceEntry service;
            service.name = name;
            wchar_t display[256];
            DWORD displayLength = 256;
            if (::GetServiceDisplayNameW(manager.get(), wideName.c_str(), display, &displayLength))
                service.displayName = utf8(display);
            service.running = status.dwCurrentState == SERVICE_RUNNING;
            service.pid = static_cast<int>(status.dwProcessId);
            service.sharedProcess = (status.dwServiceType & SERVICE_WIN32_SHARE_PROCESS) != 0;
            fact.value.push_back(service);
        }
        return fact;
    }

    std::optional<int> kernelPid() const override { return systemPid; }

    Fact<std::vector<HttpSysEntry>> httpSysEntries() override
    {
        Fact<std::vector<HttpSysEntry>> fact;
        const HTTPAPI_VERSION version = HTTPAPI_VERSION_1;
        const ULONG initialized = ::HttpInitialize(version, HTTP_INITIALIZE_CONFIG, nullptr);
        if (initialized != NO_ERROR) {
            fact.error = "HttpInitialize: " + systemError(initialized);
            return fact;
        }
        std::string error = enumerateHttpConfig<HTTP_SERVICE_CONFIG_URLACL_QUERY>(HttpServiceConfigUrlAclInfo, [&](const void *record) {
            const auto *set = static_cast<const HTTP_SERVICE_CONFIG_URLACL_SET *>(record);
            HttpSysEntry entry;
            entry.kind = HttpSysEntry::Kind::UrlReservation;
            entry.key = utf8(set->KeyDesc.pUrlPrefix);
            entry.port = portlist::urlPort(entry.key);
            entry.security = utf8(set->ParamDesc.pStringSecurityDescriptor);
            fact.value.push_back(entry);
        });
        if (error.empty()) {
            error = enumerateHttpConfig<HTTP_SERVICE_CONFIG_SSL_QUERY>(HttpServiceConfigSSLCertInfo, [&](const void *record) {
                const auto *set = static_cast<const HTTP_SERVICE_CONFIG_SSL_SET *>(record);
                HttpSysEntry entry;
                entry.kind = HttpSysEntry::Kind::SslBinding;
                std::tie(entry.key, entry.port) = ipPortText(set->KeyDesc.pIpPort);
                entry.certHash = hex(set->ParamDesc.pSslHash, set->ParamDesc.SslHashLength);
                entry.appId = guidText(set->ParamDesc.AppId);
                fact.value.push_back(entry);
            });
        }
        ::HttpTerminate(HTTP_INITIALIZE_CONFIG, nullptr);
        if (!error.empty())
            fact.error = "HttpQueryServiceConfiguration: " + error;
        return fact;
    }
};

} // namespace

std::unique_ptr<PortDiagnosis> makePortDiagnosis()
{
    return std::make_unique<WindowsPortDiagnosis>();
}

} // namespace portwatch::platform
