// Prints a fingerprint (64-bit FNV-1a) of the bytes the whole chain renders, every module on and
// every oversampling factor, at several block sizes and in one, two and three channels (the pairs
// the modules run side by side, and an odd channel alone), and which code ran. Built twice by
// tests/test_cpp_checks.py, with the AVX2/AVX-512 clones and with STEMGLUE_NO_MULTIVERSION (baseline
// x86-64 only): the two must print the same, as every machine must render the same bytes. (libm's
// own per-CPU versions of exp, sin and pow run the same in both builds: this does not compare them.)
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

#include "stemglue/engine.h"
#include "stemglue/parameters.h"

namespace {

uint64_t fold(uint64_t hash, const float* samples, int count)
{
    for (int i = 0; i < count; ++i) {
        uint32_t bits;
        std::memcpy(&bits, samples + i, sizeof bits);
        for (int byte = 0; byte < 4; ++byte) hash = (hash ^ ((bits >> (8 * byte)) & 0xffu)) * 1099511628211ull;
    }
    return hash;
}

}  // namespace

int main()
{
    using namespace stemglue;
    constexpr int kFrames = 48000;
    uint64_t hash = 14695981039346656037ull;
    for (double oversampling : {1.0, 2.0, 4.0, 8.0}) {
        for (const auto [block, num_channels] : {std::pair{64, 3}, std::pair{333, 2}, std::pair{1024, 1}}) {
            Engine engine;
            for (const char* name : {"humanize_enabled", "bleed_enabled", "room_enabled", "tube_enabled", "drift_enabled",
                                     "noise_enabled", "glue_enabled"})
                engine.set_parameter(parameter_index(name), 1.0);
            engine.set_parameter(parameter_index("tube_oversampling"), oversampling);
            engine.set_parameter(parameter_index("tube_drive_db"), 12.0);
            engine.set_parameter(parameter_index("drift_wow_percent"), 0.3);
            if (oversampling == 4.0) {  // the chain's own dry/wet mix and output gain at work too
                engine.set_parameter(parameter_index("mix_percent"), 60.0);
                engine.set_parameter(parameter_index("output_gain_db"), -3.0);
            }
            engine.prepare(48000.0, block, num_channels);
            std::vector<std::vector<float>> input(static_cast<size_t>(num_channels), std::vector<float>(kFrames));
            std::vector<float> other(kFrames);
            uint32_t state = 12345u;
            for (int i = 0; i < kFrames; ++i) {  // bursts of tone and noise, and another stem to bleed
                state = state * 1664525u + 1013904223u;
                const float noise = static_cast<float>(state >> 8) / 8388608.0f - 1.0f;
                const float burst = (i / 4800) % 2 ? 0.0f : 0.6f * std::sin(0.031f * i) + 0.1f * noise;
                for (int c = 0; c < num_channels; ++c)
                    input[static_cast<size_t>(c)][static_cast<size_t>(i)] = (1.0f - 0.2f * c) * burst;
                other[i] = 0.5f * std::sin(0.0071f * i);
            }
            for (int start = 0; start < kFrames; start += block) {
                const int n = std::min(block, kFrames - start);
                float* channels[3];
                for (int c = 0; c < num_channels; ++c) channels[c] = input[static_cast<size_t>(c)].data() + start;
                float* sidechain[1] = {other.data() + start};
                engine.process({channels, num_channels, n}, {sidechain, 1, n});
            }
            for (const std::vector<float>& channel : input) hash = fold(hash, channel.data(), kFrames);
        }
    }
    // Which code ran: the clones' resolver picks a level only where the CPU has all of it.
    const char* ran = "ran the baseline code";
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(STEMGLUE_NO_MULTIVERSION)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("x86-64-v4"))
        ran = "ran the x86-64-v4 clones";
    else if (__builtin_cpu_supports("x86-64-v3"))
        ran = "ran the x86-64-v3 clones";
#endif
    std::printf("fingerprint %016llx (%s)\n", static_cast<unsigned long long>(hash), ran);
    return 0;
}
