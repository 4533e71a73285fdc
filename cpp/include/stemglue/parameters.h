// The one parameter table. Every parameter of every module is declared here, once; the Python API
// (stemglue.parameters()), the reference implementation, the VST3 controller, presets and the CLI
// all read it. Ids are stable snake_case strings with a unit suffix; never rename one.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace stemglue {

enum class ParameterKind : int {
    continuous,  // any value in [min, max]
    toggle,      // 0 or 1
    integer,     // whole numbers in [min, max]
    choice,      // one of choice_values
};

enum class ParameterTiming : int {
    smoothed,   // glides to a new value over smoothing_ms
    immediate,  // jumps at the sample it is set
    on_reset,   // structural (changes latency): takes effect at the next reset()
};

struct ParameterSpec {
    std::string_view id;      // stable, snake_case, unit suffix
    std::string_view name;    // shown to users and hosts
    std::string_view unit;    // "dB", "%", "x", "" ...
    std::string_view module;  // "global" or the module that owns it
    ParameterKind kind;
    double min_value;
    double max_value;
    double default_value;
    double skew_center;  // plain value at normalized 0.5 (the midpoint means a linear mapping)
    double smoothing_ms;
    ParameterTiming timing;
    std::array<double, 4> choice_values;  // for kind == choice, the first num_choices entries
    int num_choices;
    std::string_view description;
};

inline constexpr std::array<double, 4> kNoChoices{};

