// Tube: asymmetric triode-style saturation.
//
//   x -> [bloom envelope] -> oversample -> v = g x + bias -> ADAA1 shaper f(v) = v / sqrt(1 + v^2)
//     -> minus f(bias), level compensation -> droop/half-sample post filter -> downsample
//     -> tone tilt -> DC blocker -> output trim -> mix with the latency-aligned input
//
// The algebraic sigmoid is odd, so bias 0 gives odd harmonics only; bias moves the operating point
// for even harmonics. Its ADAA1 has the closed form (v + v') / (sqrt(1 + v^2) + sqrt(1 + v'^2)):
// no division by v - v', so no ill-conditioned branch. ADAA1 delays by half a top-rate sample and
// droops by cos(w/2); the post filter P(w) = cos(w/2) sum_{j<3} sin(w/2)^(2j) (taps [1,-7,22,22,-7,1]/32)
// adds 2.5 samples so the total is an integer and flattens the droop (-0.45 dB at 20 kHz at 2x).
// With ADAA off the shaper is evaluated at the midpoint of v and v' so latency and frequency
// response are the same either way; only aliasing differs.
#pragma once

#include <cstdint>
#include <vector>

#include "stemglue/audio_block.h"
#include "stemglue/delay_line.h"
#include "stemglue/fir_filter.h"
#include "stemglue/oversampler.h"
#include "stemglue/smoother.h"

namespace stemglue {

class Tube {
public:
    Tube();

    /** Allocate for the stream; ends with reset(). */
    void prepare(double sample_rate, int max_block_size, int num_channels);
    /** Clear state, apply structural parameters (oversampling), snap smoothers. No allocation. */
    void reset() noexcept;
    /** Plain-unit value for a parameter of the table (index into kParameters); others are ignored. */
    void set_parameter(int index, double value) noexcept;
    /** Samples the output keeps sounding after the input stops (beyond the latency); -1 = never ends. */
    int64_t tail_samples() const noexcept { return 0; }
    /** Process in place; num_channels as prepared, any number of samples. */
    void process(AudioBlock block) noexcept;
    /** Delay of the wet and dry paths in samples; fixed between resets. */
    int latency_samples() const noexcept { return latency_samples_; }
    /** The largest latency any oversampling factor can give. */
    static int max_latency_samples() noexcept;

private:
    void process_chunk(AudioBlock block) noexcept;
    static int latency_for_factor(int factor) noexcept;

    struct Channel {
        Oversampler oversampler;
        FirFilter post_filter;  // top rate
        DelayLine top_rate_pad;  // makes the total delay a whole number of base samples
        DelayLine dry_delay;
        double envelope = 0.0;
        double tilt_lowpass = 0.0;
        double dc_input = 0.0, dc_output = 0.0;
    };

    double sample_rate_ = 48000.0;
    int max_block_size_ = 0;
    std::vector<Channel> channels_;

    LinearSmoother drive_db_, bias_, bloom_percent_, tone_db_, output_db_, mix_percent_;
    int factor_ = 1, pending_factor_ = 1;  // parameter: set from the table in the constructor
    bool adaa_ = true;
    int latency_samples_ = 0;

    double bloom_attack_coefficient_ = 0.0, bloom_release_coefficient_ = 0.0;
    double tilt_coefficient_ = 0.0, dc_pole_ = 0.0;

    // Per-sample values for the current chunk (base rate).
    std::vector<double> drive_gain_, bias_value_, bloom_amount_, tilt_low_gain_, tilt_high_gain_, output_gain_, mix_;
    std::vector<double> bloom_, shaper_gain_, shaper_bias_, shaper_offset_, makeup_;
    std::vector<float> dry_, wet_;
    // Top rate. shaper_v_ and shaper_root_ keep the previous sample in element 0, per channel.
    std::vector<std::vector<float>> shaper_v_, shaper_root_;
    std::vector<float> top_offset_, top_makeup_;
};

}  // namespace stemglue
