// The part of readRegularFile that is the same on every OS: how the size limit is applied.
#include "platform/files.h"

namespace portwatch::platform::detail {

FileRead tooLarge(FileRead result, std::size_t maxBytes)
{
    result.status = FileRead::Status::TooLarge;
    result.error = "larger than " + std::to_string(maxBytes) + " bytes";
    result.data.clear();
    return result;
}

FileRead finishRead(FileRead result, std::size_t got, std::size_t maxBytes, OverLimit overLimit)
{
    result.data.resize(got);
    if (got > maxBytes) {
        if (overLimit == OverLimit::Refuse)
            return tooLarge(std::move(result), maxBytes);
        result.data.erase(0, got - maxBytes);
    }
    result.status = FileRead::Status::Ok;
    return result;
}

} // namespace portwatch::platform::detail
