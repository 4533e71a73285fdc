#include "stemglue/oversampler.h"

#include <cmath>
#include <cstdlib>

namespace stemglue {

double bessel_i0(double x) noexcept
{
    // sum_k ((x/2)^k / k!)^2; for x <= 20 the terms fall below 1e-17 of the sum well before k = 60.
    const double quarter_x_squared = 0.25 * x * x;
    double term = 1.0, sum = 1.0;
    for (int k = 1; k < 60; ++k) {
        term *= quarter_x_squared / (double(k) * double(k));
        sum += term;
    }
    return sum;
}

std::vector<double> design_halfband(int num_taps, double kaiser_beta)
{
    std::vector<double> taps(static_cast<size_t>(num_taps), 0.0);
    const int centre = (num_taps - 1) / 2;
    const double window_norm = bessel_i0(kaiser_beta);
    for (int n = 0; n < num_taps; ++n) {
        const int offset = n - centre;
        if (offset == 0) {
            taps[static_cast<size_t>(n)] = 0.5;
        } else if (offset % 2 != 0) {
            // 0.5 sinc(offset / 2) = sin(pi offset / 2) / (pi offset): +-1 / (pi |offset|), exact sign.
            const int distance = std::abs(offset);
            const double sign = (distance % 4 == 1) ? 1.0 : -1.0;
            const double ratio = double(offset) / centre;  // exactly symmetric
            const double window = bessel_i0(kaiser_beta * std::sqrt(1.0 - ratio * ratio)) / window_norm;
            taps[static_cast<size_t>(n)] = sign / (M_PI * distance) * window;
        }
    }
    return taps;
}

void HalfbandStage::prepare(int num_taps, int max_low_rate_block)
{
    const std::vector<double> taps = design_halfband(num_taps, kHalfbandKaiserBeta);
    std::vector<double> even_taps, doubled_even_taps;
    for (size_t n = 0; n < taps.size(); n += 2) {
        even_taps.push_back(taps[n]);
        doubled_even_taps.push_back(2.0 * taps[n]);
    }
    const int half_centre = (num_taps - 3) / 4;  // m, with num_taps = 4m + 3
    up_even_.prepare(doubled_even_taps, max_low_rate_block);
    up_odd_.prepare(half_centre, max_low_rate_block);
    up_odd_.set_delay(half_centre);
    down_even_.prepare(even_taps, max_low_rate_block);
    down_odd_.prepare(half_centre + 1, max_low_rate_block);
    down_odd_.set_delay(half_centre + 1);
    scratch_even_.assign(static_cast<size_t>(max_low_rate_block), 0.0f);
    scratch_odd_.assign(static_cast<size_t>(max_low_rate_block), 0.0f);
    reset();
}

void HalfbandStage::reset() noexcept
{
    up_even_.reset();
    up_odd_.reset();
    down_even_.reset();
    down_odd_.reset();
}

void HalfbandStage::upsample(const float* in, float* out, int n) noexcept
{
    // Zero-stuffed input through 2h: even outputs see the even taps, odd outputs only the centre.
    float* even = scratch_even_.data();
    float* odd = scratch_odd_.data();
    up_even_.process(in, even, n);
    up_odd_.process(in, odd, n);
    for (int j = 0; j < n; ++j) {
        out[2 * j] = even[j];
        out[2 * j + 1] = odd[j];
    }
}

void HalfbandStage::downsample(const float* in, float* out, int n) noexcept
{
    float* even = scratch_even_.data();
    float* odd = scratch_odd_.data();
    for (int j = 0; j < n; ++j) {
        even[j] = in[2 * j];
        odd[j] = in[2 * j + 1];
    }
    down_even_.process(even, out, n);
    down_odd_.process(odd, odd, n);
    for (int j = 0; j < n; ++j) out[j] += 0.5f * odd[j];
}

void Oversampler::prepare(int max_block_size)
{
    for (int k = 0; k < kMaxOversamplingStages; ++k)
        stages_[static_cast<size_t>(k)].prepare(kHalfbandTaps[static_cast<size_t>(k)], max_block_size << k);
    for (int k = 0; k <= kMaxOversamplingStages; ++k)
        buffers_[static_cast<size_t>(k)].assign(static_cast<size_t>(max_block_size) << k, 0.0f);
    reset(1);
}

void Oversampler::reset(int factor) noexcept
{
    num_stages_ = factor >= 8 ? 3 : factor >= 4 ? 2 : factor >= 2 ? 1 : 0;
    for (auto& stage : stages_) stage.reset();
}

float* Oversampler::upsample(const float* in, int n) noexcept
{
    std::copy(in, in + n, buffers_[0].data());
    for (int k = 0; k < num_stages_; ++k)
        stages_[static_cast<size_t>(k)].upsample(buffers_[static_cast<size_t>(k)].data(),
                                                 buffers_[static_cast<size_t>(k) + 1].data(), n << k);
    return buffers_[static_cast<size_t>(num_stages_)].data();
}

void Oversampler::downsample(const float* top_rate, float* out, int n) noexcept
{
    const float* source = top_rate;
    for (int k = num_stages_ - 1; k >= 0; --k) {
        float* destination = k == 0 ? out : buffers_[static_cast<size_t>(k)].data();
        stages_[static_cast<size_t>(k)].downsample(source, destination, n << k);
        source = destination;
    }
    if (num_stages_ == 0) std::copy(top_rate, top_rate + n, out);
}

int Oversampler::round_trip_delay_top_rate() const noexcept
{
    // Stage k (1-based) delays (N_k - 1) / 2 samples at 2^k fs in each direction.
    int delay = 0;
    for (int k = 1; k <= num_stages_; ++k) delay += (kHalfbandTaps[static_cast<size_t>(k) - 1] - 1) << (num_stages_ - k);
    return delay;
}

}  // namespace stemglue
