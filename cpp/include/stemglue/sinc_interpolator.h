// Fractional-delay reads: a 24-tap Kaiser-windowed sinc (beta 8), 512 phases, linear between
// phases, every phase normalised to unity DC gain (no AM as a delay moves); within 0.13 dB to
// 20 kHz at 48 kHz. Whole-sample delays read exactly. Drift's transport and Bleed's distances
// read through it, so every fractional delay in the chain has one quality.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <vector>

namespace stemglue {

class SincInterpolator {
public:
    static constexpr int kTaps = 24;
    static constexpr int kHalf = kTaps / 2;
    static constexpr int kPhases = 512;
    static constexpr int kLanes = 8;  // partial sums in a read, and reads in read_eight_rows()
    static_assert(kTaps % kLanes == 0);
    using Lanes = float __attribute__((vector_size(kLanes * sizeof(float))));  // GCC and Clang

    /** Points at the shared kernel (built, and allocated, by the first instance). */
    SincInterpolator();

    /** Where a delay reads: `reach` samples before now the first tap, kernel row `row` (and its
     *  differences to the next), blended towards the next by `blend`. */
    struct Place {
        int reach, row;
        float blend;
    };

    /** The place of a delay: ceil(delay) + kHalf - 1 back, the row just before its phase. Inline
     *  and branch-free, so a loop of them vectorises (Drift locates a control interval at once). */
    static Place locate(double delay) noexcept
    {
        const double whole = std::ceil(delay);
        const double phase = (whole - delay) * kPhases;  // how far past now[-whole]
        const int index = std::min(static_cast<int>(phase), kPhases - 1);
        return {static_cast<int>(whole) + (kHalf - 1), index, static_cast<float>(phase - index)};
    }

    /** The signal `delay` samples before now[0]: reads now[-ceil(delay) - (kHalf - 1)] up to
     *  now[-ceil(delay) + kHalf], so a delay below kHalf reads ahead of now. */
    float read(const float* now, double delay) const noexcept { return read_at(now, locate(delay)); }

    /** read() at a place found by locate(). */
    float read_at(const float* now, Place place) const noexcept
    {
        return read_row(row(place.row), now - place.reach, place.blend);
    }

    /** A place's kernel row (its taps, then their differences to the next row's). */
    const float* row(int index) const noexcept { return kernel_ + index * 2 * kTaps; }

    /** read_at() from a place's row, its first tap's sample (now - reach) and its blend: Drift
     *  works them out for a control interval first, so that the reads' loop only loads and sums. */
    static float read_row(const float* first, const float* samples, float blend) noexcept
    {
        using Half = float __attribute__((vector_size(kLanes / 2 * sizeof(float))));
        using Quarter = float __attribute__((vector_size(kLanes / 4 * sizeof(float))));
        Lanes sum;
        lane_sums(first, samples, blend, sum);
        // ((0 + 4) + (2 + 6)) + ((1 + 5) + (3 + 7)), as halves of vectors: three additions, where
        // lane by lane the compiler extracts all eight.
        const Half halves = __builtin_shufflevector(sum, sum, 0, 1, 2, 3) + __builtin_shufflevector(sum, sum, 4, 5, 6, 7);
        const Quarter quarters = __builtin_shufflevector(halves, halves, 0, 1) + __builtin_shufflevector(halves, halves, 2, 3);
        return quarters[0] + quarters[1];
    }

