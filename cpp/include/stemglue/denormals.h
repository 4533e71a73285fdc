// Flush denormals to zero for the lifetime of a scope (restores the caller's mode on exit), so
// decaying filter states never fall onto the slow denormal path.
#pragma once

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#endif

namespace stemglue {

class ScopedFlushDenormals {
public:
#if defined(__SSE__) || defined(__x86_64__)
    ScopedFlushDenormals() noexcept : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | 0x8040u); }  // FTZ | DAZ
    ~ScopedFlushDenormals() { _mm_setcsr(saved_); }

private:
    unsigned int saved_;
#endif
};

}  // namespace stemglue
