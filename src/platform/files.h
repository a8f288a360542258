// Reading a file the user points us at (configuration, history) without trusting what it is: only a
// regular file is read, its open never blocks (a FIFO or a device is refused, not waited on), and no
// more than a given number of bytes is read. Plain C++, no Qt; one implementation per OS.
#pragma once

#include <cstddef>
#include <string>

namespace portwatch::platform {

struct FileRead {
    enum class Status {
        Ok,         // data holds the content (or its tail, see readRegularFile)
        Missing,    // no such file (a dangling symlink too)
        NotRegular, // a directory, FIFO, socket or device: never read
        TooLarge,   // larger than the limit: nothing read (data empty)
        Unreadable, // exists, but opening or reading it failed (permissions, I/O error)
    };
    Status status = Status::Missing;
    std::string data;
    std::string error;         // for the failures: what is wrong, in words ("Permission denied", "a FIFO")
    unsigned long long size = 0; // the file's size in bytes when it could be opened
};

enum class OverLimit {
    Refuse,   // a file larger than maxBytes gives TooLarge
    ReadTail, // a file larger than maxBytes gives Ok with its last maxBytes bytes
};

// Follows symlinks (a config may be a link into a dotfiles repository) but judges what they point to.
FileRead readRegularFile(const std::string &path, std::size_t maxBytes, OverLimit overLimit = OverLimit::Refuse);

namespace detail {
// What every OS's readRegularFile shares (files.cpp): the refusal of a file over the limit, and the
// limit applied to what was really read (the file may have grown since its size was asked), given
// `got` bytes read into result.data.
FileRead tooLarge(FileRead result, std::size_t maxBytes);
FileRead finishRead(FileRead result, std::size_t got, std::size_t maxBytes, OverLimit overLimit);
} // namespace detail

} // namespace portwatch::platform
