// A non-owning view of planar audio: channels x samples, processed in place.
#pragma once

namespace stemglue {

struct AudioBlock {
    float* const* channels;
    int num_channels;
    int num_samples;

    float* channel(int index) const noexcept { return channels[index]; }
};

}  // namespace stemglue
