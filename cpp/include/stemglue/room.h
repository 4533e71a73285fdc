// Room: a shared space, added to the dry signal (which gets no extra delay).
//
//   geometry   a shoebox: length room_size_m, width 0.72x, height 0.38x (at least 2.4 m); listener
//              at (62 %, 50 %) with two mics 0.2 m apart; source at (room_source_x, _y); walls
//              absorb alpha = 24 ln10 V / (c S RT60) (Sabine), reflecting sqrt(1 - alpha)
//   early      image sources up to order 3 (Allen & Berkley) per mic: delay (d - d_direct) / c +
//              predelay, gain beta^order d_direct / d, as taps on the mono input
//   late       16-line FDN: prime delays 0.35 to 1.65 x (12 ms + 2.5 ms per metre of room);
//              Hadamard feedback; per-line one-pole absorption exact at DC (RT60) and Nyquist
//              (damping * RT60); 6 short series allpasses (g 0.6) diffuse the input; pairs of
//              lines rotate slowly after the Hadamard, so the matrix stays unitary (contractive
//              by < 1e-6 between angle updates) and the tail moves without the high-frequency
//              loss of interpolated delay modulation. The seed picks
//              the input's +-1/4 sign pattern and the two Hadamard rows the outputs read: each
//              seed is another source/listener pair in the same room
//   output     early/late balance, width (mid/side); the dry stays at unity up to mix 50 % (the room
//              is added) and fades to pure wet at 100 %; then a loudness match sqrt(<in^2>/<out^2>)
//              (1 s averages), applied as fully as the dry is present, so the comb of early
//              reflections on the dry does not change the loudness
//
// The FDN runs in sub-blocks no longer than its shortest line, so each sub-block reads only
// the past: the matrix, rotations and writes vectorise across time.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "stemglue/audio_block.h"
#include "stemglue/smoother.h"

namespace stemglue {

class Room {
public:
    static constexpr int kLines = 16;
    static constexpr int kMaxTaps = 62;  // image sources of order 1 to 3
    static constexpr int kDiffusers = 6;

    struct Tap {
        int delay_samples;
        float gain;
    };

    Room();

    /** Allocate for the stream (for the largest room and predelay); ends with reset(). */
    void prepare(double sample_rate, int max_block_size, int num_channels);
    /** Clear the room; the size, predelay and seed take effect here. No allocation. */
    void reset() noexcept;
    /** Plain-unit value for a parameter of the table, including the seed; others are ignored. */
    void set_parameter(int index, double value) noexcept;
    /** Process in place. */
    void process(AudioBlock block) noexcept;
    int latency_samples() const noexcept { return 0; }

private:
    void process_chunk(AudioBlock block) noexcept;
    void design_reflections() noexcept;
    void design_decay() noexcept;
    void fill_rotations(int n) noexcept;
    void run_late(const float* input, int n) noexcept;

    // A ring buffer read and written a block at a time.
    struct Ring {
        std::vector<float> data;
        size_t mask = 0, write = 0;
        void allocate(size_t minimum);
        void clear() noexcept;
        void push(const float* samples, int n) noexcept;
        // out[j] (+)= gain * sample written delay samples before the j-th of the last push of n
        void read(int delay, int n, float gain, float* out, bool accumulate) const noexcept;
    };

    double sample_rate_ = 48000.0;
    int max_block_size_ = 0;
    int num_channels_ = 0;
    uint64_t seed_ = 1;
    uint64_t position_ = 0;

    // Parameters: set from the table in the constructor.
    double size_m_ = 0.0, pending_size_m_ = 0.0, rt60_s_ = 0.0, damping_ = 0.0;
    double predelay_ms_ = 0.0, pending_predelay_ms_ = 0.0, source_x_ = 0.0, source_y_ = 0.0;

    Ring input_;  // mono input: early reflections read it, the predelayed late input too
    std::array<std::array<Tap, kMaxTaps>, 2> taps_{};
    std::array<int, 2> tap_counts_{};
    int predelay_samples_ = 0;

    std::array<Ring, kDiffusers> diffusers_;
    std::array<int, kDiffusers> diffuser_delays_{};
    std::array<Ring, kLines> lines_;
    std::array<int, kLines> line_delays_{};
    std::array<double, kLines> line_feed_{}, line_pole_{}, line_state_{};
    std::array<float, kLines> input_signs_{};
    int left_row_ = 0, right_row_ = 1;
    std::array<double, kLines / 2> rotation_rate_hz_{}, rotation_phase_{};
    std::array<double, kLines / 2> cos_from_{}, sin_from_{}, cos_to_{}, sin_to_{};

    double match_average_ = 0.0, average_input_power_ = 0.0, average_output_power_ = 0.0;  // loudness match
    std::vector<double> input_power_, output_power_;

    LinearSmoother early_percent_, width_percent_, modulation_percent_, mix_percent_;
    std::vector<double> early_values_, width_values_, modulation_values_, mix_values_;
    std::vector<float> mono_, predelayed_, early_left_, early_right_, late_left_, late_right_, diffuser_scratch_;
    std::vector<float> wet_mid_, wet_left_, wet_right_;
    std::vector<std::vector<float>> line_signals_;     // per line, one sub-block
    std::vector<std::vector<float>> cosines_, sines_;  // per line pair, one chunk
};

}  // namespace stemglue
