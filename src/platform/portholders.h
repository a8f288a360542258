// What every ProcessControl backend says and checks around a kill, the same on every OS: how a
// process and a port are named in messages, and who holds a port after the owner has gone.
#pragma once

#include "processcontrol.h"
#include "types.h"

#include <string>
#include <vector>

namespace portwatch::platform {

// "nginx (pid 812)": the short name, completed from the executable's file name where the OS cut it.
std::string describeProcess(const ProcessInfo &process);
// "tcp port 8080"
std::string portText(const SocketEntry &socket);
// The holders of a port for a message: named processes, or why none can be named.
std::string describeHolders(const std::vector<Listener> &listeners);

// Whether `other` keeps the port of `target` taken: the same socket, or one whose address collides
// with the target's (the same address, a wildcard of the same family, or a dual-stack IPv6 socket).
// A listener on another address of the same port (127.0.0.53:53 vs 10.0.0.1:53) does not count.
bool overlaps(const SocketEntry &target, const SocketEntry &other);

struct PortState {
    bool ok = true;
    std::string error; // with !ok: why the socket table could not be read
    std::vector<Listener> holders;
};

// Who holds the target's port now (on a colliding address), with owners resolved.
PortState portHolders(const SocketEntry &target);

// The result once the owner has ended: released, still held (naming who holds the port now), or
// failed when the table could not be read. `how` opens the message ("Ended nginx (pid 812)").
TerminateResult resultAfterExit(const SocketEntry &target, bool forced, const std::string &how);

} // namespace portwatch::platform
