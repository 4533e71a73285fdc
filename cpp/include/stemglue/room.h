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
//              loss of interpolated delay modulation. The seed picks the two Hadamard rows the
//              outputs read (the listener); seed and track id pick the input's +-1/4 sign pattern,
//              so each track enters the seed's one tail through its own input vector. The outputs are scaled to the
//              diffuse level the reflections arrive at (4 pi c d_direct^2 / V of the direct energy
//              per second), so early and late lie on one exponential decay
//   output     early/late balance, width (mid/side); the dry stays at unity up to mix 50 % (the room
//              is added) and fades to pure wet at 100 %; then a loudness match sqrt(<in^2>/<out^2>)
//              (K-weighted, averages of 400 ms or RT60 / 2), applied as fully as the dry is present, so the
//              comb of early reflections on the dry does not change the loudness meters read
//
// The FDN runs in sub-blocks no longer than its shortest line, so each sub-block reads only
// the past: the matrix, rotations and writes vectorise across time.
//
// Changes while playing (RT60, damping, source position) glide over 20 ms from the sample they
// arrive at: the reflections crossfade from the old taps to the new (both read meanwhile), the
// tail's level moves along, and the lines' absorption (feed and pole) glides sample by sample, all
// on a smoothstep. A change during a glide waits for its end (a host's per-block ramp becomes glides
// back to back). At rest none of this runs: the output is what the fixed design gives.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "stemglue/module.h"
#include "stemglue/ticked_power_ratio.h"
#include "stemglue/weighting.h"

namespace stemglue {

class Room final : public Module {
public:
    static constexpr int kLines = 16;
    static constexpr int kMaxTaps = 62;  // image sources of order 1 to 3
    static constexpr int kDiffusers = 6;

    struct Tap {
        int delay_samples;
        float gain;
    };

    /** Plain-unit value for any row of the table; the geometry and decay glide to the new design. */
    void set_parameter(int index, double value) noexcept override;
    int64_t tail_samples() const noexcept override;

private:
    void prepare_module() override;
    void reset_module() noexcept override;
    void seek_module() noexcept override;
    void process_chunk(AudioBlock block) noexcept override;
    struct Reflections {
        std::array<std::array<Tap, kMaxTaps>, 2> taps{};
        std::array<int, 2> counts{};
        double late_level = 1.0;  // the tail's output gain: the diffuse field the reflections begin
    };

    void design_reflections(Reflections& into) const noexcept;
    void design_decay(double* feed, double* pole) const noexcept;
    void early_reflections(int n, bool heard) noexcept;
    void set_match_average() noexcept;  // the loudness match's time, from the RT60
    void start_crossfade() noexcept;    // from the reflections in use to the pending design
    void absorb_lines(const float* const* delayed, float* const* signals, int n) noexcept;
    void fill_rotations(int n) noexcept;
    void rotate_to(uint64_t tick, double modulation_percent) noexcept;
    void run_late(const float* input, int n) noexcept;

    // A ring buffer read and written a block at a time.
    struct Ring {
        std::vector<float> data;
        size_t mask = 0, write = 0;
        void allocate(size_t minimum);
        void clear() noexcept;
        void push(const float* samples, int n) noexcept;
        // The n samples from `back` before the write position in place, or null where they wrap.
        const float* span(int back, int n) const noexcept;
        // The next n samples to write in place (advance() then moves past them), or null where they wrap.
        float* next_span(int n) noexcept;
        void advance(int n) noexcept;
        // out[j] (+)= gain * sample written delay samples before the j-th of the last push of n
        void read(int delay, int n, float gain, float* out, bool accumulate) const noexcept;
        // out[j] = 0 + each tap's read(back + delay_samples, n, ...), tap after tap, four taps a pass
        void read_taps(const Tap* taps, int count, int back, int n, float* out) const noexcept;
    };

    ModuleParameter size_m_{parameters_, "room_size_m"};
    ModuleParameter rt60_s_{parameters_, "room_rt60_s"};
    ModuleParameter damping_{parameters_, "room_damping"};
    ModuleParameter predelay_ms_{parameters_, "room_predelay_ms"};
    ModuleParameter early_percent_{parameters_, "room_early_percent"};
    ModuleParameter width_percent_{parameters_, "room_width_percent"};
    ModuleParameter modulation_percent_{parameters_, "room_modulation_percent"};
    ModuleParameter mix_percent_{parameters_, "room_mix_percent"};
    ModuleParameter source_x_percent_{parameters_, "room_source_x_percent"};
    ModuleParameter source_y_percent_{parameters_, "room_source_y_percent"};
    ModuleParameter seed_{parameters_, "seed"};
    ModuleParameter track_id_{parameters_, "track_id"};

    Ring input_;                        // mono input: early reflections read it, the predelayed late input too
    Reflections reflections_;           // in use (faded to, while a crossfade runs)
    Reflections faded_from_, pending_;  // the crossfade's old taps; a change waiting for its end
    bool has_pending_ = false;
    int fade_samples_ = 1, fade_done_ = 1;  // crossfade length; samples of it done (= length: none runs)
    bool late_gain_ramped_ = false;         // this chunk's tail level is in late_gain_, per sample
    int predelay_samples_ = 0;

    std::array<Ring, kDiffusers> diffusers_;
    std::array<int, kDiffusers> diffuser_delays_{};
    std::array<Ring, kLines> lines_;
    std::array<int, kLines> line_delays_{};
    std::array<double, kLines> line_feed_{}, line_pole_{}, line_state_{};
    // A new decay: feed and pole glide from the values in use to the design over decay_glide_samples_;
    // a change during a glide waits (pending_feed_, pending_pole_) for its end.
    std::array<double, kLines> feed_from_{}, pole_from_{}, feed_to_{}, pole_to_{}, pending_feed_{}, pending_pole_{};
    int decay_glide_samples_ = 1, decay_glide_done_ = 1;
    bool decay_pending_ = false;
    std::array<float, kLines> input_signs_{};
    int left_row_ = 0, right_row_ = 1;
    std::array<double, kLines / 2> rotation_offset_{};  // cycles, seeded
    std::array<double, kLines / 2> cos_from_{}, sin_from_{}, cos_to_{}, sin_to_{};

    TickedPowerRatio match_;  // sqrt(<in^2> / <out^2>) of the K-weighted powers
    std::vector<double> input_power_, output_power_;
    std::array<SecondOrderSection, 2> k_weighting_{};
    std::vector<std::array<double, 4>> heard_in_, heard_out_;  // per channel, K filter: [section][z]

    const double* modulation_values_ = nullptr;  // this chunk's, for the rotations
    std::vector<float> mono_, predelayed_, early_left_, early_right_, late_left_, late_right_, diffuser_scratch_;
    std::vector<float> wet_mid_, wet_left_, wet_right_;
    std::vector<float> faded_scratch_, late_gain_;  // the old taps' reflections; the tail's gain
    std::vector<std::vector<float>> line_signals_;  // per line, one sub-block
    // The rotations over one chunk: from each tick (or the chunk's start) to the next, each pair's
    // cosine and sine as start + step (phase + j).
    struct RotationRamp {
        int start = 0, end = 0, phase = 0;
        std::array<float, kLines / 2> cos_start{}, cos_step{}, sin_start{}, sin_step{};
    };
    std::vector<RotationRamp> ramps_;
    int ramp_count_ = 0;
};

}  // namespace stemglue
