#include "stemglue/presets.h"

namespace stemglue {
namespace {

// What the compiler can check of the preset list; tests/test_presets.py checks each value against
// its parameter's range and kind.
constexpr bool presets_are_well_formed()
{
    for (int p = 0; p < kNumPresets; ++p) {
        const Preset& preset = kPresets[static_cast<size_t>(p)];
        if (preset.name.empty() || preset.description.empty()) return false;
        if (preset.category != "character" && preset.category != "stem") return false;
        if (preset_index(preset.name) != p) return false;  // names are unique
        for (int v = 0; v < preset.num_values; ++v) {
            const PresetValue& value = preset.values[static_cast<size_t>(v)];
            if (kept_by_presets(value.index)) return false;
            if (value.value == kParameters[static_cast<size_t>(value.index)].default_value) return false;  // restates a default
            for (int w = 0; w < v; ++w)
                if (preset.values[static_cast<size_t>(w)].index == value.index) return false;  // set twice
        }
    }
    return kPresets[0].num_values == 0;  // the first preset is the defaults: the program a new instance shows
}
static_assert(presets_are_well_formed(), "a preset sets bypass/seed/track id, restates a default, or repeats a value");

}  // namespace

void apply_preset(const Preset& preset, std::array<double, kNumParameters>& values) noexcept
{
    for (int i = 0; i < kNumParameters; ++i)
        if (!kept_by_presets(i)) values[static_cast<size_t>(i)] = kParameters[static_cast<size_t>(i)].default_value;
    for (int v = 0; v < preset.num_values; ++v) {
        const PresetValue& value = preset.values[static_cast<size_t>(v)];
        values[static_cast<size_t>(value.index)] = constrain(kParameters[static_cast<size_t>(value.index)], value.value);
    }
}

}  // namespace stemglue
