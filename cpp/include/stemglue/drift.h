// Drift: analog speed and tone instability.
//
//   speed     one modulated delay line carries wow and flutter. Wow is a sine displacement at f
//             whose depth wanders (+-10 %) and whose phase wanders so its rate moves by +-10 %
//             (smooth random, 1 s); flutter is a capstan-like f/2f/3f series with speed amplitudes
//             230:80:99. Depths are set in the units of a weighted flutter meter (2 sigma, 4 Hz
//             weighting), so a meter reads the setting. The wow's depth and rate glide to a new
//             setting over about a second, as a transport's speed would.
//   tone      a slow random tilt around 800 Hz and a slow random gain (knots drift_time_s apart).
//   stereo    one shared oscillator set; each channel offsets its phases by (1 - link) times its
//             own wandering offset (0.5 cycle, 4 s), so every channel keeps the exact depth while
//             unlinked channels drift in and out of phase; each hears
//             link * shared + sqrt(1 - link^2) * own of every Gaussian wander (depth, tilt, gain).
//
// Every source is a pure function of the timeline's ticks (smooth_random.h, timeline_clock.h), so
// playback started anywhere gives the modulation a full render gives there. The delay is computed
// every kControlInterval samples; the wanders moving over seconds (the wow's rate and depth, each
// channel's phase offset, the tone) every kWanderTickSamples, each linear in between. The delay is
// read with the chain's windowed-sinc interpolator (sinc_interpolator.h). At their minimum the components cost
// nothing: a transport at rest reads its whole-sample delay as a copy, and over an interval whose
// tilt is 0 dB the tilt's lowpass holds and the read passes, times the level.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "stemglue/module.h"
#include "stemglue/sinc_interpolator.h"
#include "stemglue/smooth_random.h"
#include "stemglue/timeline_clock.h"

namespace stemglue {

class Drift final : public Module {
public:
    /** The centre delay: room for the largest displacement either way plus the interpolator. */
    int latency_samples() const noexcept override { return latency_samples_; }

    static constexpr double kMaxDisplacementSeconds = 0.010;

private:
    // The wanders move at the wander ticks: at every control tick the tone's cost Drift an eighth,
    // the motion's (splines and their square roots) a tenth.
    static constexpr int kTicksPerWanderTick = kWanderTickSamples / kControlInterval;
    void prepare_module() override;
    void reset_module() noexcept override;
    void seek_module() noexcept override;
    void process_chunk(AudioBlock block) noexcept override;
    double wow_speed(size_t j) noexcept;
    void advance_controls(uint64_t tick, size_t j) noexcept;
    void evaluate_motion(uint64_t tick, size_t j) noexcept;          // every channel's delay_to at a control tick
    void evaluate_wanders(uint64_t wander_tick, size_t j) noexcept;  // every wander's *_to at a wander tick
    // The tone wander's knots per wander tick.
    double tone_clock_rate() const noexcept { return kWanderTickSamples / sample_rate_ / time_s_.value(); }

    // Source 0 is shared (the transport's rate and depth wander); a channel's source holds its own
    // phase-offset and depth wander. Every source has its own tilt and gain wander.
    struct Source {
        SmoothRandom wow_rate, wow_depth, tilt, gain, phase;
    };

    struct Channel {
        std::vector<float> history;  // [history | block], reads reach back 2 * latency + taps
        // The delay (samples) at the last and the next control tick.
        double delay_from = 0, delay_to = 0;
        // At the last and the next wander tick: the wow's depth wander (mixed with the shared, not
        // yet clamped), the phase offset (cycles), the tilt's low gain and the level.
        double depth_from = 0, depth_to = 0, offset_from = 0, offset_to = 0, low_from = 1, low_to = 1, level_from = 1,
               level_to = 1;
        double tilt_lowpass = 0.0;
    };

    /** One or two channels' samples [first, first + count) of a control interval (first counted
     *  from its tick, wander_first from the last wander tick), read through now[c] (channel c's history
     *  there) into out[c], the delay, tilt gain and level gliding linearly between their ticks'
     *  values; vector clones where the CPU has them. */
    static void read_interval(const SincInterpolator& interpolator, Channel* channels, int num_channels, const float* const* now,
                              float* const* out, int first, int wander_first, int count, double tilt_coefficient) noexcept;

    ModuleParameter wow_percent_{parameters_, "drift_wow_percent"};
    ModuleParameter wow_rate_hz_{parameters_, "drift_wow_rate_hz"};
    ModuleParameter flutter_percent_{parameters_, "drift_flutter_percent"};
    ModuleParameter flutter_rate_hz_{parameters_, "drift_flutter_rate_hz"};
    ModuleParameter tilt_db_{parameters_, "drift_tilt_db"};
    ModuleParameter gain_db_{parameters_, "drift_gain_db"};
    ModuleParameter time_s_{parameters_, "drift_time_s"};
    ModuleParameter link_percent_{parameters_, "drift_stereo_link_percent"};
    ModuleParameter seed_{parameters_, "seed"};
    ModuleParameter track_id_{parameters_, "track_id"};

    int latency_samples_ = 0;
    int history_ = 0;
    std::vector<Source> sources_;  // [shared, channel 0, channel 1, ...]
    std::vector<Channel> channels_;
    SincInterpolator interpolator_;
    double tilt_coefficient_ = 0.0;
    // Oscillator phases (cycles) per control tick, and the tone wander's time (knot spacings) per wander tick.
    TimelineClock wow_clock_, flutter_clock_, tone_clock_;
    double rate_wander_from_ = 0.0, rate_wander_to_ = 0.0;  // the shared wow rate wander at the last and the next wander tick
    std::array<double, 3> flutter_offset_cosines_{}, flutter_offset_sines_{};  // of each harmonic's phase offset
    // The wow's speed amplitude and rate, gliding to the settings (coefficient per tick).
    double glided_wow_speed_ = 0.0, glided_wow_rate_hz_ = 1.0, wow_glide_ = 0.0;
    // Weighted RMS per unit of wow and of flutter, cached per rate (recomputed when a rate moves).
    double normalised_wow_rate_ = 0.0, wow_rms_ = 1.0, normalised_flutter_rate_ = 0.0, flutter_rms_ = 1.0;

    std::array<double, 7> primed_{};  // the values in effect at a seek
    // Smoothed parameters for the current chunk (or primed_).
    const double *wow_percent_values_ = nullptr, *wow_rate_values_ = nullptr, *flutter_percent_values_ = nullptr,
                 *flutter_rate_values_ = nullptr, *tilt_values_ = nullptr, *gain_values_ = nullptr, *link_values_ = nullptr;
};

}  // namespace stemglue
