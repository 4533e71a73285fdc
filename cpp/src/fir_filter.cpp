#include "stemglue/fir_filter.h"

#include "stemglue/multiversion.h"

namespace stemglue {
namespace {

// out[j] (+)= one pass's terms; the first pass stores 0 + its terms (what adding to a zeroed
// buffer gave, without a pass to zero it).
template <bool kFirst>
inline void fold(float* __restrict out, int j, float terms) noexcept
{
    if constexpr (kFirst)
        out[j] = 0.0f + terms;
    else
        out[j] += terms;
}

template <bool kFirst>
inline void four_pairs(const float* __restrict taps, const int* pairs, int last, const float* __restrict x, float* __restrict out,
                       int num_samples) noexcept
{
    const int a = pairs[0], b = pairs[1], c = pairs[2], d = pairs[3];
    const float ta = taps[a], tb = taps[b], tc = taps[c], td = taps[d];
    for (int j = 0; j < num_samples; ++j)
        fold<kFirst>(out, j,
                     (ta * (x[j - a] + x[j - last + a]) + tb * (x[j - b] + x[j - last + b])) +
                         (tc * (x[j - c] + x[j - last + c]) + td * (x[j - d] + x[j - last + d])));
}

template <bool kFirst>
inline void one_pair(float tap, int a, int last, const float* __restrict x, float* __restrict out, int num_samples) noexcept
{
    for (int j = 0; j < num_samples; ++j) fold<kFirst>(out, j, tap * (x[j - a] + x[j - last + a]));
}

template <bool kFirst>
inline void centre_tap(float tap, int centre, const float* __restrict x, float* __restrict out, int num_samples) noexcept
{
    for (int j = 0; j < num_samples; ++j) fold<kFirst>(out, j, tap * x[j - centre]);
}

// out[j] = sum over pairs (i, last - i) of tap_i * (x[j - i] + x[j - last + i]), plus the centre
// tap of an odd length; window[history + j] is x[j]. Zero taps (half of a halfband) are skipped.
STEMGLUE_MULTIVERSION
void accumulate_symmetric(const float* __restrict taps, int num_taps, const float* __restrict window, int history,
                          float* __restrict out, int num_samples) noexcept
{
    const float* x = window + history;
    int pairs[64], count = 0;
    for (int i = 0; i < num_taps / 2 && count < 64; ++i)
        if (taps[i] != 0.0f) pairs[count++] = i;
    const int last = num_taps - 1;
    bool first = true;
    int p = 0;
    for (; p + 4 <= count; p += 4, first = false)
        first ? four_pairs<true>(taps, pairs + p, last, x, out, num_samples)
              : four_pairs<false>(taps, pairs + p, last, x, out, num_samples);
    for (; p < count; ++p, first = false)
        first ? one_pair<true>(taps[pairs[p]], pairs[p], last, x, out, num_samples)
              : one_pair<false>(taps[pairs[p]], pairs[p], last, x, out, num_samples);
    if (num_taps % 2 == 1 && taps[last / 2] != 0.0f) {
        first ? centre_tap<true>(taps[last / 2], last / 2, x, out, num_samples)
              : centre_tap<false>(taps[last / 2], last / 2, x, out, num_samples);
        first = false;
    }
    if (first)
        for (int j = 0; j < num_samples; ++j) out[j] = 0.0f;  // no taps
}

}  // namespace

void FirFilter::process(const float* in, float* out, int num_samples) noexcept
{
    float* window = buffer_.data();
    std::copy(in, in + num_samples, window + history_);  // in may alias out: copied first
    accumulate_symmetric(taps_.data(), static_cast<int>(taps_.size()), window, history_, out, num_samples);
    std::copy(window + num_samples, window + num_samples + history_, window);
}

}  // namespace stemglue
