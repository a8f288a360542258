// Making whitelist rules from what listens: the one place that decides how much a "Whitelist" click
// trusts, whether it comes from a notification, the tray menu, the alert dialog, the running-process
// picker or the first-run dialog. A rule made here names the program, the user it runs as and the
// one protocol/port it holds; for an interpreter also its script or module; for a hidden owner the
// socket's user and port only.
#pragma once

#include "whitelist.h"
#include "platform/types.h"

#include <QList>
#include <QString>
#include <QStringList>

#include <string>
#include <vector>

namespace portwatch::rulemaker {

// Interpreters known without configuration; Config::interpreters adds to them.
const QStringList &builtinInterpreters();

// The program's family name: its file name without a trailing version ("python3.11" -> "python",
// "php8.2" -> "php", "java" -> "java").
QString programFamily(const QString &exe);

// Whether the executable is an interpreter: its family or file name is a built-in one or in `extra`.
bool isInterpreter(const QString &exe, const QStringList &extra);

// The args glob that names what an interpreter runs: the arguments up to and including the script
// or module (the first non-option argument, or the value of -m / -jar / -c / -e and the like), each
// glob character escaped, followed by " *" (any further arguments, or none). Exactly the whole line,
// escaped, when no script is found; "" (no arguments) for a bare interpreter.
QString scriptGlob(const QString &exe, const std::vector<std::string> &cmdline);

// The rule for one owner of a socket: its executable, its user, that protocol/port; for an
// interpreter also scriptGlob(). An owner whose executable is unreadable gets the rule of a hidden
// owner for its user.
WhitelistRule forOwner(const platform::SocketEntry &socket, const platform::ProcessInfo &owner,
                       const QStringList &interpreters);

// The rule for a socket whose owner is hidden: the socket's user and protocol/port, no executable.
WhitelistRule forHidden(const platform::Listener &listener);

// The rules that make this listener trusted, leaving out owners `current` already allows and
// duplicates (a master and its workers, the IPv4 and IPv6 sockets of one server).
QList<WhitelistRule> forListener(const platform::Listener &listener, const Whitelist &current,
                                 const QStringList &interpreters);

} // namespace portwatch::rulemaker
