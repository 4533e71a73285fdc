// A non-owning view of planar audio: channels x samples, processed in place.
#pragma once

#include <algorithm>

#include "stemglue/denormals.h"

namespace stemglue {

struct AudioBlock {
    float* const* channels;
    int num_channels;
    int num_samples;

    float* channel(int index) const noexcept { return channels[index]; }
};

inline constexpr int kMaxChannels = 64;

// The front of every process(): refuses more channels than were prepared (or no prepare at all),
// flushes denormals, and cuts the block into chunks that fit the module's buffers (hosts may send
// longer blocks than announced).
template <typename ProcessChunk>
void process_in_chunks(AudioBlock block, int prepared_channels, int max_chunk, ProcessChunk&& process_chunk) noexcept
{
    if (block.num_channels > prepared_channels || max_chunk <= 0) return;
    ScopedFlushDenormals flush_denormals;
    float* pointers[kMaxChannels];
    const int num_channels = std::min(block.num_channels, kMaxChannels);
    for (int start = 0; start < block.num_samples; start += max_chunk) {
        for (int c = 0; c < num_channels; ++c) pointers[c] = block.channels[c] + start;
        process_chunk(AudioBlock{pointers, num_channels, std::min(max_chunk, block.num_samples - start)});
    }
}

}  // namespace stemglue
