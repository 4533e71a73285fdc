// Noise: the floor a recording chain adds, summed onto the input.
//
//   hiss        white and pink (first-order pole/zero pairs, two per decade from 20 Hz) noise crossfaded by
//               colour, scaled so its A-weighted RMS is the set level whatever the colour
//   hum         mains fundamental + transformer harmonics (wavetable), optional rectifier buzz at
//               twice the mains; its frequency (+-0.02 Hz, as a phase wander) and level (+-0.5 dB)
//               wander slowly; the same in every channel, as one mains feeds them all
//   room tone   noise falling 6 dB/octave above 60 Hz (rumble), level fluctuating +-1.5 dB (2 s),
//               heard noise_room_delay_ms late: one source in the room, each microphone at its distance
//   modulation  noise scaled by an envelope of the signal's peaks (tape modulation noise): 2 ms
//               attack, 40 ms release, stepped at control ticks and linear between
//
// Every draw is keyed by (seed, stream, timeline sample index), and the wanders and the hum's
// phase are pure functions of the timeline (smooth_random.h, timeline_clock.h): the floor never
// repeats, is block-size independent, is the same in C++ and Python, and playback started anywhere
// gives what a full render gives there. A filter (pink, room) that starts, at a seek or when its
// component is switched on, first runs over the draws of its own memory before that point (until
// its slowest pole has decayed by 120 dB), so its state is the full render's too. What a session shares (the mains'
// frequency wander, the room tone) is keyed by the seed; what a track owns (hiss, modulation
// noise, its hum's phase and level) by the seed and the track id. A component at its minimum
// level is off: it draws nothing and its filter (the modulation's: its envelope) does not advance
// (the others are unaffected, being keyed by index). All off, only the wanders' ticks are kept up.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "stemglue/module.h"
#include "stemglue/smooth_random.h"
#include "stemglue/timeline_clock.h"

namespace stemglue {

class Noise final : public Module {
public:
    int64_t tail_samples() const noexcept override;

    static constexpr int kPinkSections = 7;
    static constexpr int kHumTableSize = 4096;

private:
    void prepare_module() override;
    void reset_module() noexcept override;
    void seek_module() noexcept override;
    void process_chunk(AudioBlock block) noexcept override;

    // A cascade of first-order sections y = b0 x + b1 x' + a1 y' (pink shaping; the room's corner),
    // run in its parallel form: the partial fractions direct x + sum_k residue_k / (1 - pole_k z^-1),
    // one section per vector lane (8 lanes for the pink's seven, 1 for the room's one). The
    // cascade's seven dependent sections took ~100 instructions a sample; the lanes run side by
    // side, and lane-wise arithmetic is the same at any vector width.
    template <int kLanes>
    struct FirstOrderCascade {
        static_assert(kLanes == 1 || kLanes == 8);
        std::array<double, kPinkSections> b0{}, b1{}, a1{};  // the design
        // The parallel form, one section per lane, as plain doubles (noise.cpp's ParallelForm runs
        // them in vector registers; a vector member's alignment would differ between the clones).
        std::array<double, kLanes> pole{}, residue{}, state{};
        double direct = 1.0;  // (no sections: flat)
        int sections = 0;
        uint64_t memory_samples = 0;  // until the slowest pole has decayed by 120 dB
        bool running = false;         // false until it is warmed up at a position
        /** The parallel form of the designed sections (their poles must differ). */
        void finish_design() noexcept;
        void reset() noexcept;
        /** From rest, run over the keyed draws of its memory before position. */
        void warm_up(uint64_t key, uint64_t position) noexcept;
    };

    struct Channel {
        FirstOrderCascade<8> hiss_pink;
        FirstOrderCascade<1> room;
        SmoothRandom room_level;
        uint64_t hiss_white_key = 0, hiss_pink_key = 0, room_key = 0, modulation_key = 0;
        double envelope_from = 0.0, envelope_to = 0.0;      // the modulation's envelope at the last and next tick
        double signal_peak = 0.0;                           // the peak |x| since the last tick
        double room_level_from = 1.0, room_level_to = 1.0;  // wander gains at the last and next tick
        void evaluate_room_level(double seconds) noexcept;  // the next tick's, into room_level_to
    };

    void process_run(int first_channel, int num_channels, AudioBlock block, int start, int count, uint64_t room_offset,
                     const std::array<bool, 4>& sounding, bool humming) noexcept;  // sounding: white, pink, room, modulation
    // The wanders (room tone and hum levels, the mains frequency) move at the wander ticks
    // (kWanderTickSamples, smooth_random.h): a tick every 32 samples cost a sixth of the module.
    double tick_seconds(uint64_t tick) const noexcept { return static_cast<double>(tick) * (kWanderTickSamples / sample_rate_); }
    void evaluate_hum(uint64_t tick) noexcept;  // the hum's wanders at the next tick, into the *_to values

    ModuleParameter hiss_db_{parameters_, "noise_hiss_db"};
    ModuleParameter hiss_color_{parameters_, "noise_hiss_color"};
    ModuleParameter hum_db_{parameters_, "noise_hum_db"};
    ModuleParameter hum_hz_{parameters_, "noise_hum_hz"};
    ModuleParameter buzz_percent_{parameters_, "noise_buzz_percent"};
    ModuleParameter room_db_{parameters_, "noise_room_db"};
    ModuleParameter room_delay_ms_{parameters_, "noise_room_delay_ms"};
    ModuleParameter modulation_db_{parameters_, "noise_modulation_db"};
    ModuleParameter floor_db_{parameters_, "noise_floor_db"};
    ModuleParameter seed_{parameters_, "seed"};
    ModuleParameter track_id_{parameters_, "track_id"};

    std::vector<Channel> channels_;
    FirstOrderCascade<8> pink_design_;
    FirstOrderCascade<1> room_design_;
    double white_a_weighted_power_ = 1.0, pink_a_weighted_power_ = 1.0, room_a_weighted_power_ = 1.0;

    std::vector<double> hum_table_, buzz_table_;
    TimelineClock hum_clock_;  // the mains' nominal phase, cycles per sample
    SmoothRandom hum_frequency_, hum_level_;
    double hum_wander_from_ = 0.0, hum_wander_to_ = 0.0;     // phase wander (cycles) at the last and next tick
    double hum_level_from_ = 1.0, hum_level_to_ = 1.0;       // level wander gains
    double envelope_attack_ = 0.0, envelope_release_ = 0.0;  // per control tick

    std::vector<double> white_gain_, pink_gain_, hum_gain_, buzz_gain_, room_gain_, modulation_gain_, hum_wave_;
    int gains_held_ = 0;                          // after a chunk at rest: how many leading samples of every gain hold its [0]
    std::vector<double> wander_;                  // one channel's run: the room tone's level wander
    std::vector<double> pink_, room_, envelope_;  // two channels' runs, max_block_size_ apart
};

}  // namespace stemglue
