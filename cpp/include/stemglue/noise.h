// Noise: the floor a recording chain adds, summed onto the input.
//
//   hiss        white and pink (first-order pole/zero pairs, two per decade) noise crossfaded by
//               colour, scaled so its A-weighted RMS is the set level whatever the colour
//   hum         mains fundamental + transformer harmonics (wavetable), optional rectifier buzz at
//               twice the mains; its frequency (+-0.02 Hz) and level (+-0.5 dB) wander slowly;
//               the same in every channel, as one mains feeds them all
//   room tone   noise falling 6 dB/octave above 60 Hz (rumble), level fluctuating +-1.5 dB (2 s)
//   modulation  noise scaled by an envelope of the signal (tape modulation noise)
//
// Every draw is keyed by (seed, stream, sample index since reset): the floor never repeats, is
// block-size independent, and is the same in C++ and Python. A component at its minimum level
// is off and draws nothing (the others are unaffected, being keyed by index).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "stemglue/audio_block.h"
#include "stemglue/ou_process.h"
#include "stemglue/smoother.h"

namespace stemglue {

class Noise {
public:
    Noise();

    /** Allocate for the stream; ends with reset(). */
    void prepare(double sample_rate, int max_block_size, int num_channels);
    /** Restart every random stream and filter; the seed takes effect here. No allocation. */
    void reset() noexcept;
    /** Plain-unit value for a parameter of the table (index into kParameters), including the global
     *  seed (applied at reset); others are ignored. */
    void set_parameter(int index, double value) noexcept;
    /** Samples the output keeps sounding after the input stops (beyond the latency); -1 = never ends. */
    int64_t tail_samples() const noexcept;
    /** Add the floor to the block in place. */
    void process(AudioBlock block) noexcept;
    int latency_samples() const noexcept { return 0; }

    static constexpr int kPinkSections = 9;
    static constexpr int kHumTableSize = 4096;

private:
    void process_chunk(AudioBlock block) noexcept;

    // A cascade of first-order sections y = b0 x + b1 x' + a1 y' (pink shaping; the room's corner).
    struct FirstOrderCascade {
        std::array<double, kPinkSections> b0{}, b1{}, a1{}, x1{}, y1{};
        int sections = 0;
        double process(double x) noexcept;
        void reset() noexcept;
    };

    struct Channel {
        FirstOrderCascade hiss_pink, room;
        OrnsteinUhlenbeck room_level;
        uint64_t hiss_white_key = 0, hiss_pink_key = 0, room_key = 0, modulation_key = 0;
        double envelope = 0.0;
        double room_level_from = 1.0, room_level_to = 1.0;  // wander gains at the last and next tick
    };

    double sample_rate_ = 48000.0;
    int max_block_size_ = 0;
    uint64_t seed_ = 1;
    uint64_t position_ = 0;  // samples since reset
    std::vector<Channel> channels_;
    FirstOrderCascade pink_design_, room_design_;
    double white_a_weighted_power_ = 1.0, pink_a_weighted_power_ = 1.0, room_a_weighted_power_ = 1.0;

    std::vector<double> hum_table_, buzz_table_;
    OrnsteinUhlenbeck hum_frequency_, hum_level_;
    double hum_phase_ = 0.0;
    double hum_frequency_from_ = 0.0, hum_frequency_to_ = 0.0;  // unit wander at the last and next tick
    double hum_level_from_ = 1.0, hum_level_to_ = 1.0;          // level wander gains
    double hum_hz_ = 0.0;  // parameter: set from the table in the constructor
    double envelope_attack_ = 0.0, envelope_release_ = 0.0;

    LinearSmoother hiss_db_, hiss_color_, hum_db_, buzz_percent_, room_db_, modulation_db_, floor_db_;
    std::vector<double> hiss_level_, hiss_color_values_, floor_gain_;  // smoothed parameters, per sample
    std::vector<double> white_gain_, pink_gain_, hum_gain_, buzz_gain_, room_gain_, modulation_gain_, hum_wave_;
};

}  // namespace stemglue
