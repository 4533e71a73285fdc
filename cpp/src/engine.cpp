#include "stemglue/engine.h"

#include <algorithm>
#include <cmath>

#include "stemglue/parameters.h"
#include "stemglue/sanitize.h"

namespace stemglue {
namespace {

constexpr int kBypass = param("bypass");
constexpr int kMix = param("mix_percent");
constexpr int kOutputGain = param("output_gain_db");
constexpr int kTubeEnabled = param("tube_enabled");
constexpr int kDriftEnabled = param("drift_enabled");
constexpr int kNoiseEnabled = param("noise_enabled");
constexpr int kRoomEnabled = param("room_enabled");
constexpr int kGlueEnabled = param("glue_enabled");

// a (1 - t) + b t, exact at t = 0 and t = 1.
inline float crossfade(float a, float b, double t) noexcept
{
    return static_cast<float>(double(a) * (1.0 - t) + double(b) * t);
}

}  // namespace

Engine::Engine()
{
    set_defaults(*this);
}

void Engine::prepare(double sample_rate, int max_block_size, int num_channels)
{
    max_block_size_ = std::max(1, max_block_size);
    num_channels_ = num_channels;
    tube_.prepare(sample_rate, max_block_size_, num_channels);
    drift_.prepare(sample_rate, max_block_size_, num_channels);
    noise_.prepare(sample_rate, max_block_size_, num_channels);
    room_.prepare(sample_rate, max_block_size_, num_channels);
    glue_.prepare(sample_rate, max_block_size_, num_channels);
    const size_t channels = static_cast<size_t>(num_channels), block = static_cast<size_t>(max_block_size_);
    const int max_tube_latency = Tube::max_latency_samples();
    const std::pair<Stage*, int> stages[] = {{&tube_stage_, max_tube_latency}, {&drift_stage_, drift_.latency_samples()},
                                             {&noise_stage_, noise_.latency_samples()}, {&room_stage_, room_.latency_samples()},
                                             {&glue_stage_, glue_.latency_samples()}};
    for (const auto& [stage, max_latency] : stages) {
        stage->input_delay.assign(channels, DelayLine{});
        for (DelayLine& delay : stage->input_delay) delay.prepare(max_latency, max_block_size_);
        stage->input.assign(channels, std::vector<float>(block));
        stage->enabled_values.assign(block, 0.0);
    }
    dry_delay_.assign(channels, DelayLine{});
    for (DelayLine& delay : dry_delay_) delay.prepare(max_tube_latency + drift_.latency_samples(), max_block_size_);
    dry_.assign(channels, std::vector<float>(block));
    for (auto* values : {&bypass_values_, &mix_values_, &gain_values_}) values->assign(block, 0.0);

    bypass_.prepare(sample_rate, smoothing_ms(kBypass));
    mix_percent_.prepare(sample_rate, smoothing_ms(kMix));
    output_gain_db_.prepare(sample_rate, smoothing_ms(kOutputGain));
    tube_stage_.enabled.prepare(sample_rate, smoothing_ms(kTubeEnabled));
    drift_stage_.enabled.prepare(sample_rate, smoothing_ms(kDriftEnabled));
    noise_stage_.enabled.prepare(sample_rate, smoothing_ms(kNoiseEnabled));
    room_stage_.enabled.prepare(sample_rate, smoothing_ms(kRoomEnabled));
    glue_stage_.enabled.prepare(sample_rate, smoothing_ms(kGlueEnabled));
    reset();
}

void Engine::reset() noexcept
{
    tube_.reset();
    drift_.reset();
    noise_.reset();
    room_.reset();
    glue_.reset();
    latency_samples_ = tube_.latency_samples() + drift_.latency_samples() + noise_.latency_samples() + room_.latency_samples()
                       + glue_.latency_samples();
    const std::pair<Stage*, int> stages[] = {{&tube_stage_, tube_.latency_samples()}, {&drift_stage_, drift_.latency_samples()},
                                             {&noise_stage_, noise_.latency_samples()}, {&room_stage_, room_.latency_samples()},
                                             {&glue_stage_, glue_.latency_samples()}};
    for (const auto& [stage, latency] : stages) {
        for (DelayLine& delay : stage->input_delay) {
            delay.set_delay(latency);
            delay.reset();
        }
        stage->enabled.snap_to_target();
    }
    for (DelayLine& delay : dry_delay_) {
        delay.set_delay(latency_samples_);
        delay.reset();
    }
    for (LinearSmoother* smoother : {&bypass_, &mix_percent_, &output_gain_db_}) smoother->snap_to_target();
}

void Engine::set_parameter(int index, double value) noexcept
{
    switch (index) {
        case kBypass: bypass_.set_target(value); break;
        case kMix: mix_percent_.set_target(value); break;
        case kOutputGain: output_gain_db_.set_target(value); break;
        case kTubeEnabled: tube_stage_.enabled.set_target(value); break;
        case kDriftEnabled: drift_stage_.enabled.set_target(value); break;
        case kNoiseEnabled: noise_stage_.enabled.set_target(value); break;
        case kRoomEnabled: room_stage_.enabled.set_target(value); break;
        case kGlueEnabled: glue_stage_.enabled.set_target(value); break;
        default:  // each module takes its own parameters (and the seed) and ignores the rest
            tube_.set_parameter(index, value);
            drift_.set_parameter(index, value);
            noise_.set_parameter(index, value);
            room_.set_parameter(index, value);
            glue_.set_parameter(index, value);
            break;
    }
}

int64_t Engine::tail_samples() const noexcept
{
    int64_t tail = 0;
    const std::pair<const Stage*, int64_t> stages[] = {{&tube_stage_, tube_.tail_samples()}, {&drift_stage_, drift_.tail_samples()},
                                                       {&noise_stage_, noise_.tail_samples()}, {&room_stage_, room_.tail_samples()},
                                                       {&glue_stage_, glue_.tail_samples()}};
    for (const auto& [stage, stage_tail] : stages) {
        if (stage->enabled.target() <= 0.0) continue;
        if (stage_tail < 0) return -1;
        tail += stage_tail;
    }
    return bypass_.target() >= 1.0 ? 0 : tail;
}

void Engine::process(AudioBlock block) noexcept
{
    // Fewer channels than prepared is fine (mono in a stereo setup).
    process_in_chunks(block, num_channels_, max_block_size_, [this](AudioBlock chunk) { process_chunk(chunk); });
}

template <typename Module>
void Engine::run_stage(Module& module, Stage& stage, AudioBlock block) noexcept
{
    const int n = block.num_samples;
    fill_smoothed(stage.enabled, stage.enabled_values.data(), n, [](double v) { return v; });
    for (int c = 0; c < block.num_channels; ++c)
        std::copy(block.channel(c), block.channel(c) + n, stage.input[static_cast<size_t>(c)].data());
    module.process(block);
    for (int c = 0; c < block.num_channels; ++c) {
        float* aligned = stage.input[static_cast<size_t>(c)].data();
        stage.input_delay[static_cast<size_t>(c)].process(aligned, aligned, n);
        float* x = block.channel(c);
        for (int j = 0; j < n; ++j) x[j] = crossfade(aligned[j], x[j], stage.enabled_values[static_cast<size_t>(j)]);
    }
}

void Engine::process_chunk(AudioBlock block) noexcept
{
    const int n = block.num_samples;
    const auto same = [](double v) { return v; };
    fill_smoothed(bypass_, bypass_values_.data(), n, same);
    fill_smoothed(mix_percent_, mix_values_.data(), n, [](double percent) { return 0.01 * percent; });
    fill_smoothed(output_gain_db_, gain_values_.data(), n, [](double db) { return std::pow(10.0, db / 20.0); });

    for (int c = 0; c < block.num_channels; ++c) {
        sanitize(block.channel(c), n);
        dry_delay_[static_cast<size_t>(c)].process(block.channel(c), dry_[static_cast<size_t>(c)].data(), n);
    }
    run_stage(tube_, tube_stage_, block);
    run_stage(drift_, drift_stage_, block);
    run_stage(noise_, noise_stage_, block);
    run_stage(room_, room_stage_, block);
    run_stage(glue_, glue_stage_, block);

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
