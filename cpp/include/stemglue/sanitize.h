// Hostile input never reaches DSP state: non-finite samples become silence and absurd magnitudes
// are clamped, so no filter can overflow into Inf/NaN. Mirrored in reference/sanitize.py.
#pragma once

#include <cmath>

namespace stemglue {

inline constexpr float kMaxSampleMagnitude = 1.0e5f;  // +100 dBFS

inline void sanitize(float* samples, int num_samples) noexcept
{
    for (int j = 0; j < num_samples; ++j) {
        const float x = samples[j];
        samples[j] = std::isfinite(x) ? (x > kMaxSampleMagnitude    ? kMaxSampleMagnitude
                                         : x < -kMaxSampleMagnitude ? -kMaxSampleMagnitude
                                                                    : x)
                                      : 0.0f;
    }
}

}  // namespace stemglue
