// SincInterpolator::read_eight_rows against eight read_row()s: the same bits, on the kernel's own
// rows and on rows of random values with zeros of both signs among them (where a different sum
// order would show as -0 against +0, or in the last bit).
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "check_report.h"
#include "stemglue/sinc_interpolator.h"

namespace {

uint32_t bits(float value)
{
    uint32_t word;
    std::memcpy(&word, &value, sizeof word);
    return word;
}

}  // namespace

int main()
{
    using stemglue::SincInterpolator;
    CheckReport check;
    const SincInterpolator interpolator;
    constexpr int kRow = 2 * SincInterpolator::kTaps, kRandomRows = 64;
    std::mt19937 random(7);
    std::uniform_real_distribution<float> value(-1.0f, 1.0f), blend(0.0f, 1.0f);
    std::uniform_int_distribution<int> row(0, SincInterpolator::kPhases - 1), pick(0, kRandomRows - 1), kind(0, 7);
    // Random rows and signals, an eighth of their values +0 and 7/64 -0.
    const auto draw = [&] { return kind(random) == 0 ? 0.0f : kind(random) == 0 ? -0.0f : value(random); };
    std::vector<float> random_rows(kRandomRows * kRow), signal(4096);
    for (float& x : random_rows) x = draw();
    for (size_t i = 0; i < signal.size(); ++i)  // then zeros alone, of both signs: every product a zero
        signal[i] = i < 2048 ? draw() : (i % 2 == 0 ? 0.0f : -0.0f);

    double differing = 0.0;
    for (int trial = 0; trial < 200000; ++trial) {
        const float* first[8];
        const float* samples[8];
        float blends[8], eight[8];
        for (int r = 0; r < 8; ++r) {
            first[r] = trial % 2 == 0 ? interpolator.row(row(random)) : &random_rows[static_cast<size_t>(pick(random) * kRow)];
            const size_t at = static_cast<size_t>(trial % 3 == 0 ? 2048 + random() % 2000 : random() % 2000);
            samples[r] = &signal[at];
            blends[r] = trial % 5 == 0 ? 0.0f : blend(random);
        }
        SincInterpolator::read_eight_rows(first, samples, blends, eight);
        for (int r = 0; r < 8; ++r)
            if (bits(eight[r]) != bits(SincInterpolator::read_row(first[r], samples[r], blends[r]))) differing += 1.0;
    }
    check("reads of read_eight_rows not read_row's bit for bit, of 1.6 million", differing, 0.0);
    return check.finish();
}
