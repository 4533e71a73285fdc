#include "stemglue/tube.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include "stemglue/envelope_follower.h"
#include "stemglue/multiversion.h"
#include "stemglue/smooth_random.h"   // kControlInterval
#include "stemglue/timeline_clock.h"  // for_each_tick_interval

namespace stemglue {
namespace {

constexpr double kBloomAttackMs = 10.0;
constexpr double kBloomReleaseMs = 200.0;
static_assert(kBloomAttackMs < kBloomReleaseMs, "the bloom envelope takes the attack for the faster");
constexpr double kSagDepth = 0.25;       // gain drop at full bloom and a saturated envelope
constexpr double kBloomBiasDepth = 2.0;  // bias grows up to 3x at full bloom
// Swing at which the curve's secant gain is compensated: the RMS amplitude of a -12 dBFS sine,
// so that sine keeps its RMS level (within about 1 dB) at any drive, clean or fully clipped.
constexpr double kLevelReferenceSwing = 0.25 / 1.4142135623730951;
// Loudness match: the static compensation above is exact for one swing only, and a loud stem
// compresses more (-0.31 to -0.37 LU on loud stems at defaults). Each channel's wet is trimmed by
// the square root of its power loss: the ratio of short-term (100 ms) powers of the DC-free,
// latency-aligned dry and wet, its logarithm averaged in time over 3 s while the dry is above
// -60 dBFS (silence holds the trim), sampled at each control tick. A time average of the
// logarithm, not a power-weighted average, lets a quiet passage lose a loud one's trim in seconds,
// and a short overload moves it by its share of the time only (a 100 ms square at +6 dBFS in music
// at -10 dBFS peak left +5.9 dB two seconds on when 400 ms powers' ratios were averaged; now +1.4).
// Each ratio is weighted by how much heard signal its short-term powers hold (a 100 ms average of
// the gate), and the average holds a prior at unity worth 0.1 s of that weight, fading as the
// short averages settle: a stream's first, unsettled ratios cannot swing the trim, and a steady
// signal still gets its own trim within about a second. Far slower than the bloom, it leaves the
// dynamics to the tube.
constexpr double kMatchShortMs = 100.0, kMatchMs = 3000.0, kMatchGatePower = 1e-6, kMatchFloorPower = 1e-12;
constexpr double kMatchPriorSeconds = 0.1;
constexpr double kMatchMaxPowerRatio = 16.0;  // +-12 dB
constexpr double kMatchMaxDry = 4.0;          // +12 dBFS
constexpr double kTiltPivotHz = 800.0;
constexpr double kDcBlockerHz = 10.0;
// The post filters (see tube.h): after first-order ADAA (1x), cos(w/2) sum_{j<3} sin(w/2)^(2j); after
// second-order ADAA (2x and up), sum_{j<3} ((4/3) sin(w/2)^2)^j, the inverse of the three-sample
// mean's (1 + 2 cos w) / 3 to third order.
constexpr double kFirstOrderPostTaps[] = {1.0 / 32, -7.0 / 32, 22.0 / 32, 22.0 / 32, -7.0 / 32, 1.0 / 32};
constexpr double kSecondOrderPostTaps[] = {1.0 / 9, -7.0 / 9, 21.0 / 9, -7.0 / 9, 1.0 / 9};
constexpr int kShaperAndPostDelayTopRate = 3;  // ADAA 0.5 + post filter 2.5, or 1 + 2
// Second-order ADAA: the mean of F1 = sqrt(1 + v^2) over a step by three-point Gauss-Legendre, and
// below this step (relative to 1 + |v|) the exact formula's cancellation gives way to its limit.
constexpr double kGaussNode = 0.7745966692414834;  // sqrt(3/5)
constexpr double kGaussOuterWeight = 5.0 / 9.0, kGaussInnerWeight = 8.0 / 9.0;
constexpr double kGaussLowFraction = (1.0 - kGaussNode) / 2.0, kGaussHighFraction = (1.0 + kGaussNode) / 2.0;
constexpr double kAdaaTolerance = 1e-6;

double shaper(double v) noexcept
{
    return v / std::sqrt(1.0 + v * v);
}

// F1, the shaper's antiderivative.
double shaper_antiderivative(double v) noexcept
{
    return std::sqrt(1.0 + v * v);
}

// The mean of F1 over the step from b to a: at b + t (a - b), t the nodes' fractions of the step.
double step_mean(double a, double b) noexcept
{
    const double middle = 0.5 * (a + b), half = 0.5 * (a - b);
    return 0.5 * (kGaussOuterWeight * shaper_antiderivative(middle - half * kGaussNode) +
                  kGaussInnerWeight * shaper_antiderivative(middle) +
                  kGaussOuterWeight * shaper_antiderivative(middle + half * kGaussNode));
}

// The limit of 2 (D(a, b) - D(b, c)) / (a - c) as a and c meet at m: 2 dD(m, b)/dm, the nodes'
// weights times their fractions t (which sum to 1) times f at b + t (m - b). No division.
double narrow_span_mean(double m, double b) noexcept
{
    const double step = m - b;
    return kGaussOuterWeight * kGaussLowFraction * shaper(b + kGaussLowFraction * step) +
           kGaussInnerWeight * 0.5 * shaper(b + 0.5 * step) +
           kGaussOuterWeight * kGaussHighFraction * shaper(b + kGaussHighFraction * step);
}

double db_to_gain(double db) noexcept
{
    return std::pow(10.0, db / 20.0);
}

// The shaper's gain, bias, offset f(bias) and level compensation for a drive gain, bias and bloom.
// The offset is of the float bias v holds at rest, and at 1x in the float arithmetic that path
// uses, so a shaper at rest gives exactly its offset.
Tube::ShaperCoefficients shaper_coefficients(double drive_gain, double bias_value, double bloom, int factor) noexcept
{
    Tube::ShaperCoefficients k;
    k.gain = drive_gain * (1.0 - kSagDepth * bloom);
    k.bias = bias_value * (1.0 + kBloomBiasDepth * bloom);
    // Inverse secant gain over +-kLevelReferenceSwing: automatic level compensation.
    const double swing = k.gain * kLevelReferenceSwing;
    k.makeup = 2.0 * kLevelReferenceSwing / (shaper(k.bias + swing) - shaper(k.bias - swing));
    const float b = static_cast<float>(k.bias);
    k.offset = factor == 1 ? b / std::sqrt(1.0f + b * b) : static_cast<float>(shaper(b));
    return k;
}

// The peak of the driven level |x| g over a run, from `peak`: four running maxima, so the comparisons
// do not wait on each other (a maximum is exact in any order).
STEMGLUE_MULTIVERSION
double level_peak(const float* __restrict x, const double* __restrict drive_gain, double peak, int n) noexcept
{
    double lanes[4] = {peak, peak, peak, peak};
    int j = 0;
    for (; j + 4 <= n; j += 4)
        for (int l = 0; l < 4; ++l) lanes[l] = std::max(lanes[l], std::abs(static_cast<double>(x[j + l])) * drive_gain[j + l]);
    for (; j < n; ++j) lanes[0] = std::max(lanes[0], std::abs(static_cast<double>(x[j])) * drive_gain[j]);
    return std::max(std::max(lanes[0], lanes[1]), std::max(lanes[2], lanes[3]));
}

// v = g x + bias at the top rate, and the per-sub-sample offset and makeup, over the base samples
// at phases phase, phase + 1, ... of a control interval: each coefficient on its ramp from one
// tick's value to the next's, held over a base sample's sub-samples. The factor is a template
// argument, so the sub-sample loop unrolls into vector stores.
template <int kFactor>
inline void shaper_inputs_at(const float* __restrict top, const Tube::ShaperCoefficients& from,
                             const Tube::ShaperCoefficients& to, int phase, int n, float* __restrict v,
                             float* __restrict top_offset, float* __restrict top_makeup) noexcept
{
    const double gain_rise = to.gain - from.gain, bias_rise = to.bias - from.bias;
    const double offset_rise = to.offset - from.offset, makeup_rise = to.makeup - from.makeup;
    for (int j = 0; j < n; ++j) {
        const double t = static_cast<double>(phase + j) / kControlInterval;
        const float g = static_cast<float>(from.gain + gain_rise * t), b = static_cast<float>(from.bias + bias_rise * t);
        const float o = static_cast<float>(from.offset + offset_rise * t), m = static_cast<float>(from.makeup + makeup_rise * t);
        for (int s = 0; s < kFactor; ++s) {
            const int i = j * kFactor + s;
            v[i] = g * top[i] + b;
            top_offset[i] = o;
            top_makeup[i] = m;
        }
    }
}

STEMGLUE_MULTIVERSION
void shaper_inputs(const float* __restrict top, const Tube::ShaperCoefficients& from, const Tube::ShaperCoefficients& to,
                   int phase, int n, int factor, float* __restrict v, float* __restrict top_offset,
                   float* __restrict top_makeup) noexcept
{
    switch (factor) {
        case 1: return shaper_inputs_at<1>(top, from, to, phase, n, v, top_offset, top_makeup);
        case 2: return shaper_inputs_at<2>(top, from, to, phase, n, v, top_offset, top_makeup);
        case 4: return shaper_inputs_at<4>(top, from, to, phase, n, v, top_offset, top_makeup);
        default: return shaper_inputs_at<8>(top, from, to, phase, n, v, top_offset, top_makeup);
    }
}

// First order (1x): the shaper with ADAA1, (v + v') / (sqrt(1 + v^2) + sqrt(1 + v'^2)), or without it
// f at the midpoint of v and v'; then DC offset removal and level compensation. v[-1] and root[-1]
// hold the previous sample.
STEMGLUE_MULTIVERSION
void shape_first_order(const float* __restrict v, float* __restrict root, const float* __restrict top_offset,
                       const float* __restrict top_makeup, bool adaa, int count, float* __restrict out) noexcept
{
    for (int i = 0; i < count; ++i) root[i] = std::sqrt(1.0f + v[i] * v[i]);
    if (adaa) {
        for (int i = 0; i < count; ++i) out[i] = ((v[i] + v[i - 1]) / (root[i] + root[i - 1]) - top_offset[i]) * top_makeup[i];
    } else {
        for (int i = 0; i < count; ++i) {
            const float midpoint = 0.5f * (v[i] + v[i - 1]);
            out[i] = (midpoint / std::sqrt(1.0f + midpoint * midpoint) - top_offset[i]) * top_makeup[i];
        }
    }
}

// Second order (2x and up), in double: with ADAA2, 2 (D(v, v') - D(v', v'')) / (v - v''), D the mean
// of F1 over a step (step_mean), and where v'' is within a millionth of v its limit
// (narrow_span_mean; f of the three samples' mean where all three are equal); without it, f of
// the three samples' mean. Then DC offset removal and level compensation. v[-2], v[-1] hold the
// previous two samples; means holds count + 1 step means.
STEMGLUE_MULTIVERSION
void shape_second_order(const float* __restrict v, double* __restrict means, const float* __restrict top_offset,
                        const float* __restrict top_makeup, bool adaa, int count, float* __restrict out) noexcept
{
    // (The three samples' mean as v' plus a third of the others' excess: v' itself when all three
    // are equal, so a shaper at rest gives exactly its offset. The difference from the offset is
    // taken in float, as the offset is held.)
    const auto three_sample_mean = [](double a, double b, double c) { return b + (a + c - 2.0 * b) / 3.0; };
    if (!adaa) {
        for (int i = 0; i < count; ++i)
            out[i] = (static_cast<float>(shaper(three_sample_mean(v[i], v[i - 1], v[i - 2]))) - top_offset[i]) * top_makeup[i];
        return;
    }
    for (int i = -1; i < count; ++i) means[i + 1] = step_mean(v[i], v[i - 1]);
    int narrow = 0;
    for (int i = 0; i < count; ++i) {
        const double span = double(v[i]) - double(v[i - 2]);
        const bool wide = std::abs(span) >= kAdaaTolerance * (1.0 + std::abs(double(v[i - 1])));
        narrow += wide ? 0 : 1;
        const double mean = 2.0 * (means[i + 1] - means[i]) / (wide ? span : 1.0);
        out[i] = (static_cast<float>(mean) - top_offset[i]) * top_makeup[i];
    }
    if (narrow == 0) return;
    for (int i = 0; i < count; ++i) {  // the rare narrow spans: v'' within a millionth of v
        const double a = v[i], b = v[i - 1], c = v[i - 2];
        if (std::abs(a - c) >= kAdaaTolerance * (1.0 + std::abs(b))) continue;
        const double middle = 0.5 * (a + c);
        const double mean = middle == b ? shaper(three_sample_mean(a, b, c)) : narrow_span_mean(middle, b);
        out[i] = (static_cast<float>(mean) - top_offset[i]) * top_makeup[i];
    }
}

// The tilt's complementary split around its lowpass, the output gain and the dry/wet mix.
STEMGLUE_MULTIVERSION
void tilt_and_mix(const double* __restrict wet, const double* __restrict lowpass, const double* __restrict low_gain,
                  const double* __restrict high_gain, const double* __restrict output_gain, const float* __restrict dry,
                  const double* __restrict mix, float* __restrict x, int n) noexcept
{
    for (int j = 0; j < n; ++j) {
        const double tilted = lowpass[j] * low_gain[j] + (wet[j] - lowpass[j]) * high_gain[j];
        x[j] = static_cast<float>(double(dry[j]) * (1.0 - mix[j]) + tilted * output_gain[j] * mix[j]);
    }
}

}  // namespace

int Tube::latency_for_factor(int factor) noexcept
{
    Oversampler probe;  // no allocation: only the stage count is used
    probe.reset(factor);
    const int top_rate_delay = probe.round_trip_delay_top_rate() + kShaperAndPostDelayTopRate;
    return (top_rate_delay + factor - 1) / factor;
}

int Tube::max_latency_samples() const noexcept
{
    int latency = 0;
    for (int factor : {1, 2, 4, 8}) latency = std::max(latency, latency_for_factor(factor));
    return latency;
}

void Tube::prepare_module()
{
    const size_t block = static_cast<size_t>(max_block_size_);
    channels_.clear();
    channels_.resize(static_cast<size_t>(num_channels_));
    const std::vector<double> first_order_taps(std::begin(kFirstOrderPostTaps), std::end(kFirstOrderPostTaps));
    const std::vector<double> second_order_taps(std::begin(kSecondOrderPostTaps), std::end(kSecondOrderPostTaps));
    for (Channel& channel : channels_) {
        channel.oversampler.prepare(max_block_size_);
        channel.first_order_post.prepare(first_order_taps, max_block_size_);
        channel.second_order_post.prepare(second_order_taps, max_block_size_ * 8);
        channel.top_rate_pad.prepare(8, max_block_size_ * 8);
        channel.dry_delay.prepare(max_latency_samples(), max_block_size_);
    }
    tilt_high_gain_.assign(block, 0.0);
    // a chunk's control intervals: at most one per kControlInterval samples, and a part at each end
    shaper_ramps_.assign(static_cast<size_t>(max_block_size_ / kControlInterval + 2) * channels_.size(), ShaperRamp{});
    matched_.assign(block * channels_.size(), 0.0);
    lowpass_.assign(block * channels_.size(), 0.0);
    dry_.assign(block * channels_.size(), 0.0f);  // per channel, max_block_size_ apart
    wet_.assign(block * channels_.size(), 0.0f);
    shaper_v_.assign(channels_.size(), std::vector<float>(block * 8 + 2, 0.0f));
    shaper_root_.assign(channels_.size(), std::vector<float>(block + 1, 1.0f));
    shaper_means_.assign(block * 8 + 1, 0.0);
    top_offset_.assign(block * 8, 0.0f);
    top_makeup_.assign(block * 8, 0.0f);

    // Per control tick: the envelope steps once an interval.
    bloom_attack_coefficient_ = 1.0 - std::exp(-1000.0 * kControlInterval / (kBloomAttackMs * sample_rate_));
    bloom_release_coefficient_ = 1.0 - std::exp(-1000.0 * kControlInterval / (kBloomReleaseMs * sample_rate_));
    match_short_ = std::exp(-1000.0 / (kMatchShortMs * sample_rate_));
    match_tick_average_ = std::exp(-1000.0 * kControlInterval / (kMatchMs * sample_rate_));
    match_prior_weight_ = 1.0 - std::exp(-1000.0 * kMatchPriorSeconds / kMatchMs);
    tilt_coefficient_ = 1.0 - std::exp(-2.0 * M_PI * kTiltPivotHz / sample_rate_);
    dc_pole_ = std::exp(-2.0 * M_PI * kDcBlockerHz / sample_rate_);
}

void Tube::reset_module() noexcept
{
    factor_ = static_cast<int>(oversampling_.value());
    const int latency = latency_samples();
    const int top_rate_delay = latency * factor_;
    for (size_t c = 0; c < channels_.size(); ++c) {
        Channel& channel = channels_[c];
        channel.oversampler.reset(factor_);
        channel.first_order_post.reset();
        channel.second_order_post.reset();
        channel.top_rate_pad.set_delay(top_rate_delay - channel.oversampler.round_trip_delay_top_rate() -
                                       kShaperAndPostDelayTopRate);
        channel.top_rate_pad.reset();
        channel.dry_delay.set_delay(latency);
        channel.dry_delay.reset();
        channel.envelope = channel.level_peak = 0.0;
        channel.shaper_found_for = {db_to_gain(drive_db_.value()), bias_.value(), 0.0};
        channel.shaper_from = channel.shaper_to =
            shaper_coefficients(channel.shaper_found_for[0], channel.shaper_found_for[1], 0.0, factor_);
        // Start the shaper at rest (v = bias for silence), or the first samples would click.
        shaper_v_[c][0] = shaper_v_[c][1] = static_cast<float>(bias_.value());
        shaper_root_[c][0] = std::sqrt(1.0f + shaper_v_[c][0] * shaper_v_[c][0]);
        channel.tilt_lowpass = 0.0;
        channel.wet_dc = channel.dry_dc = DcBlocker{};
        channel.dry_power = channel.wet_power = channel.settled = 0.0;
        channel.log_ratio_sum = channel.ratio_weight = 0.0;
        channel.heard_since_tick = false;
        channel.prior = match_prior_weight_;
        channel.trim_from = channel.trim_to = 1.0;  // the state's trim: sqrt(prior / prior)
    }
}

void Tube::process_chunk(AudioBlock block) noexcept
{
    const int n = block.num_samples;
    const double* drive_gain = drive_db_.fill(n, db_to_gain);
    const double* bias_value = bias_.fill(n);
    const double* bloom_amount = bloom_percent_.fill(n, [](double v) { return 0.01 * v; });
    const bool tone_moving = tone_db_.is_smoothing();  // (asked before the fill: a ramp may end in this chunk)
    const double* tilt_low_gain = tone_db_.fill(n, [](double db) { return db_to_gain(-0.5 * db); });
    const int varying = tone_moving ? n : std::min(n, 1);  // at rest one division serves the chunk
    for (int j = 0; j < varying; ++j) tilt_high_gain_[static_cast<size_t>(j)] = 1.0 / tilt_low_gain[j];
    std::fill(tilt_high_gain_.begin() + varying, tilt_high_gain_.begin() + n, tilt_high_gain_[0]);
    const double* output_gain = output_db_.fill(n, db_to_gain);
    const double* mix = mix_percent_.fill(n, [](double v) { return 0.01 * v; });
    const bool adaa = adaa_.value() >= 0.5;

    const int factor = factor_;
    const size_t block_size = static_cast<size_t>(max_block_size_);
    // Bloom and the shaper's coefficients move at the control ticks, ramped to over the next
    // interval: an attack/release envelope (10 ms, 200 ms) of the driven level's peak since the
    // last tick shifts the bias and sags the gain; at 0 % the envelope holds. (Per sample, the
    // recursion and the coefficients' square roots and divisions cost a fifth of the tube.) Every
    // channel's ticks in one loop, so that their square roots and divisions overlap.
    const size_t ramps_per_channel = static_cast<size_t>(max_block_size_ / kControlInterval + 2);
    int num_ramps = 0;
    for_each_tick_interval<kControlInterval>(position_, n, [&](int start, int end, int phase) {
        for (int c = 0; c < block.num_channels; ++c) {
            Channel& channel = channels_[static_cast<size_t>(c)];
            if (phase == 0) {
                if (bloom_amount[start] != 0.0)
                    channel.envelope = follow_envelope(channel.envelope, channel.level_peak, bloom_attack_coefficient_,
                                                       bloom_release_coefficient_);
                channel.level_peak = 0.0;
                const double bloom = bloom_amount[start] * channel.envelope / (1.0 + channel.envelope);
                channel.shaper_from = channel.shaper_to;
                // At rest (the same drive, bias and bloom, bit for bit) the coefficients are the same.
                const std::array<double, 3> found_for{drive_gain[start], bias_value[start], bloom};
                if (std::memcmp(&found_for, &channel.shaper_found_for, sizeof found_for) != 0) {
                    channel.shaper_to = shaper_coefficients(found_for[0], found_for[1], found_for[2], factor);
                    channel.shaper_found_for = found_for;
                }
            }
            channel.level_peak = level_peak(block.channel(c) + start, drive_gain + start, channel.level_peak, end - start);
            shaper_ramps_[static_cast<size_t>(c) * ramps_per_channel + static_cast<size_t>(num_ramps)] = {
                start, end, phase, channel.shaper_from, channel.shaper_to};
        }
        ++num_ramps;
    });
    for (int c = 0; c < block.num_channels; ++c) {
        Channel& channel = channels_[static_cast<size_t>(c)];
        float* x = block.channel(c);
        channel.dry_delay.process(x, &dry_[static_cast<size_t>(c) * block_size], n);

        float* top = channel.oversampler.upsample(x, n);
        const int count = n * factor;
        float* v = shaper_v_[static_cast<size_t>(c)].data();  // v[0], v[1]: the previous chunk's last two
        for (int r = 0; r < num_ramps; ++r) {
            const ShaperRamp& ramp = shaper_ramps_[static_cast<size_t>(c) * ramps_per_channel + static_cast<size_t>(r)];
            const int at = ramp.start * factor;
            shaper_inputs(top + at, ramp.from, ramp.to, ramp.phase, ramp.end - ramp.start, factor, v + 2 + at,
                          top_offset_.data() + at, top_makeup_.data() + at);
        }
        if (factor == 1) {
            float* root = shaper_root_[static_cast<size_t>(c)].data();  // root[0]: the previous chunk's last
            shape_first_order(v + 2, root + 1, top_offset_.data(), top_makeup_.data(), adaa, count, top);
            root[0] = root[count];
            channel.first_order_post.process(top, top, count);
        } else {
            shape_second_order(v + 2, shaper_means_.data(), top_offset_.data(), top_makeup_.data(), adaa, count, top);
            channel.second_order_post.process(top, top, count);
        }
        v[0] = v[count];
        v[1] = v[count + 1];
        channel.top_rate_pad.process(top, top, n * factor);
        channel.oversampler.downsample(top, &wet_[static_cast<size_t>(c) * block_size], n);
    }
    // The loudness match a stereo pair at a time (a last odd channel as both lanes of a pair).
    for (int c = 0; c < block.num_channels; c += 2) match_loudness(c, std::min(c + 1, block.num_channels - 1), n);
    for (int c = 0; c < block.num_channels; ++c) {
        const size_t at = static_cast<size_t>(c) * block_size;
        tilt_and_mix(&matched_[at], &lowpass_[at], tilt_low_gain, tilt_high_gain_.data(), output_gain, &dry_[at], mix,
                     block.channel(c), n);
    }
}

namespace {

using Quad = double __attribute__((vector_size(4 * sizeof(double))));
using QuadMask = int64_t __attribute__((vector_size(4 * sizeof(int64_t))));
using Pair = double __attribute__((vector_size(2 * sizeof(double))));
using PairMask = int64_t __attribute__((vector_size(2 * sizeof(int64_t))));

// One channel pair's loudness match, lane by lane (first, second): where the two channels' wet and
// dry, or two quantities, recur alike, they share a four-lane vector.
struct MatchLanes {
    Quad dc_input, dc_output, power;  // wet first, second, dry first, second
    Quad settled_prior;               // settled first, second; prior first, second
    Quad ratio;                       // log ratio sum first, second; ratio weight first, second
    PairMask heard_since_tick;        // whether the dry was heard since the last tick (all ones)
    Pair tilt, trim_from, trim_to;
};

struct MatchCoefficients {
    double short_average, tick_average, dc_pole, tilt;  // tick_average: per control tick
};

// The DC blockers, the gated short-term powers, at control ticks the time average of their ratio
// (moved where the dry was heard since the last tick) and the trim, and the tilt's lowpass of the
// trimmed wet. Each lane's
// arithmetic is the scalar one's.
STEMGLUE_MULTIVERSION
void match_pair(MatchLanes& lanes, const MatchCoefficients& k, const float* const* wet, const float* const* dry,
                double* const* matched, double* const* lowpass, uint64_t position, int n) noexcept
{
    const double keep = k.short_average, tick_average = k.tick_average;
    const Pair zero = {0.0, 0.0}, one = {1.0, 1.0}, gate = {kMatchGatePower, kMatchGatePower};
    const Pair lowest = {1.0 / kMatchMaxPowerRatio, 1.0 / kMatchMaxPowerRatio},
               highest = {kMatchMaxPowerRatio, kMatchMaxPowerRatio};
    const PairMask always = {-1, -1};
    MatchLanes s = lanes;
    for (int j = 0; j < n; ++j) {
        // DC first (bias and asymmetric clipping leave some, and the input may carry some), so
        // the match weighs what is heard. (The DC blockers, y = x - x' + pole y'.)
        // The dry as heard up to +12 dBFS: beyond, an absurd sample's power would outlast the
        // short average by seconds (the wet is bounded by the shaper already).
        const Quad now = {wet[0][j], wet[1][j], std::clamp(double(dry[0][j]), -kMatchMaxDry, kMatchMaxDry),
                          std::clamp(double(dry[1][j]), -kMatchMaxDry, kMatchMaxDry)};
        s.dc_output = now - s.dc_input + k.dc_pole * s.dc_output;
        s.dc_input = now;
        const Quad squares = s.dc_output * s.dc_output;
        const Pair heard = __builtin_shufflevector(squares, squares, 2, 3) > gate ? one : zero;
        s.power = (1.0 - keep) * (__builtin_shufflevector(heard, heard, 0, 1, 0, 1) * squares) + keep * s.power;
        // settled = (1 - keep) heard + keep settled; prior = keep prior where heard
        const PairMask moved = heard != zero;
        const Quad settled_prior = (1.0 - keep) * __builtin_shufflevector(heard, zero, 0, 1, 2, 3) + keep * s.settled_prior;
        s.settled_prior = __builtin_shufflevector(always, moved, 0, 1, 2, 3) ? settled_prior : s.settled_prior;
        s.heard_since_tick |= moved;
        // The ratio's average and the trim move over seconds: both are taken at each control tick
        // (the trim ramped to over the next interval), which spares two divisions and two square
        // roots per sample. The average moves where the dry was heard since the last tick (at the
        // tick alone, a tone whose period divides the interval could go unheard for good).
        const int phase = static_cast<int>((position + static_cast<uint64_t>(j)) % kControlInterval);
        if (phase == 0) {
            const Pair settled = __builtin_shufflevector(s.settled_prior, s.settled_prior, 0, 1);
            const Pair quotient = (__builtin_shufflevector(s.power, s.power, 2, 3) + kMatchFloorPower) /
                                  (__builtin_shufflevector(s.power, s.power, 0, 1) + kMatchFloorPower);
            const Pair ratio = quotient < lowest ? lowest : (highest < quotient ? highest : quotient);  // std::clamp
            const Pair log_ratio = {std::log(ratio[0]), std::log(ratio[1])};
            const Quad weighed = __builtin_shufflevector(settled * log_ratio, settled, 0, 1, 2, 3);
            const QuadMask heard_twice = __builtin_shufflevector(s.heard_since_tick, s.heard_since_tick, 0, 1, 0, 1);
            s.ratio = heard_twice ? (1.0 - tick_average) * weighed + tick_average * s.ratio : s.ratio;
            s.heard_since_tick = PairMask{0, 0};
            const Pair prior = __builtin_shufflevector(s.settled_prior, s.settled_prior, 2, 3);  // worth a ratio of 1
            const Pair log_square =
                __builtin_shufflevector(s.ratio, s.ratio, 0, 1) / (__builtin_shufflevector(s.ratio, s.ratio, 2, 3) + prior);
            s.trim_from = s.trim_to;
            s.trim_to = Pair{std::exp(0.5 * log_square[0]), std::exp(0.5 * log_square[1])};
        }
        const Pair blocked = __builtin_shufflevector(s.dc_output, s.dc_output, 0, 1);
        const Pair trimmed = blocked * (s.trim_from + (s.trim_to - s.trim_from) * (double(phase) / kControlInterval));
        s.tilt = k.tilt * trimmed + (1.0 - k.tilt) * s.tilt;  // the reference's lfilter form: two operations wait
        for (int c = 0; c < 2; ++c) {
            matched[c][j] = trimmed[c];
            lowpass[c][j] = s.tilt[c];
        }
    }
    lanes = s;
}

}  // namespace

// Channels first and second (the same channel twice for an odd last one) side by side in vector
// lanes (match_pair), into matched_ and lowpass_.
void Tube::match_loudness(int first, int second, int n) noexcept
{
    const size_t block_size = static_cast<size_t>(max_block_size_);
    const size_t at[2] = {static_cast<size_t>(first) * block_size, static_cast<size_t>(second) * block_size};
    Channel& a = channels_[static_cast<size_t>(first)];
    Channel& b = channels_[static_cast<size_t>(second)];
    const float* wet[2] = {&wet_[at[0]], &wet_[at[1]]};
    const float* dry[2] = {&dry_[at[0]], &dry_[at[1]]};
    double* matched[2] = {&matched_[at[0]], &matched_[at[1]]};
    double* lowpass[2] = {&lowpass_[at[0]], &lowpass_[at[1]]};
    MatchLanes lanes;
    lanes.dc_input = Quad{a.wet_dc.input, b.wet_dc.input, a.dry_dc.input, b.dry_dc.input};
    lanes.dc_output = Quad{a.wet_dc.output, b.wet_dc.output, a.dry_dc.output, b.dry_dc.output};
    lanes.power = Quad{a.wet_power, b.wet_power, a.dry_power, b.dry_power};
    lanes.settled_prior = Quad{a.settled, b.settled, a.prior, b.prior};
    lanes.ratio = Quad{a.log_ratio_sum, b.log_ratio_sum, a.ratio_weight, b.ratio_weight};
    lanes.heard_since_tick = PairMask{a.heard_since_tick ? -1 : 0, b.heard_since_tick ? -1 : 0};
    lanes.tilt = Pair{a.tilt_lowpass, b.tilt_lowpass};
    lanes.trim_from = Pair{a.trim_from, b.trim_from};
    lanes.trim_to = Pair{a.trim_to, b.trim_to};
    match_pair(lanes, {match_short_, match_tick_average_, dc_pole_, tilt_coefficient_}, wet, dry, matched, lowpass, position_, n);
    for (auto [channel, k] : {std::pair<Channel*, int>{&b, 1}, {&a, 0}}) {  // a last: the odd channel keeps lane 0
        channel->wet_dc = DcBlocker{lanes.dc_input[k], lanes.dc_output[k]};
        channel->dry_dc = DcBlocker{lanes.dc_input[k + 2], lanes.dc_output[k + 2]};
        channel->wet_power = lanes.power[k];
        channel->dry_power = lanes.power[k + 2];
        channel->settled = lanes.settled_prior[k];
        channel->prior = lanes.settled_prior[k + 2];
        channel->log_ratio_sum = lanes.ratio[k];
        channel->ratio_weight = lanes.ratio[k + 2];
        channel->heard_since_tick = lanes.heard_since_tick[k] != 0;
        channel->tilt_lowpass = lanes.tilt[k];
        channel->trim_from = lanes.trim_from[k];
        channel->trim_to = lanes.trim_to[k];
    }
}

}  // namespace stemglue
