// Integer delay line (ring buffer) for latency alignment. The delay can change without
// allocation up to the capacity given to prepare().
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace stemglue {

class DelayLine {
public:
    /** Allocate room for delays up to max_delay_samples. */
    void prepare(int max_delay_samples)
    {
        size_t size = 1;
        while (size < static_cast<size_t>(max_delay_samples) + 1) size <<= 1;
        buffer_.assign(size, 0.0f);
        mask_ = size - 1;
        reset();
    }

    /** Clear the contents. */
    void reset() noexcept
    {
        std::fill(buffer_.begin(), buffer_.end(), 0.0f);
        write_ = 0;
    }

    /** Set the delay (<= the prepared maximum); call reset() after to avoid stale samples. */
    void set_delay(int delay_samples) noexcept { delay_ = static_cast<size_t>(delay_samples); }

    /** out[j] = in[j - delay]; in and out may alias. */
    void process(const float* in, float* out, int num_samples) noexcept
    {
        for (int j = 0; j < num_samples; ++j) {
            buffer_[write_] = in[j];
            out[j] = buffer_[(write_ - delay_) & mask_];
            write_ = (write_ + 1) & mask_;
        }
    }

    int delay() const noexcept { return static_cast<int>(delay_); }

private:
    std::vector<float> buffer_;
    size_t mask_ = 0;
    size_t write_ = 0;
    size_t delay_ = 0;
};

}  // namespace stemglue
