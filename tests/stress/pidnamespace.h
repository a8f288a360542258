// A PID namespace of the stress tool's own, so that PIDs are reused within milliseconds: inside it
// the tool is PID 1, its children get small PIDs, and ns_last_pid (of the namespace's own /proc,
// mounted in a private mount namespace) chooses the PID the next fork gets. The machine's pid_max
// is never touched.
#pragma once

#include <string>

namespace portwatch::stress {

// Runs `body` as PID 1 of a new PID namespace (with a mount namespace and a fresh /proc) and
// returns its exit status; as root directly, otherwise inside a new user namespace too. Returns -1
// with `error` set when the kernel refuses (no user namespaces for unprivileged users, say).
int runInPidNamespace(int (*body)(void *), void *argument, std::string &error);

// Makes the next fork in this namespace get `pid` (when it is free): writes pid - 1 to
// /proc/sys/kernel/ns_last_pid. False with `error` set when that is not possible.
bool setNextPid(int pid, std::string &error);

} // namespace portwatch::stress
