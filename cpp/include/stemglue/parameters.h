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
    ParameterKind kind = ParameterKind::continuous;
    double min_value = 0.0;
    double max_value = 1.0;
    double default_value = 0.0;
    double skew_center = 0.5;  // plain value at normalized 0.5 (the midpoint means a linear mapping)
    double smoothing_ms = 0.0;
    ParameterTiming timing = ParameterTiming::immediate;
    std::array<double, 4> choice_values{};  // for kind == choice, the first num_choices entries
    int num_choices = 0;
    std::string_view description;

    // Builder steps (each returns a modified copy), so a table row names what it sets.
    /** A continuous value in [min, max] with a unit; linear unless skew_center() moves the midpoint. */
    constexpr ParameterSpec range(double min, double max, double fallback, std::string_view unit_text) const
    {
        ParameterSpec spec = *this;
        spec.kind = ParameterKind::continuous;
        spec.min_value = min;
        spec.max_value = max;
        spec.default_value = fallback;
        spec.skew_center = 0.5 * (min + max);
        spec.unit = unit_text;
        return spec;
    }
    constexpr ParameterSpec decibels(double min, double max, double fallback) const { return range(min, max, fallback, "dB"); }
    constexpr ParameterSpec percent(double fallback) const { return range(0, 100, fallback, "%"); }
    constexpr ParameterSpec toggle(double fallback) const { return range(0, 1, fallback, "").with_kind(ParameterKind::toggle); }
    constexpr ParameterSpec integer(double min, double max, double fallback) const
    {
        return range(min, max, fallback, "").with_kind(ParameterKind::integer);
    }
    /** One of up to four values, e.g. {1, 2, 4, 8} "x" or {50, 60} "Hz". */
    template <size_t N>
    constexpr ParameterSpec choices(const double (&values)[N], double fallback, std::string_view unit_text) const
    {
        static_assert(N >= 2 && N <= 4, "a choice has 2 to 4 values");
        ParameterSpec spec = range(values[0], values[N - 1], fallback, unit_text).with_kind(ParameterKind::choice);
        for (size_t i = 0; i < N; ++i) spec.choice_values[i] = values[i];
        spec.num_choices = static_cast<int>(N);
        return spec;
    }
    /** The plain value hosts show at the middle of their slider (a power-law mapping). */
    constexpr ParameterSpec skewed(double center) const
    {
        ParameterSpec spec = *this;
        spec.skew_center = center;
        return spec;
    }
    /** Glides to new values over ms (0 jumps). */
    constexpr ParameterSpec smoothed_ms(double ms) const { return with_timing(ParameterTiming::smoothed, ms); }
    /** Jumps at the sample it is set. */
    constexpr ParameterSpec immediate() const { return with_timing(ParameterTiming::immediate, 0.0); }
    /** Structural (latency, buffers, random keys): takes effect at the next reset. */
    constexpr ParameterSpec on_reset() const { return with_timing(ParameterTiming::on_reset, 0.0); }
    constexpr ParameterSpec help(std::string_view text) const
    {
        ParameterSpec spec = *this;
        spec.description = text;
        return spec;
    }

private:
    constexpr ParameterSpec with_kind(ParameterKind value) const
    {
        ParameterSpec spec = *this;
        spec.kind = value;
        return spec;
    }
    constexpr ParameterSpec with_timing(ParameterTiming value, double ms) const
    {
        ParameterSpec spec = *this;
        spec.timing = value;
        spec.smoothing_ms = ms;
        return spec;
    }
};

/** A table row: which module owns it, its stable id and the name hosts show. */
constexpr ParameterSpec Param(std::string_view module, std::string_view id, std::string_view name)
{
    ParameterSpec spec;
    spec.module = module;
    spec.id = id;
    spec.name = name;
    return spec;
}

