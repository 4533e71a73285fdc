#include "stemglue/module.h"

#include <algorithm>
#include <limits>

#include "stemglue/multiversion.h"
#include "stemglue/sanitize.h"

namespace stemglue {

// A pass that only reads first: audio is almost always clean, and then nothing is written back.
// (!(|x| <= max) holds for NaN, infinities and absurd magnitudes alike.)
STEMGLUE_MULTIVERSION
void sanitize(float* samples, int num_samples) noexcept
{
    int unclean = 0;
    for (int j = 0; j < num_samples; ++j) unclean |= !(std::abs(samples[j]) <= kMaxSampleMagnitude);
    if (unclean == 0) return;
    for (int j = 0; j < num_samples; ++j) samples[j] = sanitized(samples[j]);
}

void Module::prepare(double sample_rate, int max_block_size, int num_channels)
{
    sample_rate_ = sample_rate;
    max_block_size_ = std::max(1, max_block_size);
    num_channels_ = std::clamp(num_channels, 0, kMaxChannels);
    parameters_.prepare(sample_rate_, max_block_size_);
    prepare_module();
    reset();
}

void Module::reset() noexcept
{
    parameters_.reset();
    position_ = 0;
    if (prepared()) reset_module();  // before prepare there is no state to clear
}

void Module::seek(uint64_t position_samples) noexcept
{
    position_ = position_samples;
    if (prepared()) seek_module();
}

double Module::get_parameter(int index) const noexcept
{
    const ModuleParameter* parameter = parameters_.find(index);
    return parameter ? parameter->target() : std::numeric_limits<double>::quiet_NaN();
}

void Module::process(AudioBlock block, AudioBlock sidechain) noexcept
{
    float* sidechain_channels[kMaxChannels];
    const int sidechain_count = sidechain.num_samples >= block.num_samples ? std::min(sidechain.num_channels, kMaxChannels) : 0;
    int start = 0;
    process_in_chunks(block, num_channels_, max_block_size_, [&](AudioBlock chunk) {
        for (int c = 0; c < sidechain_count; ++c) sidechain_channels[c] = sidechain.channels[c] + start;
        sidechain_ = AudioBlock{sidechain_channels, sidechain_count, chunk.num_samples};
        for (int c = 0; c < chunk.num_channels; ++c) sanitize(chunk.channel(c), chunk.num_samples);
        process_chunk(chunk);
        position_ += static_cast<uint64_t>(chunk.num_samples);
        start += chunk.num_samples;
    });
    sidechain_ = AudioBlock{nullptr, 0, 0};
}

}  // namespace stemglue
