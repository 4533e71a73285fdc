// Bleed: another source's sound as this channel's microphone hears it, added to the channel.
//
//   source     the sidechain (another stem or a bus), mono, as its own microphone recorded it at
//              bleed_source_distance_m
//   path       arrives (distance - source distance) / 343 m/s later than at its own microphone,
//              read with the chain's windowed-sinc interpolator; level source distance / distance
//              (inverse distance; no proximity boost: the bleed mic is far from the source)
//   pattern    first order, g = A + (1 - A) cos(angle): A 1 omni, 0.5 cardioid, 0.37 supercardioid,
//              0.25 hypercardioid, 0 figure-8 (its rear lobe inverts polarity)
//   colour     off axis, capsules lose the highs: above a one-pole split at 3 kHz the gain is
//              lowered by L (1 - cos(angle)) / 2 dB, L = 6 + 6 (1 - A) (omni 6 dB at the rear,
//              figure-8 12 dB): H = G (s + (1 - s) a / (1 - (1 - a) z^-1)), s the shelf's gain
//   overrides  a level trim and a polarity switch per pair, as a drum sampler's bleed matrix
//
// The direct path is delayed by the interpolator's half length (12 samples, the latency), so any
// distance, even one closer than the source's own microphone (read as no delay), is causal.
#pragma once

#include <vector>

#include "stemglue/delay_line.h"
#include "stemglue/module.h"
#include "stemglue/sinc_interpolator.h"

namespace stemglue {

class Bleed final : public Module {
public:
    int latency_samples() const noexcept override { return SincInterpolator::kHalf; }
    bool hears_sidechain() const noexcept override { return true; }
    /** The longest path still arriving after the source stops. */
    int64_t tail_samples() const noexcept override;

    static constexpr double kSpeedOfSound = 343.0;
    static constexpr double kSplitHz = 3000.0;
    static constexpr double kMaxDistanceM = 30.0;

    /** The first-order pattern gain at an angle off axis, and the high shelf's gain there. */
    static double pattern_gain(double pattern, double angle_deg) noexcept;
    static double shelf_gain(double pattern, double angle_deg) noexcept;

private:
    void prepare_module() override;
    void reset_module() noexcept override;
    void process_chunk(AudioBlock block) noexcept override;

    ModuleParameter distance_m_{parameters_, "bleed_distance_m"};
    ModuleParameter source_distance_m_{parameters_, "bleed_source_distance_m"};
    ModuleParameter angle_deg_{parameters_, "bleed_angle_deg"};
    ModuleParameter pattern_{parameters_, "bleed_pattern"};
    ModuleParameter level_db_{parameters_, "bleed_level_db"};
    ModuleParameter invert_{parameters_, "bleed_invert"};

    std::vector<DelayLine> direct_;  // per channel: the latency
    SincInterpolator interpolator_;
    std::vector<float> history_;  // the mono source; reads reach up to reach_ samples back
    int reach_ = 0, newest_ = 0;  // where the next chunk is written
    double split_coefficient_ = 0.0, split_state_ = 0.0;
    std::vector<float> bleed_;
};

}  // namespace stemglue
