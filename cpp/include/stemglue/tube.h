// Tube: asymmetric triode-style saturation.
//
//   x -> [bloom envelope, at control ticks] -> oversample -> v = g x + bias -> ADAA shaper f(v) = v / sqrt(1 + v^2)
//     (first order at 1x, second order at 2x and up) -> minus the offset f(bias), level compensation
//     (both found at control ticks, ramped between)
//     -> droop post filter -> downsample
//     -> DC blocker -> loudness match (3 s) -> tone tilt -> output trim -> mix with the latency-aligned input
//
// The algebraic sigmoid is odd, so bias 0 gives odd harmonics only; bias moves the operating point
// for even harmonics. Bloom raises the bias and sags the gain on loud passages: its envelope (of the
// driven level's peak) steps at each control tick, and the shaper's coefficients are ramped from
// tick to tick; at 0 % the envelope holds. At 1x the shaper is ADAA1, in the closed form (v + v') / (sqrt(1 + v^2) + sqrt(1 + v'^2)):
// no division by v - v', so no ill-conditioned branch. ADAA1 delays by half a top-rate sample and
// droops by cos(w/2); the post filter P(w) = cos(w/2) sum_{j<3} sin(w/2)^(2j) (taps [1,-7,22,22,-7,1]/32)
// adds 2.5 samples so the total is an integer and flattens the droop (at 1x, to -14.5 dB at 20 kHz).
// With ADAA off the shaper is evaluated at the midpoint of v and v' so latency and frequency
// response are the same either way; only aliasing differs.
//
// At 2x and up the shaper is second-order ADAA, 2 (D(v, v') - D(v', v'')) / (v - v'') with D(a, b)
// the mean of F1 = sqrt(1 + v^2) over a step (three-point Gauss-Legendre), in double, with the
// limit (no division) where v'' is within a millionth of v. Its triangle kernel folds far less at the top
// rate: at 2x and 12 dB drive a full-scale 5 kHz sine's aliases below 16 kHz fall from -66 to -82
// dB (ADAA1's fold, not the halfband, set the -66). It is a sample late and, for small signals, the
// three samples' mean (1 + 2 cos w) / 3; the post filter sum_{j<3} ((4/3) sin(w/2)^2)^j (taps
// [1, -7, 21, -7, 1] / 9) adds 2 samples (the same total of 3) and leaves -1.1 dB at 20 kHz at 2x.
// At 1x that mean has a zero at fs/3, so 1x keeps ADAA1. Off, f is taken at the three samples' mean.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "stemglue/delay_line.h"
#include "stemglue/fir_filter.h"
#include "stemglue/module.h"
#include "stemglue/oversampler.h"

namespace stemglue {

class Tube final : public Module {
public:
    /** Delay of the wet and dry paths in samples; fixed between resets. */
    int latency_samples() const noexcept override { return latency_for_factor(static_cast<int>(oversampling_.value())); }
    /** The largest latency any oversampling factor can give. */
    int max_latency_samples() const noexcept override;

    /** The shaper's coefficients at a control tick (ramped between ticks). */
    struct ShaperCoefficients {
        double gain = 1.0, bias = 0.0, offset = 0.0, makeup = 1.0;
    };

private:
    void prepare_module() override;
    void reset_module() noexcept override;
    void process_chunk(AudioBlock block) noexcept override;
    static int latency_for_factor(int factor) noexcept;

    // A one-pole DC blocker's state, y = x - x' + pole y' (run by match_pair in tube.cpp).
    struct DcBlocker {
        double input = 0.0, output = 0.0;
    };

    struct Channel {
        Oversampler oversampler;
        FirFilter first_order_post, second_order_post;  // top rate: after ADAA1 (1x), ADAA2 (2x and up)
        DelayLine top_rate_pad;                         // makes the total delay a whole number of base samples
        DelayLine dry_delay;
        double envelope = 0.0, level_peak = 0.0;    // bloom: the envelope, the driven level's peak since the last tick
        ShaperCoefficients shaper_from, shaper_to;  // at the last two control ticks
        std::array<double, 3> shaper_found_for{};   // the drive gain, bias and bloom shaper_to is of
        double tilt_lowpass = 0.0;
        DcBlocker wet_dc, dry_dc;  // the dry's only for the loudness match
        // The loudness match: short-term powers and how settled they are, the time average of their
        // ratio's logarithm (sum, weight), the fading weight of its prior at unity, and whether the dry
        // was heard since the last control tick.
        double dry_power = 0.0, wet_power = 0.0, settled = 0.0, log_ratio_sum = 0.0, ratio_weight = 0.0, prior = 0.0;
        bool heard_since_tick = false;
        double trim_from = 1.0, trim_to = 1.0;  // the wet's trim at the last two control ticks
    };

    void match_loudness(int first, int second, int n) noexcept;

    ModuleParameter drive_db_{parameters_, "tube_drive_db"};
    ModuleParameter bias_{parameters_, "tube_bias"};
    ModuleParameter bloom_percent_{parameters_, "tube_bloom_percent"};
    ModuleParameter tone_db_{parameters_, "tube_tone_db"};
    ModuleParameter output_db_{parameters_, "tube_output_db"};
    ModuleParameter mix_percent_{parameters_, "tube_mix_percent"};
    ModuleParameter oversampling_{parameters_, "tube_oversampling"};
    ModuleParameter adaa_{parameters_, "tube_adaa"};

    std::vector<Channel> channels_;
    int factor_ = 1;

    double bloom_attack_coefficient_ = 0.0, bloom_release_coefficient_ = 0.0;
    double tilt_coefficient_ = 0.0, dc_pole_ = 0.0, match_short_ = 0.0, match_tick_average_ = 0.0, match_prior_weight_ = 1.0;

    // Per-sample values for the current chunk (base rate).
    std::vector<double> tilt_high_gain_;
    // The shaper's coefficients over the chunk's control intervals, per channel.
    struct ShaperRamp {
        int start = 0, end = 0, phase = 0;
        ShaperCoefficients from, to;
    };
    std::vector<ShaperRamp> shaper_ramps_;
    std::vector<double> matched_, lowpass_;  // the matched wet and the tilt's lowpass of it, per channel
    std::vector<float> dry_, wet_;           // per channel, max_block_size_ apart
    // Top rate. Per channel, shaper_v_ keeps the previous two samples in elements 0 and 1 and
    // shaper_root_ (1x only) the previous one in element 0; shaper_means_ is scratch (2x and up).
    std::vector<std::vector<float>> shaper_v_, shaper_root_;
    std::vector<double> shaper_means_;
    std::vector<float> top_offset_, top_makeup_;
};

}  // namespace stemglue
