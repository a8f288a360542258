// What a port is for, in a word or two: "PostgreSQL" for tcp/5432, "HTTP alternate" for tcp/8080.
// A small built-in table covers the default watched ports (and a few more a desktop meets), with
// names a person recognises; anything else comes from the system's services file (/etc/services),
// read once, on first need, and kept. Thread-safe: the monitor's worker calls preload() at start,
// so that the GUI thread never waits for the file.
#pragma once

#include "platform/types.h"

#include <QString>

namespace portwatch::servicenames {

// Empty when neither the table nor the services file knows the port.
QString name(platform::Protocol protocol, quint16 port);

// Reads the services file now, if it has not been read yet.
void preload();

// Reads `path` instead of the system's services file from now on (for tests); forgets what was read.
void setServicesFile(const QString &path);

} // namespace portwatch::servicenames
