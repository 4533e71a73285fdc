// Frequency weightings used to set levels in the units people measure them in. Mirrored by
// stemglue/analysis/weighting.py and (the K filter) stemglue/analysis/loudness.py, which the
// reference and the measurements use.
#pragma once

#include <array>
#include <cmath>

namespace stemglue {

/** IEC 61672 A-weighting as a linear magnitude (1 at 1 kHz). */
inline double a_weighting(double frequency_hz) noexcept
{
    const double f2 = frequency_hz * frequency_hz;
    const double c1 = 20.598997 * 20.598997, c2 = 107.65265 * 107.65265, c3 = 737.86223 * 737.86223, c4 = 12194.217 * 12194.217;
    const double r = c4 * f2 * f2 / ((f2 + c1) * std::sqrt((f2 + c2) * (f2 + c3)) * (f2 + c4));
    return r * 1.2589254117941673;  // +2.00 dB puts 1 kHz at 0 dB
}

/** Flutter-meter weighting (after IEC 60386 / DIN 45507): peak 1 at 4 Hz, about 6 dB/octave either
 *  side (first-order high- and lowpass at 4 Hz) and a further first-order highpass at 0.5 Hz. */
inline double flutter_weighting(double frequency_hz) noexcept
{
    auto highpass = [](double f, double fc) { return f / std::sqrt(f * f + fc * fc); };
    auto lowpass = [](double f, double fc) { return fc / std::sqrt(f * f + fc * fc); };
    const double shape = highpass(frequency_hz, 4.0) * lowpass(frequency_hz, 4.0) * highpass(frequency_hz, 0.5);
    const double peak = highpass(4.0, 4.0) * lowpass(4.0, 4.0) * highpass(4.0, 0.5);
    return shape / peak;
}

/** A second-order section, normalised (a0 = 1), as a row of scipy's sos. */
struct SecondOrderSection {
    double b0, b1, b2, a1, a2;
};

/** ITU-R BS.1770's K filter: a +4 dB shelf above about 1.7 kHz (the head), then a 38 Hz high-pass
 *  (RLB), from the analogue prototypes fitted to the standard's 48 kHz coefficients, so any rate. */
inline std::array<SecondOrderSection, 2> k_weighting(double sample_rate) noexcept
{
    const double shelf_k = std::tan(M_PI * 1681.974450955533 / sample_rate);
    const double shelf_q = 0.7071752369554196, gain = std::pow(10.0, 3.999843853973347 / 20.0);
    const double band = std::pow(gain, 0.4996667741545416);
    const double shelf_a0 = 1.0 + shelf_k / shelf_q + shelf_k * shelf_k;
    const double pass_k = std::tan(M_PI * 38.13547087602444 / sample_rate), pass_q = 0.5003270373238773;
    const double pass_a0 = 1.0 + pass_k / pass_q + pass_k * pass_k;
    return {{{(gain + band * shelf_k / shelf_q + shelf_k * shelf_k) / shelf_a0, 2.0 * (shelf_k * shelf_k - gain) / shelf_a0,
              (gain - band * shelf_k / shelf_q + shelf_k * shelf_k) / shelf_a0, 2.0 * (shelf_k * shelf_k - 1.0) / shelf_a0,
              (1.0 - shelf_k / shelf_q + shelf_k * shelf_k) / shelf_a0},
             {1.0, -2.0, 1.0, 2.0 * (pass_k * pass_k - 1.0) / pass_a0, (1.0 - pass_k / pass_q + pass_k * pass_k) / pass_a0}}};
}

}  // namespace stemglue
