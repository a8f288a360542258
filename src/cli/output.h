// How portwatch-cli shows listeners: a readable table for people, JSON for scripts.
#pragma once

#include "platform/types.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace portwatch::cli {

// "tcp 0.0.0.0:8080", "udp [::1]:53"
QString socketText(const platform::SocketEntry &socket);
// "python3 (pid 4242, alice)"; for an invisible owner "owner not visible (uid 0, root)"
QString ownerText(const platform::Listener &listener, const platform::ProcessInfo *owner);

// Why the owner of this socket is not visible, and what to do about it.
QString invisibleHint(const platform::Listener &listener);

// One object per (socket, owning process) with exactly the keys documented in the README:
// protocol, family, address, port, inode, uid, user, pid, process, exe, cmdline, startTime.
// A socket whose owner is not visible gives one object with null process fields.
QJsonArray listenersToJson(const QList<platform::Listener> &listeners);
QJsonObject listenerToJson(const platform::Listener &listener, const platform::ProcessInfo *owner);

// Aligned columns: PROTO ADDRESS PORT PID USER PROCESS COMMAND, one row per (socket, owner).
QString listenersTable(const QList<platform::Listener> &listeners);

// Writes to stdout / stderr (UTF-8, flushed).
void out(const QString &text);
void err(const QString &text);

} // namespace portwatch::cli
