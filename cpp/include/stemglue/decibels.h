// Decibels for whole blocks, in loops the compiler vectorises (libm's log10 and pow are scalar
// calls that cost more than the rest of a compressor). log2 and exp2 are taken from the float
// exponent bits plus a short polynomial for the mantissa: within 3e-7 relative of the exact
// functions, i.e. float rounding, and below -130 dB in any gain they set.
#pragma once

#include <cstdint>
#include <cstring>

namespace stemglue {

inline float log2_approx(float x) noexcept  // x > 0 and normal
{
    uint32_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    int exponent = static_cast<int>(bits >> 23) - 127;
    bits = (bits & 0x007FFFFFu) | 0x3F800000u;  // mantissa in [1, 2)
    float mantissa;
    std::memcpy(&mantissa, &bits, sizeof mantissa);
    const bool high = mantissa > 1.41421356f;  // centre it on 1: [sqrt(1/2), sqrt(2))
    mantissa *= high ? 0.5f : 1.0f;
    exponent += high ? 1 : 0;
    // ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.172: the series to s^9 is exact to 1e-9.
    const float s = (mantissa - 1.0f) / (mantissa + 1.0f), z = s * s;
    const float ln_mantissa = 2.0f * s * (1.0f + z * (1.0f / 3 + z * (1.0f / 5 + z * (1.0f / 7 + z * (1.0f / 9)))));
    return static_cast<float>(exponent) + ln_mantissa * 1.44269504f;
}

inline float exp2_approx(float x) noexcept
{
    x = x < -126.0f ? -126.0f : (x > 126.0f ? 126.0f : x);
    const float whole = static_cast<float>(static_cast<int>(x + 126.5f) - 126);  // round to nearest
    const float t = (x - whole) * 0.693147181f;                                   // |t| <= ln 2 / 2
    // e^t by its Taylor series to t^7: exact to 1e-8 over the range.
    const float e = 1.0f + t * (1.0f + t * (1.0f / 2 + t * (1.0f / 6 + t * (1.0f / 24 + t * (1.0f / 120 + t * (1.0f / 720 + t * (1.0f / 5040)))))));
    const uint32_t scale_bits = static_cast<uint32_t>(static_cast<int>(whole) + 127) << 23;
    float scale;
    std::memcpy(&scale, &scale_bits, sizeof scale);
    return e * scale;
}

// 20 log10(magnitude), or floor_db where the magnitude is at or below floor_magnitude.
inline float magnitude_to_db(float magnitude, float floor_magnitude, float floor_db) noexcept
{
    const float db = 6.02059991f * log2_approx(magnitude > floor_magnitude ? magnitude : floor_magnitude);
    return magnitude > floor_magnitude ? db : floor_db;
}

inline float db_to_magnitude(float db) noexcept { return exp2_approx(db * 0.166096404f); }  // log2(10) / 20

}  // namespace stemglue
