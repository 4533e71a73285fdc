// Decibels for whole blocks, in loops the compiler vectorises (libm's log10 and pow are scalar
// calls that cost more than the rest of a compressor). The float exponent bits give the octave
// and a short float polynomial the rest; the octave and the dB scaling stay in double. Errors
// (cpp/tests/test_decibels.cpp): under 6e-7 dB, and 1e-7 relative in a gain, i.e. float rounding.
#pragma once

#include <cstdint>
#include <cstring>

namespace stemglue {

inline double log2_approx(float x) noexcept  // x > 0 and normal
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
    return static_cast<double>(exponent) + static_cast<double>(ln_mantissa) * 1.4426950408889634;
}

inline float exp2_approx(double x) noexcept
{
    x = x < -126.0 ? -126.0 : (x > 126.0 ? 126.0 : x);
    const int whole = static_cast<int>(x + 126.5) - 126;                    // round to nearest
    const float t = static_cast<float>((x - whole) * 0.69314718055994531);  // |t| <= ln 2 / 2
    // e^t by its Taylor series to t^7: exact to 1e-8 over the range.
    const float e =
        1.0f +
        t * (1.0f + t * (1.0f / 2 + t * (1.0f / 6 + t * (1.0f / 24 + t * (1.0f / 120 + t * (1.0f / 720 + t * (1.0f / 5040)))))));
    const uint32_t scale_bits = static_cast<uint32_t>(whole + 127) << 23;
    float scale;
    std::memcpy(&scale, &scale_bits, sizeof scale);
    return e * scale;
}

// 20 log10(magnitude), or floor_db where the magnitude is at or below floor_magnitude.
inline double magnitude_to_db(float magnitude, float floor_magnitude, double floor_db) noexcept
{
    const double db = 6.0205999132796239 * log2_approx(magnitude > floor_magnitude ? magnitude : floor_magnitude);
    return magnitude > floor_magnitude ? db : floor_db;
}

inline float db_to_magnitude(double db) noexcept
{
    return exp2_approx(db * 0.16609640474436813);  // log2(10) / 20
}

}  // namespace stemglue
