// A quantity that advances at a settable rate per step of the timeline: an oscillator's phase
// (cycles per sample or per control tick) or a wander's time (knot spacings per tick).
// Mirror: stemglue/reference/timeline_clock.py.
//
// While the rate holds, its value is a pure function of the step, not a running sum: restarted at
// a seek, it is put where it would be had the current rate always held, so playback from anywhere
// gives the bits a full render gives there. A rate change re-anchors it, so automation bends it
// without a jump.
#pragma once

#include <algorithm>
#include <cstdint>

namespace stemglue {

// Calls interval(start, end, phase) for each stretch [start, end) of a chunk of `count` samples,
// the first at timeline `position`, that lies between two ticks every kTickSamples samples of the
// timeline: phase is how far past a tick `start` is (0: on one). Ticks fall on the timeline, so
// whatever sizes a stream is cut into, its ticks and ramps are the same.
template <int kTickSamples, typename Interval>
inline void for_each_tick_interval(uint64_t position, int count, Interval&& interval)
{
    for (int start = 0; start < count;) {
        const int phase = static_cast<int>((position + static_cast<uint64_t>(start)) % kTickSamples);
        const int end = std::min(count, start + kTickSamples - phase);
        interval(start, end, phase);
        start = end;
    }
}

// Where a seek lands between two ticks of a control grid (every `interval` samples): the samples
// before the next tick run from the previous tick's values to the next tick's, as in a full run.
struct TickSpan {
    uint64_t previous, next;
};

inline TickSpan ticks_around(uint64_t position, uint64_t interval) noexcept
{
    const uint64_t next = (position + interval - 1) / interval;
    return {next == 0 ? 0 : next - 1, next};
}

class TimelineClock {
public:
    void restart(double origin, double rate) noexcept
    {
        anchor_step_ = 0;
        anchor_value_ = origin;
        rate_ = rate;
    }

    /** From this step on, advance at rate. */
    void set_rate(uint64_t step, double rate) noexcept
    {
        if (rate == rate_) return;
        anchor_value_ = at(step);
        anchor_step_ = step;
        rate_ = rate;
    }

    double at(uint64_t step) const noexcept
    {
        return anchor_value_ + rate_ * static_cast<double>(static_cast<int64_t>(step - anchor_step_));
    }

private:
    uint64_t anchor_step_ = 0;
    double anchor_value_ = 0.0, rate_ = 0.0;
};

}  // namespace stemglue
