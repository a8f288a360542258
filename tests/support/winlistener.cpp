// portwatch-test-listener for Windows: a process that holds Winsock sockets for tests, so that every
// process a test ends is one it started itself. Same command line and READY line as listener.cpp:
//
//   portwatch-test-listener [--listen PROTO:ADDR:PORT]... [--window] [--ignore-close] [--no-touch]
//
// PROTO is tcp or udp; ADDR is 127.0.0.1, 0.0.0.0, [::1] or [::]; PORT 0 picks an ephemeral port.
// Prints "READY pid=<pid> ports=<p1>,<p2>,..." on stdout, then waits: with --window inside the message
// loop of a visible top-level window (WM_CLOSE ends it unless --ignore-close), otherwise until
// it is terminated. It also exits when the process that started it exits.
//
// Every socket is touched with ioctlsocket(FIONREAD) before READY: Wine 8 records a socket's owning
// PID in its socket table only once the owning process has used the socket (recv, send or
// ioctlsocket); before that GetExtendedTcpTable/GetExtendedUdpTable report PID 0. Windows itself
// records the owner at creation. --no-touch leaves the sockets untouched, to see that Wine behaviour.
// Errors: a message on stderr and exit status 2.
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <tlhelp32.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

bool g_ignoreClose = false;

[[noreturn]] void fail(const std::string &message)
{
    std::fprintf(stderr, "portwatch-test-listener: %s (error %d)\n", message.c_str(), WSAGetLastError());
    std::fflush(stderr);
    std::exit(2);
}

std::vector<SOCKET> g_sockets;

unsigned short bindEndpoint(const std::string &spec)
{
    const auto colon = spec.find(':');
    const auto last = spec.rfind(':');
    if (colon == std::string::npos || last == colon)
        fail("bad --listen value " + spec);
    const std::string proto = spec.substr(0, colon);
    std::string address = spec.substr(colon + 1, last - colon - 1);
    const int port = std::atoi(spec.substr(last + 1).c_str());
    const bool tcp = proto == "tcp";
    if (!tcp && proto != "udp")
        fail("bad protocol in " + spec);
    const bool v6 = !address.empty() && address.front() == '[';
    if (v6)
        address = address.substr(1, address.size() - 2);

    SOCKET s = ::socket(v6 ? AF_INET6 : AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, tcp ? IPPROTO_TCP : IPPROTO_UDP);
    if (s == INVALID_SOCKET)
        fail("socket() for " + spec);
    sockaddr_storage storage{};
    int length = 0;
    if (v6) {
        auto *in6 = reinterpret_cast<sockaddr_in6 *>(&storage);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(static_cast<u_short>(port));
        if (::inet_pton(AF_INET6, address.c_str(), &in6->sin6_addr) != 1)
            fail("bad address in " + spec);
        length = sizeof(sockaddr_in6);
    } else {
        auto *in4 = reinterpret_cast<sockaddr_in *>(&storage);
        in4->sin_family = AF_INET;
        in4->sin_port = htons(static_cast<u_short>(port));
        if (::inet_pton(AF_INET, address.c_str(), &in4->sin_addr) != 1)
            fail("bad address in " + spec);
        length = sizeof(sockaddr_in);
    }
    if (::bind(s, reinterpret_cast<sockaddr *>(&storage), length) != 0)
        fail("bind() for " + spec);
    if (tcp && ::listen(s, 16) != 0)
        fail("listen() for " + spec);
    g_sockets.push_back(s);
    sockaddr_storage bound{};
    int boundLength = sizeof bound;
    ::getsockname(s, reinterpret_cast<sockaddr *>(&bound), &boundLength);
    return ntohs(v6 ? reinterpret_cast<sockaddr_in6 *>(&bound)->sin6_port : reinterpret_cast<sockaddr_in *>(&bound)->sin_port);
}

DWORD parentPid()
{
    const DWORD self = ::GetCurrentProcessId();
    HANDLE snapshot = ::CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    PROCESSENTRY32W entry{};
    entry.dwSize = sizeof entry;
    DWORD parent = 0;
    for (BOOL more = ::Process32FirstW(snapshot, &entry); more; more = ::Process32NextW(snapshot, &entry)) {
        if (entry.th32ProcessID == self)
            parent = entry.th32ParentProcessID;
    }
    ::CloseHandle(snapshot);
    return parent;
}

// Ends this process when the test that started it is gone, so a crashed test leaves nothing behind.
DWORD WINAPI watchParent(LPVOID parameter)
{
    HANDLE parent = static_cast<HANDLE>(parameter);
    ::WaitForSingleObject(parent, INFINITE);
    ::ExitProcess(3);
}

LRESULT CALLBACK windowProc(HWND window, UINT message, WPARAM wParam, LPARAM lParam)
{
    if (message == WM_CLOSE) {
        if (!g_ignoreClose)
            ::DestroyWindow(window);
        return 0;
    }
    if (message == WM_DESTROY) {
        ::PostQuitMessage(0);
        return 0;
    }
    return ::DefWindowProcW(window, message, wParam, lParam);
}

} // namespace

int main(int argc, char **argv)
{
    WSADATA data;
    if (::WSAStartup(MAKEWORD(2, 2), &data) != 0)
        fail("WSAStartup");
    std::vector<std::string> listens;
    bool window = false;
    bool touch = true;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--listen" && i + 1 < argc)
            listens.push_back(argv[++i]);
        else if (arg == "--window")
            window = true;
        else if (arg == "--ignore-close")
            g_ignoreClose = true;
        else if (arg == "--no-touch")
            touch = false;
        else
            fail("unknown argument " + arg);
    }
    std::string ports;
    for (const std::string &spec : listens) {
        if (!ports.empty())
            ports += ',';
        ports += std::to_string(bindEndpoint(spec));
    }
    if (touch) {
        // See the header comment: this is what makes Wine record the owning PID.
        for (const SOCKET s : g_sockets) {
            u_long pending = 0;
            ::ioctlsocket(s, FIONREAD, &pending);
        }
    }

    if (const DWORD parent = parentPid()) {
        if (HANDLE handle = ::OpenProcess(SYNCHRONIZE, FALSE, parent))
            ::CreateThread(nullptr, 0, watchParent, handle, 0, nullptr);
    }

    HWND hwnd = nullptr;
    if (window) {
        WNDCLASSW windowClass{};
        windowClass.lpfnWndProc = windowProc;
        windowClass.hInstance = ::GetModuleHandleW(nullptr);
        windowClass.lpszClassName = L"PortwatchTestListener";
        ::RegisterClassW(&windowClass);
        hwnd = ::CreateWindowExW(0, L"PortwatchTestListener", L"Portwatch test listener", WS_OVERLAPPEDWINDOW, 0, 0, 200, 100,
                                 nullptr, nullptr, windowClass.hInstance, nullptr);
        if (!hwnd)
            fail("CreateWindow");
        ::ShowWindow(hwnd, SW_SHOW);
    }

    std::printf("READY pid=%lu ports=%s\n", static_cast<unsigned long>(::GetCurrentProcessId()), ports.c_str());
    std::fflush(stdout);

    if (window) {
        MSG message;
        while (::GetMessageW(&message, nullptr, 0, 0) > 0) {
            ::TranslateMessage(&message);
            ::DispatchMessageW(&message);
        }
        return 0;
    }
    ::Sleep(INFINITE);
    return 0;
}
