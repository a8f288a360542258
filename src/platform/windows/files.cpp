// readRegularFile on Windows: CreateFileW with sharing that never locks the user out of their own
// file, then the handle we hold is asked what it is (GetFileType, the attributes of the open file),
// so the check and the read are about the same file. A named pipe or a console device is refused,
// never read: ReadFile on a pipe with no writer blocks, and on a console it waits for typing.
#include "platform/files.h"

#include "winutil.h"

#include <algorithm>

namespace portwatch::platform {
namespace {

FileRead failure(FileRead::Status status, std::string error)
{
    FileRead result;
    result.status = status;
    result.error = std::move(error);
    return result;
}

const char *kindOf(DWORD type)
{
    switch (type) {
    case FILE_TYPE_PIPE:
        return "a pipe or socket";
    case FILE_TYPE_CHAR:
        return "a character device (a console or a port)";
    default:
        return "not a regular file";
    }
}

} // namespace

FileRead readRegularFile(const std::string &path, std::size_t maxBytes, OverLimit overLimit)
{
    const std::wstring wide = win::toWide(path);
    const DWORD attributes = ::GetFileAttributesW(wide.c_str());
    if (attributes == INVALID_FILE_ATTRIBUTES) {
        const DWORD error = ::GetLastError();
        if (error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND)
            return failure(FileRead::Status::Missing, win::errorText(error));
        // Device names such as \\.\pipe\x have no attributes; the open below tells what they are.
    } else if (attributes & FILE_ATTRIBUTE_DIRECTORY) {
        return failure(FileRead::Status::NotRegular, "a directory");
    }

    // FILE_SHARE_DELETE too: an editor that replaces the file by rename must not fail because we read it.
    win::UniqueHandle file(::CreateFileW(wide.c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                                         nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr));
    if (!file.valid()) {
        const DWORD error = ::GetLastError();
        if (error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND)
            return failure(FileRead::Status::Missing, win::errorText(error));
        if (error == ERROR_PIPE_BUSY)
            return failure(FileRead::Status::NotRegular, "a pipe or socket");
        return failure(FileRead::Status::Unreadable, win::errorText(error));
    }
    const DWORD type = ::GetFileType(file.get());
    if (type != FILE_TYPE_DISK)
        return failure(FileRead::Status::NotRegular, kindOf(type));
    BY_HANDLE_FILE_INFORMATION info{};
    if (!::GetFileInformationByHandle(file.get(), &info))
        return failure(FileRead::Status::Unreadable, win::errorText(::GetLastError()));
    if (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
        return failure(FileRead::Status::NotRegular, "a directory");

    FileRead result;
    result.size = (static_cast<unsigned long long>(info.nFileSizeHigh) << 32) | info.nFileSizeLow;
    unsigned long long start = 0;
    if (result.size > maxBytes) {
        if (overLimit == OverLimit::Refuse)
            return detail::tooLarge(std::move(result), maxBytes);
        start = result.size - maxBytes;
        LARGE_INTEGER offset{};
        offset.QuadPart = static_cast<LONGLONG>(start);
        if (!::SetFilePointerEx(file.get(), offset, nullptr, FILE_BEGIN))
            return failure(FileRead::Status::Unreadable, win::errorText(::GetLastError()));
    }
    // The size is a hint: the file may grow while we read, so the limit is enforced on what is read.
    std::size_t got = 0;
    result.data.resize(std::min<unsigned long long>(maxBytes, result.size));
    for (;;) {
        if (got == result.data.size()) {
            if (got > maxBytes)
                break;
            result.data.resize(std::min(maxBytes + 1, got + 65536));
        }
        const DWORD want = static_cast<DWORD>(std::min<std::size_t>(result.data.size() - got, 1u << 30));
        DWORD n = 0;
        if (!::ReadFile(file.get(), result.data.data() + got, want, &n, nullptr))
            return failure(FileRead::Status::Unreadable, win::errorText(::GetLastError()));
        if (n == 0)
            break;
        got += n;
    }
    return detail::finishRead(std::move(result), got, maxBytes, overLimit);
}

} // namespace portwatch::platform
