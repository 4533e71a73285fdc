#include "stemglue/fir_filter.h"

#include "stemglue/multiversion.h"

namespace stemglue {
namespace {

// out[j] = sum over pairs (i, last - i) of tap_i * (x[j - i] + x[j - last + i]), plus the centre
// tap of an odd length; window[history + j] is x[j]. Zero taps (half of a halfband) are skipped.
STEMGLUE_MULTIVERSION
void accumulate_symmetric(const float* __restrict taps, int num_taps, const float* __restrict window, int history,
                          float* __restrict out, int num_samples) noexcept
{
    const float* x = window + history;
    for (int j = 0; j < num_samples; ++j) out[j] = 0.0f;
    int pairs[64], count = 0;
    for (int i = 0; i < num_taps / 2 && count < 64; ++i)
        if (taps[i] != 0.0f) pairs[count++] = i;
    const int last = num_taps - 1;
    int p = 0;
    for (; p + 4 <= count; p += 4) {
        const int a = pairs[p], b = pairs[p + 1], c = pairs[p + 2], d = pairs[p + 3];
        const float ta = taps[a], tb = taps[b], tc = taps[c], td = taps[d];
        for (int j = 0; j < num_samples; ++j)
            out[j] += (ta * (x[j - a] + x[j - last + a]) + tb * (x[j - b] + x[j - last + b])) +
                      (tc * (x[j - c] + x[j - last + c]) + td * (x[j - d] + x[j - last + d]));
    }
    for (; p < count; ++p) {
        const int a = pairs[p];
        const float ta = taps[a];
        for (int j = 0; j < num_samples; ++j) out[j] += ta * (x[j - a] + x[j - last + a]);
    }
    if (num_taps % 2 == 1 && taps[last / 2] != 0.0f) {
        const int centre = last / 2;
        const float tc = taps[centre];
        for (int j = 0; j < num_samples; ++j) out[j] += tc * x[j - centre];
    }
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
