// Oversampling by 1, 2, 4 or 8 through a cascade of linear-phase halfband FIR stages
// (Kaiser-windowed sinc, ~92 dB stopband). Stage k runs between 2^(k-1) fs and 2^k fs; the first
// stage is steep (pass 0.43 fs, stop 0.57 fs), later stages only guard the band the first passes.
#pragma once

#include <array>
#include <vector>

#include "stemglue/delay_line.h"
#include "stemglue/fir_filter.h"

namespace stemglue {

inline constexpr int kMaxOversamplingStages = 3;
inline constexpr std::array<int, kMaxOversamplingStages> kHalfbandTaps{95, 27, 19};  // each 4m + 3
inline constexpr double kHalfbandKaiserBeta = 10.06;                                 // 0.1102 * (100 dB - 8.7)

/** Modified Bessel function I0 by its power series (mirrored exactly in the reference). */
double bessel_i0(double x) noexcept;
/** Kaiser-windowed halfband lowpass: centre tap 0.5, every other tap exactly zero. */
std::vector<double> design_halfband(int num_taps, double kaiser_beta);

/** One 2x stage: polyphase upsampler and decimator sharing one halfband design. */
class HalfbandStage {
public:
    /** Allocate for inputs of up to max_low_rate_block samples at the lower rate. */
    void prepare(int num_taps, int max_low_rate_block);
    /** Clear all filter state. */
    void reset() noexcept;
    /** n samples at the low rate -> 2n at the high rate (gain 1). */
    void upsample(const float* in, float* out, int n) noexcept;
    /** 2n samples at the high rate -> n at the low rate. */
    void downsample(const float* in, float* out, int n) noexcept;

private:
    FirFilter up_even_;    // taps 2 h[2i]
    DelayLine up_odd_;     // odd phase is a pure delay (centre tap)
    FirFilter down_even_;  // taps h[2i]
    DelayLine down_odd_;
    std::vector<float> scratch_even_, scratch_odd_;
};

class Oversampler {
public:
    /** Allocate every stage so any factor can be chosen later without allocating. */
    void prepare(int max_block_size);
    /** Choose 1, 2, 4 or 8 and clear state. */
    void reset(int factor) noexcept;
    /** Upsample n input samples; returns the n * factor() samples (valid until the next call). */
    float* upsample(const float* in, int n) noexcept;
    /** Downsample n * factor() samples at the top rate into n output samples. */
    void downsample(const float* top_rate, float* out, int n) noexcept;

    /** Up + down group delay counted in top-rate samples (an integer for every factor). */
    int round_trip_delay_top_rate() const noexcept;

private:
    std::array<HalfbandStage, kMaxOversamplingStages> stages_;
    std::array<std::vector<float>, kMaxOversamplingStages + 1> buffers_;  // buffers_[k]: rate 2^k fs
    int num_stages_ = 0;
};

}  // namespace stemglue
