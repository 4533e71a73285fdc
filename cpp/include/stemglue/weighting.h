// Frequency weightings used to set levels in the units people measure them in. Mirrored by
// stemglue/analysis/weighting.py, which the reference and the measurements use.
#pragma once

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

}  // namespace stemglue
