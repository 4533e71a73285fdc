// process(), reset(), seek(), set_transport() and set_parameter() must never allocate: every
// operator new while the counter is armed is a failure. Exercises every oversampling factor,
// parameter glides, blocks longer than max_block_size, structural changes applied inside
// process(), modules switched off and on (a reset inside process()) and timeline jumps.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <vector>

#include "stemglue/engine.h"
#include "stemglue/parameters.h"

namespace {
bool counting = false;
long allocations = 0;
}  // namespace

void* operator new(std::size_t size)
{
    if (counting) ++allocations;
    if (void* memory = std::malloc(size ? size : 1)) return memory;
    throw std::bad_alloc();
}
void* operator new[](std::size_t size)
{
    return operator new(size);
}
void operator delete(void* memory) noexcept
{
    std::free(memory);
}
void operator delete[](void* memory) noexcept
{
    std::free(memory);
}
void operator delete(void* memory, std::size_t) noexcept
{
    std::free(memory);
}
void operator delete[](void* memory, std::size_t) noexcept
{
    std::free(memory);
}

int main()
{
    using namespace stemglue;
    int passed = 0, failed = 0;
    Engine engine;
    engine.set_parameter(param("humanize_enabled"), 1.0);
    engine.set_parameter(param("humanize_timing_ms"), 20.0);
    engine.set_parameter(param("bleed_enabled"), 1.0);
    engine.prepare(48000.0, 256, 2);
    std::vector<float> left(1000), right(1000), other(1000);
    float* channels[2] = {left.data(), right.data()};
    float* sidechain[1] = {other.data()};  // another stem, heard by Bleed

    for (double factor : {1.0, 2.0, 4.0, 8.0}) {
        counting = true;
        allocations = 0;
        engine.set_parameter(param("tube_oversampling"), factor);
        engine.reset();
        for (int block = 0; block < 50; ++block) {
            // Bursts, so Humanize finds onsets and splices.
            for (int j = 0; j < 1000; ++j)
                other[j] = left[j] = right[j] = (j / 150) % 2 ? 0.0f : 0.8f * std::sin(0.01f * (block * 1000 + j));
            engine.set_parameter(param("tube_drive_db"), block % 2 ? 24.0 : 0.0);
            engine.set_parameter(param("bypass"), block % 7 == 3 ? 1.0 : 0.0);
            engine.set_parameter(param("bleed_distance_m"), block % 2 ? 0.5 : 20.0);
            const int n = block % 3 == 0 ? 1000 : 97;  // longer and shorter than 256
            engine.process({channels, 2, n}, {sidechain, 1, n});
        }
        counting = false;
        if (allocations == 0) {
            ++passed;
        } else {
            ++failed;
            std::printf("FAILED: %ld allocations at %gx oversampling\n", allocations, factor);
        }
    }
    // While running: structural values (applied at the engine's silent point), switches and seeks.
    counting = true;
    allocations = 0;
    const char* switches[] = {"humanize_enabled", "bleed_enabled", "room_enabled", "tube_enabled",
                              "drift_enabled",    "noise_enabled", "glue_enabled"};
    for (int block = 0; block < 200; ++block) {
        for (int j = 0; j < 1000; ++j) left[j] = right[j] = (j / 120) % 2 ? 0.0f : 0.5f * std::sin(0.013f * (block * 1000 + j));
        if (block % 10 == 0) {
            engine.set_parameter(param("tube_oversampling"), block % 20 == 0 ? 8.0 : 2.0);
            engine.set_parameter(param("room_size_m"), block % 20 == 0 ? 25.0 : 6.0);
            engine.set_parameter(param("seed"), block);
            engine.set_parameter(param("track_id"), block * 7);
            engine.set_parameter(param("humanize_max_shift_ms"), block % 20 == 0 ? 100.0 : 5.0);
        }
        engine.set_parameter(parameter_index(switches[block % 7]), block % 3 == 0 ? 0.0 : 1.0);
        engine.set_parameter(param("room_rt60_s"), 0.3 + 0.01 * block);
        engine.set_parameter(param("glue_attack_ms"), 1.0 + block % 20);
        engine.set_transport(block % 4 != 0, static_cast<uint64_t>(block % 13 == 0 ? 0 : block * 1000));
        engine.set_tempo(block % 5 == 0 ? 0.0 : 90.0 + block, block % 4 != 0 ? 0.5 * block : std::nan(""));
        if (block % 17 == 0) engine.seek(static_cast<uint64_t>(block) * 4800);
        const int n = block % 3 == 0 ? 1000 : 97;
        engine.process({channels, 2, n}, {sidechain, 1, n});
    }
    counting = false;
    if (allocations == 0) {
        ++passed;
    } else {
        ++failed;
        std::printf("FAILED: %ld allocations with structural changes, switches and seeks\n", allocations);
    }
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
