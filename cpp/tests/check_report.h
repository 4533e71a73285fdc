// The C++ checks' report: a line per check (ok or FAIL, its worst value against its limit), then
// the count, and the exit code ctest reads.
#pragma once

#include <cstdio>

struct CheckReport {
    int passed = 0, failed = 0;

    void operator()(const char* what, double worst, double limit)
    {
        const bool ok = worst <= limit;
        std::printf("%s %s: worst %.3g (limit %.3g)\n", ok ? "ok  " : "FAIL", what, worst, limit);
        (ok ? passed : failed)++;
    }

    int finish() const
    {
        std::printf("%d passed, %d failed\n", passed, failed);
        return failed == 0 ? 0 : 1;
    }
};
