// Drift: analog speed and tone instability.
//
//   speed     one modulated delay line carries wow and flutter. Wow is a sine speed deviation whose
//             rate (+-10 %) and depth (+-10 %) wander (Ornstein-Uhlenbeck, 1 s), integrated (with
//             a 10 s leak) into the delay; flutter is a capstan-like
//             f/2f/3f series with speed amplitudes 230:80:99. Depths are set in the units of a
//             weighted flutter meter (2 sigma, 4 Hz weighting), so a meter reads the setting.
//   tone      a slow random tilt around 800 Hz and a slow random gain (OU, drift_time_s).
//   stereo    one shared oscillator set; each channel offsets its phases by (1 - link) times its
//             own slowly wandering offset (OU, 0.5 cycle, 4 s), so every channel keeps the exact
//             depth while unlinked channels drift in and out of phase; each hears
//             link * shared + sqrt(1 - link^2) * own of every Gaussian wander (depth, tilt, gain).
//
// Sources update every kControlInterval samples (keyed by tick index) and are interpolated
// linearly in between. The delay is read with a 16-tap Kaiser-windowed sinc (512 phases, linear
// between phases, every phase normalised to unity DC gain); whole-sample delays read exactly.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "stemglue/module.h"
#include "stemglue/ou_process.h"

namespace stemglue {

class Drift final : public Module {
public:
    /** The centre delay: room for the largest displacement either way plus the interpolator. */
    int latency_samples() const noexcept override { return latency_samples_; }

    static constexpr double kMaxDisplacementSeconds = 0.010;
    static constexpr int kInterpolatorTaps = 16;
    static constexpr int kInterpolatorPhases = 512;

private:
    void prepare_module() override;
    void reset_module() noexcept override;
    void seek_module() noexcept override;
    void process_chunk(AudioBlock block) noexcept override;
    void tick(size_t position_in_chunk) noexcept;

    // Source 0 is shared: its phases run and its rate wanders. A channel's source holds its own
    // phase-offset, depth, tilt and gain wander.
    struct Source {
        double wow_phase = 0.0, flutter_phase = 0.0;  // cycles
        std::array<double, 3> flutter_offsets{};      // cycles, per harmonic (shared source)
        OrnsteinUhlenbeck wow_rate, wow_depth, tilt, gain, phase;
    };

    struct Channel {
        std::vector<float> history;  // [history | block], reads reach back 2 * latency + taps
        // Interpolated between the last and next tick: delay (samples), tilt gains, level.
        double delay_from = 0, delay_to = 0, low_from = 1, low_to = 1, level_from = 1, level_to = 1;
        double tilt_lowpass = 0.0;
        double wow_displacement_s = 0.0;  // integral of the wow speed (leaky)
    };

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
    std::vector<float> kernel_;  // (phases + 1) x taps
    double tilt_coefficient_ = 0.0;
    double applied_time_s_ = 0.0;
    // Weighted RMS per unit of wow and of flutter, cached per rate (recomputed when a rate moves).
    double normalised_wow_rate_ = 0.0, wow_rms_ = 1.0, normalised_flutter_rate_ = 0.0, flutter_rms_ = 1.0;
    double wow_leak_ = 1.0;

    std::array<double, 7> primed_{};  // the values in effect at a seek, for the priming tick
    // Smoothed parameters for the current chunk (or primed_).
    const double *wow_percent_values_ = nullptr, *wow_rate_values_ = nullptr, *flutter_percent_values_ = nullptr,
                 *flutter_rate_values_ = nullptr, *tilt_values_ = nullptr, *gain_values_ = nullptr, *link_values_ = nullptr;
};

}  // namespace stemglue
