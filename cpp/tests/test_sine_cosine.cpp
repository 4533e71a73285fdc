// sine_cosine.h against long double sinl and cosl, the turn reduced exactly first: within 2 ulp of
// the correctly rounded values at every quadrant, and exact where the answer is.
#include <cmath>
#include <random>

#include "check_report.h"
#include "stemglue/sine_cosine.h"

namespace {

double ulps(double value, long double exact)
{
    const double rounded = static_cast<double>(exact);
    const double ulp = std::nextafter(std::fabs(rounded), 2.0) - std::fabs(rounded);
    return static_cast<double>(std::fabs(static_cast<long double>(value) - exact)) / ulp;
}

}  // namespace

int main()
{
    CheckReport check;

    constexpr long double kTwoPi = 6.283185307179586476925286766559005768L;
    std::mt19937_64 random(1);
    std::uniform_real_distribution<double> wide(-1e6, 1e6), narrow(-1.0, 1.0);
    double worst_sine = 0.0, worst_cosine = 0.0, worst_absolute = 0.0;
    for (int i = 0; i < 4000000; ++i) {
        const double turns = i % 2 == 0 ? wide(random) : narrow(random) * (i % 4 == 1 ? 1.0 : 1e-4);
        const long double angle = kTwoPi * static_cast<long double>(turns - std::round(turns));  // exact reduction
        const long double sine = std::sin(angle), cosine = std::cos(angle);
        const stemglue::SineCosine value = stemglue::sine_cosine_turns(turns);
        if (std::fabs(static_cast<double>(sine)) > 1e-3) worst_sine = std::fmax(worst_sine, ulps(value.sine, sine));
        if (std::fabs(static_cast<double>(cosine)) > 1e-3) worst_cosine = std::fmax(worst_cosine, ulps(value.cosine, cosine));
        worst_absolute = std::fmax(worst_absolute, static_cast<double>(std::fabs(value.sine - sine)));
        worst_absolute = std::fmax(worst_absolute, static_cast<double>(std::fabs(value.cosine - cosine)));
    }
    check("sine, ulp", worst_sine, 2.0);
    check("cosine, ulp", worst_cosine, 2.0);
    check("either near a zero, absolute", worst_absolute, 3e-16);

    double exact_points = 0.0;  // quarter turns: 0, 1 and -1 exactly
    for (double quarter = -8.0; quarter <= 8.0; quarter += 1.0) {
        const stemglue::SineCosine value = stemglue::sine_cosine_turns(0.25 * quarter);
        const double sine = std::fmod(quarter, 2.0) == 0.0 ? 0.0 : (std::fmod(quarter + 16.0, 4.0) == 1.0 ? 1.0 : -1.0);
        const double cosine = std::fmod(quarter, 2.0) != 0.0 ? 0.0 : (std::fmod(quarter + 16.0, 4.0) == 0.0 ? 1.0 : -1.0);
        exact_points = std::fmax(exact_points, std::fabs(value.sine - sine) + std::fabs(value.cosine - cosine));
    }
    check("quarter turns, absolute", exact_points, 0.0);

    return check.finish();
}
