// Reproducible randomness: a counter-based generator. Every draw is a pure function of
// (seed, stream, index), so it is seekable, block-size independent and identical in Python
// (stemglue/reference/random.py) and C++. Each (seed, stream) is a SplitMix64 sequence of period
// 2^64: it never repeats within a song.
#pragma once

#include <cmath>
#include <cstdint>

namespace stemglue {

inline constexpr uint64_t kGoldenGamma = 0x9E3779B97F4A7C15ull;

// SplitMix64's output function (Steele, Lea & Flood 2014): a bijective 64-bit mixer, in place. Bits
// may also be a GCC/Clang vector of uint64_t (Noise's draws, several at a time), mixed lane by lane
// the same; by reference, as passing a vector by value changes the ABI between builds.
template <typename Bits>
constexpr void mix64_in_place(Bits& z) noexcept
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
}

constexpr uint64_t mix64(uint64_t z) noexcept
{
    mix64_in_place(z);
    return z;
}

// Starting state of one stream; streams of one seed are decorrelated by mixing twice.
constexpr uint64_t stream_key(uint64_t seed, uint64_t stream) noexcept
{
    return mix64(mix64(seed + kGoldenGamma) ^ (stream * 0xD1B54A32D192ED03ull + kGoldenGamma));
}

// The seed of what one track owns (its hiss, its tolerances): the session seed and the track id
// mixed, so every (seed, track) pair has its own streams and tracks of one seed are independent.
constexpr uint64_t track_seed(uint64_t seed, uint64_t track_id) noexcept
{
    return mix64(seed ^ mix64(track_id + kGoldenGamma));
}

// The index-th 64-bit draw of a stream: SplitMix64's output after index+1 steps.
constexpr uint64_t random_u64(uint64_t key, uint64_t index) noexcept
{
    return mix64(key + (index + 1) * kGoldenGamma);
}

// Uniform in [0, 1) with 53 random bits.
constexpr double random_uniform(uint64_t key, uint64_t index) noexcept
{
    return static_cast<double>(random_u64(key, index) >> 11) * 0x1.0p-53;
}

// Standard normal by Box-Muller from draws 2*index and 2*index + 1.
inline double random_gaussian(uint64_t key, uint64_t index) noexcept
{
    const double u1 = (static_cast<double>(random_u64(key, 2 * index) >> 11) + 0.5) * 0x1.0p-53;
    const double u2 = static_cast<double>(random_u64(key, 2 * index + 1) >> 11) * 0x1.0p-53;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

}  // namespace stemglue
