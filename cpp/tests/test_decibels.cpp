// decibels.h against libm in double: the block conversions must stay within float rounding, far
// below anything the parity tests (-100 dB) could see.
#include <cmath>

#include "check_report.h"
#include "stemglue/decibels.h"

int main()
{
    CheckReport check;

    // Every float exponent from 1e-10 up, with many mantissas in each octave.
    double worst_db = 0.0;
    for (double magnitude = 1.0000001e-10; magnitude < 1e6; magnitude *= 1.0000377) {
        const float x = static_cast<float>(magnitude);
        const double exact = 20.0 * std::log10(static_cast<double>(x));
        worst_db = std::fmax(worst_db, std::fabs(stemglue::magnitude_to_db(x, 1e-10f, -200.0) - exact));
    }
    check("magnitude_to_db, absolute error in dB", worst_db, 1e-6);
    check("magnitude_to_db at or below the floor", std::fabs(stemglue::magnitude_to_db(1e-10f, 1e-10f, -200.0) + 200.0), 0.0);

    double worst_relative = 0.0;
    for (double db = -200.0; db <= 60.0; db += 0.000731) {
        worst_relative = std::fmax(worst_relative, std::fabs(stemglue::db_to_magnitude(db) / std::pow(10.0, db / 20.0) - 1.0));
    }
    check("db_to_magnitude, relative error", worst_relative, 2e-7);

    return check.finish();
}
