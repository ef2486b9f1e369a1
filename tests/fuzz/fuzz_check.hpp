#pragma once
// An invariant of a fuzz target: on failure, print what was wrong and abort, so that libFuzzer
// saves the input as a crash (assert() would vanish in release builds).
#include <cstdio>
#include <cstdlib>

#define TAFEL_FUZZ_CHECK(condition)                                                        \
    do {                                                                                   \
        if (!(condition)) {                                                                \
            std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #condition); \
            std::abort();                                                                  \
        }                                                                                  \
    } while (false)
