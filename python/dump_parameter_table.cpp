// Build-time tool: writes the parameter table (cpp/include/stemglue/parameters.h), the chain's
// module list and the factory presets (cpp/include/stemglue/presets.h) as JSON, installed next to
// stemglue._core as stemglue/parameter_table.json. The Python package, and so the numpy reference,
// reads that file: it runs without the compiled extension, while the C++ headers stay the one
// declaration of every parameter and preset.
//
// Usage: dump_parameter_table OUTPUT.json
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "stemglue/module_list.h"
#include "stemglue/parameters.h"
#include "stemglue/presets.h"

namespace {

using namespace stemglue;

std::string quoted(std::string_view text)
{
    std::string out = "\"";
    for (char c : text) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char escaped[8];
                    std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
                    out += escaped;
                } else {
                    out += c;
                }
        }
    }
    return out + "\"";
}

// 17 significant digits: Python parses back the very double the C++ table holds.
std::string number(double value)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", value);
    return text;
}

// One row with the keys _core.parameters() gives.
std::string parameter_row(const ParameterSpec& spec)
{
    std::string choices = "[";
    for (int i = 0; i < spec.num_choices; ++i) choices += (i ? ", " : "") + number(spec.choice_values[static_cast<size_t>(i)]);
    choices += "]";
    return "{\"id\": " + quoted(spec.id) + ", \"name\": " + quoted(spec.name) + ", \"unit\": " + quoted(spec.unit) +
           ", \"module\": " + quoted(spec.module) + ", \"kind\": " + quoted(kind_name(spec.kind)) +
           ", \"min\": " + number(spec.min_value) + ", \"max\": " + number(spec.max_value) +
           ", \"default\": " + number(spec.default_value) + ", \"skew_center\": " + number(spec.skew_center) +
           ", \"smoothing_ms\": " + number(spec.smoothing_ms) + ", \"timing\": " + quoted(timing_name(spec.timing)) +
           ", \"choices\": " + choices + ", \"vst3_id\": " + std::to_string(parameter_hash(spec.id)) +
           ", \"description\": " + quoted(spec.description) + "}";
}

// One preset: its name, category, description and the values it sets, by parameter id.
std::string preset_row(const Preset& preset)
{
    std::string values = "{";
    for (int v = 0; v < preset.num_values; ++v) {
        const PresetValue& value = preset.values[static_cast<size_t>(v)];
        values += (v ? ", " : "") + quoted(kParameters[static_cast<size_t>(value.index)].id) + ": " + number(value.value);
    }
    return "{\"name\": " + quoted(preset.name) + ", \"category\": " + quoted(preset.category) +
           ", \"description\": " + quoted(preset.description) + ", \"values\": " + values + "}}";
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::cerr << "usage: dump_parameter_table OUTPUT.json\n";
        return 2;
    }
    std::ostringstream json;
    json << "{\n  \"parameters\": [\n";
    for (size_t i = 0; i < kParameters.size(); ++i)
        json << "    " << parameter_row(kParameters[i]) << (i + 1 < kParameters.size() ? ",\n" : "\n");
    json << "  ],\n  \"modules\": [\n";
    const auto& list = modules();
    for (size_t i = 0; i < list.size(); ++i) {
        // The global keys of randomness this module reads, as the module itself declares them.
        const auto module = list[i].create();
        std::string keys = "[";
        for (std::string_view key : {"seed", "track_id"})
            if (!std::isnan(module->get_parameter(parameter_index(key)))) keys += (keys.size() > 1 ? ", " : "") + quoted(key);
        json << "    {\"id\": " << quoted(list[i].id) << ", \"class_name\": " << quoted(list[i].class_name)
             << ", \"description\": " << quoted(list[i].description) << ", \"random_keys\": " << keys << "]}"
             << (i + 1 < list.size() ? ",\n" : "\n");
    }
    json << "  ],\n  \"presets\": [\n";
    for (size_t i = 0; i < kPresets.size(); ++i)
        json << "    " << preset_row(kPresets[i]) << (i + 1 < kPresets.size() ? ",\n" : "\n");
    json << "  ]\n}\n";

    std::ofstream file(argv[1], std::ios::binary);
    file << json.str();
    if (!file.flush()) {
        std::cerr << "dump_parameter_table: cannot write " << argv[1] << "\n";
        return 1;
    }
    return 0;
}
