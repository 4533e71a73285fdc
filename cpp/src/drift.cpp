#include "stemglue/drift.h"

#include <algorithm>
#include <cmath>

#include "stemglue/multiversion.h"
#include "stemglue/random.h"
#include "stemglue/sine_cosine.h"
#include "stemglue/weighting.h"

namespace stemglue {
namespace {

constexpr uint64_t kDriftStreams = 0x600;  // + 16 * source + component
constexpr double kWowRateWander = 0.1, kWowDepthWander = 0.1, kWowWanderSeconds = 1.0;
constexpr double kWowGlideSeconds = 1.0;                     // how fast the wow's speed and rate follow the settings
constexpr double kFlutterHarmonics[] = {230.0, 80.0, 99.0};  // speed amplitudes of f, 2f, 3f (Sony TC-260 fit)
constexpr double kTiltPivotHz = 800.0;
constexpr double kPhaseWanderCycles = 0.5, kPhaseWanderSeconds = 4.0;  // per-channel phase offset wander

uint64_t source_stream(size_t source, int component)
{
    return kDriftStreams + 16 * source + static_cast<uint64_t>(component);
}

// RMS of the weighted speed of a wow of unit nominal speed amplitude at rate_hz whose rate wanders
// by (1 + kWowRateWander r), r ~ N(0, 1). The displacement's amplitude holds, so the speed scales
// with the rate: sqrt(E[((1 + 0.1 r) W(f (1 + 0.1 r)))^2] / 2), by the trapezoid rule over r in
// [-4, 4] (the weighting is not flat below 4 Hz, so the wander moves the reading).
double weighted_wow_rms(double rate_hz) noexcept
{
    constexpr int kPoints = 33;
    double total = 0.0, weights = 0.0;
    for (int i = 0; i < kPoints; ++i) {
        const double r = -4.0 + 8.0 * i / (kPoints - 1);
        const double weight = std::exp(-0.5 * r * r) * (i == 0 || i == kPoints - 1 ? 0.5 : 1.0);
        const double ratio = 1.0 + kWowRateWander * r;
        const double speed = ratio * flutter_weighting(rate_hz * ratio);
        total += weight * speed * speed;
        weights += weight;
    }
    return std::sqrt(0.5 * total / weights);
}

// RMS of the weighted speed of a unit flutter series (harmonics f, 2f, 3f at 230:80:99).
double weighted_flutter_rms(double rate_hz) noexcept
{
    double total = 0.0;
    for (int k = 0; k < 3; ++k) {
        const double term = kFlutterHarmonics[k] * flutter_weighting((k + 1) * rate_hz);
        total += term * term;
    }
    return std::sqrt(0.5 * total);
}

// One step of a one-pole glide that lands exactly on its target (so a glide ends, and a render
// that never moved equals one restarted there).
void glide(double& value, double target, double coefficient) noexcept
{
    value += coefficient * (target - value);
    if (std::abs(target - value) <= 1e-12 * std::abs(target) + 1e-15) value = target;
}

}  // namespace

// In three passes: the ramps and the reads' places; the reads and the tilt's one-pole recursions;
// then the tilt's two gains and the level (vectorised, the division among them). The recursion's
// form, y = a x + (1 - a) y, is the reference's scipy.signal.lfilter's, operation for operation.
STEMGLUE_MULTIVERSION
void Drift::read_interval(const SincInterpolator& interpolator, Channel* channels, int num_channels, const float* const* now,
                          float* const* out, int first, int wander_first, int count, double tilt_coefficient) noexcept
{
    double delay[2][kControlInterval], low_gain[2][kControlInterval], level[2][kControlInterval], lowpass[2][kControlInterval];
    float sum[2][kControlInterval];
    // Each read's kernel row, first sample and blend, found first in a loop that vectorises; then
    // the reads only load and sum (their addressing in the reads' loop cost Drift 15 %).
    const float* rows[2][kControlInterval];
    const float* samples[2][kControlInterval];
    float blends[2][kControlInterval];
    bool flat[2];    // the tilt at 0 dB over the interval: its lowpass holds, the read passes (times the level)
    bool copied[2];  // a steady whole-sample delay (no wow or flutter) reads exactly its sample: a copy
    for (int c = 0; c < num_channels; ++c) {
        const Channel& channel = channels[c];
        flat[c] = channel.low_from == 1.0 && channel.low_to == 1.0;
        for (int i = 0; i < count; ++i) {
            const double fraction = double(first + i) / kControlInterval,
                         wander_fraction = double(wander_first + i) / kWanderTickSamples;
            // Split the delay, not the read position, into whole and fraction: then the result
            // never depends on where the block boundary falls.
            delay[c][i] = channel.delay_from + (channel.delay_to - channel.delay_from) * fraction;
            low_gain[c][i] = channel.low_from + (channel.low_to - channel.low_from) * wander_fraction;
            level[c][i] = channel.level_from + (channel.level_to - channel.level_from) * wander_fraction;
        }
        const double whole = channel.delay_from;
        copied[c] = channel.delay_to == whole && std::floor(whole) == whole;
        if (copied[c]) {  // plus 0, which turns -0 into +0 as the interpolator's sums do: the same bits
            const float* source = now[c] - static_cast<std::ptrdiff_t>(whole);
            for (int i = 0; i < count; ++i) sum[c][i] = source[i] + 0.0f;
            continue;
        }
        for (int i = 0; i < count; ++i) {
            const SincInterpolator::Place place = SincInterpolator::locate(delay[c][i]);
            rows[c][i] = interpolator.row(place.row);
            samples[c][i] = now[c] + i - place.reach;
            blends[c][i] = place.blend;
        }
    }
    // Reads eight at a time (SincInterpolator::read_eight_rows), the last few one by one.
    constexpr int kEight = SincInterpolator::kLanes;
    const auto read_eight = [&](int c, int i) {
        SincInterpolator::read_eight_rows(&rows[c][i], &samples[c][i], &blends[c][i], &sum[c][i]);
    };
    const auto read = [&](int c, int i) { sum[c][i] = SincInterpolator::read_row(rows[c][i], samples[c][i], blends[c][i]); };
    // The tilt's lowpass: a multiply and an add per sample, each waiting on the last. Two channels'
    // recursions run in one loop, where the processor overlaps their chains, and with the reads
    // where both read, so that the chains' latency hides under the reads' work.
    const double keep = 1.0 - tilt_coefficient;
    double state[2] = {channels[0].tilt_lowpass, num_channels == 2 ? channels[1].tilt_lowpass : 0.0};
    const auto filter = [&](int c, int i) { lowpass[c][i] = state[c] = keep * state[c] + tilt_coefficient * sum[c][i]; };
    const bool both_tilted = num_channels == 2 && !flat[0] && !flat[1];
    if (both_tilted && !copied[0] && !copied[1]) {
        int i = 0;
        for (; i + kEight <= count; i += kEight) {
            read_eight(0, i);
            read_eight(1, i);
            for (int k = i; k < i + kEight; ++k) {
                filter(0, k);
                filter(1, k);
            }
        }
        for (; i < count; ++i) {
            read(0, i);
            read(1, i);
            filter(0, i);
            filter(1, i);
        }
    } else {
        for (int c = 0; c < num_channels; ++c) {
            if (copied[c]) continue;
            int i = 0;
            for (; i + kEight <= count; i += kEight) read_eight(c, i);
            for (; i < count; ++i) read(c, i);
        }
        if (both_tilted)
            for (int i = 0; i < count; ++i) {
                filter(0, i);
                filter(1, i);
            }
        else
            for (int c = 0; c < num_channels; ++c)
                if (!flat[c])
                    for (int i = 0; i < count; ++i) filter(c, i);
    }
    for (int c = 0; c < num_channels; ++c) channels[c].tilt_lowpass = state[c];  // a flat channel's holds
    for (int c = 0; c < num_channels; ++c) {
        if (flat[c]) {
            for (int i = 0; i < count; ++i) out[c][i] = static_cast<float>(sum[c][i] * level[c][i]);
            continue;
        }
        for (int i = 0; i < count; ++i)
            out[c][i] =
                static_cast<float>((lowpass[c][i] * low_gain[c][i] + (sum[c][i] - lowpass[c][i]) / low_gain[c][i]) * level[c][i]);
    }
}

void Drift::prepare_module()
{
    latency_samples_ = static_cast<int>(std::ceil(kMaxDisplacementSeconds * sample_rate_)) + SincInterpolator::kHalf;
    history_ = 2 * latency_samples_ + SincInterpolator::kTaps;
    sources_.assign(static_cast<size_t>(num_channels_) + 1, Source{});
    channels_.assign(static_cast<size_t>(num_channels_), Channel{});
    for (Channel& channel : channels_) channel.history.assign(static_cast<size_t>(history_ + max_block_size_), 0.0f);

    tilt_coefficient_ = 1.0 - std::exp(-2.0 * M_PI * kTiltPivotHz / sample_rate_);
    wow_glide_ = 1.0 - std::exp(-kControlInterval / (kWowGlideSeconds * sample_rate_));
}

void Drift::reset_module() noexcept
{
    for (Channel& channel : channels_) {
        std::fill(channel.history.begin(), channel.history.end(), 0.0f);
        channel.tilt_lowpass = 0.0;
    }
    seek_module();
}

// Put every source where the timeline is: the transport's wow and flutter are keyed by the seed
// (every track of a session shares them), tilt and gain by the track (its own tolerances).
void Drift::seek_module() noexcept
{
    const uint64_t seed = static_cast<uint64_t>(seed_.value());
    const uint64_t own_seed = track_seed(seed, static_cast<uint64_t>(track_id_.value()));
    for (size_t s = 0; s < sources_.size(); ++s) {
        Source& source = sources_[s];
        source.wow_rate.set_key(stream_key(seed, source_stream(s, 1)));
        source.wow_depth.set_key(stream_key(seed, source_stream(s, 2)));
        source.tilt.set_key(stream_key(own_seed, source_stream(s, 3)));
        source.gain.set_key(stream_key(own_seed, source_stream(s, 4)));
        source.phase.set_key(stream_key(seed, source_stream(s, 5)));
    }
    const uint64_t phases = stream_key(seed, source_stream(0, 0));
    for (size_t k = 0; k < 3; ++k) {
        const double offset = 2.0 * M_PI * random_uniform(phases, 2 + k);
        flutter_offset_cosines_[k] = std::cos(offset);
        flutter_offset_sines_[k] = std::sin(offset);
    }
    primed_ = {wow_percent_.value(), wow_rate_hz_.value(), flutter_percent_.value(), flutter_rate_hz_.value(),
               tilt_db_.value(),     gain_db_.value(),     link_percent_.value()};
    wow_percent_values_ = &primed_[0];
    wow_rate_values_ = &primed_[1];
    flutter_percent_values_ = &primed_[2];
    flutter_rate_values_ = &primed_[3];
    tilt_values_ = &primed_[4];
    gain_values_ = &primed_[5];
    link_values_ = &primed_[6];
    const double tick_seconds = kControlInterval / sample_rate_;
    wow_clock_.restart(random_uniform(phases, 0), wow_rate_hz_.value() * tick_seconds);
    flutter_clock_.restart(random_uniform(phases, 1), flutter_rate_hz_.value() * tick_seconds);
    tone_clock_.restart(0.0, tone_clock_rate());
    glided_wow_speed_ = wow_speed(0);
    glided_wow_rate_hz_ = wow_rate_hz_.value();
    // The delays at the control ticks around the position, each from the wanders a full render had
    // there (tick T's were found at tick T - 1, between wander ticks W and W + 1); then the wanders
    // around the position.
    const TickSpan ticks = ticks_around(position_, kControlInterval), wander_ticks = ticks_around(position_, kWanderTickSamples);
    for (const uint64_t tick : {ticks.previous, ticks.next}) {
        const uint64_t wander_tick = tick == 0 ? 0 : (tick - 1) / kTicksPerWanderTick;
        evaluate_wanders(wander_tick, 0);
        evaluate_wanders(wander_tick + 1, 0);
        evaluate_motion(tick, 0);
    }
    for (const uint64_t wander_tick : {wander_ticks.previous, wander_ticks.next}) evaluate_wanders(wander_tick, 0);
}

// The wow's speed amplitude for the settings at sample j: a weighted meter reads the setting (2
// sigma; see drift.h).
double Drift::wow_speed(size_t j) noexcept
{
    const double rate = wow_rate_values_[j];
    if (rate != normalised_wow_rate_) {
        wow_rms_ = weighted_wow_rms(rate);
        normalised_wow_rate_ = rate;
    }
    return 0.01 * wow_percent_values_[j] / (2.0 * wow_rms_ * std::sqrt(1.0 + kWowDepthWander * kWowDepthWander));
}

// One control tick on: the wow's speed amplitude and rate glide towards the settings at sample j
// of the chunk, and the clocks run at their rates from here. The wow's displacement is
// speed / (2 pi rate) at the clock's phase; had it followed a 50 ms parameter ramp, a rate change
// from 1 to 3 Hz would have kicked the speed by 5 %. Gliding speed and rate together over
// kWowGlideSeconds keeps the speed amplitude what it is set to.
void Drift::advance_controls(uint64_t tick, size_t j) noexcept
{
    glide(glided_wow_speed_, wow_speed(j), wow_glide_);
    glide(glided_wow_rate_hz_, wow_rate_values_[j], wow_glide_);
    const double tick_seconds = kControlInterval / sample_rate_;
    wow_clock_.set_rate(tick, glided_wow_rate_hz_ * tick_seconds);
    flutter_clock_.set_rate(tick, flutter_rate_values_[j] * tick_seconds);
}

// Every channel's delay at a control tick (the last tick's becomes the *_from), with the parameters
// at sample j of the chunk and the wanders between the wander ticks around the tick before.
void Drift::evaluate_motion(uint64_t tick, size_t j) noexcept
{
    for (Channel& channel : channels_) channel.delay_from = channel.delay_to;
    // The flutter's speed amplitude makes a weighted meter read the setting (2 sigma; see drift.h).
    const double flutter_rate = flutter_rate_values_[j];
    if (flutter_rate != normalised_flutter_rate_) {
        flutter_rms_ = weighted_flutter_rms(flutter_rate);
        normalised_flutter_rate_ = flutter_rate;
    }
    const double flutter_scale = 0.01 * flutter_percent_values_[j] / (2.0 * flutter_rms_);
    const double wow_amplitude_s = glided_wow_speed_ / (2.0 * M_PI * glided_wow_rate_hz_);
    // A transport at rest (no wow, no flutter): every term would be a zero times a finite value.
    if (wow_amplitude_s == 0.0 && flutter_scale == 0.0) {
        for (Channel& channel : channels_) channel.delay_to = latency_samples_;
        return;
    }
    // Tick T between the wander ticks W = (T - 1) / 8 and W + 1, at (T - 8 W) / 8 (tick 0: W = 0, at 0).
    const double fraction = tick == 0 ? 0.0 : double((tick - 1) % kTicksPerWanderTick + 1) / kTicksPerWanderTick;
    const auto between = [fraction](double from, double to) { return from + (to - from) * fraction; };
    // The shared rate wander moves the wow's phase so that its slope, the rate, moves by 10 % RMS.
    const double rate_wander_cycles = kWowRateWander * glided_wow_rate_hz_ * kWowWanderSeconds / SmoothRandom::kSlopeRms;
    double wow_phase = wow_clock_.at(tick) + rate_wander_cycles * between(rate_wander_from_, rate_wander_to_);
    double flutter_phase = flutter_clock_.at(tick);
    wow_phase -= std::floor(wow_phase);
    flutter_phase -= std::floor(flutter_phase);
    double flutter_amplitudes[3];  // each harmonic's displacement amplitude (s), the same in every channel
    for (size_t k = 0; k < 3; ++k)
        flutter_amplitudes[k] = flutter_scale * kFlutterHarmonics[k] / (2.0 * M_PI * static_cast<double>(k + 1) * flutter_rate);
    for (Channel& channel : channels_) {
        const double depth = std::clamp(between(channel.depth_from, channel.depth_to), -2.5, 2.5);
        const double phase_offset = between(channel.offset_from, channel.offset_to);
        // The displacement whose speed is the wow, centred.
        double displacement =
            wow_amplitude_s * (1.0 + kWowDepthWander * depth) * sine_cosine_turns(wow_phase + phase_offset).cosine;
        // The flutter's harmonics, cos(k a + b_k), from one cosine and sine of a: Chebyshev's
        // recurrence for the multiples, the offsets' cosines and sines held since the seek.
        const auto [sine, cosine] = sine_cosine_turns(flutter_phase + phase_offset);
        double multiple_cosine = cosine, multiple_sine = sine, previous_cosine = 1.0, previous_sine = 0.0;
        for (size_t k = 0; k < 3; ++k) {
            displacement +=
                flutter_amplitudes[k] * (multiple_cosine * flutter_offset_cosines_[k] - multiple_sine * flutter_offset_sines_[k]);
            const double next_cosine = 2.0 * cosine * multiple_cosine - previous_cosine;
            const double next_sine = 2.0 * cosine * multiple_sine - previous_sine;
            previous_cosine = multiple_cosine;
            previous_sine = multiple_sine;
            multiple_cosine = next_cosine;
            multiple_sine = next_sine;
        }
        channel.delay_to =
            latency_samples_ + std::clamp(displacement, -kMaxDisplacementSeconds, kMaxDisplacementSeconds) * sample_rate_;
    }
}

// Every wander at a wander tick (the last tick's become the *_from), with the parameters at sample
// j of the chunk: the shared rate wander; each channel's depth wander and tone, link * shared +
// sqrt(1 - link^2) * its own (which keeps the variance), and its phase offset, scaled by (1 - link)
// so that every channel keeps the exact depth. A transport at rest (no wow, none gliding away, no
// flutter) holds its wanders at 0, and a flat tone its gains at 1: they cost nothing. (A transport
// that starts takes its wanders from 0 over one wander interval, while its depth is still rising.)
void Drift::evaluate_wanders(uint64_t wander_tick, size_t j) noexcept
{
    const double seconds = static_cast<double>(wander_tick) * (kWanderTickSamples / sample_rate_);
    const double link = 0.01 * link_values_[j], own = std::sqrt(std::max(0.0, 1.0 - link * link));
    const bool moving = glided_wow_speed_ != 0.0 || wow_percent_values_[j] != 0.0 || flutter_percent_values_[j] != 0.0;
    const bool toned = tilt_values_[j] != 0.0 || gain_values_[j] != 0.0;
    // Many streams are read at each of three times: the spline's weights are found once per time.
    const SmoothRandom::Place wow_place = SmoothRandom::place(moving ? seconds / kWowWanderSeconds : 0.0),
                              phase_place = SmoothRandom::place(moving ? seconds / kPhaseWanderSeconds : 0.0),
                              tone_place = SmoothRandom::place(toned ? tone_clock_.at(wander_tick) : 0.0);
    Source& shared = sources_[0];
    rate_wander_from_ = rate_wander_to_;
    rate_wander_to_ = moving ? shared.wow_rate.at(wow_place) : 0.0;
    const double shared_depth = moving ? shared.wow_depth.at(wow_place) : 0.0;
    const double shared_tilt = toned ? shared.tilt.at(tone_place) : 0.0, shared_gain = toned ? shared.gain.at(tone_place) : 0.0;
    for (size_t c = 0; c < channels_.size(); ++c) {
        Channel& channel = channels_[c];
        Source& mine = sources_[c + 1];
        channel.depth_from = channel.depth_to;
        channel.offset_from = channel.offset_to;
        channel.low_from = channel.low_to;
        channel.level_from = channel.level_to;
        channel.depth_to = moving ? link * shared_depth + own * mine.wow_depth.at(wow_place) : 0.0;
        channel.offset_to = moving ? (1.0 - link) * kPhaseWanderCycles * mine.phase.at(phase_place) : 0.0;
        channel.low_to = channel.level_to = 1.0;
        if (!toned) continue;
        const double tilt_db = 0.5 * tilt_values_[j] * (link * shared_tilt + own * mine.tilt.at(tone_place));
        const double gain_db = 0.5 * gain_values_[j] * (link * shared_gain + own * mine.gain.at(tone_place));
        channel.low_to = std::exp(-tilt_db * M_LN10 / 40.0);  // 10^(-tilt_db / 40), as exp: half of pow's time
        channel.level_to = std::exp(gain_db * M_LN10 / 20.0);
    }
}

void Drift::process_chunk(AudioBlock block) noexcept
{
    const int n = block.num_samples;
    wow_percent_values_ = wow_percent_.fill(n);
    wow_rate_values_ = wow_rate_hz_.fill(n);
    flutter_percent_values_ = flutter_percent_.fill(n);
    flutter_rate_values_ = flutter_rate_hz_.fill(n);
    tilt_values_ = tilt_db_.fill(n);
    gain_values_ = gain_db_.fill(n);
    link_values_ = link_percent_.fill(n);

    for (int c = 0; c < block.num_channels; ++c) {
        const float* x = block.channel(c);
        std::copy(x, x + n, channels_[static_cast<size_t>(c)].history.data() + history_);
    }
    for_each_tick_interval<kControlInterval>(position_, n, [&](int j, int end, int first) {
        const uint64_t position = position_ + static_cast<uint64_t>(j);
        if (first == 0) {  // a control tick: the next tick's values become the target
            const uint64_t tick = position / kControlInterval;
            if (position % kWanderTickSamples == 0) {  // a wander tick too: the wanders first
                const uint64_t wander_tick = position / kWanderTickSamples;
                tone_clock_.set_rate(wander_tick, tone_clock_rate());
                evaluate_wanders(wander_tick + 1, static_cast<size_t>(j));
            }
            advance_controls(tick, static_cast<size_t>(j));
            evaluate_motion(tick + 1, static_cast<size_t>(j));
        }
        for (int c = 0; c < block.num_channels; c += 2) {  // in pairs (see read_interval)
            const int pair = std::min(2, block.num_channels - c);
            const float* now[2];
            float* out[2];
            for (int k = 0; k < pair; ++k) {
                now[k] = channels_[static_cast<size_t>(c + k)].history.data() + history_ + j;
                out[k] = block.channel(c + k) + j;
            }
            read_interval(interpolator_, &channels_[static_cast<size_t>(c)], pair, now, out, first,
                          static_cast<int>(position % kWanderTickSamples), end - j, tilt_coefficient_);
        }
    });
    for (Channel& channel : channels_)  // keep the newest history_ samples in front
        std::copy(channel.history.begin() + n, channel.history.begin() + n + history_, channel.history.begin());
}

}  // namespace stemglue
