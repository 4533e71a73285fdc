// GlueCompressor: a bus compressor after Giannoulis, Massberg & Reiss (JAES 2012).
//
//   sidechain   each channel through a 2nd-order Butterworth high-pass; the detector takes the
//               larger magnitude (stereo-linked), in dB
//   gain        static curve with a soft knee: y = x + (1/R - 1)(x - T + W/2)^2 / 2W inside it
//   smoothing   smooth decoupled peak detector on the gain reduction, log domain:
//               y1 = max(g, a_R y1 + (1 - a_R) g);  y = a_A y + (1 - a_A) y1
//   auto        two branches, fast (80 ms release) and slow (500 ms attack, 1.5 s release); the
//               larger wins, so recovery is quick after peaks and slow after sustained compression
//   auto makeup sqrt(<p> / <p g^2>): p the input power, g the compressor's gain, <> a 3 s one-pole
//               average (frozen while auto makeup is off; samples below -60 dBFS are gated out);
//               loudness-matched over seconds, the
//               dynamics within them left compressed. Its switch crossfades the factor with 1
//               over 20 ms (linear in the factor), the averages running until the fade out ends
//   output      makeup, then mix with the uncompressed input (parallel compression). No latency.
#pragma once

#include <cstdint>
#include <vector>

#include "stemglue/module.h"
#include "stemglue/ticked_power_ratio.h"

namespace stemglue {

class GlueCompressor final : public Module {
public:
    /** Plain-unit value for any row of the table; time constants and the sidechain filter follow at once. */
    void set_parameter(int index, double value) noexcept override;
    /** Gain reduction (dB, >= 0) after the last processed sample. */
    double gain_reduction_db() const noexcept { return gain_reduction_db_; }

private:
    void prepare_module() override;
    void reset_module() noexcept override;
    void process_chunk(AudioBlock block) noexcept override;
    void update_coefficients() noexcept;

    struct Channel {
        double x1 = 0, x2 = 0, y1 = 0, y2 = 0;  // sidechain high-pass state
    };
    struct Biquad {  // coefficients (detect runs a channel pair's as vector lanes)
        double b0 = 1, b1 = 0, b2 = 0, a1 = 0, a2 = 0;
    };
    struct Detector {  // coefficients per sample, and state (dB of gain reduction)
        double attack, release, slow_attack, slow_release;
        bool auto_release;
        double peak, smooth, slow;
    };
    struct Curve {  // the static curve's parameters, per sample
        const double *threshold, *ratio, *knee;
    };
    // The sidechain (each channel high-passed, the larger magnitude into level), the static curve
    // (into target) and the detector (into reduction) over a chunk. Static, so that it gets the
    // vector clones (and their registers) that a virtual function cannot have.
    static void detect(const float* const* x, int num_channels, Channel* channels, const Biquad& highpass, Curve curve,
                       Detector& detector, float* level, double* target, double* reduction, int n) noexcept;

    ModuleParameter threshold_db_{parameters_, "glue_threshold_db"};
    ModuleParameter ratio_{parameters_, "glue_ratio"};
    ModuleParameter knee_db_{parameters_, "glue_knee_db"};
    ModuleParameter attack_ms_{parameters_, "glue_attack_ms"};
    ModuleParameter release_ms_{parameters_, "glue_release_ms"};
    ModuleParameter auto_release_{parameters_, "glue_auto_release"};
    ModuleParameter highpass_hz_{parameters_, "glue_sidechain_hpf_hz"};
    ModuleParameter makeup_db_{parameters_, "glue_makeup_db"};
    ModuleParameter auto_makeup_{parameters_, "glue_auto_makeup"};
    ModuleParameter mix_percent_{parameters_, "glue_mix_percent"};

    std::vector<Channel> channels_;
    Biquad highpass_;
    double attack_ = 0.0, release_ = 0.0, fast_release_ = 0.0, slow_attack_ = 0.0, slow_release_ = 0.0;
    double peak_ = 0.0, smooth_ = 0.0, slow_peak_ = 0.0;  // detector states (dB of gain reduction)
    TickedPowerRatio makeup_;                             // auto makeup: sqrt(<p> / <p g^2>), capped
    double gain_reduction_db_ = 0.0;

    std::vector<float> level_, reduction_gain_, gain_;    // sidechain magnitude; compressor's gain; output gain (mixed)
    std::vector<double> target_, reduction_;              // static curve's reduction; detector's (dB)
    std::vector<double> power_, compressed_, automatic_;  // gated input power, compressed; auto makeup
};

}  // namespace stemglue
