// Seekable smooth randomness (the shared reference facts, dsp-facts.md section 7): unit-normal values at integer knots, keyed
// by (stream key, knot index), joined by a uniform cubic B-spline and scaled to unit variance at
// every point (the plain spline's variance dips from 0.50 at a knot to 0.46 between knots).
// Mirror: stemglue/reference/smooth_random.py.
//
// Its value at any time u (in knot spacings) is a pure function of the key and u, so playback
// started anywhere lands exactly where a full render is, whatever ran before. The spline is C2,
// so a delay it modulates has a smooth speed. Knots one time constant apart correlate about as an
// Ornstein-Uhlenbeck process with that time constant does (0.5 at one spacing; OU 1/e = 0.37).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include "stemglue/random.h"

namespace stemglue {

// Slow modulation is evaluated every kControlInterval samples of the timeline (a control tick)
// and interpolated linearly in between.
inline constexpr int kControlInterval = 32;
// What moves over seconds (Noise's levels and mains wander; Drift's tone and the wanders of its
// transport) is evaluated every kWanderTickSamples (5.3 ms at 48 kHz) and linear in between.
inline constexpr int kWanderTickSamples = 8 * kControlInterval;

class SmoothRandom {
public:
    // RMS over a knot interval of the slope d/du. Used as a phase, a wander of
    // a * at(t / spacing_s) cycles moves the frequency by a * kSlopeRms / spacing_s Hz RMS.
    static constexpr double kSlopeRms = 1.179026;

    void set_key(uint64_t key) noexcept
    {
        key_ = key;
        first_knot_ = kNoKnot;
    }

    /** Where u >= 0 knot spacings falls (NaN or negative u reads 0): its first knot, the spline's
     *  weights there and their norm (1 / the scale to unit variance). Streams read at one time
     *  share it. */
    struct Place {
        uint64_t knot;
        std::array<double, 4> weights;
        double norm;
    };
    static Place place(double u) noexcept
    {
        u = u > 0.0 ? u : 0.0;
        const double whole = std::floor(u);
        const double t = u - whole;
        const double s = 1.0 - t, t2 = t * t, t3 = t2 * t;
        const double b0 = s * s * s / 6.0, b1 = (3.0 * t3 - 6.0 * t2 + 4.0) / 6.0;
        const double b2 = (-3.0 * t3 + 3.0 * t2 + 3.0 * t + 1.0) / 6.0, b3 = t3 / 6.0;
        const double norm = std::sqrt(b0 * b0 + b1 * b1 + b2 * b2 + b3 * b3);
        return {static_cast<uint64_t>(whole), {b0, b1, b2, b3}, norm};
    }

    /** The value at a place (the four knots around it are cached). */
    double at(const Place& place) noexcept
    {
        if (place.knot != first_knot_) {
            const bool next = first_knot_ != kNoKnot && place.knot == first_knot_ + 1;
            for (uint64_t m = 0; m < 4; ++m) knots_[m] = next && m < 3 ? knots_[m + 1] : random_gaussian(key_, place.knot + m);
            first_knot_ = place.knot;
        }
        const auto& b = place.weights;
        return (b[0] * knots_[0] + b[1] * knots_[1] + b[2] * knots_[2] + b[3] * knots_[3]) / place.norm;
    }

    /** The value at u >= 0 knot spacings; NaN or negative u reads 0. */
    double at(double u) noexcept { return at(place(u)); }

private:
    static constexpr uint64_t kNoKnot = ~0ull;
    uint64_t key_ = 0, first_knot_ = kNoKnot;
    std::array<double, 4> knots_{};
};

}  // namespace stemglue
