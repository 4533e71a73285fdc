// Linear parameter smoother in plain units. A new target starts a fresh ramp of fixed length from
// the current value, so the trajectory depends only on when targets changed, never on block sizes
// (nor on how often a host re-sends an unchanged value).
#pragma once

#include <algorithm>
#include <cmath>

namespace stemglue {

class LinearSmoother {
public:
    /** Ramp length for a smoothing time; 0 ms makes every target a jump. */
    void prepare(double sample_rate, double smoothing_ms) noexcept
    {
        ramp_samples_ = static_cast<int>(std::lround(sample_rate * smoothing_ms * 0.001));
    }

    /** Jump to the target now (used by reset()). */
    void snap_to_target() noexcept
    {
        current_ = target_;
        remaining_ = 0;
    }

    /** Snap straight to a value. */
    void reset(double value) noexcept
    {
        target_ = value;
        snap_to_target();
    }

    /** Start a ramp towards value. The target again changes nothing: hosts re-send automation at
     *  every block, and a fresh ramp each time stretched a 10 ms glide to 100 ms and more. */
    void set_target(double value) noexcept
    {
        if (value == target_) return;
        target_ = value;
        if (ramp_samples_ <= 0) {
            snap_to_target();
            return;
        }
        remaining_ = ramp_samples_;
        step_ = (target_ - current_) / ramp_samples_;
    }

    /** The next sample's value. */
    double next() noexcept
    {
        if (remaining_ > 0) {
            --remaining_;
            current_ = remaining_ == 0 ? target_ : current_ + step_;
        }
        return current_;
    }

    bool is_smoothing() const noexcept { return remaining_ > 0; }
    /** The length of a ramp, in samples. */
    int ramp_samples() const noexcept { return ramp_samples_; }
    /** Samples until the target is reached. */
    int remaining() const noexcept { return remaining_; }
    double current() const noexcept { return current_; }
    double target() const noexcept { return target_; }

private:
    double current_ = 0.0;
    double target_ = 0.0;
    double step_ = 0.0;
    int remaining_ = 0;
    int ramp_samples_ = 0;
};

/** The next n values, each through transform; when at rest the transform runs once. */
template <typename Transform>
void fill_smoothed(LinearSmoother& smoother, double* out, int n, Transform transform) noexcept
{
    if (!smoother.is_smoothing()) {
        std::fill(out, out + n, transform(smoother.current()));
        return;
    }
    for (int j = 0; j < n; ++j) out[j] = transform(smoother.next());
}

}  // namespace stemglue
