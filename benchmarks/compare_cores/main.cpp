// Times two builds of the DSP core (runner.cpp, as run_a and run_b) in alternating rounds (A B,
// B A, ...) on the same signal, and prints each one's best real-time factor, the median of the
// rounds' speed ratios B/A, how many rounds B won, and whether the two outputs were the same bytes
// in every round (a hash of their bits).
// Usage: compare <seconds> <rounds> <module or engine> [parameter=value ...]
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

extern "C" double run_a(int, char**, const float* const*, const float*, size_t, uint64_t*);
extern "C" double run_b(int, char**, const float* const*, const float*, size_t, uint64_t*);

int main(int argc, char** argv)
{
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s <seconds> <rounds> <module or engine> [parameter=value ...]\n", argv[0]);
        return 2;
    }
    const double seconds = std::atof(argv[1]), rate = 48000.0;
    const int rounds = std::atoi(argv[2]);
    if (!(seconds > 0.0 && seconds <= 600.0) || rounds < 1) {
        std::fprintf(stderr, "seconds must be in (0, 600] and rounds at least 1; got %s and %s\n", argv[1], argv[2]);
        return 2;
    }
    const size_t length = static_cast<size_t>(seconds * rate);
    // Tone bursts (220 and 330 Hz, loud and soft in turn) with a little noise; the sidechain a 110 Hz tone.
    std::vector<float> left(length), right(length), sidechain(length);
    uint32_t state = 1;
    for (size_t i = 0; i < length; ++i) {
        const double t = i / rate, level = std::fmod(t, 0.5) < 0.25 ? 0.5 : 0.05;
        state = state * 1664525u + 1013904223u;
        const double noise = ((state >> 8) / 16777216.0 - 0.5) * 0.02;
        left[i] = static_cast<float>(level * std::sin(2 * M_PI * 220 * t) + noise);
        right[i] = static_cast<float>(level * std::sin(2 * M_PI * 330 * t) - noise);
        sidechain[i] = static_cast<float>(0.3 * std::sin(2 * M_PI * 110 * t));
    }
    const float* input[2] = {left.data(), right.data()};
    std::vector<double> a_times, b_times, ratios;
    uint64_t a_hash = 0, b_hash = 0;
    bool same = true;
    for (int round = 0; round < rounds; ++round) {
        const bool a_first = round % 2 == 0;
        double a = 0.0, b = 0.0;
        if (a_first) a = run_a(argc - 3, argv + 3, input, sidechain.data(), length, &a_hash);
        b = run_b(argc - 3, argv + 3, input, sidechain.data(), length, &b_hash);
        if (!a_first) a = run_a(argc - 3, argv + 3, input, sidechain.data(), length, &a_hash);
        same = same && a_hash == b_hash;
        a_times.push_back(a);
        b_times.push_back(b);
        ratios.push_back(a / b);
    }
    std::sort(ratios.begin(), ratios.end());
    const long wins = std::count_if(ratios.begin(), ratios.end(), [](double r) { return r > 1.0; });
    std::printf("%s: A %.0fx, B %.0fx real time (best rounds); B/A speed: median %.3f, B faster in %ld of %d rounds; %s\n",
                argv[3], seconds / *std::min_element(a_times.begin(), a_times.end()),
                seconds / *std::min_element(b_times.begin(), b_times.end()), ratios[ratios.size() / 2], wins, rounds,
                same ? "same output" : "outputs differ");
}
