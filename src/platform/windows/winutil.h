// Small Win32 helpers shared by the Windows backend: UTF-16 <-> UTF-8, error texts, an owned HANDLE.
#pragma once

#include <windows.h>

#include <string>
#include <string_view>

namespace portwatch::platform::win {

std::string toUtf8(std::wstring_view text);
std::wstring toWide(std::string_view text);

// FormatMessage's sentence for a Win32 error code, without the trailing period and line break.
std::string errorText(DWORD code);

// 100 ns intervals since 1601 (a FILETIME) as one number, and as milliseconds since the Unix epoch.
std::uint64_t fileTimeValue(const FILETIME &time) noexcept;
std::int64_t unixMsFromFileTime(std::uint64_t value) noexcept;

// Closes the handle when it goes out of scope.
class UniqueHandle final {
public:
    UniqueHandle() noexcept = default;
    explicit UniqueHandle(HANDLE handle) noexcept : m_handle(handle == INVALID_HANDLE_VALUE ? nullptr : handle) {}
    ~UniqueHandle() { reset(); }
    UniqueHandle(UniqueHandle &&other) noexcept : m_handle(other.m_handle) { other.m_handle = nullptr; }
    UniqueHandle &operator=(UniqueHandle &&other) noexcept
    {
        if (this != &other) {
            reset();
            m_handle = other.m_handle;
            other.m_handle = nullptr;
        }
        return *this;
    }
    UniqueHandle(const UniqueHandle &) = delete;
    UniqueHandle &operator=(const UniqueHandle &) = delete;

    HANDLE get() const noexcept { return m_handle; }
    bool valid() const noexcept { return m_handle != nullptr; }
    void reset() noexcept
    {
        if (m_handle)
            ::CloseHandle(m_handle);
        m_handle = nullptr;
    }

private:
    HANDLE m_handle = nullptr;
};

} // namespace portwatch::platform::win
