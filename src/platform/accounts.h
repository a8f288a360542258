// Who a process runs as, in each OS's own terms: whether it is the current user, whether it is a
// system account (a kill then asks first), and whether Portwatch itself runs with full privileges.
// The identity of an account is ProcessInfo::uid on Linux and ProcessInfo::sid on Windows; callers
// only ask these questions and never compare identities themselves.
#pragma once

#include "types.h"

#include <string>

namespace portwatch::platform {

// True when the process runs as the same account as the calling process.
bool isCurrentUser(const ProcessInfo &process);

// True when the process runs as a system account rather than as a person who logs in.
// Linux: a uid below UID_MIN or above UID_MAX of /etc/login.defs (1000 and 60000 when the file
// does not say; root, daemons, and nobody are system accounts). Windows: SYSTEM, LOCAL SERVICE,
// NETWORK SERVICE, and every process in session 0 (where services run).
bool isSystemAccount(const ProcessInfo &process);

// True when the calling process can see and end every user's processes (root on Linux, an
// elevated administrator token on Windows).
bool isPrivileged() noexcept;

// How to gain the privileges of isPrivileged(), for messages: "with sudo" (Linux), "as an
// administrator (elevated)" (Windows).
std::string elevationHint();

// Why a socket's owner can be missing even with those privileges: Linux, a process outside our PID
// namespace or no process at all; Windows, a table row that names no owner process.
std::string unseenOwnerReason();

// A short, stable text naming the current account, safe in file and pipe names: the uid on Linux,
// the SID on Windows. Two users never share it.
std::string currentUserKey();

} // namespace portwatch::platform
