#include "stemglue/glue_compressor.h"

#include <algorithm>
#include <cmath>

#include "stemglue/parameters.h"
#include "stemglue/sanitize.h"

namespace stemglue {
namespace {

constexpr int kThreshold = param("glue_threshold_db");
constexpr int kRatio = param("glue_ratio");
constexpr int kKnee = param("glue_knee_db");
constexpr int kAttack = param("glue_attack_ms");
constexpr int kRelease = param("glue_release_ms");
constexpr int kAutoRelease = param("glue_auto_release");
constexpr int kHighpass = param("glue_sidechain_hpf_hz");
constexpr int kMakeup = param("glue_makeup_db");
constexpr int kMix = param("glue_mix_percent");

constexpr double kAutoFastReleaseMs = 80.0, kAutoSlowAttackMs = 500.0, kAutoSlowReleaseMs = 1500.0;
constexpr double kFloorDb = -200.0;

double coefficient(double milliseconds, double sample_rate) noexcept
{
    return std::exp(-1000.0 / (milliseconds * sample_rate));
}

// Static curve: gain reduction (dB, >= 0) for an input level x (dB).
double gain_reduction(double x, double threshold, double ratio, double knee) noexcept
{
    const double over = x - threshold;
    if (2.0 * over < -knee) return 0.0;
    if (2.0 * std::abs(over) <= knee) {
        const double inside = over + 0.5 * knee;
        return (1.0 - 1.0 / ratio) * inside * inside / (2.0 * knee);
    }
    return over * (1.0 - 1.0 / ratio);
}

}  // namespace

GlueCompressor::GlueCompressor()
{
    for (int index = 0; index < kNumParameters; ++index)
        if (kParameters[static_cast<size_t>(index)].module == "glue")
            set_parameter(index, kParameters[static_cast<size_t>(index)].default_value);
}

void GlueCompressor::prepare(double sample_rate, int max_block_size, int num_channels)
{
    sample_rate_ = sample_rate;
    max_block_size_ = std::max(1, max_block_size);
    channels_.assign(static_cast<size_t>(num_channels), Channel{});
    for (auto* values : {&threshold_values_, &ratio_values_, &knee_values_, &makeup_values_, &mix_values_, &gain_values_})
        values->assign(static_cast<size_t>(max_block_size_), 0.0);
    auto smoothing_ms = [](int index) { return kParameters[static_cast<size_t>(index)].smoothing_ms; };
    threshold_db_.prepare(sample_rate, smoothing_ms(kThreshold));
    ratio_.prepare(sample_rate, smoothing_ms(kRatio));
    knee_db_.prepare(sample_rate, smoothing_ms(kKnee));
    makeup_db_.prepare(sample_rate, smoothing_ms(kMakeup));
    mix_percent_.prepare(sample_rate, smoothing_ms(kMix));
    update_coefficients();
    reset();
}

void GlueCompressor::update_coefficients() noexcept
{
    if (max_block_size_ == 0) return;  // not prepared: prepare() designs them for its sample rate
    attack_ = coefficient(attack_ms_, sample_rate_);
    release_ = coefficient(release_ms_, sample_rate_);
    fast_release_ = coefficient(kAutoFastReleaseMs, sample_rate_);
    slow_attack_ = coefficient(kAutoSlowAttackMs, sample_rate_);
    slow_release_ = coefficient(kAutoSlowReleaseMs, sample_rate_);
    // RBJ high-pass, Q = 1/sqrt(2) (Butterworth); the cutoff stays below Nyquist at any rate.
    const double w = 2.0 * M_PI * std::min(highpass_hz_, 0.45 * sample_rate_) / sample_rate_;
    const double alpha = std::sin(w) / std::sqrt(2.0), cosine = std::cos(w), a0 = 1.0 + alpha;
    highpass_ = {(1.0 + cosine) / 2.0 / a0, -(1.0 + cosine) / a0, (1.0 + cosine) / 2.0 / a0, -2.0 * cosine / a0,
                 (1.0 - alpha) / a0};
}

void GlueCompressor::reset() noexcept
{
    for (Channel& channel : channels_) channel = Channel{};
    peak_ = smooth_ = slow_peak_ = gain_reduction_db_ = 0.0;
    for (LinearSmoother* smoother : {&threshold_db_, &ratio_, &knee_db_, &makeup_db_, &mix_percent_}) smoother->snap_to_target();
}

void GlueCompressor::set_parameter(int index, double value) noexcept
{
    switch (index) {
        case kThreshold: threshold_db_.set_target(value); break;
        case kRatio: ratio_.set_target(value); break;
        case kKnee: knee_db_.set_target(value); break;
        case kMakeup: makeup_db_.set_target(value); break;
        case kMix: mix_percent_.set_target(value); break;
        case kAttack: attack_ms_ = value; update_coefficients(); break;
        case kRelease: release_ms_ = value; update_coefficients(); break;
        case kAutoRelease: auto_release_ = value >= 0.5; break;
        case kHighpass: highpass_hz_ = value; update_coefficients(); break;
        default: break;
    }
}

void GlueCompressor::process(AudioBlock block) noexcept
{
    process_in_chunks(block, static_cast<int>(channels_.size()), max_block_size_, [this](AudioBlock chunk) { process_chunk(chunk); });
}

void GlueCompressor::process_chunk(AudioBlock block) noexcept
{
    const int n = block.num_samples;
    const auto same = [](double v) { return v; };
    fill_smoothed(threshold_db_, threshold_values_.data(), n, same);
    fill_smoothed(ratio_, ratio_values_.data(), n, same);
    fill_smoothed(knee_db_, knee_values_.data(), n, same);
    fill_smoothed(makeup_db_, makeup_values_.data(), n, same);
    fill_smoothed(mix_percent_, mix_values_.data(), n, [](double percent) { return 0.01 * percent; });

    for (int c = 0; c < block.num_channels; ++c) sanitize(block.channel(c), n);
    for (int j = 0; j < n; ++j) {
        const size_t s = static_cast<size_t>(j);
        double level = 0.0;
        for (int c = 0; c < block.num_channels; ++c) {
            Channel& channel = channels_[static_cast<size_t>(c)];
            const double x = block.channel(c)[j];
            const double y = highpass_.b0 * x + highpass_.b1 * channel.x1 + highpass_.b2 * channel.x2
                             - highpass_.a1 * channel.y1 - highpass_.a2 * channel.y2;
            channel.x2 = channel.x1;
            channel.x1 = x;
            channel.y2 = channel.y1;
            channel.y1 = y;
            level = std::max(level, std::abs(y));
        }
        const double level_db = level > 1e-10 ? 20.0 * std::log10(level) : kFloorDb;
        const double target = gain_reduction(level_db, threshold_values_[s], ratio_values_[s], knee_values_[s]);

        const double release = auto_release_ ? fast_release_ : release_;
        peak_ = std::max(target, release * peak_ + (1.0 - release) * target);
        smooth_ = attack_ * smooth_ + (1.0 - attack_) * peak_;
        double reduction = smooth_;
        if (auto_release_) {  // the slow branch charges only under sustained compression
            slow_peak_ = std::max(slow_attack_ * slow_peak_ + (1.0 - slow_attack_) * target,
                                  slow_release_ * slow_peak_ + (1.0 - slow_release_) * target);
            reduction = std::max(reduction, slow_peak_);
        }
        gain_reduction_db_ = reduction;
        gain_values_[s] = std::pow(10.0, (makeup_values_[s] - reduction) / 20.0);
    }
    for (int c = 0; c < block.num_channels; ++c) {
        float* x = block.channel(c);
        for (int j = 0; j < n; ++j) {
            const size_t s = static_cast<size_t>(j);
            x[j] = static_cast<float>(double(x[j]) * ((1.0 - mix_values_[s]) + gain_values_[s] * mix_values_[s]));
        }
    }
}

}  // namespace stemglue
