// Hot loops are compiled three times, for baseline x86-64, x86-64-v3 (AVX2) and x86-64-v4
// (AVX-512), and the loader picks one per machine (GCC/Clang target_clones). Floating-point
// contraction is off (-ffp-contract=off in cpp/CMakeLists.txt) and no sum is reassociated, so
// every version does the same arithmetic per element: only the vector width differs, and the
// output is the same on every x86-64 machine. (AVX-512 has the 64-bit multiply that Noise's
// counter-based draws need, and wider lanes: on AMD Zen 4 the chain ran 10 % faster with it.)
#pragma once

// STEMGLUE_NO_MULTIVERSION (CMake option STEMGLUE_NO_MULTIVERSION) builds the baseline only: the
// check that the clones and the baseline render the same bytes (cpp/tests/render_fingerprint.cpp) compares it.
#if defined(__x86_64__) && defined(__linux__) && (defined(__GNUC__) || defined(__clang__)) && !defined(STEMGLUE_NO_MULTIVERSION)
#define STEMGLUE_MULTIVERSION __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define STEMGLUE_MULTIVERSION
#endif
