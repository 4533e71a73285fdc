// Hostile parameter values must never reach the signal: for every module and each parameter of the
// table it reads (its own and the global ones; the Engine all of them), set_parameter() with NaN, +-inf, huge, negative and out-of-range values, then reset()
// and process noise and NaN/inf samples. The output must stay finite. Built with
// STEMGLUE_SANITIZE=ON, AddressSanitizer and UndefinedBehaviorSanitizer also stop the program at the
// first out-of-bounds access or undefined float -> int conversion a value causes.
//
// Usage: test_hostile_parameters [module [parameter_id [value]]]  (filters, to rerun one case)
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "stemglue/bleed.h"
#include "stemglue/drift.h"
#include "stemglue/engine.h"
#include "stemglue/glue_compressor.h"
#include "stemglue/humanize.h"
#include "stemglue/noise.h"
#include "stemglue/parameters.h"
#include "stemglue/room.h"
#include "stemglue/tube.h"

namespace {

using namespace stemglue;

constexpr double kSampleRate = 48000.0;
constexpr int kMaxBlock = 256;
constexpr int kChannels = 2;
constexpr int kSamples = 3 * kMaxBlock + 156 + 400;  // the blocks process_and_count() cuts

struct Signal {
    std::vector<float> left, right;
    float* channels[kChannels];
    Signal() : left(kSamples), right(kSamples) { channels[0] = left.data(), channels[1] = right.data(); }
};

// Uniform noise in [-1, 1) from a fixed LCG: the same samples on every run.
void fill_noise(Signal& signal, uint32_t seed)
{
    uint32_t state = seed * 2654435761u + 1u;
    for (size_t i = 0; i < signal.left.size(); ++i) {
        state = state * 1664525u + 1013904223u;
        signal.left[i] = static_cast<float>(state >> 8) / 8388608.0f - 1.0f;
        state = state * 1664525u + 1013904223u;
        signal.right[i] = static_cast<float>(state >> 8) / 8388608.0f - 1.0f;
    }
}

// NaN, +inf and -inf between ordinary samples: the design treats them as silence.
void fill_hostile(Signal& signal)
{
    const float values[] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(), 0.5f,
                            -std::numeric_limits<float>::infinity(), -0.25f};
    for (size_t i = 0; i < signal.left.size(); ++i) {
        signal.left[i] = values[i % 5];
        signal.right[i] = values[(i + 2) % 5];
    }
}

// Processes the signal in place (blocks of 256, 256, 256, 156 and 400 samples), with noise on the
// sidechain (Bleed's other stem), and returns the number of non-finite output samples.
template <typename Module>
int process_and_count(Module& module, Signal& signal)
{
    static Signal sidechain = [] {
        Signal noise;
        fill_noise(noise, 5);
        return noise;
    }();
    int start = 0;
    for (int length : {kMaxBlock, kMaxBlock, kMaxBlock, kMaxBlock - 100, 400}) {
        float* pointers[kChannels] = {signal.channels[0] + start, signal.channels[1] + start};
        float* other[kChannels] = {sidechain.channels[0] + start, sidechain.channels[1] + start};
        module.process(AudioBlock{pointers, kChannels, length}, AudioBlock{other, kChannels, length});
        start += length;
    }
    int bad = 0;
    for (int i = 0; i < start; ++i)
        bad += !std::isfinite(signal.left[static_cast<size_t>(i)]) + !std::isfinite(signal.right[static_cast<size_t>(i)]);
    return bad;
}

struct Counts {
    int passed = 0, failed = 0;
};

// Checks one module on the parameters of `owner` (the table's module column) and the global ones;
// every parameter when owner is null. (A module ignores the others': checking them would only
// multiply the run time under the sanitizers.)
template <typename Module>
void check_module(const char* module_name, const char* owner, const char* parameter_filter, const char* value_filter,
                  Counts& counts)
{
    constexpr double inf = std::numeric_limits<double>::infinity();
    for (int index = 0; index < kNumParameters; ++index) {
        const ParameterSpec& spec = kParameters[static_cast<size_t>(index)];
        if (parameter_filter && spec.id != parameter_filter) continue;
        if (owner && spec.module != owner && spec.module != "global") continue;
        const double values[] = {std::numeric_limits<double>::quiet_NaN(),
                                 inf,
                                 -inf,
                                 -1e9,
                                 1e9,
                                 spec.min_value - 1.0,
                                 spec.max_value + 1.0,
                                 16.0,
                                 -1.0};
        for (double value : values) {
            if (value_filter) {
                const double wanted = std::strtod(value_filter, nullptr);
                if (!(value == wanted || (std::isnan(value) && std::isnan(wanted)))) continue;
            }
            // stderr is unbuffered: the last line names the case if a sanitizer stops the program.
            std::fprintf(stderr, "case %s %.*s=%g\n", module_name, static_cast<int>(spec.id.size()), spec.id.data(), value);
            Module module;
            module.prepare(kSampleRate, kMaxBlock, kChannels);
            Signal signal;
            // Set while running (smoothed parameters glide towards the value) ...
            fill_noise(signal, 1);
            process_and_count(module, signal);
            module.set_parameter(index, value);
            fill_noise(signal, 2);
            const int gliding = process_and_count(module, signal);
            // ... then reset (structural parameters take effect, smoothers snap) and process noise,
            // NaN/inf samples, and noise again (state must not keep what the hostile block held).
            module.reset();
            fill_noise(signal, 3);
            const int after_reset = process_and_count(module, signal);
            fill_hostile(signal);
            const int hostile_input = process_and_count(module, signal);
            fill_noise(signal, 4);
            const int noise_after = process_and_count(module, signal);
            const int latency = module.latency_samples();
            const bool latency_ok = latency >= 0 && latency <= static_cast<int>(kSampleRate);
            if (gliding || after_reset || hostile_input || noise_after || !latency_ok) {
                ++counts.failed;
                std::printf(
                    "FAIL %s %.*s=%g: non-finite samples gliding %d, after reset %d, on NaN/inf input %d, on noise after %d; "
                    "latency %d\n",
                    module_name, static_cast<int>(spec.id.size()), spec.id.data(), value, gliding, after_reset, hostile_input,
                    noise_after, latency);
            } else {
                ++counts.passed;
            }
        }
    }
}

}  // namespace

int main(int argc, char** argv)
{
    const char* module_filter = argc > 1 ? argv[1] : nullptr;
    const char* parameter_filter = argc > 2 ? argv[2] : nullptr;
    const char* value_filter = argc > 3 ? argv[3] : nullptr;
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // failures are not lost if a later case aborts
    Counts counts;
    auto run = [&](const char* name, const char* owner, auto check) {
        if (!module_filter || std::strcmp(module_filter, name) == 0) check(name, owner, parameter_filter, value_filter, counts);
    };
    run("Humanize", "humanize", check_module<Humanize>);
    run("Bleed", "bleed", check_module<Bleed>);
    run("Tube", "tube", check_module<Tube>);
    run("Drift", "drift", check_module<Drift>);
    run("Noise", "noise", check_module<Noise>);
    run("Room", "room", check_module<Room>);
    run("GlueCompressor", "glue", check_module<GlueCompressor>);
    run("Engine", nullptr, check_module<Engine>);
    std::printf("%d passed, %d failed\n", counts.passed, counts.failed);
    return counts.failed == 0 && counts.passed > 0 ? 0 : 1;
}
