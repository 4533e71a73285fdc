// The factory presets: named sets of values from the one parameter table, declared here once. The
// plugin's program list, its .vstpreset files, stemglue.presets() and `stemglue render --preset` all
// read this list (Python through parameter_table.json).
//
// A preset names only the values that differ from the table's defaults; every other parameter is at
// its default when the preset is loaded. It never sets what belongs to an instance rather than to a
// sound (bypass, seed, track id): loading a preset keeps them.
#pragma once

#include <array>
#include <string_view>

#include "stemglue/parameters.h"

namespace stemglue {

/** One parameter of a preset: its table index and plain value. */
struct PresetValue {
    int index = -1;
    double value = 0.0;
};

/** A table value for a preset; an id that is not in the table fails to compile. */
constexpr PresetValue set(std::string_view id, double value)
{
    const int index = parameter_index(id);
    return {index >= 0 ? index : throw "unknown parameter id in a preset", value};
}

inline constexpr int kMaxPresetValues = 24;

struct Preset {
    std::string_view name;         // stable, lower case: "cassette", "full mix"
    std::string_view category;     // "character" or "stem"
    std::string_view description;  // one line, with the physical reference it models
    std::array<PresetValue, kMaxPresetValues> values{};
    int num_values = 0;
};

/** A preset from its values (only those that differ from the defaults). */
template <size_t N>
constexpr Preset make_preset(std::string_view name, std::string_view category, std::string_view description,
                             const PresetValue (&values)[N])
{
    static_assert(N <= kMaxPresetValues, "raise kMaxPresetValues");
    Preset preset{name, category, description};
    for (size_t i = 0; i < N; ++i) preset.values[i] = values[i];
    preset.num_values = static_cast<int>(N);
    return preset;
}

/** The preset that is the table's defaults. */
constexpr Preset make_preset(std::string_view name, std::string_view category, std::string_view description)
{
    return Preset{name, category, description};
}

/** Whether presets leave a parameter as the instance has it (bypass, seed, track id). */
constexpr bool kept_by_presets(int index) noexcept
{
    const std::string_view id = kParameters[static_cast<size_t>(index)].id;
    return id == "bypass" || id == "seed" || id == "track_id";
}

// Levels: 0 VU (the tape's or console's reference level) sits at -18 dBFS, so a floor "65 dB below
// the reference" is -83 dB(A) here. Flutter figures are what a DIN/IEC weighted meter reads (2 sigma);
// wow and flutter are independent, so the meter reads about sqrt(wow^2 + flutter^2). The tube keeps
// loudness itself; where a preset's tone tilt still moved the demo mix's loudness by more than
// 0.5 LU (a tilt around 800 Hz is not loudness-neutral), tube_output_db (before the tape's noise, so
// the floor stays as described) brings it back near 0: an A/B should not be won by level.
// benchmarks/preset_figures.py measures all three for every preset.
// clang-format off
inline constexpr std::array kPresets = {
    // --- characters ---
    make_preset("clean glue", "character",
        "The defaults: a touch of tube, 0.06 % weighted wow and flutter, hiss at -84 dB(A), a small room at 15 %, 2:1 glue."),
    make_preset("studio tape 15 ips", "character",
        "A two-track at 15 ips: about 0.04 % weighted wow and flutter, hiss 65 dB below 0 VU (-83 dB(A)), gentle saturation.",
        {set("tube_drive_db", 9), set("tube_bias", 0.2), set("tube_bloom_percent", 20), set("tube_tone_db", -0.5),
         set("drift_wow_percent", 0.03), set("drift_wow_rate_hz", 0.8), set("drift_flutter_percent", 0.025),
         set("drift_flutter_rate_hz", 12), set("drift_tilt_db", 0.1), set("drift_stereo_link_percent", 95),
         set("noise_hiss_db", -83), set("noise_hiss_color", 0.3), set("noise_modulation_db", -60)}),
    make_preset("cassette", "character",
        "A cassette deck at 1 7/8 ips: about 0.15 % weighted flutter, hiss 56 dB below Dolby level (-74 dB(A)), darker top.",
        {set("tube_drive_db", 12), set("tube_bias", 0.4), set("tube_bloom_percent", 40), set("tube_tone_db", -4),
         set("tube_output_db", -1.9), set("drift_wow_percent", 0.12), set("drift_wow_rate_hz", 1.5),
         set("drift_flutter_percent", 0.09), set("drift_flutter_rate_hz", 10), set("drift_tilt_db", 0.5),
         set("drift_gain_db", 0.3), set("drift_stereo_link_percent", 60), set("noise_hiss_db", -74),
         set("noise_hiss_color", 0.3), set("noise_modulation_db", -54)}),
    make_preset("worn 4-track", "character",
        "A worn 4-track cassette portastudio at 3 3/4 ips: about 0.3 % weighted flutter, hiss at -62 dB(A), mains hum, dull top.",
        {set("tube_drive_db", 18), set("tube_bias", 0.5), set("tube_bloom_percent", 60), set("tube_tone_db", -6),
         set("tube_output_db", -2.9), set("drift_wow_percent", 0.25), set("drift_wow_rate_hz", 1.2),
         set("drift_flutter_percent", 0.18), set("drift_flutter_rate_hz", 7), set("drift_tilt_db", 0.8),
         set("drift_gain_db", 0.6), set("drift_time_s", 5), set("drift_stereo_link_percent", 50),
         set("noise_hiss_db", -62), set("noise_hiss_color", 0.2), set("noise_hum_db", -78), set("noise_buzz_percent", 30),
         set("noise_modulation_db", -48)}),
    make_preset("console", "character",
        "A tube console channel into a bus compressor, no tape, no room: drive 14 dB, 3:1 glue, a console floor at -90 dB(A).",
        {set("room_enabled", 0), set("drift_enabled", 0), set("tube_drive_db", 14), set("tube_bias", 0.4),
         set("tube_bloom_percent", 40), set("noise_hiss_db", -90), set("noise_hiss_color", 0.1), set("noise_room_db", -120),
         set("noise_modulation_db", -120), set("glue_threshold_db", -22), set("glue_ratio", 3), set("glue_attack_ms", 3)}),
    make_preset("live room", "character",
        "The band in a 14 m live room: RT60 1.2 s at 35 %, 12 ms predelay, room tone at -76 dB(A); bleed comes with Bleed.",
        {set("room_size_m", 14), set("room_rt60_s", 1.2), set("room_predelay_ms", 12), set("room_early_percent", 60),
         set("room_mix_percent", 35), set("room_source_x_percent", 20), set("noise_room_db", -76)}),

    // --- stem types ---
    make_preset("drums", "stem",
        "A kit in a 9 m room at 25 %: 4:1 glue with a 20 ms attack keeps the hits, detector high-passed at 100 Hz.",
        {set("room_size_m", 9), set("room_rt60_s", 0.8), set("room_predelay_ms", 3), set("room_early_percent", 65),
         set("room_mix_percent", 25), set("tube_drive_db", 9), set("drift_wow_percent", 0.02),
         set("glue_threshold_db", -20), set("glue_ratio", 4), set("glue_attack_ms", 20), set("glue_sidechain_hpf_hz", 100)}),
    make_preset("bass", "stem",
        "DI bass through a tube preamp: 12 dB drive for harmonics small speakers play, no room, slow 3:1 glue under the kick.",
        {set("room_enabled", 0), set("tube_drive_db", 12), set("tube_bias", 0.45), set("tube_bloom_percent", 45),
         set("drift_wow_percent", 0.03), set("drift_flutter_percent", 0.02), set("glue_ratio", 3),
         set("glue_attack_ms", 25), set("glue_sidechain_hpf_hz", 30)}),
    make_preset("synth", "stem",
        "Analog-synth drift: 0.15 % wow at 0.8 Hz like a slow LFO, left and right detuning apart, filter-like tilt wander.",
        {set("drift_wow_percent", 0.15), set("drift_wow_rate_hz", 0.8), set("drift_tilt_db", 0.5), set("drift_gain_db", 0.2),
         set("drift_time_s", 4), set("drift_stereo_link_percent", 40), set("tube_drive_db", 8), set("room_mix_percent", 12)}),
    make_preset("keys", "stem",
        "Electric piano or organ through a tube amp in a small room: drive 10 dB with bloom, 0.08 % wow, room at 20 %.",
        {set("tube_drive_db", 10), set("tube_bloom_percent", 50), set("drift_wow_percent", 0.08),
         set("room_size_m", 7), set("room_mix_percent", 20)}),
    make_preset("vocal", "stem",
        "A singer's pitch drift (0.1 % wow at 0.7 Hz) and a room tail: 10 m, RT60 1.0 s, 20 ms predelay, 20 %; fast 2:1 glue.",
        {set("drift_wow_percent", 0.1), set("drift_wow_rate_hz", 0.7), set("room_size_m", 10), set("room_rt60_s", 1),
         set("room_predelay_ms", 20), set("room_early_percent", 40), set("room_mix_percent", 20), set("tube_drive_db", 8),
         set("glue_attack_ms", 5), set("glue_release_ms", 200)}),
    make_preset("guitar", "stem",
        "An amp in a room: amp hiss at -70 dB(A) with 60 Hz hum, room air at -80 dB(A), a 6 m room at 20 %, 15 dB drive.",
        {set("tube_drive_db", 15), set("tube_bias", 0.5), set("tube_tone_db", 1), set("tube_output_db", 0.6),
         set("noise_hiss_db", -70),
         set("noise_hum_db", -85), set("noise_hum_hz", 60), set("noise_room_db", -80), set("room_size_m", 6),
         set("room_mix_percent", 20), set("room_early_percent", 70)}),
    make_preset("full mix", "stem",
        "Mix-bus glue: 2:1 from -14 dB with a 30 ms attack, detector high-passed at 100 Hz, 3 dB of tube, room at 5 %.",
        {set("tube_drive_db", 3), set("room_mix_percent", 5), set("glue_threshold_db", -14), set("glue_attack_ms", 30),
         set("glue_sidechain_hpf_hz", 100)}),
};
// clang-format on

inline constexpr int kNumPresets = static_cast<int>(kPresets.size());

/** Index of a preset by name, or -1. */
constexpr int preset_index(std::string_view name) noexcept
{
    for (int i = 0; i < kNumPresets; ++i)
        if (kPresets[static_cast<size_t>(i)].name == name) return i;
    return -1;
}

/** Every parameter's plain value under a preset; those presets keep (bypass, seed, track id) are
    left as `values` has them. No allocation: the plugin calls it on the audio thread. */
void apply_preset(const Preset& preset, std::array<double, kNumParameters>& values) noexcept;

}  // namespace stemglue
