#include "stemglue/bleed.h"

#include <algorithm>
#include <cmath>

#include "stemglue/sanitize.h"

namespace stemglue {

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
    const float share = sidechain_.num_channels > 0 ? 1.0f / static_cast<float>(sidechain_.num_channels) : 0.0f;
    for (int j = 0; j < n; ++j) {
        float sum = 0.0f;
        for (int c = 0; c < sidechain_.num_channels; ++c) sum += sanitized(sidechain_.channel(c)[j]);
        source[j] = sum * share;
    }

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
    // Smoothed values move monotonically: equal ends mean a steady chunk, whose gains are computed once.
    bool steady = true;
    for (const double* values : {distance, source_distance, angle, pattern, trim, invert})
        steady = steady && values[0] == values[n - 1];
    const auto delay_at = [&](int j) {
        return std::max(0.0, distance[j] - source_distance[j]) * samples_per_metre + SincInterpolator::kHalf;
    };
    float* heard = bleed_.data();
    if (steady) {
        interpolator_.read_block(source, delay_at(0), n, heard);
    } else {
        for (int j = 0; j < n; ++j) heard[j] = interpolator_.read(source + j, delay_at(j));
    }
    double gain = gain_at(0), shelf = shelf_gain(pattern[0], angle[0]);
    double state = split_state_;
    for (int j = 0; j < n; ++j) {
        if (!steady) {
            gain = gain_at(j);
            shelf = shelf_gain(pattern[j], angle[j]);
        }
        const double u = heard[j];
        state += split_coefficient_ * (u - state);
        heard[j] = static_cast<float>(gain * (shelf * u + (1.0 - shelf) * state));
    }
    split_state_ = state;

    for (int c = 0; c < block.num_channels; ++c) {
        float* x = block.channel(c);
        direct_[static_cast<size_t>(c)].process(x, x, n);
        for (int j = 0; j < n; ++j) x[j] += bleed_[static_cast<size_t>(j)];
    }
    newest_ += n;
}

}  // namespace stemglue
