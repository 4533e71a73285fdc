// Streaming FIR filter for whole blocks, for the symmetric (linear-phase) taps StemGlue uses.
// Mirrored taps share one multiply, and each pass over the block takes four tap pairs, in a fixed
// order: the sum for a sample never depends on how the stream is cut into blocks, and the loops
// vectorise without -ffast-math.
#pragma once

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <vector>

namespace stemglue {

class FirFilter {
public:
    /** Set the taps and the largest block; allocates. */
    void prepare(const std::vector<double>& taps, int max_block_size)
    {
        for (size_t i = 0; i < taps.size(); ++i)
            if (taps[i] != taps[taps.size() - 1 - i]) throw std::invalid_argument("FirFilter needs symmetric taps");
        taps_.assign(taps.begin(), taps.end());
        history_ = static_cast<int>(taps_.size()) - 1;
        buffer_.assign(static_cast<size_t>(history_ + max_block_size), 0.0f);
        reset();
    }

    /** Clear the history. */
    void reset() noexcept { std::fill(buffer_.begin(), buffer_.end(), 0.0f); }

    /** out[j] = sum_i taps[i] * in[j - i]; in and out may alias; num_samples <= the prepared block. */
    void process(const float* in, float* out, int num_samples) noexcept;

private:
    std::vector<float> taps_;
    std::vector<float> buffer_;  // [history | current block]
    int history_ = 0;
};

}  // namespace stemglue
