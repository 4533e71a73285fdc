#include "stemglue/drift.h"

#include <algorithm>
#include <cmath>

#include "stemglue/oversampler.h"  // bessel_i0
#include "stemglue/random.h"
#include "stemglue/weighting.h"

namespace stemglue {
namespace {

constexpr uint64_t kDriftStreams = 0x600;  // + 16 * source + component
constexpr double kWowRateWander = 0.1, kWowDepthWander = 0.1, kWowWanderSeconds = 1.0;
constexpr double kFlutterHarmonics[] = {230.0, 80.0, 99.0};  // speed amplitudes of f, 2f, 3f (Sony TC-260 fit)
constexpr double kTiltPivotHz = 800.0;
constexpr double kWowLeakSeconds = 10.0;                               // keeps the integrated wow displacement centred
constexpr double kPhaseWanderCycles = 0.5, kPhaseWanderSeconds = 4.0;  // per-channel phase offset wander
constexpr double kInterpolatorKaiserBeta = 8.0;

uint64_t source_stream(size_t source, int component)
{
    return kDriftStreams + 16 * source + static_cast<uint64_t>(component);
}

// RMS of the weighted speed of a unit-amplitude wow at rate_hz whose rate wanders by
// (1 + kWowRateWander r), r ~ N(0, 1): sqrt(E[W(f (1 + 0.1 r))^2] / 2), by the trapezoid rule
// over r in [-4, 4] (the weighting is not flat below 4 Hz, so the wander moves the reading).
double weighted_wow_rms(double rate_hz) noexcept
{
    constexpr int kPoints = 33;
    double total = 0.0, weights = 0.0;
    for (int i = 0; i < kPoints; ++i) {
        const double r = -4.0 + 8.0 * i / (kPoints - 1);
        const double weight = std::exp(-0.5 * r * r) * (i == 0 || i == kPoints - 1 ? 0.5 : 1.0);
        const double speed = flutter_weighting(rate_hz * (1.0 + kWowRateWander * r));
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

}  // namespace

void Drift::prepare_module()
{
    latency_samples_ = static_cast<int>(std::ceil(kMaxDisplacementSeconds * sample_rate_)) + kInterpolatorTaps / 2;
    history_ = 2 * latency_samples_ + kInterpolatorTaps;
    sources_.assign(static_cast<size_t>(num_channels_) + 1, Source{});
    channels_.assign(static_cast<size_t>(num_channels_), Channel{});
    for (Channel& channel : channels_) channel.history.assign(static_cast<size_t>(history_ + max_block_size_), 0.0f);

    // Row r holds the taps for a read r / phases of a sample late; tap k weighs x[i0 - 7 + k].
    const int half = kInterpolatorTaps / 2;
    kernel_.assign(static_cast<size_t>((kInterpolatorPhases + 1) * kInterpolatorTaps), 0.0f);
    const double window_norm = bessel_i0(kInterpolatorKaiserBeta);
    for (int r = 0; r <= kInterpolatorPhases; ++r) {
        const double mu = double(r) / kInterpolatorPhases;
        std::array<double, kInterpolatorTaps> row{};
        double sum = 0.0;
        for (int k = 0; k < kInterpolatorTaps; ++k) {
            const double x = mu - (k - (half - 1));
            const double ratio = x / half;
            const double window =
                std::abs(ratio) < 1.0 ? bessel_i0(kInterpolatorKaiserBeta * std::sqrt(1.0 - ratio * ratio)) / window_norm : 0.0;
            row[static_cast<size_t>(k)] = (x == 0.0 ? 1.0 : std::sin(M_PI * x) / (M_PI * x)) * window;
            sum += row[static_cast<size_t>(k)];
        }
        for (int k = 0; k < kInterpolatorTaps; ++k) {
            double tap = row[static_cast<size_t>(k)] / sum;  // unity DC at every phase: no AM as the delay moves
            if (r == 0) tap = k == half - 1 ? 1.0 : 0.0;     // whole-sample delays are exact
            if (r == kInterpolatorPhases) tap = k == half ? 1.0 : 0.0;
            kernel_[static_cast<size_t>(r * kInterpolatorTaps + k)] = static_cast<float>(tap);
        }
    }
    tilt_coefficient_ = 1.0 - std::exp(-2.0 * M_PI * kTiltPivotHz / sample_rate_);
}

void Drift::reset_module() noexcept
{
    for (Channel& channel : channels_) {
        std::fill(channel.history.begin(), channel.history.end(), 0.0f);
        channel.tilt_lowpass = 0.0;
    }
    seek_module();
}

// Restart every source where the timeline is: the transport's wow and flutter are keyed by the
// seed (every track of a session shares them), tilt and gain by the track (its own tolerances).
void Drift::seek_module() noexcept
{
    const uint64_t seed = static_cast<uint64_t>(seed_.value());
    const uint64_t own_seed = track_seed(seed, static_cast<uint64_t>(track_id_.value()));
    const double tick_rate = sample_rate_ / kControlInterval;
    const uint64_t first_tick = (position_ + kControlInterval - 1) / kControlInterval;
    const double seconds = double(position_) / sample_rate_;
    applied_time_s_ = time_s_.value();
    for (size_t s = 0; s < sources_.size(); ++s) {
        Source& source = sources_[s];
        auto start = [&](OrnsteinUhlenbeck& process, double time_constant_s, uint64_t key_seed, int component) {
            process.prepare(time_constant_s, tick_rate, stream_key(key_seed, source_stream(s, component)));
            process.reset(first_tick);
        };
        if (s == 0) {  // the shared oscillators (where the nominal rates put them) and their rate wander
            const uint64_t phases = stream_key(seed, source_stream(s, 0));
            source.wow_phase = random_uniform(phases, 0) + wow_rate_hz_.value() * seconds;
            source.flutter_phase = random_uniform(phases, 1) + flutter_rate_hz_.value() * seconds;
            source.wow_phase -= std::floor(source.wow_phase);
            source.flutter_phase -= std::floor(source.flutter_phase);
            for (size_t k = 0; k < 3; ++k) source.flutter_offsets[k] = random_uniform(phases, 2 + k);
            start(source.wow_rate, kWowWanderSeconds, seed, 1);
        } else {  // a channel's phase-offset wander
            start(source.phase, kPhaseWanderSeconds, seed, 5);
        }
        start(source.wow_depth, kWowWanderSeconds, seed, 2);
        start(source.tilt, applied_time_s_, own_seed, 3);
        start(source.gain, applied_time_s_, own_seed, 4);
    }
    wow_leak_ = std::exp(-kControlInterval / (kWowLeakSeconds * sample_rate_));
    const double rate = wow_rate_hz_.value(), link = 0.01 * link_percent_.value();
    for (size_t c = 0; c < channels_.size(); ++c) {
        // Start the wow where the integral of its speed would be, centred.
        const double phase = sources_[0].wow_phase + (1.0 - link) * kPhaseWanderCycles * sources_[c + 1].phase.value();
        channels_[c].wow_displacement_s = 0.01 * wow_percent_.value() /
                                          (2.0 * weighted_wow_rms(rate) * std::sqrt(1.0 + kWowDepthWander * kWowDepthWander)) /
                                          (2.0 * M_PI * rate) * std::cos(2.0 * M_PI * phase);
    }
    // Prime one tick with the values in effect now, so the sources start where they are, not
    // with a jump from rest.
    primed_ = {wow_percent_.value(), rate, flutter_percent_.value(), flutter_rate_hz_.value(), tilt_db_.value(), gain_db_.value(),
               link_percent_.value()};
    wow_percent_values_ = &primed_[0];
    wow_rate_values_ = &primed_[1];
    flutter_percent_values_ = &primed_[2];
    flutter_rate_values_ = &primed_[3];
    tilt_values_ = &primed_[4];
    gain_values_ = &primed_[5];
    link_values_ = &primed_[6];
    tick(0);
    for (Channel& channel : channels_) {  // a tick landing on the seek point would repeat the priming one
        channel.delay_from = channel.delay_to;
        channel.low_from = channel.low_to;
        channel.level_from = channel.level_to;
    }
}

// Advance every source one control tick, with the parameters at sample j of the chunk.
void Drift::tick(size_t j) noexcept
{
    const double tick_seconds = kControlInterval / sample_rate_;
    const double tick_rate = sample_rate_ / kControlInterval;
    if (time_s_.value() != applied_time_s_) {
        applied_time_s_ = time_s_.value();
        for (Source& source : sources_) {
            source.tilt.set_time_constant(applied_time_s_, tick_rate);
            source.gain.set_time_constant(applied_time_s_, tick_rate);
        }
    }
    // Speed amplitudes that make a weighted meter read the settings (2 sigma; see drift.h).
    const double wow_rate = wow_rate_values_[j], flutter_rate = flutter_rate_values_[j];
    if (wow_rate != normalised_wow_rate_) {
        wow_rms_ = weighted_wow_rms(wow_rate);
        normalised_wow_rate_ = wow_rate;
    }
    const double wow_speed =
        0.01 * wow_percent_values_[j] / (2.0 * wow_rms_ * std::sqrt(1.0 + kWowDepthWander * kWowDepthWander));
    if (flutter_rate != normalised_flutter_rate_) {
        flutter_rms_ = weighted_flutter_rms(flutter_rate);
        normalised_flutter_rate_ = flutter_rate;
    }
    const double flutter_scale = 0.01 * flutter_percent_values_[j] / (2.0 * flutter_rms_);

    // The shared source runs the oscillators; channels add a wandering phase offset scaled by
    // (1 - link), so each keeps the exact depth, and mix the Gaussian wanders, which keeps their
    // variance.
    Source& shared = sources_[0];
    const double rate_wander = std::clamp(shared.wow_rate.step(), -2.5, 2.5);
    shared.wow_phase += wow_rate * (1.0 + kWowRateWander * rate_wander) * tick_seconds;
    shared.wow_phase -= std::floor(shared.wow_phase);
    shared.flutter_phase += flutter_rate * tick_seconds;
    shared.flutter_phase -= std::floor(shared.flutter_phase);
    const double shared_depth = shared.wow_depth.step(), shared_tilt = shared.tilt.step(), shared_gain = shared.gain.step();

    const double link = 0.01 * link_values_[j], own = std::sqrt(std::max(0.0, 1.0 - link * link));
    for (size_t c = 0; c < channels_.size(); ++c) {
        Channel& channel = channels_[c];
        Source& mine = sources_[c + 1];
        const double depth = std::clamp(link * shared_depth + own * mine.wow_depth.step(), -2.5, 2.5);
        const double phase_wander = kPhaseWanderCycles * mine.phase.step();
        const double wow_phase = shared.wow_phase + (1.0 - link) * phase_wander;
        const double flutter_phase = shared.flutter_phase + (1.0 - link) * phase_wander;
        // Wow wanders in speed (depth scales it, rate moves its phase); the delay is its integral,
        // so the wander is a slow modulation of the wow, never a step in the delay.
        const double wow = wow_speed * (1.0 + kWowDepthWander * depth) * std::sin(2.0 * M_PI * wow_phase);
        channel.wow_displacement_s = channel.wow_displacement_s * wow_leak_ - wow * tick_seconds;
        double displacement = channel.wow_displacement_s;
        for (int k = 0; k < 3; ++k)
            displacement += flutter_scale * kFlutterHarmonics[k] / (2.0 * M_PI * (k + 1) * flutter_rate) *
                            std::cos(2.0 * M_PI * ((k + 1) * flutter_phase + shared.flutter_offsets[static_cast<size_t>(k)]));
        const double tilt_db = 0.5 * tilt_values_[j] * (link * shared_tilt + own * mine.tilt.step());
        const double gain_db = 0.5 * gain_values_[j] * (link * shared_gain + own * mine.gain.step());

        channel.delay_from = channel.delay_to;
        channel.delay_to =
            latency_samples_ + std::clamp(displacement, -kMaxDisplacementSeconds, kMaxDisplacementSeconds) * sample_rate_;
        channel.low_from = channel.low_to;
        channel.low_to = std::pow(10.0, -tilt_db / 40.0);
        channel.level_from = channel.level_to;
        channel.level_to = std::pow(10.0, gain_db / 20.0);
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
    const int half = kInterpolatorTaps / 2;
    for (int j = 0; j < n; ++j) {
        const uint64_t position = position_ + static_cast<uint64_t>(j);
        const double fraction = double(position % kControlInterval) / kControlInterval;
        if (fraction == 0.0) tick(static_cast<size_t>(j));
        for (int c = 0; c < block.num_channels; ++c) {
            Channel& channel = channels_[static_cast<size_t>(c)];
            // Split the delay, not the read position, into whole and fraction: then the result never
            // depends on where the block boundary falls.
            const double delay = channel.delay_from + (channel.delay_to - channel.delay_from) * fraction;
            const double whole_delay = std::ceil(delay);
            const double phase = (whole_delay - delay) * kInterpolatorPhases;  // how far past x[n - whole_delay]
            const int row = std::min(static_cast<int>(phase), kInterpolatorPhases - 1);
            const float blend = static_cast<float>(phase - row);
            const float* first = kernel_.data() + row * kInterpolatorTaps;
            const float* second = first + kInterpolatorTaps;
            const float* samples = channel.history.data() + history_ + j - static_cast<ptrdiff_t>(whole_delay) - (half - 1);
            float sum = 0.0f;
            for (int k = 0; k < kInterpolatorTaps; ++k) sum += (first[k] + (second[k] - first[k]) * blend) * samples[k];

            const double low_gain = channel.low_from + (channel.low_to - channel.low_from) * fraction;
            const double level = channel.level_from + (channel.level_to - channel.level_from) * fraction;
            channel.tilt_lowpass += tilt_coefficient_ * (sum - channel.tilt_lowpass);
            const double tilted = channel.tilt_lowpass * low_gain + (sum - channel.tilt_lowpass) / low_gain;
            block.channel(c)[j] = static_cast<float>(tilted * level);
        }
    }
    for (Channel& channel : channels_)  // keep the newest history_ samples in front
        std::copy(channel.history.begin() + n, channel.history.begin() + n + history_, channel.history.begin());
}

}  // namespace stemglue
