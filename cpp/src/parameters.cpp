#include "stemglue/parameters.h"

#include <algorithm>
#include <cmath>

namespace stemglue {
namespace {

// Exponent k of the skewed mapping normalized = proportion^k, chosen so that skew_center maps to
// 0.5; k == 1 is linear.
double skew_exponent(const ParameterSpec& spec) noexcept
{
    const double proportion = (spec.skew_center - spec.min_value) / (spec.max_value - spec.min_value);
    if (proportion <= 0.0 || proportion >= 1.0 || std::abs(proportion - 0.5) < 1e-12) return 1.0;
    return std::log(0.5) / std::log(proportion);
}

int nearest_choice(const ParameterSpec& spec, double plain) noexcept
{
    int best = 0;
    for (int i = 1; i < spec.num_choices; ++i)
        if (std::abs(spec.choice_values[static_cast<size_t>(i)] - plain) <
            std::abs(spec.choice_values[static_cast<size_t>(best)] - plain))
            best = i;
    return best;
}

}  // namespace

double constrain(const ParameterSpec& spec, double plain) noexcept
{
    if (!std::isfinite(plain)) return spec.default_value;
    switch (spec.kind) {
        case ParameterKind::choice: return spec.choice_values[static_cast<size_t>(nearest_choice(spec, plain))];
        case ParameterKind::toggle: return plain >= 0.5 ? 1.0 : 0.0;
        case ParameterKind::integer: return std::clamp(std::round(plain), spec.min_value, spec.max_value);
        case ParameterKind::continuous: break;
    }
    return std::clamp(plain, spec.min_value, spec.max_value);
}

bool is_valid(const ParameterSpec& spec, double plain) noexcept
{
    if (!std::isfinite(plain)) return false;
    switch (spec.kind) {
        case ParameterKind::choice:
            for (int i = 0; i < spec.num_choices; ++i)
                if (spec.choice_values[static_cast<size_t>(i)] == plain) return true;
            return false;
        case ParameterKind::toggle: return plain == 0.0 || plain == 1.0;
        case ParameterKind::integer: return plain == std::round(plain) && plain >= spec.min_value && plain <= spec.max_value;
        case ParameterKind::continuous: break;
    }
    return plain >= spec.min_value && plain <= spec.max_value;
}

double to_normalized(const ParameterSpec& spec, double plain) noexcept
{
    plain = constrain(spec, plain);
    if (spec.kind == ParameterKind::choice)
        return spec.num_choices > 1 ? nearest_choice(spec, plain) / double(spec.num_choices - 1) : 0.0;
    const double proportion = (plain - spec.min_value) / (spec.max_value - spec.min_value);
    return std::pow(proportion, skew_exponent(spec));
}

double from_normalized(const ParameterSpec& spec, double normalized) noexcept
{
    normalized = std::isfinite(normalized) ? std::clamp(normalized, 0.0, 1.0) : 0.0;
    if (spec.kind == ParameterKind::choice) {
        const int index = static_cast<int>(std::lround(normalized * (spec.num_choices - 1)));
        return spec.choice_values[static_cast<size_t>(index)];
    }
    const double proportion = std::pow(normalized, 1.0 / skew_exponent(spec));
    return constrain(spec, spec.min_value + proportion * (spec.max_value - spec.min_value));
}

}  // namespace stemglue
