// Journal entries as bytes, the same on every OS: field-name rules and the native protocol's encoding.
#include "journal.h"

#include <cstdint>

namespace portwatch::platform {

namespace {

bool isUpper(char c) noexcept { return c >= 'A' && c <= 'Z'; }
bool isDigit(char c) noexcept { return c >= '0' && c <= '9'; }

} // namespace

bool isValidJournalFieldName(const std::string &name) noexcept
{
    if (name.empty() || name.size() > 64 || !isUpper(name.front()))
        return false;
    for (const char c : name) {
        if (!isUpper(c) && !isDigit(c) && c != '_')
            return false;
    }
    return true;
}

std::string encodeJournalEntry(const JournalFields &fields)
{
    std::string entry;
    for (const auto &[name, value] : fields) {
        entry += name;
        if (value.find('\n') == std::string::npos) {
            entry += '=';
            entry += value;
        } else {
            entry += '\n';
            std::uint64_t size = value.size();
            for (int i = 0; i < 8; ++i) {
                entry += static_cast<char>(size & 0xff);
                size >>= 8;
            }
            entry += value;
        }
        entry += '\n';
    }
    return entry;
}

} // namespace portwatch::platform
