// Integer delay line for latency alignment, moved a block at a time (two copies per block, no
// per-sample index arithmetic). The delay can change without allocation up to the prepared maximum.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace stemglue {

class DelayLine {
public:
    /** Allocate room for delays up to max_delay_samples and blocks up to max_block_size. */
    void prepare(int max_delay_samples, int max_block_size)
    {
        buffer_.assign(static_cast<size_t>(max_delay_samples + max_block_size), 0.0f);
        reset();
    }

    /** Clear the contents. */
    void reset() noexcept { std::fill(buffer_.begin(), buffer_.end(), 0.0f); }

    /** Set the delay (<= the prepared maximum); call reset() after to avoid stale samples. */
    void set_delay(int delay_samples) noexcept { delay_ = static_cast<size_t>(delay_samples); }

    /** out[j] = in[j - delay]; in and out may alias; num_samples <= the prepared block size. */
    void process(const float* in, float* out, int num_samples) noexcept
    {
        const size_t n = static_cast<size_t>(num_samples);
        if (delay_ == 0) {  // the aligned input of a stage without latency: nothing to keep
            if (in != out) std::copy(in, in + n, out);
            return;
        }
        float* window = buffer_.data();  // [delay samples of history | this block]
        std::copy(in, in + n, window + delay_);
        std::copy(window, window + n, out);
        std::copy(window + n, window + n + delay_, window);
    }

    /** process() without the output: keeps the history a later process() needs. */
    void remember(const float* in, int num_samples) noexcept
    {
        const size_t n = static_cast<size_t>(num_samples);
        float* history = buffer_.data();
        if (n >= delay_) {
            std::copy(in + n - delay_, in + n, history);
        } else {
            std::copy(history + n, history + delay_, history);
            std::copy(in, in + n, history + delay_ - n);
        }
    }

private:
    std::vector<float> buffer_;
    size_t delay_ = 0;
};

}  // namespace stemglue
