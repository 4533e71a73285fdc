#include "stemglue/bleed.h"

#include <algorithm>
#include <cmath>

#include "stemglue/multiversion.h"
#include "stemglue/sanitize.h"

namespace stemglue {
namespace {

// The sidechain's mono mean, sanitised: a pass per channel (the per-sample loop over a run-time
// channel count did not vectorise), summed in the same order.
STEMGLUE_MULTIVERSION
void mix_down(AudioBlock sidechain, float* source, int n) noexcept
{
    std::fill(source, source + n, 0.0f);
    for (int c = 0; c < sidechain.num_channels; ++c) {
        const float* x = sidechain.channel(c);
        for (int j = 0; j < n; ++j) source[j] += sanitized(x[j]);
    }
    const float share = sidechain.num_channels > 0 ? 1.0f / static_cast<float>(sidechain.num_channels) : 0.0f;
    for (int j = 0; j < n; ++j) source[j] *= share;
}

// A steady chunk's reads, in the vector clones (read_block is inline: it takes this function's).
STEMGLUE_MULTIVERSION
void read_steady(const SincInterpolator& interpolator, const float* source, double delay, int n, float* heard) noexcept
{
    interpolator.read_block(source, delay, n, heard);
}

// heard = gain (shelf u + (1 - shelf) lowpass(u)), the one-pole as scipy.signal.lfilter([a], [1, a - 1])
// computes it (the reference's form: one multiply and one add on the recursion's path).
STEMGLUE_MULTIVERSION
void colour_steady(float* heard, double gain, double shelf, double a, double& state, int n) noexcept
{
    const double keep = -(a - 1.0);
    double lowpass = state;
    for (int j = 0; j < n; ++j) {
        const double u = heard[j];
        lowpass = a * u + keep * lowpass;
        heard[j] = static_cast<float>(gain * (shelf * u + (1.0 - shelf) * lowpass));
    }
    state = lowpass;
}

STEMGLUE_MULTIVERSION
void add_into(float* __restrict x, const float* __restrict bleed, int n) noexcept
{
    for (int j = 0; j < n; ++j) x[j] += bleed[j];
}

}  // namespace

double Bleed::pattern_gain(double pattern, double angle_deg) noexcept
{
    return pattern + (1.0 - pattern) * std::cos(angle_deg * (M_PI / 180.0));
}

double Bleed::shelf_gain(double pattern, double angle_deg) noexcept
{
    const double rear_loss_db = 6.0 + 6.0 * (1.0 - pattern);
    const double loss_db = rear_loss_db * 0.5 * (1.0 - std::cos(angle_deg * (M_PI / 180.0)));
    return std::pow(10.0, -loss_db / 20.0);
}

int64_t Bleed::tail_samples() const noexcept
{
    const double path_m = std::max(0.0, distance_m_.target() - source_distance_m_.target());
    return static_cast<int64_t>(std::ceil(path_m / kSpeedOfSound * sample_rate_));
}

void Bleed::prepare_module()
{
    // The longest path (30 m, no distance to subtract) plus the latency, and the taps either side.
    reach_ = static_cast<int>(std::ceil(kMaxDistanceM / kSpeedOfSound * sample_rate_)) + 2 * SincInterpolator::kHalf + 1;
    // Room for many chunks after the reach, so the newest reach_ samples move back to the front
    // only now and then (about one sample copied per sample processed).
    history_.assign(static_cast<size_t>(2 * reach_ + max_block_size_), 0.0f);
    bleed_.assign(static_cast<size_t>(max_block_size_), 0.0f);
    direct_.assign(static_cast<size_t>(num_channels_), DelayLine{});
    for (DelayLine& line : direct_) {
        line.prepare(SincInterpolator::kHalf, max_block_size_);
        line.set_delay(SincInterpolator::kHalf);
    }
    split_coefficient_ = 1.0 - std::exp(-2.0 * M_PI * kSplitHz / sample_rate_);
}

void Bleed::reset_module() noexcept
{
    std::fill(history_.begin(), history_.end(), 0.0f);
    newest_ = reach_;
    for (DelayLine& line : direct_) line.reset();
    split_state_ = 0.0;
}

void Bleed::process_chunk(AudioBlock block) noexcept
{
    const int n = block.num_samples;
    if (newest_ + n > static_cast<int>(history_.size())) {  // keep the newest reach_ samples, in front
        std::copy(history_.begin() + (newest_ - reach_), history_.begin() + newest_, history_.begin());
        newest_ = reach_;
    }
    float* source = history_.data() + newest_;  // this chunk's mono source
    mix_down(sidechain_, source, n);

    // A chunk in which none of the six moves (asked before the fills advance them) is steady: its
    // gains and delay are computed once. At rest a fill leaves the buffer as the last chunk left it.
    const bool steady = !(distance_m_.is_smoothing() || source_distance_m_.is_smoothing() || angle_deg_.is_smoothing() ||
                          pattern_.is_smoothing() || level_db_.is_smoothing() || invert_.is_smoothing());
    const double* distance = distance_m_.fill(n);
    const double* source_distance = source_distance_m_.fill(n);
    const double* angle = angle_deg_.fill(n);
    const double* pattern = pattern_.fill(n);
    const double* trim = level_db_.fill(n, [](double db) { return std::pow(10.0, db / 20.0); });
    const double* invert = invert_.fill(n);
    const double samples_per_metre = sample_rate_ / kSpeedOfSound;
    const auto gain_at = [&](int j) {
        return source_distance[j] / distance[j] * pattern_gain(pattern[j], angle[j]) * trim[j] * (1.0 - 2.0 * invert[j]);
    };
    const auto delay_at = [&](int j) {
        return std::max(0.0, distance[j] - source_distance[j]) * samples_per_metre + SincInterpolator::kHalf;
    };
    float* heard = bleed_.data();
    if (steady) {
        read_steady(interpolator_, source, delay_at(0), n, heard);
        colour_steady(heard, gain_at(0), shelf_gain(pattern[0], angle[0]), split_coefficient_, split_state_, n);
    } else {
        const double keep = -(split_coefficient_ - 1.0);
        double lowpass = split_state_;
        for (int j = 0; j < n; ++j) {
            const double u = interpolator_.read(source + j, delay_at(j));
            lowpass = split_coefficient_ * u + keep * lowpass;
            const double shelf = shelf_gain(pattern[j], angle[j]);
            heard[j] = static_cast<float>(gain_at(j) * (shelf * u + (1.0 - shelf) * lowpass));
        }
        split_state_ = lowpass;
    }

    for (int c = 0; c < block.num_channels; ++c) {
        float* x = block.channel(c);
        direct_[static_cast<size_t>(c)].process(x, x, n);
        add_into(x, bleed_.data(), n);
    }
    newest_ += n;
}

}  // namespace stemglue
