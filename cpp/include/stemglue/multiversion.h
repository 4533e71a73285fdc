// Hot loops are compiled twice, for baseline x86-64 and for x86-64-v3 (AVX2), and the loader
// picks one per machine (GCC/Clang target_clones). Floating-point contraction is off
// (-ffp-contract=off in cpp/CMakeLists.txt), so both versions do the same arithmetic per element:
// only the vector width differs, and the output is the same on every x86-64 machine.
#pragma once

// STEMGLUE_NO_MULTIVERSION (CMake option STEMGLUE_NO_MULTIVERSION) builds the baseline only: the
// check that both versions render the same bytes (cpp/tests/render_fingerprint.cpp) compares it.
#if defined(__x86_64__) && defined(__linux__) && (defined(__GNUC__) || defined(__clang__)) && !defined(STEMGLUE_NO_MULTIVERSION)
#define STEMGLUE_MULTIVERSION __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define STEMGLUE_MULTIVERSION
#endif
