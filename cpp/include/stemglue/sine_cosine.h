// Sine and cosine of an angle in turns (1 turn = 2 pi) for the slow oscillators' control ticks
// (Drift's wow and flutter, Room's line rotations), where libm's sin and cos cost 20 to 40 cycles
// a call. Branch-free and always inlined, so a loop over several angles vectorises (and each vector
// clone gets its own). The turn is reduced exactly to within an eighth of a turn of a quarter,
// where Taylor series to x^17 and x^16 leave only double rounding: within 2 ulp of the correctly
// rounded values (cpp/tests/test_sine_cosine.cpp), far below what the parity tests could see.
#pragma once

namespace stemglue {

struct SineCosine {
    double sine, cosine;
};

/** sin and cos of 2 pi turns, for |turns| < 2^50. */
[[gnu::always_inline]] inline SineCosine sine_cosine_turns(double turns) noexcept
{
    // Round to the nearest integer by the 1.5 * 2^52 trick (exact, and vectorises without SSE4.1).
    constexpr double kRound = 6755399441055744.0;
    const double fraction = turns - ((turns + kRound) - kRound);        // [-1/2, 1/2], exact
    const double quarters = (4.0 * fraction + kRound) - kRound;         // -2 .. 2
    const double x = (fraction - 0.25 * quarters) * 6.283185307179586;  // |x| <= pi / 4
    const double z = x * x;
    const double sine =
        x + x * z *
                (-1.0 / 6 +
                 z * (1.0 / 120 +
                      z * (-1.0 / 5040 + z * (1.0 / 362880 + z * (-1.0 / 39916800 +
                                                                  z * (1.0 / 6227020800 + z * (-1.0 / 1307674368000 +
                                                                                               z * (1.0 / 355687428096000))))))));
    const double cosine =
        1.0 - 0.5 * z +
        z * z *
            (1.0 / 24 +
             z * (-1.0 / 720 +
                  z * (1.0 / 40320 +
                       z * (-1.0 / 3628800 + z * (1.0 / 479001600 + z * (-1.0 / 87178291200 + z * (1.0 / 20922789888000)))))));
    // sin and cos of x + quarters pi / 2: an odd quarter swaps them, and the signs follow.
    const bool odd = quarters == 1.0 || quarters == -1.0;
    const double swapped_sine = odd ? cosine : sine, swapped_cosine = odd ? sine : cosine;
    const bool negative_sine = quarters == 2.0 || quarters == -2.0 || quarters == -1.0;
    const bool negative_cosine = quarters == 2.0 || quarters == -2.0 || quarters == 1.0;
    return {negative_sine ? -swapped_sine : swapped_sine, negative_cosine ? -swapped_cosine : swapped_cosine};
}

}  // namespace stemglue
