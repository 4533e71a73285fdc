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
//               average; loudness-matched over seconds, the dynamics within them left compressed
//   output      makeup, then mix with the uncompressed input (parallel compression). No latency.
#pragma once

#include <vector>

#include "stemglue/audio_block.h"
#include "stemglue/smoother.h"

namespace stemglue {

class GlueCompressor {
public:
    GlueCompressor();

    /** Allocate for the stream; ends with reset(). */
    void prepare(double sample_rate, int max_block_size, int num_channels);
    /** Clear the detector and filters; smoothers snap. No allocation. */
    void reset() noexcept;
    /** Plain-unit value for a parameter of the table (index into kParameters); others are ignored. */
    void set_parameter(int index, double value) noexcept;
    /** Process in place. */
    void process(AudioBlock block) noexcept;
    int latency_samples() const noexcept { return 0; }
    /** Gain reduction (dB, >= 0) after the last processed sample. */
    double gain_reduction_db() const noexcept { return gain_reduction_db_; }

private:
    void process_chunk(AudioBlock block) noexcept;
    void update_coefficients() noexcept;

    struct Channel {
        double x1 = 0, x2 = 0, y1 = 0, y2 = 0;  // sidechain high-pass state
    };
    struct Biquad {
        double b0 = 1, b1 = 0, b2 = 0, a1 = 0, a2 = 0;
        double step(Channel& z, double x) const noexcept
        {
            // The last term is the only one waiting on the previous output: a short recursion.
            const double y = (b0 * x + b1 * z.x1 + b2 * z.x2 - a2 * z.y2) - a1 * z.y1;
            z.x2 = z.x1;
            z.x1 = x;
            z.y2 = z.y1;
            z.y1 = y;
            return y;
        }
    };

    double sample_rate_ = 48000.0;
    int max_block_size_ = 0;
    std::vector<Channel> channels_;
    Biquad highpass_;
    double attack_ms_ = 0.0, release_ms_ = 0.0, highpass_hz_ = 0.0;  // parameters: set from the table in the constructor
    bool auto_release_ = false, auto_makeup_ = false;
    double attack_ = 0.0, release_ = 0.0, fast_release_ = 0.0, slow_attack_ = 0.0, slow_release_ = 0.0;
    double peak_ = 0.0, smooth_ = 0.0, slow_peak_ = 0.0;  // detector states (dB of gain reduction)
    double makeup_average_ = 0.0, input_power_ = 0.0, compressed_power_ = 0.0;  // auto makeup's averages
    double gain_reduction_db_ = 0.0;

    LinearSmoother threshold_db_, ratio_, knee_db_, makeup_db_, mix_percent_;
    std::vector<double> threshold_values_, ratio_values_, knee_values_, makeup_values_, mix_values_;
    std::vector<float> level_, gain_;           // sidechain magnitude; output gain (mixed)
    std::vector<double> target_, reduction_;    // static curve's reduction; detector's (dB)
    std::vector<double> power_, automatic_;     // input power; auto makeup (factor)
};

}  // namespace stemglue
