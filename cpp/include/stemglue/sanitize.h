// Hostile input never reaches DSP state: non-finite samples become silence and absurd magnitudes
// are clamped, so no filter can overflow into Inf/NaN. Mirrored in reference/sanitize.py.
#pragma once

#include <cmath>

namespace stemglue {

inline constexpr float kMaxSampleMagnitude = 1.0e5f;  // +100 dBFS

inline float sanitized(float x) noexcept
{
    return std::isfinite(x) ? (x > kMaxSampleMagnitude    ? kMaxSampleMagnitude
                               : x < -kMaxSampleMagnitude ? -kMaxSampleMagnitude
                                                          : x)
                            : 0.0f;
}

/** sanitized() over a buffer, in place (module.cpp: every module's input, in vector clones; a clean
 *  buffer is only read). */
void sanitize(float* samples, int num_samples) noexcept;

}  // namespace stemglue
