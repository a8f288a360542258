// Reading a process on Windows: see processinfo.h.
#include "processinfo.h"

#include "winutil.h"

#include <sddl.h>
#include <shellapi.h>
#include <tlhelp32.h>
#include <winternl.h>

#include <memory>
#include <vector>

namespace portwatch::platform::win {

namespace {

// The image name from the process list: known even for processes we may not open.
std::optional<std::string> listedName(DWORD pid)
{
    UniqueHandle snapshot(::CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0));
    if (!snapshot.valid())
        return std::nullopt;
    PROCESSENTRY32W entry{};
    entry.dwSize = sizeof entry;
    for (BOOL more = ::Process32FirstW(snapshot.get(), &entry); more; more = ::Process32NextW(snapshot.get(), &entry)) {
        if (entry.th32ProcessID == pid)
            return toUtf8(entry.szExeFile);
    }
    return std::nullopt;
}

std::string baseName(const std::string &path)
{
    return path.substr(path.find_last_of("\\/") + 1);
}

using NtQueryInformationProcessFn = LONG(NTAPI *)(HANDLE, PROCESSINFOCLASS, PVOID, ULONG, PULONG);

NtQueryInformationProcessFn ntQueryInformationProcess()
{
    static const auto function = reinterpret_cast<NtQueryInformationProcessFn>(
        reinterpret_cast<void *>(::GetProcAddress(::GetModuleHandleW(L"ntdll.dll"), "NtQueryInformationProcess")));
    return function;
}

// ProcessCommandLineInformation (Windows 8.1 and later): the command line as a UNICODE_STRING
// followed by its characters, with PROCESS_QUERY_LIMITED_INFORMATION alone.
std::optional<std::wstring> commandLineByQuery(HANDLE process)
{
    const auto query = ntQueryInformationProcess();
    if (!query)
        return std::nullopt;
    constexpr auto processCommandLineInformation = static_cast<PROCESSINFOCLASS>(60);
    ULONG size = 0;
    query(process, processCommandLineInformation, nullptr, 0, &size);
    if (size < sizeof(UNICODE_STRING) || size > (1u << 20))
        return std::nullopt;
    std::vector<std::uint64_t> buffer(size / sizeof(std::uint64_t) + 1);
    if (query(process, processCommandLineInformation, buffer.data(), size, &size) < 0)
        return std::nullopt;
    const auto *text = reinterpret_cast<const UNICODE_STRING *>(buffer.data());
    return std::wstring(text->Buffer, text->Length / sizeof(wchar_t));
}

// Where that is not implemented (older Windows, Wine): the command line the process was started
// with, read from its PEB's process parameters. Needs PROCESS_QUERY_INFORMATION | PROCESS_VM_READ.
std::optional<std::wstring> commandLineFromPeb(DWORD pid)
{
    const auto query = ntQueryInformationProcess();
    if (!query)
        return std::nullopt;
    UniqueHandle process(::OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE, pid));
    if (!process.valid())
        return std::nullopt;
    PROCESS_BASIC_INFORMATION basic{};
    if (query(process.get(), ProcessBasicInformation, &basic, sizeof basic, nullptr) < 0 || !basic.PebBaseAddress)
        return std::nullopt;
    PEB peb{};
    RTL_USER_PROCESS_PARAMETERS parameters{};
    SIZE_T got = 0;
    if (!::ReadProcessMemory(process.get(), basic.PebBaseAddress, &peb, sizeof peb, &got) || !peb.ProcessParameters)
        return std::nullopt;
    if (!::ReadProcessMemory(process.get(), peb.ProcessParameters, &parameters, sizeof parameters, &got))
        return std::nullopt;
    const USHORT bytes = parameters.CommandLine.Length;
    if (bytes == 0 || !parameters.CommandLine.Buffer)
        return std::wstring();
    std::wstring text(bytes / sizeof(wchar_t), L'\0');
    if (!::ReadProcessMemory(process.get(), parameters.CommandLine.Buffer, text.data(), bytes, &got))
        return std::nullopt;
    return text;
}

