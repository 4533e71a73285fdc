#include "stemglue/engine.h"

#include <algorithm>
#include <cmath>

#include "stemglue/denormals.h"
#include "stemglue/parameters.h"
#include "stemglue/sanitize.h"

namespace stemglue {
namespace {

constexpr int kBypass = param("bypass");
constexpr int kSeed = param("seed");
constexpr int kMix = param("mix_percent");
constexpr int kOutputGain = param("output_gain_db");
constexpr int kTubeEnabled = param("tube_enabled");

// a (1 - t) + b t, exact at t = 0 and t = 1.
inline float crossfade(float a, float b, double t) noexcept
{
    return static_cast<float>(double(a) * (1.0 - t) + double(b) * t);
}

}  // namespace

Engine::Engine()
{
    for (int index = 0; index < kNumParameters; ++index)
        set_parameter(index, kParameters[static_cast<size_t>(index)].default_value);
    seed_ = pending_seed_;
}

void Engine::prepare(double sample_rate, int max_block_size, int num_channels)
{
    max_block_size_ = std::max(1, max_block_size);
    num_channels_ = num_channels;
    tube_.prepare(sample_rate, max_block_size_, num_channels);
    const size_t channels = static_cast<size_t>(num_channels), block = static_cast<size_t>(max_block_size_);
    dry_delay_.assign(channels, DelayLine{});
    tube_input_delay_.assign(channels, DelayLine{});
    for (size_t c = 0; c < channels; ++c) {
        dry_delay_[c].prepare(max_latency_samples(), max_block_size_);
        tube_input_delay_[c].prepare(Tube::max_latency_samples(), max_block_size_);
    }
    dry_.assign(channels, std::vector<float>(block));
    module_input_.assign(channels, std::vector<float>(block));
    for (auto* values : {&bypass_values_, &mix_values_, &gain_values_, &enabled_values_}) values->assign(block, 0.0);

    auto smoothing_ms = [](int index) { return kParameters[static_cast<size_t>(index)].smoothing_ms; };
    bypass_.prepare(sample_rate, smoothing_ms(kBypass));
    mix_percent_.prepare(sample_rate, smoothing_ms(kMix));
    output_gain_db_.prepare(sample_rate, smoothing_ms(kOutputGain));
    tube_enabled_.prepare(sample_rate, smoothing_ms(kTubeEnabled));
    reset();
}

void Engine::reset() noexcept
{
    seed_ = pending_seed_;
    tube_.reset();
    latency_samples_ = tube_.latency_samples();
    for (size_t c = 0; c < dry_delay_.size(); ++c) {
        dry_delay_[c].set_delay(latency_samples_);
        dry_delay_[c].reset();
        tube_input_delay_[c].set_delay(tube_.latency_samples());
        tube_input_delay_[c].reset();
    }
    for (LinearSmoother* smoother : {&bypass_, &mix_percent_, &output_gain_db_, &tube_enabled_}) smoother->snap_to_target();
}

void Engine::set_parameter(int index, double value) noexcept
{
    switch (index) {
        case kBypass: bypass_.set_target(value); break;
        case kSeed: pending_seed_ = static_cast<uint64_t>(value); break;
        case kMix: mix_percent_.set_target(value); break;
        case kOutputGain: output_gain_db_.set_target(value); break;
        case kTubeEnabled: tube_enabled_.set_target(value); break;
        default: tube_.set_parameter(index, value); break;
    }
}

void Engine::process(AudioBlock block) noexcept
{
    if (block.num_channels > num_channels_ || max_block_size_ == 0) return;  // fewer is fine (mono in a stereo setup)
    ScopedFlushDenormals flush_denormals;
    for_each_chunk(block, max_block_size_, [this](AudioBlock chunk) { process_chunk(chunk); });
}

void Engine::process_chunk(AudioBlock block) noexcept
{
    const int n = block.num_samples;
    const auto same = [](double v) { return v; };
    fill_smoothed(bypass_, bypass_values_.data(), n, same);
    fill_smoothed(mix_percent_, mix_values_.data(), n, [](double percent) { return 0.01 * percent; });
    fill_smoothed(tube_enabled_, enabled_values_.data(), n, same);
    fill_smoothed(output_gain_db_, gain_values_.data(), n, [](double db) { return std::pow(10.0, db / 20.0); });

    for (int c = 0; c < block.num_channels; ++c) {
        float* x = block.channel(c);
        sanitize(x, n);
        dry_delay_[static_cast<size_t>(c)].process(x, dry_[static_cast<size_t>(c)].data(), n);
        std::copy(x, x + n, module_input_[static_cast<size_t>(c)].data());
    }

    tube_.process(block);
    for (int c = 0; c < block.num_channels; ++c) {
        float* aligned = module_input_[static_cast<size_t>(c)].data();
        tube_input_delay_[static_cast<size_t>(c)].process(aligned, aligned, n);
        float* x = block.channel(c);
        for (int j = 0; j < n; ++j) x[j] = crossfade(aligned[j], x[j], enabled_values_[static_cast<size_t>(j)]);
    }

    for (int c = 0; c < block.num_channels; ++c) {
        float* x = block.channel(c);
        const float* dry = dry_[static_cast<size_t>(c)].data();
        for (int j = 0; j < n; ++j) {
            const size_t s = static_cast<size_t>(j);
            const float mixed = static_cast<float>(crossfade(dry[j], x[j], mix_values_[s]) * gain_values_[s]);
            x[j] = crossfade(mixed, dry[j], bypass_values_[s]);
        }
    }
}

}  // namespace stemglue
