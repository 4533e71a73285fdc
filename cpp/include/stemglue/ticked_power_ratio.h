// The root of a ratio of two slowly averaged powers, sqrt((<p> + floor) / (<q> + floor)), as the
// loudness matches (Room's, Glue's auto makeup) use it to scale their output; optionally capped at
// a number of dB over the time average of a level in dB (read at each tick after a heard interval,
// one whose p was not all zero: a control-rate mean, so the cap costs nothing per sample).
//
// The averages are one-poles, y = (1 - a) p + a y, of time constants of hundreds of milliseconds
// or more, so they are needed only every kTickSamples (32) samples: each tick interval's powers are
// kept by phase and folded in at its end, a^32 y + sum_q (1 - a) a^(31 - q) p_q, a dot product in a
// fixed order instead of a recursion per sample (which would wait on a multiply and an add every
// sample). The root is taken at each tick and ramped to over the next interval, so there is no
// square root and division per sample either. Ticks fall on the timeline, so the result does not
// depend on how the stream is cut into blocks.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "stemglue/smooth_random.h"  // kControlInterval

namespace stemglue {

class TickedPowerRatio {
public:
    static constexpr size_t kTickSamples = kControlInterval;  // the control tick of the other slow values
    static constexpr double kFloorPower = 1e-12;              // so silence on both sides gives 1
    static constexpr double kFloorWeight = 1e-12;             // so a level never heard averages 0 dB

    /** The one-pole's coefficient a (per sample); takes effect at the next tick. */
    void set_average(double coefficient) noexcept
    {
        double decay = 1.0;
        for (size_t q = kTickSamples; q-- > 0; decay *= coefficient) weights_[q] = (1.0 - coefficient) * decay;
        interval_decay_ = decay;
    }

    /** Cap the root at cap_db over the level's time average (process() given the level); takes effect
     *  at the next tick. */
    void set_cap(double cap_db) noexcept { cap_ = std::pow(10.0, cap_db / 20.0); }

    /** Averages from zero (the root from 1). */
    void reset() noexcept
    {
        averages_.fill(0.0);
        level_mean_.fill(0.0);
        for (auto& interval : interval_) interval.fill(0.0);
        root_from_ = root_to_ = 1.0;
    }

    /** root[j] for the powers numerator[j], denominator[j] of the samples from timeline position
     *  `position` on; root may be either input. level_db: the capped level, per sample (read at ticks). */
    void process(uint64_t position, const double* numerator, const double* denominator, double* root, int n,
                 const double* level_db = nullptr) noexcept
    {
        for (size_t start = 0, count = static_cast<size_t>(std::max(n, 0)); start < count;) {
            const size_t phase = static_cast<size_t>((position + start) % kTickSamples);
            if (phase == 0) {  // the interval just completed moves the averages, and the root's next target
                const bool heard =
                    level_db && std::any_of(interval_[0].begin(), interval_[0].end(), [](double power) { return power != 0.0; });
                fold();
                root_from_ = root_to_;
                root_to_ = std::sqrt((averages_[0] + kFloorPower) / (averages_[1] + kFloorPower));
                if (level_db) {
                    if (heard) {  // the level and its weight
                        level_mean_[0] = interval_decay_ * level_mean_[0] + (1.0 - interval_decay_) * level_db[start];
                        level_mean_[1] = interval_decay_ * level_mean_[1] + (1.0 - interval_decay_);
                    }
                    root_to_ = std::min(root_to_, cap_ * std::pow(10.0, level_mean_[0] / (level_mean_[1] + kFloorWeight) / 20.0));
                }
            }
            const size_t length = std::min(count - start, kTickSamples - phase);
            std::copy_n(numerator + start, length, interval_[0].begin() + phase);
            std::copy_n(denominator + start, length, interval_[1].begin() + phase);
            // In locals (root may alias the members), and the phase as an int (a 64-bit integer
            // has no vector conversion below AVX-512): so the loop vectorises.
            const double from = root_from_, rise = root_to_ - root_from_;
            const int first = static_cast<int>(phase);
            for (int j = 0; j < static_cast<int>(length); ++j)
                root[start + static_cast<size_t>(j)] = from + rise * (static_cast<double>(first + j) / kTickSamples);
            start += length;
        }
    }

private:
    // Four lanes of partial sums, then a fixed tree: every machine adds in the same order.
    void fold() noexcept
    {
        using Doubles = double __attribute__((vector_size(4 * sizeof(double))));
        static_assert(kTickSamples % 4 == 0);
        for (size_t k = 0; k < 2; ++k) {
            Doubles sum{};
            for (size_t q = 0; q < kTickSamples; q += 4) {
                Doubles weight, power;
                std::memcpy(&weight, &weights_[q], sizeof weight);
                std::memcpy(&power, &interval_[k][q], sizeof power);
                sum += weight * power;
            }
            averages_[k] = interval_decay_ * averages_[k] + ((sum[0] + sum[1]) + (sum[2] + sum[3]));
            // Phases a seek or a pause skips count as silence, not as this interval once more.
            interval_[k].fill(0.0);
        }
    }

    std::array<double, kTickSamples> weights_{};
    double interval_decay_ = 0.0;
    std::array<double, 2> averages_{};                            // numerator, denominator
    std::array<std::array<double, kTickSamples>, 2> interval_{};  // this interval's powers, by phase
    double root_from_ = 1.0, root_to_ = 1.0;                      // at the last two ticks
    double cap_ = 1.0;
    std::array<double, 2> level_mean_{};  // the capped level's time average: level, weight
};

}  // namespace stemglue
