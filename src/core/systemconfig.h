// System-wide defaults an administrator ships to every desktop: <dir>/portwatch/config.json in each
// directory of $XDG_CONFIG_DIRS (default /etc/xdg), read under the user's own configuration.
//
// The merge rule: watched port specs and whitelist rules of the system files are added to the
// user's, without duplicates. Every other setting is the user's when the user has a file of their
// own, and otherwise the system file's (where it sets it) over the defaults. A broken system file
// is reported and ignored; it is never moved or rewritten: it is not the user's.
#pragma once

#include "config.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace portwatch {

struct SystemConfig {
    QList<PortSpec> watched;        // added to the user's
    QList<WhitelistRule> whitelist; // added to the user's
    Config settings;                // the other settings: the defaults with what the system files set
    QStringList files;              // the files that were read and used
    QStringList problems;           // one message per broken file (path, and what is wrong where)

    // <dir>/portwatch/config.json for each absolute directory of $XDG_CONFIG_DIRS, most important first.
    static QStringList searchPaths();
    // Reads the files that exist; touches none of them. Where several set the same setting, the
    // more important (earlier) one wins.
    static SystemConfig load(const QStringList &paths = searchPaths());

    // The configuration in force: the user's (userHasFile: the user's file exists and was read) with
    // the system's watched specs and rules added.
    Config merged(const Config &user, bool userHasFile) const;
    // What belongs in the user's file when `merged` is saved: without the system's watched specs and
    // rules, except those the user's file had itself (userBefore), so nothing of the user's is lost
    // when the administrator later drops an entry.
    Config userPart(const Config &merged, const Config &userBefore) const;
};

} // namespace portwatch
