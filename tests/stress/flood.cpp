// portwatch-flood: the real tray app (offscreen, on a private session bus) against a recording
// notification server, with a config watching 200 ports: a burst of 1,000 binds from 50 processes
// in one second, then steady churn of about 20 binds a second, then one fresh bind after a quiet
// spell. Prints the Notify calls per phase, the tray's CPU, memory, descriptors and threads, and
// pass/fail per goal.
//
//   portwatch-flood [--churn-seconds 600] [--quiet-seconds 65] [--holder-fds 0] [--first-port 47000]
//                   [--interval-ms 1000] [--tray PATH]
//
// --tray runs another portwatch build, or a wrapper (a heap profiler) that runs one; the figures
// are then those of the wrapper's process.
// It re-runs itself inside dbus-run-session (the tests' bus config, nothing activatable). Every
// process it ends is one it started. Exit status: 0 all goals met, 1 a goal missed, 2 no run.
#include "floodbinder.h"
#include "floodrun.h"

#include <QCoreApplication>
#include <QString>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <unistd.h>

int main(int argc, char **argv)
{
    using namespace portwatch::stress;
    if (argc >= 2 && std::strcmp(argv[1], "--binder") == 0) {
        BinderOptions options;
        std::string error;
        if (!parseBinder(std::vector<std::string>(argv + 2, argv + argc), options, error)) {
            std::fprintf(stderr, "portwatch-flood --binder: %s\n", error.c_str());
            return 2;
        }
        return runBinder(options);
    }

    FloodOptions options;
    bool inside = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--inside") {
            inside = true;
            continue;
        }
        if (i + 1 >= argc || !setFloodOption(options, arg, argv[i + 1])) {
            std::fprintf(stderr, "usage: portwatch-flood [--churn-seconds N] [--quiet-seconds N] [--holder-fds N] "
                                 "[--first-port N] [--interval-ms N] [--tray PATH]\n");
            return 2;
        }
        ++i;
    }
    if (!inside) {
        // A private bus of our own, which goes away with us.
        char self[4096] = {};
        if (::readlink("/proc/self/exe", self, sizeof self - 1) <= 0) {
            std::fprintf(stderr, "portwatch-flood: cannot find its own executable: %s\n", std::strerror(errno));
            return 2;
        }
        std::vector<std::string> command{"dbus-run-session", std::string("--config-file=") + PORTWATCH_TEST_BUS_CONFIG, "--",
                                         self, "--inside"};
        for (int i = 1; i < argc; ++i)
            command.emplace_back(argv[i]);
        std::vector<char *> pointers;
        for (std::string &part : command)
            pointers.push_back(part.data());
        pointers.push_back(nullptr);
        std::fflush(nullptr);
        ::execvp(pointers[0], pointers.data());
        std::fprintf(stderr, "portwatch-flood: cannot run dbus-run-session: %s\n", std::strerror(errno));
        return 2;
    }

    QCoreApplication app(argc, argv);
    return runFlood(options);
}
