#include "stemglue/room.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "stemglue/multiversion.h"
#include "stemglue/random.h"
#include "stemglue/sine_cosine.h"
#include "stemglue/timeline_clock.h"
#include "stemglue/weighting.h"

namespace stemglue {
namespace {

// Loudness match: the early reflections sum coherently with the dry (a comb), so what the room adds
// depends on the programme (+0.06 to +0.8 LU at 15 %). The output is scaled by sqrt(<in^2> / <out^2>)
// of K-weighted powers (what loudness meters read: unweighted, the room's low end left up to
// 0.5 LU on a bass line), in one-pole averages from zero over 400 ms (the momentary window: at 1 s
// a chord change left the match off by up to 2 dB for a second), or half the RT60 if longer (a
// shorter average takes a long tail's slower decay, once the music stops, for the programme's and
// turns it down: 1.5 dB 2 s in at RT60 4 s); a ratio of powers, so level-independent: it follows
// the programme's spectrum, not its dynamics. Applied as fully as the dry is present: 1 + dry (match - 1).
constexpr double kMatchMs = 400.0, kMatchPerRt60 = 0.5;  // the averages and their root: ticked_power_ratio.h
constexpr double kSpeedOfSound = 343.0;
constexpr double kListenerX = 0.62, kListenerY = 0.5, kHeightFraction = 0.45, kMicSpacing = 0.2;
constexpr double kMaxSizeM = 30.0, kMaxPredelayMs = 50.0;
constexpr double kDiffuserMs[] = {0.7, 1.1, 1.7, 2.6, 4.1, 6.3};  // short: echo density builds within ~40 ms
constexpr double kDiffuserGain = 0.6;
constexpr double kMaxRotationRad = 0.25;
// The rotations change at most 0.25 rad x 2 pi x 0.6 Hz ~ 1 rad/s, so one new angle per 128
// samples, linear between, is smooth (the step is 2.5e-3 rad at 48 kHz).
constexpr int kRotationTick = 128;
// A change of the geometry or the decay while playing glides over this long: stepped, a tap that
// moves or a line whose gain jumps cuts the waveform (a click up to 70 dB over the steady state's
// highs), and a host's per-block ramp zippers.
constexpr double kGlideMs = 20.0;

// How far along a glide its j-th of length samples is: smoothstep, flat at both ends, so that the
// glide's own corners add no highs (a linear one's left the reflections' crossfade 15 dB over the
// steady state's highs above 3 kHz) and back-to-back glides (a host's ramp) join smoothly.
inline double glide_along(int done, int length) noexcept
{
    const double t = static_cast<double>(done) / length;
    return t * t * (3.0 - 2.0 * t);
}
constexpr uint64_t kRotationStream = 0x900, kInputSignStream = 0x901, kOutputRowStream = 0x902;

struct Vec3 {
    double x, y, z;
};

Vec3 dimensions(double size)
{
    return {size, 0.72 * size, std::max(2.4, 0.38 * size)};
}

double mean_line_delay_s(double size)
{
    return 0.012 + 0.0025 * size;
}

bool is_prime(int n)
{
    if (n < 2) return false;
    for (int d = 2; d * d <= n; ++d)
        if (n % d == 0) return false;
    return true;
}

// The largest |coefficient| of the Walsh-Hadamard transform of a +-1 pattern: how much of the
// input one line receives after the first pass through the feedback matrix.
int largest_hadamard_coefficient(uint32_t pattern)
{
    int values[Room::kLines];
    for (int i = 0; i < Room::kLines; ++i) values[i] = (pattern >> i) & 1 ? -1 : 1;
    for (int half = 1; half < Room::kLines; half <<= 1)
        for (int i = 0; i < Room::kLines; i += 2 * half)
            for (int k = i; k < i + half; ++k) {
                const int sum = values[k] + values[k + half];
                values[k + half] = values[k] - values[k + half];
                values[k] = sum;
            }
    int largest = 0;
    for (int value : values) largest = std::max(largest, std::abs(value));
    return largest;
}

// The lines' absorption, g (1 - p) / (1 - p z^-1) each, from in to out (which may be in). The lines
// are independent: eight samples of eight lines are loaded as rows and transposed, so that each
// step runs eight lines in one vector (one AVX-512 register of doubles), and the two groups'
// recursions overlap. In double: a pole near 1 (high damping in a large room) would hold a DC
// offset in float's dead band. Element by element the arithmetic is the scalar loop's.
STEMGLUE_MULTIVERSION
void absorb(const float* const* in, float* const* out, const double* feed, const double* pole, double* state, int n) noexcept
{
    using Floats = float __attribute__((vector_size(8 * sizeof(float))));
    using Doubles = double __attribute__((vector_size(8 * sizeof(double))));
    static_assert(Room::kLines % 8 == 0);
    constexpr int kGroups = Room::kLines / 8;
    Doubles s[kGroups], f[kGroups], p[kGroups];
    std::memcpy(s, state, sizeof s);
    std::memcpy(f, feed, sizeof f);
    std::memcpy(p, pole, sizeof p);
    const auto transpose = [](Floats(&rows)[8]) {  // unpack pairs, then quads, then halves
        Floats pairs[8], quads[8];
        for (int r = 0; r < 8; r += 2) {
            pairs[r] = __builtin_shufflevector(rows[r], rows[r + 1], 0, 8, 1, 9, 4, 12, 5, 13);
            pairs[r + 1] = __builtin_shufflevector(rows[r], rows[r + 1], 2, 10, 3, 11, 6, 14, 7, 15);
        }
        for (int r = 0; r < 8; r += 4)
            for (int h = 0; h < 2; ++h) {
                quads[r + h] = __builtin_shufflevector(pairs[r + h], pairs[r + h + 2], 0, 1, 8, 9, 4, 5, 12, 13);
                quads[r + h + 2] = __builtin_shufflevector(pairs[r + h], pairs[r + h + 2], 2, 3, 10, 11, 6, 7, 14, 15);
            }
        // quads[0..3] hold rows 0-3, quads[4..7] rows 4-7, of the columns {0, 4}, {2, 6}, {1, 5}, {3, 7}
        constexpr int kColumn[4] = {0, 2, 1, 3};
        for (int q = 0; q < 4; ++q) {
            rows[kColumn[q]] = __builtin_shufflevector(quads[q], quads[q + 4], 0, 1, 2, 3, 8, 9, 10, 11);
            rows[kColumn[q] + 4] = __builtin_shufflevector(quads[q], quads[q + 4], 4, 5, 6, 7, 12, 13, 14, 15);
        }
    };
    int j = 0;
    for (; j + 8 <= n; j += 8) {
        for (int g = 0; g < kGroups; ++g) {
            Floats block[8];  // rows: lines; after the transpose, columns: samples
            for (int r = 0; r < 8; ++r) std::memcpy(&block[r], in[8 * g + r] + j, sizeof block[r]);
            transpose(block);
            for (int t = 0; t < 8; ++t) {
                s[g] = f[g] * __builtin_convertvector(block[t], Doubles) + p[g] * s[g];
                block[t] = __builtin_convertvector(s[g], Floats);
            }
            transpose(block);
            for (int r = 0; r < 8; ++r) std::memcpy(out[8 * g + r] + j, &block[r], sizeof block[r]);
        }
    }
    for (; j < n; ++j)
        for (int g = 0; g < kGroups; ++g)
            for (int r = 0; r < 8; ++r) {
                s[g][r] = f[g][r] * in[8 * g + r][j] + p[g][r] * s[g][r];
                out[8 * g + r][j] = static_cast<float>(s[g][r]);
            }
    std::memcpy(state, s, sizeof s);
}

// absorb() while the decay glides: each line's feed and pole move from `from` to `to`, the j-th
// sample's glide_along(done + j + 1, length) of the way. Only for the 20 ms after a change: scalar.
void absorb_gliding(const float* const* in, float* const* out, const double* feed_from, const double* pole_from,
                    const double* feed_to, const double* pole_to, int done, int length, double* state, int n) noexcept
{
    for (int j = 0; j < n; ++j) {
        const double along = glide_along(done + j + 1, length);
        for (int i = 0; i < Room::kLines; ++i) {
            const double feed = feed_from[i] + (feed_to[i] - feed_from[i]) * along;
            const double pole = pole_from[i] + (pole_to[i] - pole_from[i]) * along;
            state[i] = feed * in[i][j] + pole * state[i];
            out[i][j] = static_cast<float>(state[i]);
        }
    }
}

// The 16-point Walsh-Hadamard transform of the lines, unscaled, vectorised across time: its four
// butterfly stages two at a time (four lines loaded, both stages' sums, four stored), the same
// additions as stage by stage with half the loads and stores.
STEMGLUE_MULTIVERSION
void hadamard(float* const* signals, int n) noexcept
{
    static_assert(Room::kLines == 16);
    for (int half = 1; half < Room::kLines; half <<= 2)
        for (int i = 0; i < Room::kLines; i += 4 * half)
            for (int k = i; k < i + half; ++k) {
                float* __restrict a = signals[k];
                float* __restrict b = signals[k + half];
                float* __restrict c = signals[k + 2 * half];
                float* __restrict d = signals[k + 3 * half];
                for (int j = 0; j < n; ++j) {
                    const float ab = a[j] + b[j], a_b = a[j] - b[j], cd = c[j] + d[j], c_d = c[j] - d[j];
                    a[j] = ab + cd;
                    b[j] = a_b + c_d;
                    c[j] = ab - cd;
                    d[j] = a_b - c_d;
                }
            }
}

// Scale by 1/4 (the Hadamard made unitary), rotate the pair (a, b) and add the input, into out_a and
// out_b (which may be a and b). The rotation's cosine and sine are on their ramp between two
// ticks, start + step (phase + j), worked out here rather than stored and read back.
STEMGLUE_MULTIVERSION
void rotate_and_feed(const float* a, const float* b, float cos_start, float cos_step, float sin_start, float sin_step, int phase,
                     const float* __restrict input, float into_a, float into_b, float* out_a, float* out_b, int n) noexcept
{
    for (int j = 0; j < n; ++j) {
        const float at = static_cast<float>(phase + j);
        const float cosine = cos_start + cos_step * at, sine = sin_start + sin_step * at;
        const float x = 0.25f * a[j], y = 0.25f * b[j];
        out_a[j] = cosine * x - sine * y + into_a * input[j];
        out_b[j] = sine * x + cosine * y + into_b * input[j];
    }
}

// A diffuser's step: w = x + g w[-d] into written, and x becomes y = w[-d] - g w.
STEMGLUE_MULTIVERSION
void allpass(float* __restrict x, const float* __restrict delayed, float* __restrict written, int n) noexcept
{
    const float gain = static_cast<float>(kDiffuserGain);
    for (int j = 0; j < n; ++j) {
        const float w = x[j] + gain * delayed[j];
        written[j] = w;
        x[j] = delayed[j] - gain * w;
    }
}

STEMGLUE_MULTIVERSION
void add_scaled(float* __restrict out, const float* __restrict in, float gain, int n) noexcept
{
    for (int j = 0; j < n; ++j) out[j] += gain * in[j];
}

// out[j] += g[0] a[0][j], then += g[1] a[1][j], and so on: four taps' sums in one pass, in the
// order four single passes would add them; first: out starts from 0 (not read).
STEMGLUE_MULTIVERSION
void add_scaled_four(float* __restrict out, const float* __restrict a0, const float* __restrict a1, const float* __restrict a2,
                     const float* __restrict a3, const float* gains, bool first, int n) noexcept
{
    const float g0 = gains[0], g1 = gains[1], g2 = gains[2], g3 = gains[3];
    if (first)
        for (int j = 0; j < n; ++j) out[j] = (((0.0f + g0 * a0[j]) + g1 * a1[j]) + g2 * a2[j]) + g3 * a3[j];
    else
        for (int j = 0; j < n; ++j) out[j] = (((out[j] + g0 * a0[j]) + g1 * a1[j]) + g2 * a2[j]) + g3 * a3[j];
}

STEMGLUE_MULTIVERSION
void copy_scaled(float* __restrict out, const float* __restrict in, float gain, int n) noexcept
{
    for (int j = 0; j < n; ++j) out[j] = gain * in[j];
}

STEMGLUE_MULTIVERSION
void copy_gained(float* __restrict out, const float* __restrict in, const float* __restrict gain, int n) noexcept
{
    for (int j = 0; j < n; ++j) out[j] = gain[j] * in[j];
}

// A crossfade's stretch from the old taps' reflections to the new ones' (in out): the j-th sample
// glide_along(done + j + 1, length) of the way.
STEMGLUE_MULTIVERSION
void crossfade(float* __restrict out, const float* __restrict old, int done, int length, int n) noexcept
{
    for (int j = 0; j < n; ++j) {
        const float along = static_cast<float>(glide_along(done + j + 1, length));
        out[j] = old[j] + along * (out[j] - old[j]);
    }
}

// Early/late balance, then mid/side width: the wet signal for mono, left and right outputs.
STEMGLUE_MULTIVERSION
void wet_signals(const float* __restrict early_left, const float* __restrict early_right, const float* __restrict late_left,
                 const float* __restrict late_right, const double* __restrict early_percent,
                 const double* __restrict width_percent, float* __restrict mid, float* __restrict left, float* __restrict right,
                 int n) noexcept
{
    for (int j = 0; j < n; ++j) {
        const float balance = 0.01f * static_cast<float>(early_percent[j]);
        const float early_gain = std::min(1.0f, 2.0f * balance), late_gain = std::min(1.0f, 2.0f * (1.0f - balance));
        const float l = early_gain * early_left[j] + late_gain * late_left[j];
        const float r = early_gain * early_right[j] + late_gain * late_right[j];
        const float side = 0.5f * (l - r) * 0.01f * static_cast<float>(width_percent[j]);
        mid[j] = 0.5f * (l + r);
        left[j] = mid[j] + side;
        right[j] = mid[j] - side;
    }
}

// A pair of channels (x0, x1; a last odd channel is both, its second copy weighing 0): the dry at
// unity up to 50 % (the room is added, not crossfaded in), then fading out to pure wet at 100 %,
// x = x min(1, 2 (1 - mix)) + wet mix; and the K-weighted power (BS.1770) of the input and the
// output added to in_power and out_power. The four K filters (in 0, in 1, out 0, out 1) run as
// the lanes of one vector: two sections in direct form II transposed, as scipy's sosfilt; state
// holds [section][z][lane].
STEMGLUE_MULTIVERSION
void mix_and_weigh(float* x0, float* x1, const float* __restrict wet0, const float* __restrict wet1, const double* __restrict mix,
                   const SecondOrderSection* k, double* state, double second_weight, double* __restrict in_power,
                   double* __restrict out_power, int n) noexcept
{
    using Floats = float __attribute__((vector_size(4 * sizeof(float))));
    using Doubles = double __attribute__((vector_size(4 * sizeof(double))));
    Doubles z[2][2];
    std::memcpy(z, state, sizeof z);
    // In runs, three passes: the mix (vectorised), the filters' recursions alone, the powers
    // (vectorised); the recursions' loop then holds little besides them.
    constexpr int kRun = 64;
    float heard[kRun][4];     // in 0, in 1, out 0, out 1
    double squares[kRun][4];  // their K-weighted squares
    for (int start = 0; start < n; start += kRun) {
        const int m = std::min(kRun, n - start);
        for (int i = 0; i < m; ++i) {
            const int j = start + i;
            const float amount = static_cast<float>(mix[j]), dry = std::min(1.0f, 2.0f * (1.0f - amount));
            const float in0 = x0[j], in1 = x1[j];
            const float out0 = in0 * dry + wet0[j] * amount, out1 = in1 * dry + wet1[j] * amount;
            x1[j] = out1;
            x0[j] = out0;
            heard[i][0] = in0;
            heard[i][1] = in1;
            heard[i][2] = out0;
            heard[i][3] = out1;
        }
        for (int i = 0; i < m; ++i) {
            Floats h;
            std::memcpy(&h, heard[i], sizeof h);
            Doubles y = __builtin_convertvector(h, Doubles);
            for (int s = 0; s < 2; ++s) {
                const Doubles v = y;
                y = k[s].b0 * v + z[s][0];
                z[s][0] = k[s].b1 * v - k[s].a1 * y + z[s][1];
                z[s][1] = k[s].b2 * v - k[s].a2 * y;
            }
            const Doubles square = y * y;
            std::memcpy(squares[i], &square, sizeof square);
        }
        for (int i = 0; i < m; ++i) {
            in_power[start + i] += squares[i][0] + second_weight * squares[i][1];
            out_power[start + i] += squares[i][2] + second_weight * squares[i][3];
        }
    }
    std::memcpy(state, z, sizeof z);
}

// The loudness match's gain into out_power: the root of the powers' averaged ratio (match), then
// 1 + dry (root - 1), as strong as the dry is present. One function with vector clones (the
// match's loops are inline).
STEMGLUE_MULTIVERSION
void match_loudness(TickedPowerRatio& match, uint64_t position, const double* in_power, double* out_power, const double* mix,
                    int n) noexcept
{
    match.process(position, in_power, out_power, out_power, n);
    for (int j = 0; j < n; ++j) {
        const double dry = std::min(1.0, 2.0 * (1.0 - static_cast<double>(static_cast<float>(mix[j]))));
        out_power[j] = 1.0 + dry * (out_power[j] - 1.0);
    }
}

STEMGLUE_MULTIVERSION
void apply_match(float* __restrict x, const double* __restrict gain, int n) noexcept
{
    for (int j = 0; j < n; ++j) x[j] = static_cast<float>(x[j] * gain[j]);
}

// The pairs' rotations at a tick: each angle a slow sine of its own rate from its seeded offset
// (cycles), scaled by the modulation. All eight pairs in vector lanes (sine_cosine_turns inline).
STEMGLUE_MULTIVERSION
void rotations(const double* __restrict offset, double seconds, double modulation_percent, double* __restrict cosine,
               double* __restrict sine) noexcept
{
    for (int s = 0; s < Room::kLines / 2; ++s) {
        const double cycles = offset[s] + (0.11 + 0.07 * static_cast<double>(s)) * seconds;
        const double angle_turns = 0.01 * modulation_percent * (kMaxRotationRad * 0.5 / M_PI) * sine_cosine_turns(cycles).sine;
        const SineCosine rotation = sine_cosine_turns(angle_turns);
        cosine[s] = rotation.cosine;
        sine[s] = rotation.sine;
    }
}

}  // namespace

void Room::Ring::allocate(size_t minimum)
{
    size_t size = 1;
    while (size < minimum) size <<= 1;
    data.assign(size, 0.0f);
    mask = size - 1;
    write = 0;
}

void Room::Ring::clear() noexcept
{
    std::fill(data.begin(), data.end(), 0.0f);
    write = 0;
}

void Room::Ring::push(const float* samples, int n) noexcept
{
    int done = 0;
    while (done < n) {  // at most two contiguous runs
        const int run = std::min(n - done, static_cast<int>(data.size() - write));
        std::copy(samples + done, samples + done + run, data.data() + write);
        done += run;
        write = (write + static_cast<size_t>(run)) & mask;
    }
}

const float* Room::Ring::span(int back, int n) const noexcept
{
    const size_t start = (write - static_cast<size_t>(back)) & mask;
    return start + static_cast<size_t>(n) <= data.size() ? data.data() + start : nullptr;
}

float* Room::Ring::next_span(int n) noexcept
{
    return write + static_cast<size_t>(n) <= data.size() ? data.data() + write : nullptr;
}

void Room::Ring::advance(int n) noexcept
{
    write = (write + static_cast<size_t>(n)) & mask;
}

void Room::Ring::read(int back, int n, float gain, float* out, bool accumulate) const noexcept
{
    size_t start = (write - static_cast<size_t>(back)) & mask;
    int done = 0;
    while (done < n) {
        const int run = std::min(n - done, static_cast<int>(data.size() - start));
        const float* source = data.data() + start;
        (accumulate ? add_scaled : copy_scaled)(out + done, source, gain, run);
        done += run;
        start = 0;
    }
}

void Room::Ring::read_taps(const Tap* taps, int count, int back, int n, float* out) const noexcept
{
    if (count < 4) std::fill(out, out + n, 0.0f);  // (else the first four taps' pass starts out from 0)
    int t = 0;
    for (; t + 4 <= count; t += 4) {
        size_t start[4];
        const float gains[4] = {taps[t].gain, taps[t + 1].gain, taps[t + 2].gain, taps[t + 3].gain};
        for (int k = 0; k < 4; ++k) start[k] = (write - static_cast<size_t>(back + taps[t + k].delay_samples)) & mask;
        for (int done = 0; done < n;) {  // up to the next place one of the four wraps
            int run = n - done;
            for (int k = 0; k < 4; ++k) run = std::min(run, static_cast<int>(data.size() - start[k]));
            add_scaled_four(out + done, data.data() + start[0], data.data() + start[1], data.data() + start[2],
                            data.data() + start[3], gains, t == 0, run);
            done += run;
            for (size_t& read_at : start) read_at = (read_at + static_cast<size_t>(run)) & mask;
        }
    }
    for (; t < count; ++t) read(back + taps[t].delay_samples, n, taps[t].gain, out, true);
}

void Room::prepare_module()
{
    const double sample_rate = sample_rate_;
    const Vec3 largest = dimensions(kMaxSizeM);
    const double longest_reflection_s = 4.0 * (largest.x + largest.y + largest.z) / kSpeedOfSound + kMaxPredelayMs / 1000.0;
    input_.allocate(static_cast<size_t>(longest_reflection_s * sample_rate) + 2 * static_cast<size_t>(max_block_size_) + 2);
    for (int d = 0; d < kDiffusers; ++d) {
        diffuser_delays_[static_cast<size_t>(d)] =
            std::max(1, static_cast<int>(std::lround(kDiffuserMs[d] * 0.001 * sample_rate)));
        diffusers_[static_cast<size_t>(d)].allocate(
            static_cast<size_t>(diffuser_delays_[static_cast<size_t>(d)] + max_block_size_ + 1));
    }
    const size_t longest_line = static_cast<size_t>(mean_line_delay_s(kMaxSizeM) * 1.65 * sample_rate) + 64;
    for (Ring& line : lines_) line.allocate(longest_line + static_cast<size_t>(max_block_size_));

    const size_t block = static_cast<size_t>(max_block_size_);
    for (auto* buffer :
         {&mono_, &predelayed_, &early_left_, &early_right_, &late_left_, &late_right_, &wet_mid_, &wet_left_, &wet_right_})
        buffer->assign(block, 0.0f);
    // delayed, then written, where a ring wraps: runs no longer than the longest diffuser delay
    diffuser_scratch_.assign(2 * std::min(block, static_cast<size_t>(diffuser_delays_.back())), 0.0f);
    input_power_.assign(block, 0.0);
    output_power_.assign(block, 0.0);
    k_weighting_ = k_weighting(sample_rate);
    heard_in_.assign(static_cast<size_t>(num_channels_), {});
    heard_out_.assign(static_cast<size_t>(num_channels_), {});
    line_signals_.assign(kLines, std::vector<float>(block));
    ramps_.assign(block / kRotationTick + 2, RotationRamp{});
    faded_scratch_.assign(block, 0.0f);
    late_gain_.assign(block, 0.0f);
    fade_samples_ = decay_glide_samples_ = std::max(1, static_cast<int>(std::lround(kGlideMs * 0.001 * sample_rate)));
}

void Room::design_reflections(Reflections& into) const noexcept
{
    const Vec3 room = dimensions(size_m_.value());
    const double height = kHeightFraction * room.z;
    const Vec3 source{0.01 * source_x_percent_.value() * room.x, 0.01 * source_y_percent_.value() * room.y, height};
    const double volume = room.x * room.y * room.z;
    const double surface = 2.0 * (room.x * room.y + room.x * room.z + room.y * room.z);
    const double absorption =
        std::clamp(24.0 * std::log(10.0) * volume / (kSpeedOfSound * surface * rt60_s_.value()), 0.01, 0.95);
    const double reflection = std::sqrt(1.0 - absorption);
    const double source_xyz[3] = {source.x, source.y, source.z}, size_xyz[3] = {room.x, room.y, room.z};

    double mean_direct_squared = 0.0;
    for (int mic = 0; mic < 2; ++mic) {
        const double listener[3] = {kListenerX * room.x, kListenerY * room.y + (mic == 0 ? -0.5 : 0.5) * kMicSpacing, height};
        double direct = 0.0;
        for (int a = 0; a < 3; ++a) direct += (source_xyz[a] - listener[a]) * (source_xyz[a] - listener[a]);
        direct = std::max(std::sqrt(direct), 0.1);
        int count = 0;
        // Allen & Berkley: along each axis the image is (1 - 2p) s + 2 n L, reflected |n - p| + |n| times.
        for (int nx = -2; nx <= 2; ++nx)
            for (int px = 0; px <= 1; ++px)
                for (int ny = -2; ny <= 2; ++ny)
                    for (int py = 0; py <= 1; ++py)
                        for (int nz = -2; nz <= 2; ++nz)
                            for (int pz = 0; pz <= 1; ++pz) {
                                const int n[3] = {nx, ny, nz}, p[3] = {px, py, pz};
                                int order = 0;
                                double distance = 0.0;
                                for (int a = 0; a < 3; ++a) {
                                    order += std::abs(n[a] - p[a]) + std::abs(n[a]);
                                    const double image = (1 - 2 * p[a]) * source_xyz[a] + 2 * n[a] * size_xyz[a];
                                    distance += (image - listener[a]) * (image - listener[a]);
                                }
                                if (order < 1 || order > 3 || count >= kMaxTaps) continue;
                                distance = std::sqrt(distance);
                                const double delay_s = (distance - direct) / kSpeedOfSound + predelay_ms_.value() / 1000.0;
                                into.taps[static_cast<size_t>(mic)][static_cast<size_t>(count++)] = {
                                    static_cast<int>(std::lround(delay_s * sample_rate_)),
                                    static_cast<float>(std::pow(reflection, order) * direct / distance)};
                            }
        into.counts[static_cast<size_t>(mic)] = count;
        mean_direct_squared += 0.5 * direct * direct;
    }
    // The tail continues the reflections' decay at their level. Image sources fill space one per
    // room volume, each heard at (d_direct / d)^2 of the direct energy, so reflections arrive with
    // 4 pi c d_direct^2 / V of it per second, times the decay: the diffuse field. The FDN spreads
    // an impulse's unit energy evenly over its lines, so each output carries 1 / (total line
    // length) per sample, times the same decay.
    int total_line_samples = 0;
    for (int delay : line_delays_) total_line_samples += delay;
    const double diffuse_per_sample = 4.0 * M_PI * kSpeedOfSound * mean_direct_squared / (volume * sample_rate_);
    into.late_level = std::sqrt(diffuse_per_sample * total_line_samples);
}

void Room::design_decay(double* feed, double* pole) const noexcept
{
    // Exact at DC (RT60) and Nyquist (damping * RT60): |H(1)| = g, |H(-1)| = g (1 - p) / (1 + p).
    for (int i = 0; i < kLines; ++i) {
        const double seconds = line_delays_[static_cast<size_t>(i)] / sample_rate_;
        const double gain_dc = std::pow(10.0, -3.0 * seconds / rt60_s_.value());
        const double gain_nyquist = std::pow(10.0, -3.0 * seconds / (damping_.value() * rt60_s_.value()));
        const double ratio = gain_nyquist / gain_dc;
        pole[i] = (1.0 - ratio) / (1.0 + ratio);
        feed[i] = gain_dc * (1.0 - pole[i]);
    }
}

void Room::reset_module() noexcept
{
    predelay_samples_ = static_cast<int>(std::lround(predelay_ms_.value() * 0.001 * sample_rate_));
    match_.reset();
    for (auto* states : {&heard_in_, &heard_out_}) std::fill(states->begin(), states->end(), std::array<double, 4>{});
    input_.clear();
    for (Ring& diffuser : diffusers_) diffuser.clear();
    for (Ring& line : lines_) line.clear();
    line_state_.fill(0.0);

    // Mutually prime line delays: the next unused prime above each target (0.35 to 1.65 x the
    // mean): short lines return early (density), long ones keep the modes dense.
    const double mean = mean_line_delay_s(size_m_.value()) * sample_rate_;
    int previous = 1;
    for (int i = 0; i < kLines; ++i) {
        int candidate = std::max(previous + 1, static_cast<int>(std::lround(mean * (0.35 + 1.3 * i / (kLines - 1)))));
        while (!is_prime(candidate)) ++candidate;
        line_delays_[static_cast<size_t>(i)] = previous = candidate;
    }
    set_match_average();
    design_decay(line_feed_.data(), line_pole_.data());
    decay_glide_done_ = decay_glide_samples_;
    decay_pending_ = false;
    design_reflections(reflections_);
    fade_done_ = fade_samples_;
    has_pending_ = false;

    // The seed's room is one listener (the two Hadamard rows the outputs read) and one tail; each
    // track enters it through its own input sign pattern (one that spreads over the lines: no line
    // gets more than a quarter of the first pass), as each source stands elsewhere in the room.
    // The FDN is linear, so the tracks' tails sum to the tail of one FDN fed by every track.
    const uint64_t seed = static_cast<uint64_t>(seed_.value());
    const uint64_t sign_key = stream_key(track_seed(seed, static_cast<uint64_t>(track_id_.value())), kInputSignStream);
    uint32_t pattern = 0;
    for (uint64_t attempt = 0; attempt == 0 || largest_hadamard_coefficient(pattern) > kLines / 2; ++attempt)
        pattern = static_cast<uint32_t>(random_u64(sign_key, attempt) & 0xFFFF);
    for (int i = 0; i < kLines; ++i) input_signs_[static_cast<size_t>(i)] = (pattern >> i) & 1 ? -0.25f : 0.25f;
    const uint64_t rows = random_u64(stream_key(seed, kOutputRowStream), 0);
    left_row_ = static_cast<int>(rows % kLines);
    right_row_ = static_cast<int>((rows % kLines + 1 + (rows / kLines) % (kLines - 1)) % kLines);

    seek_module();
}

// The rotations are where the timeline puts them: each angle is a pure function of its rotation
// tick (a seeded start plus the rate times the tick's time), never a running sum.
void Room::seek_module() noexcept
{
    const uint64_t key = stream_key(static_cast<uint64_t>(seed_.value()), kRotationStream);
    for (size_t s = 0; s < kLines / 2; ++s) rotation_offset_[s] = random_uniform(key, s);
    const TickSpan ticks = ticks_around(position_, kRotationTick);
    rotate_to(ticks.previous, modulation_percent_.value());
    rotate_to(ticks.next, modulation_percent_.value());
}

// The angles at a rotation tick become the target; the last target becomes the start.
void Room::rotate_to(uint64_t tick, double modulation_percent) noexcept
{
    const double seconds = static_cast<double>(tick) * (kRotationTick / sample_rate_);
    cos_from_ = cos_to_;
    sin_from_ = sin_to_;
    rotations(rotation_offset_.data(), seconds, modulation_percent, cos_to_.data(), sin_to_.data());
}

int64_t Room::tail_samples() const noexcept
{
    if (mix_percent_.target() <= 0.0) return 0;
    // Until the tail is 90 dB down: 1.5 RT60 (the longest decay; damping only shortens the highs)
    // after the predelay and the travel of the order-3 reflections and the FDN's first pass, at
    // most about four room lengths.
    const double seconds = 0.001 * predelay_ms_.target() + 1.5 * rt60_s_.target() + 4.0 * size_m_.target() / kSpeedOfSound;
    return static_cast<int64_t>(std::ceil(seconds * sample_rate_));
}

void Room::set_parameter(int index, double value) noexcept
{
    const double rt60_s = rt60_s_.value(), damping = damping_.value();
    const double source_x = source_x_percent_.value(), source_y = source_y_percent_.value();
    Module::set_parameter(index, value);
    if (num_channels_ == 0) return;  // designed at reset
    const bool new_rt60 = rt60_s_.value() != rt60_s;
    if (new_rt60) set_match_average();
    // The lines glide to the new decay now, or after the glide under way (from where that ends).
    if (new_rt60 || damping_.value() != damping) {
        design_decay(pending_feed_.data(), pending_pole_.data());
        decay_pending_ = true;
    }
    // The walls' absorption follows the RT60. The new reflections are faded to now, or after the
    // crossfade under way (the newest design waits: a host's ramp moves them every 20 ms). A
    // crossfade not yet begun takes the newest design: changes at one sample (X and Y, a preset)
    // are one crossfade, whatever order they are set in.
    if (new_rt60 || source_x_percent_.value() != source_x || source_y_percent_.value() != source_y) {
        if (fade_done_ == 0) {
            design_reflections(reflections_);
        } else {
            design_reflections(pending_);
            has_pending_ = true;
            if (fade_done_ == fade_samples_) start_crossfade();
        }
    }
}

void Room::set_match_average() noexcept
{
    const double match_ms = std::max(kMatchMs, 1000.0 * kMatchPerRt60 * rt60_s_.value());
    match_.set_average(std::exp(-1000.0 / (match_ms * sample_rate_)));
}

void Room::start_crossfade() noexcept
{
    faded_from_ = reflections_;
    reflections_ = pending_;
    has_pending_ = false;
    fade_done_ = 0;
}

void Room::fill_rotations(int n) noexcept
{
    // (cos, sin) of each pair, new at each tick and linear between ticks. The chord lies inside
    // the unit circle, so the feedback can only lose energy between ticks, by at most step^2 / 8
    // (~8e-7 at 48 kHz): stable, and far below any decay the lines are set for.
    ramp_count_ = 0;
    for_each_tick_interval<kRotationTick>(position_, n, [&](int start, int end, int phase) {
        if (phase == 0)
            rotate_to((position_ + static_cast<uint64_t>(start)) / kRotationTick + 1,
                      modulation_values_[static_cast<size_t>(start)]);
        RotationRamp& ramp = ramps_[static_cast<size_t>(ramp_count_++)];
        ramp.start = start;
        ramp.end = end;
        ramp.phase = phase;
        for (size_t k = 0; k < kLines / 2; ++k) {
            ramp.cos_start[k] = static_cast<float>(cos_from_[k]);
            ramp.cos_step[k] = static_cast<float>((cos_to_[k] - cos_from_[k]) / kRotationTick);
            ramp.sin_start[k] = static_cast<float>(sin_from_[k]);
            ramp.sin_step[k] = static_cast<float>((sin_to_[k] - sin_from_[k]) / kRotationTick);
        }
    });
}

void Room::run_late(const float* input, int n) noexcept
{
    fill_rotations(n);
    std::array<float*, kLines> signals;
    std::array<const float*, kLines> delayed;
    std::array<float*, kLines> written;
    for (int i = 0; i < kLines; ++i) signals[static_cast<size_t>(i)] = line_signals_[static_cast<size_t>(i)].data();
    const int shortest = line_delays_[0];
    for (int start = 0; start < n; start += shortest) {
        const int length = std::min(shortest, n - start);
        // The lines are read and written in place in their rings, unless a ring wraps within the
        // sub-block (once per ring length): then through the scratch signals.
        bool in_place = true;
        for (size_t i = 0; i < kLines; ++i) {
            delayed[i] = lines_[i].span(line_delays_[i], length);
            written[i] = lines_[i].next_span(length);
            in_place = in_place && delayed[i] && written[i];
        }
        if (!in_place) {
            for (size_t i = 0; i < kLines; ++i) {
                lines_[i].read(line_delays_[i], length, 1.0f, signals[i], false);
                delayed[i] = written[i] = signals[i];
            }
        }
        absorb_lines(delayed.data(), signals.data(), length);
        hadamard(signals.data(), length);
        // The outputs are two rows of the (unitary) Hadamard mix: orthogonal, so L and R are uncorrelated.
        if (late_gain_ramped_) {
            copy_gained(late_left_.data() + start, signals[static_cast<size_t>(left_row_)], late_gain_.data() + start, length);
            copy_gained(late_right_.data() + start, signals[static_cast<size_t>(right_row_)], late_gain_.data() + start, length);
        } else {
            const float output_gain = static_cast<float>(0.25 * reflections_.late_level);
            copy_scaled(late_left_.data() + start, signals[static_cast<size_t>(left_row_)], output_gain, length);
            copy_scaled(late_right_.data() + start, signals[static_cast<size_t>(right_row_)], output_gain, length);
        }
        // Then the slow rotations of line pairs (k, k + 8), ramp by ramp, and the input.
        for (int r = 0; r < ramp_count_; ++r) {
            const RotationRamp& ramp = ramps_[static_cast<size_t>(r)];
            const int from = std::max(start, ramp.start), to = std::min(start + length, ramp.end);
            if (from >= to) continue;
            const int at = from - start;
            for (size_t k = 0; k < kLines / 2; ++k)
                rotate_and_feed(signals[k] + at, signals[k + kLines / 2] + at, ramp.cos_start[k], ramp.cos_step[k],
                                ramp.sin_start[k], ramp.sin_step[k], ramp.phase + (from - ramp.start), input + from,
                                input_signs_[k], input_signs_[k + kLines / 2], written[k] + at, written[k + kLines / 2] + at,
                                to - from);
        }
        for (size_t i = 0; i < kLines; ++i) {
            if (in_place)
                lines_[i].advance(length);
            else
                lines_[i].push(signals[i], length);
        }
    }
}

void Room::absorb_lines(const float* const* delayed, float* const* signals, int n) noexcept
{
    if (decay_glide_done_ == decay_glide_samples_ && !decay_pending_) {
        absorb(delayed, signals, line_feed_.data(), line_pole_.data(), line_state_.data(), n);
        return;
    }
    std::array<const float*, kLines> in;
    std::array<float*, kLines> out;
    for (int at = 0; at < n;) {
        for (size_t i = 0; i < kLines; ++i) {
            in[i] = delayed[i] + at;
            out[i] = signals[i] + at;
        }
        if (decay_glide_done_ == decay_glide_samples_) {
            if (!decay_pending_) {
                absorb(in.data(), out.data(), line_feed_.data(), line_pole_.data(), line_state_.data(), n - at);
                return;
            }
            feed_from_ = line_feed_;
            pole_from_ = line_pole_;
            feed_to_ = pending_feed_;
            pole_to_ = pending_pole_;
            decay_pending_ = false;
            decay_glide_done_ = 0;
        }
        const int length = std::min(n - at, decay_glide_samples_ - decay_glide_done_);
        absorb_gliding(in.data(), out.data(), feed_from_.data(), pole_from_.data(), feed_to_.data(), pole_to_.data(),
                       decay_glide_done_, decay_glide_samples_, line_state_.data(), length);
        decay_glide_done_ += length;
        at += length;
        if (decay_glide_done_ == decay_glide_samples_) {
            line_feed_ = feed_to_;
            line_pole_ = pole_to_;
        }
    }
}

// The early reflections into early_left_ and early_right_ (zero where not heard), and, while a
// crossfade runs, the tail's gain per sample into late_gain_.
void Room::early_reflections(int n, bool heard) noexcept
{
    std::array<float*, 2> out{early_left_.data(), early_right_.data()};
    late_gain_ramped_ = fade_done_ < fade_samples_ || has_pending_;  // (one may wait at a chunk's start)
    if (!heard)
        for (float* reflections : out) std::fill(reflections, reflections + n, 0.0f);
    int at = 0;
    while (late_gain_ramped_ && at < n) {
        if (fade_done_ == fade_samples_) {
            if (!has_pending_) break;
            start_crossfade();
        }
        const int length = std::min(n - at, fade_samples_ - fade_done_);
        if (heard)
            for (size_t mic = 0; mic < 2; ++mic) {
                input_.read_taps(faded_from_.taps[mic].data(), faded_from_.counts[mic], n - at, length, faded_scratch_.data());
                input_.read_taps(reflections_.taps[mic].data(), reflections_.counts[mic], n - at, length, out[mic] + at);
                crossfade(out[mic] + at, faded_scratch_.data(), fade_done_, fade_samples_, length);
            }
        const float from = static_cast<float>(0.25 * faded_from_.late_level);
        const float to = static_cast<float>(0.25 * reflections_.late_level);
        for (int j = 0; j < length; ++j)
            late_gain_[static_cast<size_t>(at + j)] =
                from + static_cast<float>(glide_along(fade_done_ + j + 1, fade_samples_)) * (to - from);
        fade_done_ += length;
        at += length;
    }
    if (late_gain_ramped_)
        std::fill(late_gain_.begin() + at, late_gain_.begin() + n, static_cast<float>(0.25 * reflections_.late_level));
    if (heard && at < n)
        for (size_t mic = 0; mic < 2; ++mic)
            input_.read_taps(reflections_.taps[mic].data(), reflections_.counts[mic], n - at, n - at, out[mic] + at);
}

void Room::process_chunk(AudioBlock block) noexcept
{
    const int n = block.num_samples;
    const size_t count = static_cast<size_t>(n);
    const bool early_moving = early_percent_.is_smoothing();  // asked before the fill: a ramp may end in this chunk
    const double* early = early_percent_.fill(n);
    const double* width = width_percent_.fill(n);
    modulation_values_ = modulation_percent_.fill(n);
    const double* mix = mix_percent_.fill(n, [](double percent) { return 0.01 * percent; });

    // One source: the room hears the mono sum.
    std::fill(mono_.begin(), mono_.begin() + n, 0.0f);
    for (int c = 0; c < block.num_channels; ++c) {
        const float* x = block.channel(c);
        const float share = 1.0f / static_cast<float>(block.num_channels);
        for (size_t j = 0; j < count; ++j) mono_[j] += share * x[j];
    }
    input_.push(mono_.data(), n);

    // Early reflections: taps on the input (each tap's delay already includes the predelay). Not
    // heard at an early/late balance of 0 %: then not read (their weight in the wet is 0).
    const bool early_heard = early_moving || early[0] != 0.0;
    early_reflections(n, early_heard);

    // Late: predelayed input through the diffusers into the FDN.
    input_.read(n + predelay_samples_, n, 1.0f, predelayed_.data(), false);
    for (int d = 0; d < kDiffusers; ++d) {
        Ring& ring = diffusers_[static_cast<size_t>(d)];
        const int delay = diffuser_delays_[static_cast<size_t>(d)];
        for (int start = 0; start < n; start += delay) {  // w = x + g w[-d]; y = w[-d] - g w
            const int length = std::min(delay, n - start);
            float* x = predelayed_.data() + start;
            const float* delayed = ring.span(delay, length);
            float* written = ring.next_span(length);
            if (delayed && written) {  // in place in the ring (see run_late)
                allpass(x, delayed, written, length);
                ring.advance(length);
            } else {
                float* scratch = diffuser_scratch_.data();
                ring.read(delay, length, 1.0f, scratch, false);
                allpass(x, scratch, scratch + length, length);
                ring.push(scratch + length, length);
            }
        }
    }
    run_late(predelayed_.data(), n);

    wet_signals(early_left_.data(), early_right_.data(), late_left_.data(), late_right_.data(), early, width, wet_mid_.data(),
                wet_left_.data(), wet_right_.data(), n);
    std::fill(input_power_.begin(), input_power_.begin() + n, 0.0);
    std::fill(output_power_.begin(), output_power_.begin() + n, 0.0);
    const auto wet_for = [&](int c) {
        return block.num_channels == 1 ? wet_mid_.data() : (c % 2 == 0 ? wet_left_.data() : wet_right_.data());
    };
    for (int c = 0; c < block.num_channels; c += 2) {
        const int second = std::min(c + 1, block.num_channels - 1);
        const size_t channels[4] = {static_cast<size_t>(c), static_cast<size_t>(second), static_cast<size_t>(c),
                                    static_cast<size_t>(second)};
        double lanes[2][2][4];  // [section][z][in c, in second, out c, out second]
        for (int s = 0; s < 2; ++s)
            for (int z = 0; z < 2; ++z)
                for (int lane = 0; lane < 4; ++lane)
                    lanes[s][z][lane] = (lane < 2 ? heard_in_ : heard_out_)[channels[lane]][static_cast<size_t>(2 * s + z)];
        mix_and_weigh(block.channel(c), block.channel(second), wet_for(c), wet_for(second), mix, k_weighting_.data(),
                      &lanes[0][0][0], second == c ? 0.0 : 1.0, input_power_.data(), output_power_.data(), n);
        for (int s = 0; s < 2; ++s)
            for (int z = 0; z < 2; ++z)
                for (int lane = 0; lane < 4; ++lane)
                    (lane < 2 ? heard_in_ : heard_out_)[channels[lane]][static_cast<size_t>(2 * s + z)] = lanes[s][z][lane];
    }
    // Loudness match, as strong as the dry is present (none at 100 %: the pure wet is left as it is).
    match_loudness(match_, position_, input_power_.data(), output_power_.data(), mix, n);
    for (int c = 0; c < block.num_channels; ++c) apply_match(block.channel(c), output_power_.data(), n);
}

}  // namespace stemglue