    /** Eight read_row()s, out[r] from first[r], samples[r], blends[r]: the same sums, and the last
     *  additions of all eight as vectors (a transposed tree of the same pairs), so each result is
     *  read_row()'s bit for bit with fewer instructions. */
    static void read_eight_rows(const float* const* first, const float* const* samples, const float* blends, float* out) noexcept
    {
        static_assert(kLanes == 8, "the transposed tree is written for eight lanes");
        Lanes sums[kLanes];
        for (int r = 0; r < kLanes; ++r) lane_sums(first[r], samples[r], blends[r], sums[r]);
        // Lanes l and l + 4 of two reads (0 + 4, 1 + 5, 2 + 6, 3 + 7 of each), then (0 + 4) + (2 + 6)
        // and (1 + 5) + (3 + 7) of four reads, then their sum for all eight.
        Lanes pairs[kLanes / 2], quads[kLanes / 4];
        for (int q = 0; q < kLanes / 2; ++q)
            pairs[q] = __builtin_shufflevector(sums[2 * q], sums[2 * q + 1], 0, 1, 2, 3, 8, 9, 10, 11) +
                       __builtin_shufflevector(sums[2 * q], sums[2 * q + 1], 4, 5, 6, 7, 12, 13, 14, 15);
        for (int h = 0; h < kLanes / 4; ++h)
            quads[h] = __builtin_shufflevector(pairs[2 * h], pairs[2 * h + 1], 0, 1, 4, 5, 8, 9, 12, 13) +
                       __builtin_shufflevector(pairs[2 * h], pairs[2 * h + 1], 2, 3, 6, 7, 10, 11, 14, 15);
        const Lanes total = __builtin_shufflevector(quads[0], quads[1], 0, 2, 4, 6, 8, 10, 12, 14) +
                            __builtin_shufflevector(quads[0], quads[1], 1, 3, 5, 7, 9, 11, 13, 15);
        std::memcpy(out, &total, sizeof total);
    }

    /** out[j] = read(now + j, delay) for j < n, one delay for all: the taps are found once and
     *  the sums run across time, lane by lane in read()'s order, so the result is read()'s. */
    void read_block(const float* now, double delay, int n, float* out) const noexcept
    {
        float taps[kTaps];
        const float* samples = now - taps_for(delay, taps);
        constexpr int kChunk = 64;
        float lanes[kLanes][kChunk];  // lane l of out[j0 + i] in lanes[l][i]
        for (int j0 = 0; j0 < n; j0 += kChunk) {
            const int m = std::min(kChunk, n - j0);
            for (int l = 0; l < kLanes; ++l) {
                const float* x = samples + j0 + l;
                for (int i = 0; i < m; ++i) lanes[l][i] = 0.0f + taps[l] * x[i];
                for (int k = l + kLanes; k < kTaps; k += kLanes)
                    for (int i = 0; i < m; ++i) lanes[l][i] += taps[k] * x[k - l + i];
            }
            for (int i = 0; i < m; ++i)
                out[j0 + i] = ((lanes[0][i] + lanes[4][i]) + (lanes[2][i] + lanes[6][i])) +
                              ((lanes[1][i] + lanes[5][i]) + (lanes[3][i] + lanes[7][i]));
        }
    }

private:
    // A read's eight lane sums, each over every eighth tap: one sum of 24 dependent adds would wait
    // on each, and the compiler may not reorder it. Lane-wise vector arithmetic is the same at any
    // vector width (two SSE halves or one AVX register), so every machine gets the same bytes. (An
    // out-parameter: a function returning a vector changes ABI by build.)
    [[gnu::always_inline]] static void lane_sums(const float* first, const float* samples, float blend, Lanes& sum) noexcept
    {
        sum = Lanes{};
        for (int k = 0; k < kTaps; k += kLanes) {
            Lanes a, difference, x;  // loaded by memcpy (unaligned)
            std::memcpy(&a, first + k, sizeof a);
            std::memcpy(&difference, first + kTaps + k, sizeof difference);
            std::memcpy(&x, samples + k, sizeof x);
            sum += (a + difference * blend) * x;
        }
    }

    // The taps for a delay (linear between the two nearest phases); returns how far before now the
    // first tap reads.
    std::ptrdiff_t taps_for(double delay, float* taps) const noexcept
    {
        const Place place = locate(delay);
        const float* first = row(place.row);
        for (int k = 0; k < kTaps; ++k) taps[k] = first[k] + first[kTaps + k] * place.blend;
        return place.reach;
    }

    // phases x (taps, then their difference to the next row); row r reads r / phases of a sample late
    const float* kernel_ = nullptr;
};

}  // namespace stemglue
