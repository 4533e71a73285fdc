#include "stemglue/sinc_interpolator.h"

#include <array>

#include "stemglue/oversampler.h"  // bessel_i0

namespace stemglue {
namespace {

constexpr double kKaiserBeta = 8.0;

// Tap k of row r weighs now[-whole - (kHalf - 1) + k] for a read r / kPhases of a sample late.
std::vector<float> make_rows()
{
    constexpr int kTaps = SincInterpolator::kTaps, kHalf = SincInterpolator::kHalf, kPhases = SincInterpolator::kPhases;
    std::vector<float> kernel(static_cast<size_t>((kPhases + 1) * kTaps), 0.0f);
    const double window_norm = bessel_i0(kKaiserBeta);
    for (int r = 0; r <= kPhases; ++r) {
        const double mu = double(r) / kPhases;
        std::array<double, kTaps> row{};
        double sum = 0.0;
        for (int k = 0; k < kTaps; ++k) {
            const double x = mu - (k - (kHalf - 1));
            const double ratio = x / kHalf;
            const double window =
                std::abs(ratio) < 1.0 ? bessel_i0(kKaiserBeta * std::sqrt(1.0 - ratio * ratio)) / window_norm : 0.0;
            row[static_cast<size_t>(k)] = (x == 0.0 ? 1.0 : std::sin(M_PI * x) / (M_PI * x)) * window;
            sum += row[static_cast<size_t>(k)];
        }
        for (int k = 0; k < kTaps; ++k) {
            double tap = row[static_cast<size_t>(k)] / sum;  // unity DC at every phase: no AM as the delay moves
            if (r == 0) tap = k == kHalf - 1 ? 1.0 : 0.0;    // whole-sample delays are exact
            if (r == kPhases) tap = k == kHalf ? 1.0 : 0.0;
            kernel[static_cast<size_t>(r * kTaps + k)] = static_cast<float>(tap);
        }
    }
    return kernel;
}

// Each row followed by its difference to the next (in float, as a blend would take it), so a read
// blends with one multiply and one add per tap.
std::vector<float> make_kernel()
{
    constexpr size_t kTaps = SincInterpolator::kTaps, kPhases = SincInterpolator::kPhases;
    const std::vector<float> rows = make_rows();
    std::vector<float> kernel(kPhases * 2 * kTaps);
    for (size_t r = 0; r < kPhases; ++r)
        for (size_t k = 0; k < kTaps; ++k) {
            kernel[2 * kTaps * r + k] = rows[kTaps * r + k];
            kernel[2 * kTaps * r + kTaps + k] = rows[kTaps * (r + 1) + k] - rows[kTaps * r + k];
        }
    return kernel;
}

}  // namespace

// One table for every instance (98 KB), built at the first construction (never in process()).
SincInterpolator::SincInterpolator()
{
    static const std::vector<float> kernel = make_kernel();
    kernel_ = kernel.data();
}

}  // namespace stemglue
