// UID_MIN / UID_MAX from login.defs: see logindefs.h.
#include "logindefs.h"

#include <charconv>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace portwatch::platform::linuxos {

namespace {

std::optional<std::uint32_t> number(std::string_view text)
{
    std::uint32_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

} // namespace

UidRange parseLoginDefs(std::string_view text)
{
    std::optional<std::uint32_t> min;
    std::optional<std::uint32_t> max;
    std::istringstream lines{std::string(text)};
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream words(line);
        std::string key;
        std::string value;
        std::string extra;
        // "KEY value" with blanks between; comments start with '#', anything else is not ours.
        if (!(words >> key >> value) || key.front() == '#' || (words >> extra && extra.front() != '#'))
            continue;
        if (key == "UID_MIN")
            min = number(value);
        else if (key == "UID_MAX")
            max = number(value);
    }
    UidRange range;
    const UidRange defaults;
    range.min = min.value_or(defaults.min);
    range.max = max.value_or(defaults.max);
    if (range.min > range.max)
        range = defaults;
    return range;
}

const UidRange &regularUidRange()
{
    static const UidRange range = [] {
        std::ifstream file("/etc/login.defs");
        if (!file)
            return UidRange{};
        std::ostringstream text;
        text << file.rdbuf();
        return parseLoginDefs(text.str());
    }();
    return range;
}

} // namespace portwatch::platform::linuxos