std::vector<std::string> splitCommandLine(const std::wstring &line)
{
    std::vector<std::string> argv;
    if (line.empty())
        return argv;
    int count = 0;
    wchar_t **words = ::CommandLineToArgvW(line.c_str(), &count);
    if (!words)
        return {toUtf8(line)};
    for (int i = 0; i < count; ++i)
        argv.push_back(toUtf8(words[i]));
    ::LocalFree(words);
    return argv;
}

} // namespace

std::optional<std::uint64_t> creationTime(HANDLE process)
{
    FILETIME created{};
    FILETIME exited{};
    FILETIME kernel{};
    FILETIME user{};
    if (!::GetProcessTimes(process, &created, &exited, &kernel, &user))
        return std::nullopt;
    return fileTimeValue(created);
}

std::string tokenUserSid(HANDLE token, std::string *user)
{
    DWORD size = 0;
    ::GetTokenInformation(token, TokenUser, nullptr, 0, &size);
    if (size == 0)
        return {};
    std::vector<std::uint64_t> buffer(size / sizeof(std::uint64_t) + 1);
    if (!::GetTokenInformation(token, TokenUser, buffer.data(), size, &size))
        return {};
    PSID sid = reinterpret_cast<const TOKEN_USER *>(buffer.data())->User.Sid;
    std::string text;
    wchar_t *sidText = nullptr;
    if (::ConvertSidToStringSidW(sid, &sidText)) {
        text = toUtf8(sidText);
        ::LocalFree(sidText);
    }
    if (user) {
        wchar_t name[256] = {};
        wchar_t domain[256] = {};
        DWORD nameSize = 256;
        DWORD domainSize = 256;
        SID_NAME_USE use{};
        if (::LookupAccountSidW(nullptr, sid, name, &nameSize, domain, &domainSize, &use))
            *user = domainSize != 0 ? toUtf8(domain) + "\\" + toUtf8(name) : toUtf8(name);
        else
            *user = text;
    }
    return text;
}

std::optional<ProcessRead> readProcess(DWORD pid)
{
    ProcessRead read;
    read.info.pid = static_cast<int>(pid);
    DWORD session = 0;
    if (::ProcessIdToSessionId(pid, &session))
        read.info.session = session;

    UniqueHandle process(::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid));
    if (!process.valid()) {
        const DWORD error = ::GetLastError();
        const std::optional<std::string> name = listedName(pid);
        if (!name && error == ERROR_INVALID_PARAMETER)
            return std::nullopt; // no such process
        read.visible = false;
        read.info.name = name.value_or(std::string());
        return read;
    }
    // An exited process stays openable while anybody holds a handle to it; it no longer exists for
    // us. (Its exit code says so; waiting on it would need SYNCHRONIZE, which this handle lacks.)
    DWORD exitCode = 0;
    if (::GetExitCodeProcess(process.get(), &exitCode) && exitCode != STILL_ACTIVE)
        return std::nullopt;

    wchar_t path[32768];
    DWORD length = static_cast<DWORD>(std::size(path));
    if (::QueryFullProcessImageNameW(process.get(), 0, path, &length))
        read.info.exe = toUtf8(std::wstring_view(path, length));
    read.info.name = read.info.exe.empty() ? listedName(pid).value_or(std::string()) : baseName(read.info.exe);

    if (const auto created = creationTime(process.get())) {
        read.info.startTicks = *created;
        read.info.startTimeMs = unixMsFromFileTime(*created);
    }

    HANDLE tokenHandle = nullptr;
    if (::OpenProcessToken(process.get(), TOKEN_QUERY, &tokenHandle)) {
        UniqueHandle token(tokenHandle);
        read.info.sid = tokenUserSid(token.get(), &read.info.user);
    }

    std::optional<std::wstring> line = commandLineByQuery(process.get());
    if (!line)
        line = commandLineFromPeb(pid);
    if (line)
        read.info.cmdline = splitCommandLine(*line);
    return read;
}

} // namespace portwatch::platform::win
