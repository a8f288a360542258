// Checks inside fuzz targets: a property every parse must keep (a parsed value reads back the same,
// a rejection says why). A broken one aborts, which libFuzzer reports as a crash with its input.
#pragma once

#include <cstdio>
#include <cstdlib>

#define PORTWATCH_FUZZ_CHECK(condition, what)                                                              \
    do {                                                                                                   \
        if (!(condition)) {                                                                                \
            std::fprintf(stderr, "portwatch fuzz check failed: %s (%s)\n", what, #condition);              \
            std::abort();                                                                                  \
        }                                                                                                  \
    } while (false)
