// Windows has no systemd journal: `portwatch-cli watch --journal` is refused there with that reason,
// and no standard error is ever the journal's stream. (Windows' own Event Log is a different
// mechanism with registered sources; it is not pretended to be a journal here.)
#include "platform/journal.h"

namespace portwatch::platform {
namespace {

class NoJournal final : public JournalWriter {
public:
    bool send(const JournalFields &, std::string *error) override
    {
        if (error)
            *error = "there is no systemd journal on Windows";
        return false;
    }
};

} // namespace

std::unique_ptr<JournalWriter> makeJournalWriter(const std::string &)
{
    return std::make_unique<NoJournal>();
}

bool isStandardErrorJournal()
{
    return false;
}

} // namespace portwatch::platform