// clang-format off
inline constexpr std::array kParameters = {
    // --- global (the whole chain; each module's on/off switch heads its section, so hosts that group
    // parameters by unit keep this order) ---
    Param("global", "bypass", "Bypass").toggle(0).smoothed_ms(10)
        .help("Output the latency-aligned dry input (crossfaded over 10 ms)."),
    Param("global", "seed", "Seed").integer(0, 99999, 1).on_reset()
        .help("Key of what a session shares (tape transport, room, mains, room tone): one seed, one performance everywhere."),
    Param("global", "track_id", "Track ID").integer(0, 999999, 0).on_reset()
        .help("Key of what each track owns (hiss, hum phase, tolerances, where it enters the room's tail); a new plugin instance draws its own."),
    Param("global", "mix_percent", "Mix").percent(100).smoothed_ms(20)
        .help("Blend of the processed chain with the latency-aligned dry input."),
    Param("global", "output_gain_db", "Output Gain").decibels(-24, 24, 0).smoothed_ms(20)
        .help("Final level after the mix."),

    // --- humanize (per-event micro-timing and dynamics: audio moves only at edit points before onsets) ---
    Param("global", "humanize_enabled", "Humanize Enabled").toggle(0).on_reset()
        .help("Humanize stage on/off; structural (applied at a silent point, a dropout of its fades and the chain's latency): its lookahead is latency only while it is on."),
    Param("humanize", "humanize_timing_ms", "Humanize Timing").range(0, 30, 4, "ms").skewed(6).immediate()
        .help("Standard deviation of each player's per-event timing offsets."),
    Param("humanize", "humanize_correlation", "Humanize Correlation").range(0, 1, 0.7, "").immediate()
        .help("Memory of the offsets: 0 white (each event alone), 1 pink (1/f, as human players)."),
    Param("humanize", "humanize_feel_ms", "Humanize Feel").range(-30, 30, 0, "ms").immediate()
        .help("Constant push (negative, ahead of the beat) or lay-back (positive)."),
    Param("humanize", "humanize_band_drift_ms", "Humanize Band Drift").range(0, 30, 2, "ms").skewed(6).immediate()
        .help("Slow tempo breathing keyed by the seed only: every track of one seed drifts together."),
    Param("humanize", "humanize_dynamics_db", "Humanize Dynamics").decibels(0, 6, 0.8).immediate()
        .help("Standard deviation of per-event level changes (correlated as the timing is)."),
    Param("humanize", "humanize_accent_db", "Humanize Accent").decibels(0, 12, 1).immediate()
        .help("With a known tempo: beats this much louder than off-beat sixteenths (eighths halfway)."),
    Param("humanize", "humanize_tempo_bpm", "Humanize Tempo").range(0, 300, 0, "BPM").skewed(120).immediate()
        .help("Tempo for accents and beat-keyed randomness; below 1 takes the host's, or none (events keyed by count)."),
    Param("humanize", "humanize_sensitivity", "Humanize Sensitivity").range(0, 100, 50, "").immediate()
        .help("Onset detector, 0 to 100: higher finds softer note starts (notes out of a short rest and pitched notes "
              "re-struck legato are found at any setting)."),
    Param("humanize", "humanize_max_shift_ms", "Humanize Max Shift").range(1, 100, 20, "ms").skewed(25).on_reset()
        .help("Largest move either way; also the lookahead, so it sets the latency."),
    Param("humanize", "humanize_crossfade_ms", "Humanize Crossfade").range(0.5, 20, 3, "ms").skewed(4).on_reset()
        .help("Length of the equal-power splice before each moved onset."),
    Param("humanize", "humanize_mix_percent", "Humanize Mix").percent(100).smoothed_ms(20)
        .help("Blend of the humanized signal with its latency-aligned input."),

    // --- bleed (the sidechain's source as this channel's microphone hears it) ---
    Param("global", "bleed_enabled", "Bleed Enabled").toggle(0).on_reset()
        .help("Bleed stage on/off; structural (applied at a silent point, a dropout of its fades and the chain's latency): 12 samples of latency only while it is on."),
    Param("bleed", "bleed_distance_m", "Bleed Distance").range(0.1, 30, 3, "m").skewed(3).smoothed_ms(50)
        .help("From the sidechain's source to this microphone: delay and inverse-distance level."),
    Param("bleed", "bleed_source_distance_m", "Bleed Source Distance").range(0.02, 5, 0.3, "m").skewed(0.5).smoothed_ms(50)
        .help("From the sidechain's source to its own microphone, where its recording was made: level and delay are relative to it."),
    Param("bleed", "bleed_angle_deg", "Bleed Angle").range(0, 180, 90, "deg").smoothed_ms(50)
        .help("Arrival off this microphone's axis: sets the pattern's gain and the off-axis loss of highs."),
    Param("bleed", "bleed_pattern", "Bleed Pattern").range(0, 1, 0.5, "").smoothed_ms(50)
        .help("This microphone's first-order pattern: 1 omni, 0.5 cardioid, 0.37 supercardioid, 0.25 hypercardioid, 0 figure-8."),
    Param("bleed", "bleed_level_db", "Bleed Level").decibels(-48, 16, 0).smoothed_ms(20)
        .help("Trim on the modelled level, as a bleed matrix's per-pair override."),
    Param("bleed", "bleed_invert", "Bleed Invert").toggle(0).smoothed_ms(10)
        .help("Polarity of the bleed (a microphone facing the other way, or wired so)."),

    // --- room (image-source early reflections + 16-line FDN tail) ---
    Param("global", "room_enabled", "Room Enabled").toggle(1).smoothed_ms(10)
        .help("Shared room on/off (crossfaded)."),
    Param("room", "room_size_m", "Room Size").range(3, 30, 8, "m").skewed(10).on_reset()
        .help("Length of the shoebox (width 0.72x, height 0.38x, at least 2.4 m); sets reflections and tail delays."),
    Param("room", "room_rt60_s", "Room RT60").range(0.1, 4, 0.6, "s").skewed(1).immediate()
        .help("Decay time to -60 dB at low frequencies; also sets the walls' absorption."),
    Param("room", "room_damping", "Room Damping").range(0.1, 1, 0.5, "").immediate()
        .help("RT60 at Nyquist over RT60 at DC: 1 is bright, lower is darker."),
    Param("room", "room_predelay_ms", "Room Predelay").range(0, 50, 5, "ms").skewed(15).on_reset()
        .help("Gap before the first reflection."),
    Param("room", "room_early_percent", "Room Early/Late").percent(50).smoothed_ms(20)
        .help("Balance of early reflections (100) against the late tail (0); both full at 50."),
    Param("room", "room_width_percent", "Room Width").percent(100).smoothed_ms(20)
        .help("Stereo width of the room sound (0 is mono)."),
    Param("room", "room_modulation_percent", "Room Modulation").percent(30).smoothed_ms(20)
        .help("Slow rotation inside the feedback matrix: the tail moves and never rings."),
    Param("room", "room_mix_percent", "Room Mix").percent(15).smoothed_ms(20)
        .help("Blend of the room sound with the dry signal (the dry path has no added delay)."),
    Param("room", "room_source_x_percent", "Room Source X").range(5, 95, 30, "%").immediate()
        .help("Source position along the room's length (the listener stands at 62 %)."),
    Param("room", "room_source_y_percent", "Room Source Y").range(5, 95, 35, "%").immediate()
        .help("Source position across the room's width (the listener stands at 50 %)."),

    // --- tube ---
    Param("global", "tube_enabled", "Tube Enabled").toggle(1).smoothed_ms(10)
        .help("Tube stage on/off (crossfaded; the chain latency does not change)."),
    Param("tube", "tube_drive_db", "Tube Drive").decibels(-12, 36, 6).smoothed_ms(20)
        .help("Gain into the triode curve; 0 dB puts a full-scale peak at the knee."),
    Param("tube", "tube_bias", "Tube Bias").range(0, 1, 0.3, "").smoothed_ms(20)
        .help("Operating-point offset: 0 is symmetric (odd harmonics only), higher gives even harmonics."),
    Param("tube", "tube_bloom_percent", "Tube Bloom").percent(30).smoothed_ms(20)
        .help("Program-dependent bias shift and sag: loud passages get more asymmetry and a little less gain."),
    Param("tube", "tube_tone_db", "Tube Tone").decibels(-12, 12, 0).smoothed_ms(20)
        .help("Spectral tilt after the tube around 800 Hz: positive is brighter."),
    Param("tube", "tube_output_db", "Tube Output").decibels(-24, 24, 0).smoothed_ms(20)
        .help("Trim of the tube's wet signal, after automatic level compensation."),
    Param("tube", "tube_mix_percent", "Tube Mix").percent(100).smoothed_ms(20)
        .help("Blend of the tube's wet signal with its latency-aligned input."),
    Param("tube", "tube_oversampling", "Tube Oversampling").choices({1, 2, 4, 8}, 2, "x").on_reset()
        .help("Oversampling factor (linear-phase halfbands); sets the latency."),
    Param("tube", "tube_adaa", "Tube ADAA").toggle(1).immediate()
        .help("First-order antiderivative antialiasing (same latency and frequency response either way)."),

    // --- drift (depths are what a weighted flutter meter reads: 2 sigma, 4 Hz weighting) ---
    Param("global", "drift_enabled", "Drift Enabled").toggle(1).smoothed_ms(10)
        .help("Drift stage on/off (crossfaded; the chain latency does not change)."),
    Param("drift", "drift_wow_percent", "Drift Wow").range(0, 0.5, 0.05, "%").skewed(0.1).smoothed_ms(50)
        .help("Slow speed wander whose rate and depth themselves wander; weighted peak (2 sigma) in percent."),
    Param("drift", "drift_wow_rate_hz", "Drift Wow Rate").range(0.5, 3, 1, "Hz").skewed(1.2).smoothed_ms(50)
        .help("Centre rate of the wow; it wanders about 10 % around it."),
    Param("drift", "drift_flutter_percent", "Drift Flutter").range(0, 0.3, 0.03, "%").skewed(0.06).smoothed_ms(50)
        .help("Faster, harmonic speed modulation (capstan-like, harmonics 230:80:99); weighted peak (2 sigma) in percent."),
    Param("drift", "drift_flutter_rate_hz", "Drift Flutter Rate").range(4, 20, 8, "Hz").skewed(9).smoothed_ms(50)
        .help("Fundamental rate of the flutter."),
    Param("drift", "drift_tilt_db", "Drift Tilt").decibels(0, 1, 0.2).smoothed_ms(50)
        .help("Slow random spectral tilt around 800 Hz, 2 sigma in dB."),
    Param("drift", "drift_gain_db", "Drift Gain").decibels(0, 1, 0.1).smoothed_ms(50)
        .help("Slow random level wander, 2 sigma in dB."),
    Param("drift", "drift_time_s", "Drift Time").range(1, 30, 8, "s").skewed(6).immediate()
        .help("How slowly the tilt and level wander: seconds between its random turning points."),
    Param("drift", "drift_stereo_link_percent", "Drift Stereo Link").percent(80).smoothed_ms(50)
        .help("How much left and right drift together (100: one machine; 0: independent)."),

    // --- noise (levels are RMS dBFS; the minimum switches a component off) ---
    Param("global", "noise_enabled", "Noise Enabled").toggle(1).smoothed_ms(10)
        .help("Noise floor on/off (crossfaded)."),
    Param("noise", "noise_hiss_db", "Noise Hiss").decibels(-120, -40, -84).smoothed_ms(20)
        .help("Hiss level, A-weighted RMS dBFS."),
    Param("noise", "noise_hiss_color", "Noise Hiss Color").range(0, 1, 0.5, "").smoothed_ms(20)
        .help("0 white (flat), 1 pink (-10 dB per decade); the A-weighted level stays as set."),
    Param("noise", "noise_hum_db", "Noise Hum").decibels(-120, -40, -100).smoothed_ms(20)
        .help("Mains hum: RMS dBFS of the fundamental line; harmonics follow a transformer recipe."),
    Param("noise", "noise_hum_hz", "Noise Hum Frequency").choices({50, 60}, 50, "Hz").immediate()
        .help("Mains frequency; it wanders by a few hundredths of a hertz."),
    Param("noise", "noise_buzz_percent", "Noise Buzz").percent(10).smoothed_ms(20)
        .help("Rectifier buzz (harmonics of twice the mains); 100 % matches the fundamental's level."),
    Param("noise", "noise_room_db", "Noise Room Tone").decibels(-120, -40, -90).smoothed_ms(20)
        .help("Room tone: low-weighted noise with a slow level fluctuation; A-weighted RMS dBFS."),
    Param("noise", "noise_room_delay_ms", "Noise Room Tone Delay").range(0, 100, 0, "ms").immediate()
        .help("How late this microphone hears the room tone: a session gives each stem its own, from its distance to the room tone's source."),
    Param("noise", "noise_modulation_db", "Noise Modulation").decibels(-120, -30, -66).smoothed_ms(20)
        .help("Tape modulation noise, relative to the signal's envelope: it rises and falls with the signal."),
    Param("noise", "noise_floor_db", "Noise Floor").decibels(-24, 24, 0).smoothed_ms(20)
        .help("Master level of every noise component."),

    // --- glue compressor (feed-forward, log domain, stereo-linked) ---
    Param("global", "glue_enabled", "Glue Enabled").toggle(1).smoothed_ms(10)
        .help("Glue compressor on/off (crossfaded)."),
    Param("glue", "glue_threshold_db", "Glue Threshold").decibels(-40, 0, -18).smoothed_ms(20)
        .help("Level above which the bus is compressed (peak, after the sidechain high-pass)."),
    Param("glue", "glue_ratio", "Glue Ratio").range(1, 10, 2, "").skewed(3).smoothed_ms(20)
        .help("Compression ratio above the knee (2 to 4 glues)."),
    Param("glue", "glue_knee_db", "Glue Knee").decibels(0, 12, 6).smoothed_ms(20)
        .help("Width of the soft knee around the threshold."),
    Param("glue", "glue_attack_ms", "Glue Attack").range(0.1, 30, 10, "ms").skewed(3).immediate()
        .help("Time constant of gain reduction building up."),
    Param("glue", "glue_release_ms", "Glue Release").range(50, 1200, 300, "ms").skewed(300).immediate()
        .help("Time constant of recovery (when auto release is off)."),
    Param("glue", "glue_auto_release", "Glue Auto Release").toggle(1).immediate()
        .help("Program-dependent release: fast after short peaks, slow after sustained compression."),
    Param("glue", "glue_sidechain_hpf_hz", "Glue Sidechain HPF").range(20, 300, 60, "Hz").skewed(80).immediate()
        .help("High-pass in the detector, so the low end does not pump the bus."),
    Param("glue", "glue_makeup_db", "Glue Makeup").decibels(0, 24, 0).smoothed_ms(20)
        .help("Gain after compression."),
    Param("glue", "glue_auto_makeup", "Glue Auto Makeup").toggle(1).smoothed_ms(20)
        .help("Program-dependent makeup: gives back the power the compression took, averaged over about 3 s."),
    Param("glue", "glue_mix_percent", "Glue Mix").percent(100).smoothed_ms(20)
        .help("Parallel compression: blend of the compressed and the uncompressed bus."),
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

// The names the Python side and the JSON table use for a kind and a timing.
constexpr std::string_view kind_name(ParameterKind kind) noexcept
{
    switch (kind) {
        case ParameterKind::toggle: return "toggle";
        case ParameterKind::integer: return "integer";
        case ParameterKind::choice: return "choice";
        case ParameterKind::continuous: break;
    }
    return "continuous";
}

constexpr std::string_view timing_name(ParameterTiming timing) noexcept
{
    switch (timing) {
        case ParameterTiming::immediate: return "immediate";
        case ParameterTiming::on_reset: return "on_reset";
        case ParameterTiming::smoothed: break;
    }
    return "smoothed";
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
