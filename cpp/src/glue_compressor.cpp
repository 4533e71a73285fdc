#include "stemglue/glue_compressor.h"

#include <algorithm>
#include <cmath>

#include "stemglue/decibels.h"
#include "stemglue/multiversion.h"

namespace stemglue {
namespace {

constexpr double kAutoFastReleaseMs = 80.0, kAutoSlowAttackMs = 500.0, kAutoSlowReleaseMs = 1500.0;
constexpr double kFloorDb = -200.0, kFloorMagnitude = 1e-10;
// Auto makeup: input and compressed power, each averaged over this time; their ratio is the
// makeup (in power). Far slower than the release, so it restores loudness, not the dynamics. It
// never exceeds the reduction's time average (in dB, at the ticks after heard intervals) by more
// than kAutoMakeupCapDb: weighted by power, a short overload, reduced hard and loud, held the
// seconds after it up (100 samples at 1e6 in music: +3.8 dB for 30 s; a 100 ms square at +6 dBFS:
// +8.9 dB 2 s on); in time alone, a kit's hits (reduced) and gaps (not) would lose 0.6 LU.
constexpr double kAutoMakeupMs = 3000.0, kAutoMakeupCapDb = 1.0;
// Samples below -60 dBFS (summed power) do not move the averages, as BS.1770 gates silence: a noise
// floor or a host's silent pre-roll leaves them exactly where they were.
constexpr double kAutoMakeupGatePower = 1e-6;  // the default floor peaks at -63 dBFS

double coefficient(double milliseconds, double sample_rate) noexcept
{
    return std::exp(-1000.0 / (milliseconds * sample_rate));
}

// Static curve: gain reduction (dB, >= 0) for an input level x (dB); branch-free, so it vectorises.
double gain_reduction(double x, double threshold, double ratio, double knee) noexcept
{
    const double over = x - threshold, slope = 1.0 - 1.0 / ratio;
    const double inside = over + 0.5 * knee;
    const double in_knee = slope * inside * inside / (2.0 * std::max(knee, 1e-9));  // knee 0: only at over = 0, where it is 0
    return 2.0 * over < -knee ? 0.0 : (2.0 * std::abs(over) <= knee ? in_knee : over * slope);
}

// Level (dB) of the sidechain and the static curve's target reduction for each sample.
STEMGLUE_MULTIVERSION
void target_reduction(const float* __restrict level, const double* __restrict threshold, const double* __restrict ratio,
                      const double* __restrict knee, double* __restrict target, int n) noexcept
{
    for (int j = 0; j < n; ++j) {
        const double level_db = magnitude_to_db(level[j], static_cast<float>(kFloorMagnitude), kFloorDb);
        target[j] = gain_reduction(level_db, threshold[j], ratio[j], knee[j]);
    }
}

// The compressor's gain 10^(-reduction / 20), once: the auto makeup and the output both use it.
STEMGLUE_MULTIVERSION
void reduction_gains(const double* __restrict reduction, float* __restrict gain, int n) noexcept
{
    for (int j = 0; j < n; ++j) gain[j] = db_to_magnitude(-reduction[j]);
}

// Output gain from makeup (a factor), the compressor's gain and auto makeup (a factor), mixed with
// the dry signal: x ((1 - mix) + mix g).
STEMGLUE_MULTIVERSION
void mixed_gains(const double* __restrict makeup, const float* __restrict reduction_gain, const double* __restrict automatic,
                 const double* __restrict mix, float* __restrict gain, int n) noexcept
{
    for (int j = 0; j < n; ++j) {
        const float wet = static_cast<float>(makeup[j]) * reduction_gain[j] * static_cast<float>(automatic[j]);
        gain[j] = static_cast<float>((1.0 - mix[j]) + mix[j] * wet);
    }
}

STEMGLUE_MULTIVERSION
void apply_gain(float* __restrict x, const float* __restrict gain, int n) noexcept
{
    for (int j = 0; j < n; ++j) x[j] *= gain[j];
}

// The auto makeup's factor for each sample: the input power p (summed over the channels, gated),
// its compressed p g^2 (g the compressor's gain), and the root of their averages' ratio, capped
// over the reduction's time average. One function with vector clones, so the passes run at the
// machine's width.
STEMGLUE_MULTIVERSION
void auto_makeup_factors(const float* const* channels, int num_channels, const float* __restrict reduction_gain,
                         const double* reduction, TickedPowerRatio& makeup, uint64_t position, double* __restrict power,
                         double* __restrict compressed, double* __restrict factor, int n) noexcept
{
    for (int j = 0; j < n; ++j) power[j] = 0.0;
    for (int c = 0; c < num_channels; ++c) {
        const float* x = channels[c];
        for (int j = 0; j < n; ++j) power[j] += double(x[j]) * double(x[j]);
    }
    for (int j = 0; j < n; ++j) {
        power[j] = power[j] > kAutoMakeupGatePower ? power[j] : 0.0;
        const double gain = reduction_gain[j];
        compressed[j] = power[j] * gain * gain;
    }
    makeup.process(position, power, compressed, factor, n, reduction);
}

// The auto makeup's factor faded in or out: 1 at amount 0, the factor at 1.
STEMGLUE_MULTIVERSION
void crossfade_factors(const double* __restrict amount, double* __restrict factor, int n) noexcept
{
    for (int j = 0; j < n; ++j) factor[j] = (1.0 - amount[j]) + amount[j] * factor[j];
}

}  // namespace

void GlueCompressor::prepare_module()
{
    channels_.assign(static_cast<size_t>(num_channels_), Channel{});
    const size_t block = static_cast<size_t>(max_block_size_);
    for (auto* values : {&target_, &reduction_, &power_, &compressed_, &automatic_}) values->assign(block, 0.0);
    for (auto* values : {&level_, &reduction_gain_, &gain_}) values->assign(block, 0.0f);
    update_coefficients();
}

void GlueCompressor::update_coefficients() noexcept
{
    if (max_block_size_ == 0) return;  // not prepared: prepare() designs them for its sample rate
    attack_ = coefficient(attack_ms_.value(), sample_rate_);
    release_ = coefficient(release_ms_.value(), sample_rate_);
    fast_release_ = coefficient(kAutoFastReleaseMs, sample_rate_);
    slow_attack_ = coefficient(kAutoSlowAttackMs, sample_rate_);
    slow_release_ = coefficient(kAutoSlowReleaseMs, sample_rate_);
    makeup_.set_average(coefficient(kAutoMakeupMs, sample_rate_));
    makeup_.set_cap(kAutoMakeupCapDb);
    // RBJ high-pass, Q = 1/sqrt(2) (Butterworth); the cutoff stays below Nyquist at any rate.
    const double w = 2.0 * M_PI * std::min(highpass_hz_.value(), 0.45 * sample_rate_) / sample_rate_;
    const double alpha = std::sin(w) / std::sqrt(2.0), cosine = std::cos(w), a0 = 1.0 + alpha;
    highpass_ = {(1.0 + cosine) / 2.0 / a0, -(1.0 + cosine) / a0, (1.0 + cosine) / 2.0 / a0, -2.0 * cosine / a0,
                 (1.0 - alpha) / a0};
}

void GlueCompressor::reset_module() noexcept
{
    for (Channel& channel : channels_) channel = Channel{};
    peak_ = smooth_ = slow_peak_ = gain_reduction_db_ = 0.0;
    makeup_.reset();
}

void GlueCompressor::set_parameter(int index, double value) noexcept
{
    Module::set_parameter(index, value);
    if (index == attack_ms_.index() || index == release_ms_.index() || index == highpass_hz_.index()) update_coefficients();
}

STEMGLUE_MULTIVERSION
void GlueCompressor::detect(const float* const* x, int num_channels, Channel* channels, const Biquad& highpass, Curve curve,
                            Detector& detector, float* level, double* target, double* reduction, int n) noexcept
{
    // Sidechain: each channel high-passed, then the larger magnitude; two channels at a time, so
    // their recursions overlap (an odd last channel runs as both, on a copy of its state).
    // The pair's high-passes as the lanes of one vector, the biquad's arithmetic lane by lane.
    using Pair = double __attribute__((vector_size(2 * sizeof(double))));
    struct PairState {
        Pair x1, x2, y1, y2;
    };
    const auto load = [](const Channel& first, const Channel& second) {
        return PairState{{first.x1, second.x1}, {first.x2, second.x2}, {first.y1, second.y1}, {first.y2, second.y2}};
    };
    const auto store = [](const PairState& z, Channel& first, Channel& second) {
        second = {z.x1[1], z.x2[1], z.y1[1], z.y2[1]};  // second first: an odd last channel keeps lane 0
        first = {z.x1[0], z.x2[0], z.y1[0], z.y2[0]};
    };
    const Biquad k = highpass;  // a local: stores through reduction could alias it
    // The first pair stores its magnitude, a later one the larger (magnitudes are >= +0).
    const auto sidechain_step = [&k, level](PairState& z, float first, float second, int j, bool first_pair) {
        const Pair in = {first, second};
        // The last term is the only one waiting on the previous output: a short recursion.
        const Pair out = (k.b0 * in + k.b1 * z.x1 + k.b2 * z.x2 - k.a2 * z.y2) - k.a1 * z.y1;
        z.x2 = z.x1;
        z.x1 = in;
        z.y2 = z.y1;
        z.y1 = out;
        const float magnitude = static_cast<float>(std::max(std::abs(out[0]), std::abs(out[1])));
        level[j] = first_pair ? magnitude : std::max(level[j], magnitude);
    };
    const int last_pair = (num_channels - 1) / 2 * 2;
    for (int c = 0; c < last_pair; c += 2) {
        Channel& first = channels[c];
        Channel& second = channels[c + 1];
        PairState z = load(first, second);
        for (int j = 0; j < n; ++j) sidechain_step(z, x[c][j], x[c + 1][j], j, c == 0);
        store(z, first, second);
    }

    // The detector, a recursion per sample; the slow branch charges only under sustained compression.
    const bool auto_release = detector.auto_release;
    const double release = detector.release, attack = detector.attack;
    const double slow_attack = detector.slow_attack, slow_release = detector.slow_release;
    double peak = detector.peak, smooth = detector.smooth, slow = detector.slow;
    const auto detector_step = [&](int j) {
        peak = std::max(target[j], release * peak + (1.0 - release) * target[j]);
        smooth = attack * smooth + (1.0 - attack) * peak;
        reduction[j] = smooth;
        if (auto_release) {
            slow = std::max(slow_attack * slow + (1.0 - slow_attack) * target[j],
                            slow_release * slow + (1.0 - slow_release) * target[j]);
            reduction[j] = std::max(smooth, slow);
        }
    };
    const auto targets = [&](int from, int to) {
        target_reduction(level + from, curve.threshold + from, curve.ratio + from, curve.knee + from, target + from, to - from);
    };
    // The last pair's sidechain runs a stage ahead of the detector, in the same loop: the two
    // recursions overlap, and the static curve between them still runs over a stage at once.
    const int d = std::min(last_pair + 1, num_channels - 1);
    const float* left = x[last_pair];
    const float* right = x[d];
    PairState z = load(channels[last_pair], channels[d]);
    constexpr int kStage = 32;
    for (int j = 0; j < std::min(n, kStage); ++j) sidechain_step(z, left[j], right[j], j, last_pair == 0);
    targets(0, std::min(n, kStage));
    for (int start = 0; start < n; start += kStage) {
        const int end = std::min(n, start + kStage), ahead = std::min(n, end + kStage) - end;
        for (int i = 0; i < ahead; ++i) {
            sidechain_step(z, left[end + i], right[end + i], end + i, last_pair == 0);
            detector_step(start + i);
        }
        for (int j = start + ahead; j < end; ++j) detector_step(j);
        targets(end, end + ahead);
    }
    store(z, channels[last_pair], channels[d]);
    detector.peak = peak;
    detector.smooth = smooth;
    detector.slow = slow;
}

void GlueCompressor::process_chunk(AudioBlock block) noexcept
{
    const int n = block.num_samples;
    const double* threshold = threshold_db_.fill(n);
    const double* ratio = ratio_.fill(n);
    const double* knee = knee_db_.fill(n);
    const double* makeup = makeup_db_.fill(n, [](double db) { return static_cast<double>(db_to_magnitude(db)); });
    const double* mix = mix_percent_.fill(n, [](double percent) { return 0.01 * percent; });

    const bool auto_release = auto_release_.value() >= 0.5;
    Detector detector{
        attack_, auto_release ? fast_release_ : release_, slow_attack_, slow_release_, auto_release, peak_, smooth_, slow_peak_};
    detect(block.channels, block.num_channels, channels_.data(), highpass_, {threshold, ratio, knee}, detector, level_.data(),
           target_.data(), reduction_.data(), n);
    peak_ = detector.peak;
    smooth_ = detector.smooth;
    slow_peak_ = detector.slow;
    if (n > 0) gain_reduction_db_ = reduction_[static_cast<size_t>(n - 1)];

    // Auto makeup: sqrt(<p> / <p g^2>), both slow averages of the input power p (from the same zero
    // state, so the ratio is a weighted mean from the first sample and holds through silence),
    // capped by the reduction's time average. Switched, the factor crossfades with 1 (a step of
    // the makeup's several dB clicked); the averages run while any of it is heard and freeze at
    // the sample the fade out ends, whatever the blocks. Inside a chunk a fade only rises or only
    // falls (values are set between blocks), so the samples heard are a prefix.
    reduction_gains(reduction_.data(), reduction_gain_.data(), n);
    const bool fading = auto_makeup_.is_smoothing();
    const double* amount = auto_makeup_.fill(n);
    const int heard = fading ? static_cast<int>(std::count_if(amount, amount + n, [](double a) { return a > 0.0; }))
                             : (amount[0] > 0.0 ? n : 0);
    if (heard > 0)
        auto_makeup_factors(block.channels, block.num_channels, reduction_gain_.data(), reduction_.data(), makeup_, position_,
                            power_.data(), compressed_.data(), automatic_.data(), heard);
    if (fading) crossfade_factors(amount, automatic_.data(), heard);
    std::fill(automatic_.begin() + heard, automatic_.begin() + n, 1.0);

    mixed_gains(makeup, reduction_gain_.data(), automatic_.data(), mix, gain_.data(), n);
    for (int c = 0; c < block.num_channels; ++c) apply_gain(block.channel(c), gain_.data(), n);
}

}  // namespace stemglue
