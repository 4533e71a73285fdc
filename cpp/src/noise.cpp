#include "stemglue/noise.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstring>

#include "stemglue/envelope_follower.h"
#include "stemglue/multiversion.h"
#include "stemglue/random.h"
#include "stemglue/weighting.h"

namespace stemglue {
namespace {

// Random streams (per channel c: base + c).
constexpr uint64_t kHissWhiteStream = 0x100, kHissPinkStream = 0x200, kRoomStream = 0x300, kRoomLevelStream = 0x380,
                   kModulationStream = 0x400, kHumFrequencyStream = 0x500, kHumLevelStream = 0x501, kHumPhaseStream = 0x502;

// Poles 20 Hz * 10^(k/2), zeros a quarter decade above: pink from 20 Hz to 20 kHz. (From 2 Hz the
// filter remembered 1.1 s, which a seek must replay: 2.6 ms of a 48 kHz block budget of 1.3 ms.)
constexpr double kPinkLowestPoleHz = 20.0;
constexpr double kRoomCornerHz = 60.0;  // room tone falls 6 dB/octave above (HVAC-like rumble)
constexpr double kRoomWanderDb = 1.5, kRoomWanderSeconds = 2.0;
constexpr double kHumWanderHz = 0.02, kHumWanderSeconds = 5.0;
constexpr double kHumLevelWanderDb = 0.5, kHumLevelWanderSeconds = 4.0;
constexpr double kHumRecipeDb[] = {0, -14, -6, -20, -12, -26, -18};  // harmonics 1..7: odd-heavy transformer
constexpr int kBuzzHarmonics = 24;                                   // of twice the mains
constexpr double kModulationAttackMs = 2.0, kModulationReleaseMs = 40.0;
static_assert(kModulationAttackMs < kModulationReleaseMs, "follow_envelope takes the attack for the faster");
constexpr int kAWeightingGrid = 4096;
// The room tone is drawn at (position + origin - delay): a delay never reaches before index 0.
constexpr uint64_t kRoomTimelineOrigin = uint64_t{1} << 32;

// Unit-variance uniform noise: flat spectrum, and the filters make it Gaussian enough.
constexpr double kUnitVarianceScale = 3.4641016151377544;  // sqrt(12)
double draw(uint64_t key, uint64_t index) noexcept
{
    return (random_uniform(key, index) - 0.5) * kUnitVarianceScale;
}

// Gain of a level wander of sigma_db driven by a unit-variance value, corrected so that its mean
// power is 1 (a log-normal's mean exceeds its median).
double wander_gain(double sigma_db, double value) noexcept
{
    return std::pow(10.0, (sigma_db * value - sigma_db * sigma_db * std::log(10.0) / 20.0) / 20.0);
}

// Samples until a pole decays by 120 dB: then a restarted filter's state is the running one's.
uint64_t memory_samples(double pole) noexcept
{
    return static_cast<uint64_t>(std::ceil(std::log(1e-6) / std::log(pole)));
}

double level_gain(const ParameterSpec& spec, double db) noexcept
{
    return db <= spec.min_value ? 0.0 : std::pow(10.0, db / 20.0);
}

// A-weighted power of unit-variance white noise through the cascade (flat PSD over 0..fs/2).
template <typename Cascade>
double a_weighted_power(const Cascade& cascade, double sample_rate) noexcept
{
    double total = 0.0;
    for (int i = 0; i < kAWeightingGrid; ++i) {
        const double frequency = (i + 0.5) * sample_rate / (2.0 * kAWeightingGrid);
        const double w = 2.0 * M_PI * frequency / sample_rate, cosine = std::cos(w);
        double power = 1.0;
        for (int k = 0; k < cascade.sections; ++k) {
            const size_t s = static_cast<size_t>(k);
            power *=
                (cascade.b0[s] * cascade.b0[s] + cascade.b1[s] * cascade.b1[s] + 2.0 * cascade.b0[s] * cascade.b1[s] * cosine) /
                (1.0 + cascade.a1[s] * cascade.a1[s] - 2.0 * cascade.a1[s] * cosine);
        }
        const double weight = a_weighting(frequency);
        total += power * weight * weight;
    }
    return total / kAWeightingGrid;
}

using EightDoubles = double __attribute__((vector_size(8 * sizeof(double))));
using EightFloats = float __attribute__((vector_size(8 * sizeof(float))));

// draw(key, index) for eight consecutive indices at a time (one AVX-512 register): the same
// integer hash, and an exact integer-to-double conversion (below AVX-512 there is none for 64
// bits), so every value is draw()'s.
class EightDraws {
public:
    EightDraws(uint64_t key, uint64_t first) noexcept
        : counter_(key + (first + 1 + Integers{0, 1, 2, 3, 4, 5, 6, 7}) * kGoldenGamma)
    {
    }
    /** The next eight draws. */
    [[gnu::always_inline]] void next(EightDoubles& value) noexcept
    {
        constexpr uint64_t kTwoTo52Bits = 0x4330000000000000ull;  // the double 2^52: its mantissa holds a 52-bit integer
        Integers z = counter_;
        counter_ += 8 * kGoldenGamma;
        mix64_in_place(z);
        const Integers bits = z >> 11, high_bits = (bits >> 26) | kTwoTo52Bits, low_bits = (bits & 0x3FFFFFF) | kTwoTo52Bits;
        EightDoubles high, low;
        std::memcpy(&high, &high_bits, sizeof high);
        std::memcpy(&low, &low_bits, sizeof low);
        const EightDoubles uniform = ((high - 0x1p52) * 0x1p26 + (low - 0x1p52)) * 0x1p-53;
        value = (uniform - 0.5) * kUnitVarianceScale;
    }

private:
    using Integers = uint64_t __attribute__((vector_size(8 * sizeof(uint64_t))));
    Integers counter_;
};

// A vector from memory (out parameters: a vector returned by value changes the ABI between builds).
template <typename Vector, typename Element>
[[gnu::always_inline]] inline void load(Vector& value, const Element* source) noexcept
{
    static_assert(sizeof(Vector) == 8 * sizeof(Element));
    std::memcpy(&value, source, sizeof value);
}

// draw(key, first + j) for j < count.
STEMGLUE_MULTIVERSION
void draw_run(uint64_t key, uint64_t first, double* out, int count) noexcept
{
    EightDraws draws(key, first);
    int j = 0;
    for (; j + 8 <= count; j += 8) {
        EightDoubles value;
        draws.next(value);
        std::memcpy(out + j, &value, sizeof value);
    }
    for (; j < count; ++j) out[j] = draw(key, first + static_cast<uint64_t>(j));
}

// The state a parallel form reaches from rest over the draws [first, first + count): each lane's
// sum of pole^(count - 1 - i) x_i, times its residue. Four draws at a time, the recursion stepping
// by pole^4, so it waits for a multiply and an add once per four draws, not at each (at 192 kHz the
// pink's memory is 21 000 draws: its warm-up, one step at a time, took 0.2 ms of a switch-on's
// block). The states differ from a running form's by rounding, as a warm-up's do anyway.
STEMGLUE_MULTIVERSION
void warmed_state(uint64_t key, uint64_t first, uint64_t count, const double* pole_lanes, const double* residue_lanes,
                  double* state_lanes) noexcept
{
    EightDoubles pole, residue;
    load(pole, pole_lanes);
    load(residue, residue_lanes);
    const EightDoubles pole2 = pole * pole, pole3 = pole2 * pole, pole4 = pole2 * pole2;
    EightDoubles sum = {};
    const uint64_t lead = count % 4;  // the oldest few one at a time, then fours
    for (uint64_t i = 0; i < lead; ++i) sum = pole * sum + draw(key, first + i);
    constexpr int kChunk = 256;
    double x[kChunk];
    for (uint64_t done = lead; done < count; done += kChunk) {
        const int n = static_cast<int>(std::min<uint64_t>(kChunk, count - done));  // a multiple of 4
        draw_run(key, first + done, x, n);
        for (int j = 0; j < n; j += 4) sum = pole4 * sum + (((pole3 * x[j] + pole2 * x[j + 1]) + pole * x[j + 2]) + x[j + 3]);
    }
    const EightDoubles state = residue * sum;
    std::memcpy(state_lanes, &state, sizeof state);
}

// The hum over part of a wander tick interval (its first sample, timeline step `first`, `phase`
// samples past the tick) into wave[]: the mains clock's phase plus its wander, the hum and buzz
// at it, their wanders interpolated from the tick's. (The clock read here, in the vector clones:
// its 64-bit steps convert to double eight at a time only from AVX-512 on.)
STEMGLUE_MULTIVERSION
void hum_interval(const double* __restrict hum_table, const double* __restrict buzz_table, const TimelineClock& mains,
                  uint64_t first, std::array<double, 2> wander_span, std::array<double, 2> level_span, int phase,
                  const double* __restrict hum_gain, const double* __restrict buzz_gain, double* __restrict wave,
                  int count) noexcept
{
    const TimelineClock clock = mains;  // a local: stores to wave[] cannot change it
    const auto [wander_from, wander_to] = wander_span;
    const auto [level_from, level_to] = level_span;
    for (int j = 0; j < count; ++j) {
        const double fraction = double(phase + j) / kWanderTickSamples;
        const double wander = wander_from + (wander_to - wander_from) * fraction;
        const double level = level_from + (level_to - level_from) * fraction;
        double cycle = clock.at(first + static_cast<uint64_t>(j)) + wander;
        cycle -= std::floor(cycle);
        const double index = cycle * Noise::kHumTableSize;
        const int i = std::min(static_cast<int>(index), Noise::kHumTableSize - 1);
        const double t = index - i;
        const double hum = hum_table[i] + (hum_table[i + 1] - hum_table[i]) * t;
        const double buzz = buzz_table[i] + (buzz_table[i + 1] - buzz_table[i]) * t;
        wave[j] = (hum_gain[j] * hum + buzz_gain[j] * buzz) * level;
    }
}

// A FirstOrderCascade's parallel form running in registers: state = pole state + residue x in
// every lane, the output direct x plus the lanes' sum. Eight lanes as one vector (one AVX-512
// register), summed ((0+4) + (2+6)) + ((1+5) + (3+7)): two vector additions and one scalar one.
// Loaded from and stored to the cascade's plain doubles.
template <int kLanes>
struct ParallelForm;

template <>
struct ParallelForm<8> {
    using Eight = double __attribute__((vector_size(8 * sizeof(double))));
    using Four = double __attribute__((vector_size(4 * sizeof(double))));
    using Two = double __attribute__((vector_size(2 * sizeof(double))));
    Eight pole, residue, state;
    double direct;
    ParallelForm(const double* pole_lanes, const double* residue_lanes, const double* state_lanes, double direct_gain) noexcept
        : direct(direct_gain)
    {
        std::memcpy(&pole, pole_lanes, sizeof pole);
        std::memcpy(&residue, residue_lanes, sizeof residue);
        std::memcpy(&state, state_lanes, sizeof state);
    }
    double step(double x) noexcept
    {
        state = pole * state + residue * x;
        const Four pairs = __builtin_shufflevector(state, state, 0, 1, 2, 3) + __builtin_shufflevector(state, state, 4, 5, 6, 7);
        const Two quads = __builtin_shufflevector(pairs, pairs, 0, 1) + __builtin_shufflevector(pairs, pairs, 2, 3);
        return direct * x + (quads[0] + quads[1]);
    }
    void store(double* state_lanes) const noexcept { std::memcpy(state_lanes, &state, sizeof state); }
};

template <>
struct ParallelForm<1> {
    double pole, residue, state, direct;
    ParallelForm(const double* pole_lane, const double* residue_lane, const double* state_lane, double direct_gain) noexcept
        : pole(*pole_lane), residue(*residue_lane), state(*state_lane), direct(direct_gain)
    {
    }
    double step(double x) noexcept
    {
        state = pole * state + residue * x;
        return direct * x + state;
    }
    void store(double* state_lane) const noexcept { *state_lane = state; }
};

// One channel's two recursions over a run: the pink and room filters (their draws in signal,
// filtered out, in place; a null signal: off).
struct Recursions {
    struct Filter {
        const double *pole, *residue;  // the cascade's lanes (ParallelForm)
        double *state, *signal, direct;
    } pink, room;
};

// One channel's recursions, one sample at a time (its state in locals: stores through the output
// pointers could otherwise alias the fields).
template <bool kPink, bool kRoom>
struct RecursionStep {
    const Recursions& run;
    ParallelForm<8> pink_form{run.pink.pole, run.pink.residue, run.pink.state, run.pink.direct};
    ParallelForm<1> room_form{run.room.pole, run.room.residue, run.room.state, run.room.direct};
    double* const pink = run.pink.signal;
    double* const room = run.room.signal;