// clang-format off
inline constexpr std::array kParameters = {
    // --- global (the whole chain) ---
    ParameterSpec{"bypass", "Bypass", "", "global", ParameterKind::toggle, 0, 1, 0, 0.5, 10.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Output the latency-aligned dry input (crossfaded over 10 ms)."},
    ParameterSpec{"seed", "Seed", "", "global", ParameterKind::integer, 0, 99999, 1, 49999.5, 0.0,
                  ParameterTiming::on_reset, kNoChoices, 0,
                  "Key of all randomness: the same seed gives the same performance everywhere."},
    ParameterSpec{"track_id", "Track ID", "", "global", ParameterKind::integer, 0, 999999, 0, 499999.5, 0.0,
                  ParameterTiming::on_reset, kNoChoices, 0,
                  "Key of what each track owns (hiss, hum phase, tolerances); a new plugin instance draws its own."},
    ParameterSpec{"mix_percent", "Mix", "%", "global", ParameterKind::continuous, 0, 100, 100, 50, 20.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Blend of the processed chain with the latency-aligned dry input."},
    ParameterSpec{"output_gain_db", "Output Gain", "dB", "global", ParameterKind::continuous, -24, 24, 0, 0, 20.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Final level after the mix."},
    ParameterSpec{"tube_enabled", "Tube Enabled", "", "global", ParameterKind::toggle, 0, 1, 1, 0.5, 10.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Tube stage on/off (crossfaded; the chain latency does not change)."},
    ParameterSpec{"drift_enabled", "Drift Enabled", "", "global", ParameterKind::toggle, 0, 1, 1, 0.5, 10.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Drift stage on/off (crossfaded; the chain latency does not change)."},
    ParameterSpec{"noise_enabled", "Noise Enabled", "", "global", ParameterKind::toggle, 0, 1, 1, 0.5, 10.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Noise floor on/off (crossfaded)."},
    ParameterSpec{"room_enabled", "Room Enabled", "", "global", ParameterKind::toggle, 0, 1, 1, 0.5, 10.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Shared room on/off (crossfaded)."},
    ParameterSpec{"glue_enabled", "Glue Enabled", "", "global", ParameterKind::toggle, 0, 1, 1, 0.5, 10.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Glue compressor on/off (crossfaded)."},

    // --- tube ---
    ParameterSpec{"tube_drive_db", "Tube Drive", "dB", "tube", ParameterKind::continuous, -12, 36, 6, 12, 20.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Gain into the triode curve; 0 dB puts a full-scale peak at the knee."},
    ParameterSpec{"tube_bias", "Tube Bias", "", "tube", ParameterKind::continuous, 0, 1, 0.3, 0.5, 20.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Operating-point offset: 0 is symmetric (odd harmonics only), higher gives even harmonics."},
    ParameterSpec{"tube_bloom_percent", "Tube Bloom", "%", "tube", ParameterKind::continuous, 0, 100, 30, 50, 20.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Program-dependent bias shift and sag: loud passages get more asymmetry and a little less gain."},
    ParameterSpec{"tube_tone_db", "Tube Tone", "dB", "tube", ParameterKind::continuous, -12, 12, 0, 0, 20.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Spectral tilt after the tube around 800 Hz: positive is brighter."},
    ParameterSpec{"tube_output_db", "Tube Output", "dB", "tube", ParameterKind::continuous, -24, 24, 0, 0, 20.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Trim of the tube's wet signal, after automatic level compensation."},
    ParameterSpec{"tube_mix_percent", "Tube Mix", "%", "tube", ParameterKind::continuous, 0, 100, 100, 50, 20.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Blend of the tube's wet signal with its latency-aligned input."},
    ParameterSpec{"tube_oversampling", "Tube Oversampling", "x", "tube", ParameterKind::choice, 1, 8, 2, 4.5, 0.0,
                  ParameterTiming::on_reset, {1, 2, 4, 8}, 4,
                  "Oversampling factor (linear-phase halfbands); sets the latency."},
    ParameterSpec{"tube_adaa", "Tube ADAA", "", "tube", ParameterKind::toggle, 0, 1, 1, 0.5, 0.0,
                  ParameterTiming::immediate, kNoChoices, 0,
                  "First-order antiderivative antialiasing (same latency and frequency response either way)."},

    // --- drift (depths are what a weighted flutter meter reads: 2 sigma, 4 Hz weighting) ---
    ParameterSpec{"drift_wow_percent", "Drift Wow", "%", "drift", ParameterKind::continuous, 0, 0.5, 0.05, 0.1, 50.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Slow speed wander whose rate and depth themselves wander; weighted peak (2 sigma) in percent."},
    ParameterSpec{"drift_wow_rate_hz", "Drift Wow Rate", "Hz", "drift", ParameterKind::continuous, 0.5, 3, 1, 1.2, 50.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Centre rate of the wow; it wanders about 10 % around it."},
    ParameterSpec{"drift_flutter_percent", "Drift Flutter", "%", "drift", ParameterKind::continuous, 0, 0.3, 0.03, 0.06, 50.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Faster, harmonic speed modulation (capstan-like, harmonics 230:80:99); weighted peak (2 sigma) in percent."},
    ParameterSpec{"drift_flutter_rate_hz", "Drift Flutter Rate", "Hz", "drift", ParameterKind::continuous, 4, 20, 8, 9, 50.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Fundamental rate of the flutter."},
    ParameterSpec{"drift_tilt_db", "Drift Tilt", "dB", "drift", ParameterKind::continuous, 0, 1, 0.2, 0.5, 50.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Slow random spectral tilt around 800 Hz, 2 sigma in dB."},
    ParameterSpec{"drift_gain_db", "Drift Gain", "dB", "drift", ParameterKind::continuous, 0, 1, 0.1, 0.5, 50.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Slow random level wander, 2 sigma in dB."},
    ParameterSpec{"drift_time_s", "Drift Time", "s", "drift", ParameterKind::continuous, 1, 30, 8, 6, 0.0,
                  ParameterTiming::immediate, kNoChoices, 0,
                  "Time constant of the tilt and level wander."},
    ParameterSpec{"drift_stereo_link_percent", "Drift Stereo Link", "%", "drift", ParameterKind::continuous, 0, 100, 80, 50,
                  50.0, ParameterTiming::smoothed, kNoChoices, 0,
                  "How much left and right drift together (100: one machine; 0: independent)."},

    // --- noise (levels are RMS dBFS; the minimum switches a component off) ---
    ParameterSpec{"noise_hiss_db", "Noise Hiss", "dB", "noise", ParameterKind::continuous, -120, -40, -84, -80, 20.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Hiss level, A-weighted RMS dBFS."},
    ParameterSpec{"noise_hiss_color", "Noise Hiss Color", "", "noise", ParameterKind::continuous, 0, 1, 0.5, 0.5, 20.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "0 white (flat), 1 pink (-10 dB per decade); the A-weighted level stays as set."},
    ParameterSpec{"noise_hum_db", "Noise Hum", "dB", "noise", ParameterKind::continuous, -120, -40, -100, -80, 20.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Mains hum: RMS dBFS of the fundamental line; harmonics follow a transformer recipe."},
    ParameterSpec{"noise_hum_hz", "Noise Hum Frequency", "Hz", "noise", ParameterKind::choice, 50, 60, 50, 55, 0.0,
                  ParameterTiming::immediate, {50, 60}, 2,
                  "Mains frequency; it wanders by a few hundredths of a hertz."},
    ParameterSpec{"noise_buzz_percent", "Noise Buzz", "%", "noise", ParameterKind::continuous, 0, 100, 10, 50, 20.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Rectifier buzz (harmonics of twice the mains); 100 % matches the fundamental's level."},
    ParameterSpec{"noise_room_db", "Noise Room Tone", "dB", "noise", ParameterKind::continuous, -120, -40, -90, -80, 20.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Room tone: low-weighted noise with a slow level fluctuation; A-weighted RMS dBFS."},
    ParameterSpec{"noise_modulation_db", "Noise Modulation", "dB", "noise", ParameterKind::continuous, -120, -30, -66, -75,
                  20.0, ParameterTiming::smoothed, kNoChoices, 0,
                  "Tape modulation noise, relative to the signal's envelope: it rises and falls with the signal."},
    ParameterSpec{"noise_floor_db", "Noise Floor", "dB", "noise", ParameterKind::continuous, -24, 24, 0, 0, 20.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Master level of every noise component."},

    // --- room (image-source early reflections + 16-line FDN tail) ---
    ParameterSpec{"room_size_m", "Room Size", "m", "room", ParameterKind::continuous, 3, 30, 8, 10, 0.0,
                  ParameterTiming::on_reset, kNoChoices, 0,
                  "Length of the shoebox (width 0.72x, height 0.38x, at least 2.4 m); sets reflections and tail delays."},
    ParameterSpec{"room_rt60_s", "Room RT60", "s", "room", ParameterKind::continuous, 0.1, 4, 0.6, 1, 0.0,
                  ParameterTiming::immediate, kNoChoices, 0,
                  "Decay time to -60 dB at low frequencies; also sets the walls' absorption."},
    ParameterSpec{"room_damping", "Room Damping", "", "room", ParameterKind::continuous, 0.1, 1, 0.5, 0.55, 0.0,
                  ParameterTiming::immediate, kNoChoices, 0,
                  "RT60 at Nyquist over RT60 at DC: 1 is bright, lower is darker."},
    ParameterSpec{"room_predelay_ms", "Room Predelay", "ms", "room", ParameterKind::continuous, 0, 50, 5, 15, 0.0,
                  ParameterTiming::on_reset, kNoChoices, 0,
                  "Gap before the first reflection."},
    ParameterSpec{"room_early_percent", "Room Early/Late", "%", "room", ParameterKind::continuous, 0, 100, 50, 50, 20.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Balance of early reflections (100) against the late tail (0); both full at 50."},
    ParameterSpec{"room_width_percent", "Room Width", "%", "room", ParameterKind::continuous, 0, 100, 100, 50, 20.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Stereo width of the room sound (0 is mono)."},
    ParameterSpec{"room_modulation_percent", "Room Modulation", "%", "room", ParameterKind::continuous, 0, 100, 30, 50, 20.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Slow rotation inside the feedback matrix: the tail moves and never rings."},
    ParameterSpec{"room_mix_percent", "Room Mix", "%", "room", ParameterKind::continuous, 0, 100, 15, 50, 20.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Blend of the room sound with the dry signal (the dry path has no added delay)."},
    ParameterSpec{"room_source_x_percent", "Room Source X", "%", "room", ParameterKind::continuous, 5, 95, 30, 50, 0.0,
                  ParameterTiming::immediate, kNoChoices, 0,
                  "Source position along the room's length (the listener stands at 62 %)."},
    ParameterSpec{"room_source_y_percent", "Room Source Y", "%", "room", ParameterKind::continuous, 5, 95, 35, 50, 0.0,
                  ParameterTiming::immediate, kNoChoices, 0,
                  "Source position across the room's width (the listener stands at 50 %)."},

    // --- glue compressor (feed-forward, log domain, stereo-linked) ---
    ParameterSpec{"glue_threshold_db", "Glue Threshold", "dB", "glue", ParameterKind::continuous, -40, 0, -18, -20, 20.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Level above which the bus is compressed (peak, after the sidechain high-pass)."},
    ParameterSpec{"glue_ratio", "Glue Ratio", "", "glue", ParameterKind::continuous, 1, 10, 2, 3, 20.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Compression ratio above the knee (2 to 4 glues)."},
    ParameterSpec{"glue_knee_db", "Glue Knee", "dB", "glue", ParameterKind::continuous, 0, 12, 6, 6, 20.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Width of the soft knee around the threshold."},
    ParameterSpec{"glue_attack_ms", "Glue Attack", "ms", "glue", ParameterKind::continuous, 0.1, 30, 10, 3, 0.0,
                  ParameterTiming::immediate, kNoChoices, 0,
                  "Time constant of gain reduction building up."},
    ParameterSpec{"glue_release_ms", "Glue Release", "ms", "glue", ParameterKind::continuous, 50, 1200, 300, 300, 0.0,
                  ParameterTiming::immediate, kNoChoices, 0,
                  "Time constant of recovery (when auto release is off)."},
    ParameterSpec{"glue_auto_release", "Glue Auto Release", "", "glue", ParameterKind::toggle, 0, 1, 1, 0.5, 0.0,
                  ParameterTiming::immediate, kNoChoices, 0,
                  "Program-dependent release: fast after short peaks, slow after sustained compression."},
    ParameterSpec{"glue_sidechain_hpf_hz", "Glue Sidechain HPF", "Hz", "glue", ParameterKind::continuous, 20, 300, 60, 80,
                  0.0, ParameterTiming::immediate, kNoChoices, 0,
                  "High-pass in the detector, so the low end does not pump the bus."},
    ParameterSpec{"glue_makeup_db", "Glue Makeup", "dB", "glue", ParameterKind::continuous, 0, 24, 0, 12, 20.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Gain after compression."},
    ParameterSpec{"glue_auto_makeup", "Glue Auto Makeup", "", "glue", ParameterKind::toggle, 0, 1, 1, 0.5, 0.0,
                  ParameterTiming::immediate, kNoChoices, 0,
                  "Program-dependent makeup: gives back the power the compression took, averaged over about 3 s."},
    ParameterSpec{"glue_mix_percent", "Glue Mix", "%", "glue", ParameterKind::continuous, 0, 100, 100, 50, 20.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Parallel compression: blend of the compressed and the uncompressed bus."},
};
// clang-format on

inline constexpr int kNumParameters = static_cast<int>(kParameters.size());

// Index of a parameter id in kParameters, or -1. Usable at compile time.
constexpr int parameter_index(std::string_view id) noexcept
{
    for (int i = 0; i < kNumParameters; ++i)
        if (kParameters[static_cast<size_t>(i)].id == id) return i;
    return -1;
}

// Compile-time index that fails to build if the id is not in the table.
template <size_t N>
constexpr int param(const char (&id)[N])
{
    const int index = parameter_index(std::string_view(id, N - 1));
    return index >= 0 ? index : throw "unknown parameter id";
}

// 32-bit FNV-1a of the id, top bit cleared: the VST3 ParamID and the key in saved state. Stable
// when the table is reordered or grows.
constexpr uint32_t parameter_hash(std::string_view id) noexcept
{
    uint32_t hash = 2166136261u;
    for (char c : id) hash = (hash ^ static_cast<uint8_t>(c)) * 16777619u;
    return hash & 0x7FFFFFFFu;
}

// A parameter's glide time (ms), as its smoother is prepared with.
constexpr double smoothing_ms(int index) noexcept { return kParameters[static_cast<size_t>(index)].smoothing_ms; }

// Every parameter of the table at its default; each module ignores those that are not its own.
template <typename Module>
void set_defaults(Module& module) noexcept
{
    for (int index = 0; index < kNumParameters; ++index) module.set_parameter(index, kParameters[static_cast<size_t>(index)].default_value);
}

// Plain value -> [0, 1], the mapping every host sees.
double to_normalized(const ParameterSpec& spec, double plain) noexcept;
// [0, 1] -> plain value, snapped to the parameter's kind.
double from_normalized(const ParameterSpec& spec, double normalized) noexcept;
// The nearest legal plain value (clamped to range, snapped to kind).
double constrain(const ParameterSpec& spec, double plain) noexcept;
// Whether a plain value is legal as given (in range, and whole / a choice where required).
bool is_valid(const ParameterSpec& spec, double plain) noexcept;

}  // namespace stemglue
