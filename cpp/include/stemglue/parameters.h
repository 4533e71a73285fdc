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
    ParameterSpec{"mix_percent", "Mix", "%", "global", ParameterKind::continuous, 0, 100, 100, 50, 20.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Blend of the processed chain with the latency-aligned dry input."},
    ParameterSpec{"output_gain_db", "Output Gain", "dB", "global", ParameterKind::continuous, -24, 24, 0, 0, 20.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Final level after the mix."},
    ParameterSpec{"tube_enabled", "Tube Enabled", "", "global", ParameterKind::toggle, 0, 1, 1, 0.5, 10.0,
                  ParameterTiming::smoothed, kNoChoices, 0,
                  "Tube stage on/off (crossfaded; the chain latency does not change)."},

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

// Plain value -> [0, 1], the mapping every host sees.
double to_normalized(const ParameterSpec& spec, double plain) noexcept;
// [0, 1] -> plain value, snapped to the parameter's kind.
double from_normalized(const ParameterSpec& spec, double normalized) noexcept;
// The nearest legal plain value (clamped to range, snapped to kind).
double constrain(const ParameterSpec& spec, double plain) noexcept;
// Whether a plain value is legal as given (in range, and whole / a choice where required).
bool is_valid(const ParameterSpec& spec, double plain) noexcept;

}  // namespace stemglue
