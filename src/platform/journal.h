// Structured entries for the system journal: one entry is a list of FIELD=value pairs. On Linux it
// speaks journald's native protocol (a datagram to its socket), so no library is needed.
// journal.cpp holds what is the same everywhere; each OS implements makeJournalWriter() and
// isStandardErrorJournal() (where there is no journal: a writer that says so, and false).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace portwatch::platform {

// Field names: upper-case ASCII letters, digits and '_', not starting with '_' or a digit
// (MESSAGE, PRIORITY, PORTWATCH_PORT). Values are bytes; newlines are allowed.
using JournalFields = std::vector<std::pair<std::string, std::string>>;

// True when the name is one journald keeps (see above; at most 64 characters).
bool isValidJournalFieldName(const std::string &name) noexcept;

class JournalWriter {
public:
    virtual ~JournalWriter() = default;
    // Sends one entry. False with the reason in error when the journal did not take it (no journal
    // running, a bad field name). Never blocks for long: the journal's socket is a datagram socket.
    virtual bool send(const JournalFields &fields, std::string *error = nullptr) = 0;
};

// The journal at socketPath; empty means the system's (/run/systemd/journal/socket on Linux).
std::unique_ptr<JournalWriter> makeJournalWriter(const std::string &socketPath = {});

// True when standard error is the journal's stream (systemd's JOURNAL_STREAM names this very
// stream): a service whose output the journal already takes.
bool isStandardErrorJournal();

// The exact bytes of one entry in the native protocol: "NAME=value\n" per field, or, for a value
// with a newline, "NAME\n", its length as 64-bit little-endian, the value and "\n".
std::string encodeJournalEntry(const JournalFields &fields);

} // namespace portwatch::platform