    [[gnu::always_inline]] void operator()(int j) noexcept
    {
        if constexpr (kPink) pink[j] = pink_form.step(pink[j]);
        if constexpr (kRoom) room[j] = room_form.step(room[j]);
    }
    [[gnu::always_inline]] void store() noexcept
    {
        if constexpr (kPink) pink_form.store(run.pink.state);
        if constexpr (kRoom) room_form.store(run.room.state);
    }
};

// Always inlined, so that each vector clone of run_recursions has its own (an out-of-line copy ran
// the baseline code everywhere, at half the speed). Two channels run in one loop, so that their
// dependency chains (each recursion waits on its own multiply-add) overlap.
template <bool kPink, bool kRoom>
[[gnu::always_inline]] inline void run_recursions_with(const Recursions* runs, int num_runs, int count) noexcept
{
    RecursionStep<kPink, kRoom> first{runs[0]};
    if (num_runs == 2) {
        RecursionStep<kPink, kRoom> second{runs[1]};
        for (int j = 0; j < count; ++j) {
            first(j);
            second(j);
        }
        second.store();
    } else {
        for (int j = 0; j < count; ++j) first(j);
    }
    first.store();
}

// One or two channels' recursions over a run, the pink's or the room's or both: called only when
// one sounds (every channel's components sound alike).
STEMGLUE_MULTIVERSION
void run_recursions(const Recursions* runs, int num_runs, int count) noexcept
{
    if (runs[0].pink.signal && runs[0].room.signal) return run_recursions_with<true, true>(runs, num_runs, count);
    if (runs[0].pink.signal) return run_recursions_with<true, false>(runs, num_runs, count);
    run_recursions_with<false, true>(runs, num_runs, count);
}

// The modulation's envelope over a run, stepped at control ticks: there, an attack/release step
// (follow_envelope) toward the signal's peak |x| since the last tick; between them, linear from the
// last tick's value to the next's. (Per sample, the follower's recursion cost Noise 5 to 9 %.)
STEMGLUE_MULTIVERSION
void follow_signal(const float* __restrict x, uint64_t first, int count, double attack, double release, double& peak,
                   double& from, double& to, double* __restrict envelope) noexcept
{
    for_each_tick_interval<kControlInterval>(first, count, [&](int start, int end, int phase) {
        if (phase == 0) {
            from = to;
            to = follow_envelope(to, peak, attack, release);
            peak = 0.0;
        }
        const double rise = to - from;
        for (int j = start; j < end; ++j) envelope[j] = from + rise * (double(phase + j - start) / kControlInterval);
        // The interval's peak in eight running maxima (a maximum is exact in any order).
        EightFloats lanes{}, values;
        int j = start;
        for (; j + 8 <= end; j += 8) {
            load(values, x + j);
            values = values < 0.0f ? -values : values;
            lanes = lanes < values ? values : lanes;
        }
        float interval_peak = 0.0f;
        for (int l = 0; l < 8; ++l) interval_peak = std::max(interval_peak, lanes[l]);
        for (; j < end; ++j) interval_peak = std::max(interval_peak, std::abs(x[j]));
        peak = std::max(peak, static_cast<double>(interval_peak));
    });
}

// One channel's floor over a run, added onto its signal. Null gains: the component is off.
struct FloorTerms {
    const double* hum;  // zeros while the hum is off
    const double* white_gain;
    const double *pink_gain, *pink;
    const double *room_gain, *room_wander, *room;
    const double *modulation_gain, *envelope;
    uint64_t white_key, modulation_key, first;  // the draws' streams, and the run's first index
};

// In one pass (the draws made as they are used): per sample, the hum, plus the white, pink, room
// (gain * wander * tone) and modulation (gain * envelope * draw) terms in that order, onto x.
STEMGLUE_MULTIVERSION
void add_floor(const FloorTerms& terms, float* __restrict x, int count) noexcept
{
    const FloorTerms t = terms;  // locals: stores through x cannot change them
    EightDraws white(t.white_key, t.first), modulation(t.modulation_key, t.first);
    int j = 0;
    for (; j + 8 <= count; j += 8) {
        EightDoubles floor, gain, scale, values;
        load(floor, t.hum + j);
        if (t.white_gain) {
            load(gain, t.white_gain + j);
            white.next(values);
            floor += gain * values;
        }
        if (t.pink_gain) {
            load(gain, t.pink_gain + j);
            load(values, t.pink + j);
            floor += gain * values;
        }
        if (t.room_gain) {
            load(gain, t.room_gain + j);
            load(scale, t.room_wander + j);
            load(values, t.room + j);
            floor += gain * scale * values;
        }
        if (t.modulation_gain) {
            load(gain, t.modulation_gain + j);
            load(scale, t.envelope + j);
            modulation.next(values);
            floor += gain * scale * values;
        }
        EightFloats signal;
        load(signal, x + j);
        const EightFloats out = __builtin_convertvector(__builtin_convertvector(signal, EightDoubles) + floor, EightFloats);
        std::memcpy(x + j, &out, sizeof out);
    }
    for (; j < count; ++j) {
        const uint64_t index = t.first + static_cast<uint64_t>(j);
        double floor = t.hum[j];
        if (t.white_gain) floor += t.white_gain[j] * draw(t.white_key, index);
        if (t.pink_gain) floor += t.pink_gain[j] * t.pink[j];
        if (t.room_gain) floor += t.room_gain[j] * t.room_wander[j] * t.room[j];
        if (t.modulation_gain) floor += t.modulation_gain[j] * t.envelope[j] * draw(t.modulation_key, index);
        x[j] = static_cast<float>(x[j] + floor);
    }
}

}  // namespace

// H(w) = prod_k (b0_k + b1_k w) / (1 - a1_k w), w = z^-1: direct = H(w -> infinity) =
// prod_k b1_k / -a1_k, and the residue at pole a1_k is prod_j (b0_j + b1_j / a1_k) over
// prod_{j != k} (1 - a1_j / a1_k).
template <int kLanes>
void Noise::FirstOrderCascade<kLanes>::finish_design() noexcept  // sections <= kLanes
{
    pole = {};
    residue = {};
    direct = 1.0;
    for (int j = 0; j < sections; ++j) direct *= b1[static_cast<size_t>(j)] / -a1[static_cast<size_t>(j)];
    for (int k = 0; k < sections; ++k) {
        const double p = a1[static_cast<size_t>(k)];
        double value = 1.0;
        for (int j = 0; j < sections; ++j) {
            const size_t s = static_cast<size_t>(j);
            value *= b0[s] + b1[s] / p;
            if (j != k) value /= 1.0 - a1[s] / p;
        }
        pole[static_cast<size_t>(k)] = p;
        residue[static_cast<size_t>(k)] = value;
    }
    reset();
}

template <int kLanes>
void Noise::FirstOrderCascade<kLanes>::reset() noexcept
{
    state = {};
    running = false;
}

template <int kLanes>
void Noise::FirstOrderCascade<kLanes>::warm_up(uint64_t key, uint64_t position) noexcept
{
    reset();
    std::array<double, 8> poles{}, residues{}, states{};  // a single lane as the first of eight
    std::copy(pole.begin(), pole.end(), poles.begin());
    std::copy(residue.begin(), residue.end(), residues.begin());
    const uint64_t count = std::min(memory_samples, position);
    warmed_state(key, position - count, count, poles.data(), residues.data(), states.data());
    std::copy_n(states.begin(), kLanes, state.begin());
    running = true;
}

template struct Noise::FirstOrderCascade<8>;
template struct Noise::FirstOrderCascade<1>;

void Noise::prepare_module()
{
    const double sample_rate = sample_rate_;
    channels_.assign(static_cast<size_t>(num_channels_), Channel{});

    pink_design_ = FirstOrderCascade<8>{};
    for (int k = 0; k < kPinkSections; ++k) {
        const double pole_hz = kPinkLowestPoleHz * std::pow(10.0, k / 2.0), zero_hz = pole_hz * std::pow(10.0, 0.25);
        const size_t s = static_cast<size_t>(k);
        pink_design_.b0[s] = 1.0;
        pink_design_.b1[s] = -std::exp(-2.0 * M_PI * zero_hz / sample_rate);
        pink_design_.a1[s] = std::exp(-2.0 * M_PI * pole_hz / sample_rate);
    }
    pink_design_.sections = kPinkSections;
    pink_design_.memory_samples = memory_samples(pink_design_.a1[0]);
    pink_design_.finish_design();
    room_design_ = FirstOrderCascade<1>{};
    const double room_pole = std::exp(-2.0 * M_PI * kRoomCornerHz / sample_rate);
    room_design_.b0[0] = 1.0 - room_pole;
    room_design_.a1[0] = room_pole;
    room_design_.sections = 1;
    room_design_.memory_samples = memory_samples(room_pole);
    room_design_.finish_design();

    FirstOrderCascade<1> white;  // no sections: flat
    white_a_weighted_power_ = a_weighted_power(white, sample_rate);
    pink_a_weighted_power_ = a_weighted_power(pink_design_, sample_rate);
    room_a_weighted_power_ = a_weighted_power(room_design_, sample_rate);

    hum_table_.assign(kHumTableSize + 1, 0.0);
    buzz_table_.assign(kHumTableSize + 1, 0.0);
    double buzz_power = 0.0;
    for (int m = 1; m <= kBuzzHarmonics; ++m) buzz_power += 1.0 / (double(m) * m);
    for (int i = 0; i <= kHumTableSize; ++i) {
        const double phase = 2.0 * M_PI * i / kHumTableSize;
        for (int k = 1; k <= 7; ++k)
            hum_table_[static_cast<size_t>(i)] += std::pow(10.0, kHumRecipeDb[k - 1] / 20.0) * std::sin(k * phase);
        for (int m = 1; m <= kBuzzHarmonics; ++m) buzz_table_[static_cast<size_t>(i)] += std::cos(2 * m * phase) / m;
        buzz_table_[static_cast<size_t>(i)] /= std::sqrt(buzz_power);  // RMS of a unit sine
    }

    envelope_attack_ = 1.0 - std::exp(-1000.0 * kControlInterval / (kModulationAttackMs * sample_rate));  // per tick
    envelope_release_ = 1.0 - std::exp(-1000.0 * kControlInterval / (kModulationReleaseMs * sample_rate));
    for (auto* buffer :
         {&white_gain_, &pink_gain_, &hum_gain_, &buzz_gain_, &room_gain_, &modulation_gain_, &hum_wave_, &wander_})
        buffer->assign(static_cast<size_t>(max_block_size_), 0.0);
    gains_held_ = 0;
    for (auto* buffer : {&pink_, &room_, &envelope_}) buffer->assign(2 * static_cast<size_t>(max_block_size_), 0.0);
}

void Noise::reset_module() noexcept
{
    for (Channel& channel : channels_) channel.envelope_from = channel.envelope_to = channel.signal_peak = 0.0;
    seek_module();
}

// Every stream is put where the timeline is. The filters start from rest and warm up when their
// component first sounds (process_run), so a filter that stays off costs nothing.
void Noise::seek_module() noexcept
{
    const uint64_t seed = static_cast<uint64_t>(seed_.value());
    const uint64_t own_seed = track_seed(seed, static_cast<uint64_t>(track_id_.value()));
    // The hum's phase: this track's own offset, advanced at the mains frequency.
    hum_clock_.restart(random_uniform(stream_key(own_seed, kHumPhaseStream), 0), hum_hz_.value() / sample_rate_);
    hum_frequency_.set_key(stream_key(seed, kHumFrequencyStream));
    hum_level_.set_key(stream_key(own_seed, kHumLevelStream));
    for (size_t c = 0; c < channels_.size(); ++c) {
        Channel& channel = channels_[c];
        channel.hiss_pink = pink_design_;
        channel.room = room_design_;
        channel.hiss_white_key = stream_key(own_seed, kHissWhiteStream + c);
        channel.hiss_pink_key = stream_key(own_seed, kHissPinkStream + c);
        channel.room_key = stream_key(seed, kRoomStream + c);
        channel.modulation_key = stream_key(own_seed, kModulationStream + c);
        channel.room_level.set_key(stream_key(seed, kRoomLevelStream + c));
    }
    const TickSpan ticks = ticks_around(position_, kWanderTickSamples);
    for (const uint64_t tick : {ticks.previous, ticks.next}) {
        evaluate_hum(tick);
        for (Channel& channel : channels_) channel.evaluate_room_level(tick_seconds(tick));
    }
}

void Noise::Channel::evaluate_room_level(double seconds) noexcept
{
    room_level_from = room_level_to;
    room_level_to = wander_gain(kRoomWanderDb, room_level.at(seconds / kRoomWanderSeconds));
}

void Noise::evaluate_hum(uint64_t tick) noexcept
{
    const double seconds = tick_seconds(tick);
    // The mains frequency wanders as a phase whose slope moves it by kHumWanderHz RMS.
    hum_wander_from_ = hum_wander_to_;
    hum_wander_to_ = kHumWanderHz * kHumWanderSeconds / SmoothRandom::kSlopeRms * hum_frequency_.at(seconds / kHumWanderSeconds);
    hum_level_from_ = hum_level_to_;
    hum_level_to_ = wander_gain(kHumLevelWanderDb, hum_level_.at(seconds / kHumLevelWanderSeconds));
}

int64_t Noise::tail_samples() const noexcept
{
    // Any audible component makes the floor endless, as a running tape machine's.
    const bool any = hiss_db_.target() > hiss_db_.spec().min_value || hum_db_.target() > hum_db_.spec().min_value ||
                     room_db_.target() > room_db_.spec().min_value;
    return any ? -1 : 0;
}

void Noise::process_chunk(AudioBlock block) noexcept
{
    const int n = block.num_samples;
    const size_t count = static_cast<size_t>(n);
    const ParameterSpec& hiss_spec = hiss_db_.spec();
    const ParameterSpec& hum_spec = hum_db_.spec();
    const ParameterSpec& room_spec = room_db_.spec();
    const ParameterSpec& modulation_spec = modulation_db_.spec();
    // Per-sample gains of every component, the master floor level folded in.
    const bool moving = hiss_db_.is_smoothing() || hiss_color_.is_smoothing() || hum_db_.is_smoothing() ||
                        buzz_percent_.is_smoothing() || room_db_.is_smoothing() || modulation_db_.is_smoothing() ||
                        floor_db_.is_smoothing();
    const double* hiss_level = hiss_db_.fill(n, [&](double db) { return level_gain(hiss_spec, db); });
    const double* hiss_color = hiss_color_.fill(n);
    const double* hum_level = hum_db_.fill(n, [&](double db) { return level_gain(hum_spec, db) * 1.4142135623730951; });
    const double* buzz_amount = buzz_percent_.fill(n, [](double percent) { return 0.01 * percent; });
    const double* room_level = room_db_.fill(n, [&](double db) { return level_gain(room_spec, db); });
    const double* modulation_level = modulation_db_.fill(n, [&](double db) { return level_gain(modulation_spec, db); });
    const double* floor_gain_values = floor_db_.fill(n, [](double db) { return std::pow(10.0, db / 20.0); });
    const size_t varying = moving ? count : std::min<size_t>(count, 1);  // at rest one sample's maths serves the chunk
    for (size_t j = 0; j < varying; ++j) {
        const double floor_gain = floor_gain_values[j], color = hiss_color[j];
        const double hiss =
            hiss_level[j] * floor_gain /
            std::sqrt((1.0 - color) * (1.0 - color) * white_a_weighted_power_ + color * color * pink_a_weighted_power_);
        white_gain_[j] = (1.0 - color) * hiss;
        pink_gain_[j] = color * hiss;
        hum_gain_[j] = hum_level[j] * floor_gain;
        buzz_gain_[j] = buzz_amount[j] * hum_gain_[j];
        room_gain_[j] = room_level[j] * floor_gain / std::sqrt(room_a_weighted_power_);
        modulation_gain_[j] = modulation_level[j] * floor_gain;
    }
    // At rest the gains often hold these values already (the last chunk's): then not rewritten.
    const auto all_gains = {&white_gain_, &pink_gain_, &hum_gain_, &buzz_gain_, &room_gain_, &modulation_gain_};
    const bool held = !moving && gains_held_ >= n && n > 1 &&
                      std::all_of(all_gains.begin(), all_gains.end(), [](const std::vector<double>* gains) {
                          return std::memcmp(&(*gains)[0], &(*gains)[1], sizeof(double)) == 0;
                      });
    if (!held) {
        for (auto* gains : all_gains)
            std::fill(gains->begin() + static_cast<std::ptrdiff_t>(varying), gains->begin() + n, (*gains)[0]);
        gains_held_ = moving ? 0 : n;
    }

    // Hum: one mains for every channel. Wanders are interpolated between wander ticks. At its
    // minimum level (gain 0, and then the buzz's too) only the ticks' wanders are kept up.
    hum_clock_.set_rate(position_, hum_hz_.value() / sample_rate_);
    const bool humming = std::any_of(hum_gain_.begin(), hum_gain_.begin() + static_cast<std::ptrdiff_t>(varying),
                                     [](double gain) { return gain != 0.0; });
    if (!humming) std::fill(hum_wave_.begin(), hum_wave_.begin() + n, 0.0);
    for_each_tick_interval<kWanderTickSamples>(position_, n, [&](int start, int end, int phase) {
        const uint64_t first = position_ + static_cast<uint64_t>(start);
        if (phase == 0) evaluate_hum(first / kWanderTickSamples + 1);
        if (humming)
            hum_interval(hum_table_.data(), buzz_table_.data(), hum_clock_, first, {hum_wander_from_, hum_wander_to_},
                         {hum_level_from_, hum_level_to_}, phase, &hum_gain_[static_cast<size_t>(start)],
                         &buzz_gain_[static_cast<size_t>(start)], &hum_wave_[static_cast<size_t>(start)], end - start);
    });

    const uint64_t room_offset =
        kRoomTimelineOrigin - static_cast<uint64_t>(std::llround(room_delay_ms_.value() * sample_rate_ / 1000.0));
    // Runs over which every component stays on or off (at rest: the whole chunk), each channel's in turn.
    const auto sounding_at = [&](int j) {
        const size_t s = static_cast<size_t>(j);
        return std::array<bool, 4>{white_gain_[s] != 0.0, pink_gain_[s] != 0.0, room_gain_[s] != 0.0, modulation_gain_[s] != 0.0};
    };
    for (int start = 0; start < n;) {
        const auto sounding = sounding_at(start);
        int end = start + 1;
        while (end < static_cast<int>(varying) && sounding_at(end) == sounding) ++end;
        if (end == static_cast<int>(varying)) end = n;   // gains past `varying` are its last
        for (int c = 0; c < block.num_channels; c += 2)  // in pairs (see run_recursions)
            process_run(c, std::min(2, block.num_channels - c), block, start, end - start, room_offset, sounding, humming);
        start = end;
    }
}

// One or two channels' floor (channels [first_channel, + num_channels)) over samples [start, start +
// count) of the chunk: the filters' draws (vectorised) and the modulation's envelope
// (follow_signal), the filters' recursions over the run, then the floor summed and added in one
// pass (add_floor). With nothing sounding, only the room tone's level
// wander is kept up.
void Noise::process_run(int first_channel, int num_channels, AudioBlock block, int start, int count, uint64_t room_offset,
                        const std::array<bool, 4>& sounding, bool humming) noexcept
{
    const auto [white_on, pink_on, room_on, modulation_on] = sounding;
    const bool silent = !(humming || white_on || pink_on || room_on || modulation_on);
    const uint64_t first = position_ + static_cast<uint64_t>(start);
    const size_t offset = static_cast<size_t>(start), stride = static_cast<size_t>(max_block_size_);
    Recursions runs[2]{};
    for (int k = 0; k < num_channels; ++k) {  // each channel's filters' draws
        Channel& channel = channels_[static_cast<size_t>(first_channel + k)];
        double *pink = &pink_[k * stride], *room = &room_[k * stride];
        if (!pink_on) {
            channel.hiss_pink.running = false;
        } else {
            if (!channel.hiss_pink.running) channel.hiss_pink.warm_up(channel.hiss_pink_key, first);
            draw_run(channel.hiss_pink_key, first, pink, count);
        }
        if (!room_on) {
            channel.room.running = false;
        } else {
            if (!channel.room.running) channel.room.warm_up(channel.room_key, first + room_offset);
            draw_run(channel.room_key, first + room_offset, room, count);
        }
        FirstOrderCascade<8>& hiss_pink = channel.hiss_pink;
        FirstOrderCascade<1>& room_tone = channel.room;
        runs[k].pink = {hiss_pink.pole.data(), hiss_pink.residue.data(), hiss_pink.state.data(), pink_on ? pink : nullptr,
                        hiss_pink.direct};
        runs[k].room = {room_tone.pole.data(), room_tone.residue.data(), room_tone.state.data(), room_on ? room : nullptr,
                        room_tone.direct};
        if (modulation_on)  // (off, the envelope holds)
            follow_signal(block.channel(first_channel + k) + start, first, count, envelope_attack_, envelope_release_,
                          channel.signal_peak, channel.envelope_from, channel.envelope_to, &envelope_[k * stride]);
    }
    if (pink_on || room_on) run_recursions(runs, num_channels, count);
    double* wander = wander_.data();
    for (int k = 0; k < num_channels; ++k) {
        Channel& channel = channels_[static_cast<size_t>(first_channel + k)];
        // The room tone's level wander moves between wander ticks, whether it sounds or not.
        for_each_tick_interval<kWanderTickSamples>(first, count, [&](int interval_start, int interval_end, int phase) {
            const uint64_t position = first + static_cast<uint64_t>(interval_start);
            if (phase == 0) channel.evaluate_room_level(tick_seconds(position / kWanderTickSamples + 1));
            const double from = channel.room_level_from, to = channel.room_level_to;
            if (room_on)
                for (int i = interval_start; i < interval_end; ++i)
                    wander[i] = from + (to - from) * (double(phase + i - interval_start) / kWanderTickSamples);
        });
        if (silent) continue;
        const FloorTerms terms{&hum_wave_[offset],
                               white_on ? &white_gain_[offset] : nullptr,
                               pink_on ? &pink_gain_[offset] : nullptr,
                               &pink_[k * stride],
                               room_on ? &room_gain_[offset] : nullptr,
                               wander,
                               &room_[k * stride],
                               modulation_on ? &modulation_gain_[offset] : nullptr,
                               &envelope_[k * stride],
                               channel.hiss_white_key,
                               channel.modulation_key,
                               first};
        add_floor(terms, block.channel(first_channel + k) + start, count);
    }
}

}  // namespace stemglue
