// Integer delay line for latency alignment: a ring, moved a block at a time (block copies, no
// per-sample index arithmetic), so a block costs the same however long the delay (a lookahead of
// thousands of samples included). Only the newest `delay` samples are ever read back, so a block
// longer than the delay keeps just those in the ring and moves the rest straight from in to out.
// process() can keep a longer history for read_history() (an engine stage's catch-up when it is
// switched on). The delay and history can change without allocation up to the prepared maximum.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace stemglue {

class DelayLine {
public:
    /** Allocate room for delays (and histories) up to max_delay_samples and blocks up to max_block_size. */
    void prepare(int max_delay_samples, int max_block_size)
    {
        size_t size = 1;
        while (size < static_cast<size_t>(max_delay_samples + max_block_size)) size <<= 1;
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

    /** Set the delay, and how many inputs process() keeps for read_history (at least the delay; both <=
     *  the prepared maximum); call reset() after to avoid stale samples. */
    void set_delay(int delay_samples, int history_samples = 0) noexcept
    {
        delay_ = static_cast<size_t>(delay_samples);
        history_ = std::max(delay_, static_cast<size_t>(std::max(0, history_samples)));
    }

    /** out[j] = in[j - delay]; in and out may alias; num_samples <= the prepared block size. */
    void process(const float* in, float* out, int num_samples) noexcept
    {
        const size_t n = static_cast<size_t>(num_samples);
        const size_t start = (write_ - delay_) & mask_;
        keep(in, n, history_);  // in's newest samples are in the ring now, so out may overwrite them
        if (delay_ == 0) {      // the aligned input of a stage without latency
            if (in != out) std::copy(in, in + n, out);
            return;
        }
        const size_t from_ring = std::min(n, delay_);
        std::copy_backward(in, in + (n - from_ring), out + n);  // out[delay..n) = in[0..n - delay): out may be in
        // (the ring holds the longest delay and a block, so the samples just remembered lie clear of these)
        load(start, out, from_ring);
    }

    /** process() without the output, keeping only the delay's history (what a later process() needs). */
    void remember(const float* in, int num_samples) noexcept { keep(in, static_cast<size_t>(num_samples), delay_); }

    /** How many inputs process() keeps (the delay, or the longer history set). */
    int history_samples() const noexcept { return static_cast<int>(history_); }

    /** The newest history samples process() kept (the delay's, or the longer history set), oldest
     *  first, from the from-th: count of them into out. */
    void read_history(int from, float* out, int count) const noexcept
    {
        load((write_ - history_ + static_cast<size_t>(from)) & mask_, out, static_cast<size_t>(count));
    }

private:
    // The newest `history` of n inputs into the ring (the older ones are never read back).
    void keep(const float* in, size_t n, size_t history) noexcept
    {
        if (history == 0) return;  // nothing to keep: the ring's position does not matter
        const size_t kept = std::min(n, history);
        store(in + (n - kept), (write_ + (n - kept)) & mask_, kept);
        write_ = (write_ + n) & mask_;
    }
    // count samples to or from the ring from position at, wrapping at its end
    void store(const float* in, size_t at, size_t count) noexcept
    {
        const size_t first = std::min(count, buffer_.size() - at);
        std::copy(in, in + first, buffer_.data() + at);
        std::copy(in + first, in + count, buffer_.data());
    }
    void load(size_t at, float* out, size_t count) const noexcept
    {
        const size_t first = std::min(count, buffer_.size() - at);
        std::copy(buffer_.data() + at, buffer_.data() + at + first, out);
        std::copy(buffer_.data(), buffer_.data() + (count - first), out + first);
    }

    std::vector<float> buffer_;  // a power of two >= the longest delay + the largest block
    size_t mask_ = 0, write_ = 0, delay_ = 0, history_ = 0;
};

}  // namespace stemglue
