// A non-owning view of planar audio: channels x samples, processed in place.
#pragma once

#include <algorithm>

namespace stemglue {

struct AudioBlock {
    float* const* channels;
    int num_channels;
    int num_samples;

    float* channel(int index) const noexcept { return channels[index]; }
};

inline constexpr int kMaxChannels = 64;

// Cuts a block into chunks of at most max_chunk samples (processors size their scratch buffers to
// their max block, but hosts may send longer blocks).
template <typename ProcessChunk>
void for_each_chunk(AudioBlock block, int max_chunk, ProcessChunk&& process_chunk) noexcept
{
    float* pointers[kMaxChannels];
    const int num_channels = std::min(block.num_channels, kMaxChannels);
    for (int start = 0; start < block.num_samples; start += max_chunk) {
        for (int c = 0; c < num_channels; ++c) pointers[c] = block.channels[c] + start;
        process_chunk(AudioBlock{pointers, num_channels, std::min(max_chunk, block.num_samples - start)});
    }
}

}  // namespace stemglue
