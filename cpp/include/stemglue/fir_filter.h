// Streaming FIR filter for whole blocks. The loop runs tap-outer, sample-inner so the compiler
// vectorises it without reassociating sums (no -ffast-math needed); output is independent of how
// the stream is cut into blocks.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace stemglue {

class FirFilter {
public:
    /** Set the taps and the largest block; allocates. */
    void prepare(const std::vector<double>& taps, int max_block_size)
    {
        taps_.assign(taps.begin(), taps.end());
        history_ = static_cast<int>(taps_.size()) - 1;
        buffer_.assign(static_cast<size_t>(history_ + max_block_size), 0.0f);
        reset();
    }

    /** Clear the history. */
    void reset() noexcept { std::fill(buffer_.begin(), buffer_.end(), 0.0f); }

    /** out[j] = sum_i taps[i] * in[j - i]; in and out may alias. */
    void process(const float* in, float* out, int num_samples) noexcept
    {
        float* window = buffer_.data();
        std::copy(in, in + num_samples, window + history_);
        std::fill(out, out + num_samples, 0.0f);
        const int num_taps = static_cast<int>(taps_.size());
        for (int i = 0; i < num_taps; ++i) {
            const float tap = taps_[static_cast<size_t>(i)];
            if (tap == 0.0f) continue;
            const float* source = window + history_ - i;
            for (int j = 0; j < num_samples; ++j) out[j] += tap * source[j];
        }
        std::copy(window + num_samples, window + num_samples + history_, window);
    }

    int num_taps() const noexcept { return static_cast<int>(taps_.size()); }

private:
    std::vector<float> taps_;
    std::vector<float> buffer_;  // [history | current block]
    int history_ = 0;
};

}  // namespace stemglue
