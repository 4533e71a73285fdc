// Slow random wander: an Ornstein-Uhlenbeck process (unit variance, time constant tau) stepped at
// the control rate with counter-keyed Gaussian draws, so it is block-size independent and the same
// in C++ and Python (reference/ou_process.py). Values between ticks are linearly interpolated.
#pragma once

#include <cmath>
#include <cstdint>

#include "stemglue/random.h"

namespace stemglue {

// Modulation sources are updated every kControlInterval samples of the timeline.
inline constexpr int kControlInterval = 32;

class OrnsteinUhlenbeck {
public:
    /** Time constant in seconds at a tick rate in Hz; the key selects the random stream. */
    void prepare(double time_constant_s, double tick_rate_hz, uint64_t key) noexcept
    {
        key_ = key;
        set_time_constant(time_constant_s, tick_rate_hz);
    }

    /** Change the time constant without a jump. */
    void set_time_constant(double time_constant_s, double tick_rate_hz) noexcept
    {
        decay_ = std::exp(-1.0 / (time_constant_s * tick_rate_hz));
        drive_ = std::sqrt(1.0 - decay_ * decay_);
    }

    /** Start at a control tick from a draw of the stationary distribution (so there is no fade-in). */
    void reset(uint64_t tick = 0) noexcept
    {
        tick_ = tick;
        value_ = random_gaussian(key_, tick_++);
    }

    /** Advance one tick and return the new value. */
    double step() noexcept
    {
        value_ = decay_ * value_ + drive_ * random_gaussian(key_, tick_++);
        return value_;
    }

    double value() const noexcept { return value_; }

private:
    uint64_t key_ = 0;
    uint64_t tick_ = 0;
    double decay_ = 0.0, drive_ = 1.0, value_ = 0.0;
};

}  // namespace stemglue
