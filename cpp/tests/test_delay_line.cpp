// DelayLine against a plain history: random delays (0 up to the prepared maximum) and block sizes
// (0 up to the prepared block, shorter and longer than the delay), in place and into another
// buffer, with remember() (a stage fully on) between process() calls, and past the ring's wrap;
// after each call, read_history() from a random sample against the same history, with a history
// kept longer than the delay (what process() keeps; remember() keeps the delay's).
#include <algorithm>
#include <deque>
#include <random>
#include <vector>

#include "check_report.h"
#include "stemglue/delay_line.h"

int main()
{
    CheckReport check;
    constexpr int kMaxDelay = 40, kMaxBlock = 48;
    std::mt19937 random(11);
    std::uniform_int_distribution<int> delay_of(0, kMaxDelay), block_of(0, kMaxBlock), kind(0, 3);
    std::uniform_real_distribution<float> value(-1.0f, 1.0f);
    double wrong = 0.0, checked = 0.0, wrong_history = 0.0, checked_history = 0.0;
    for (int trial = 0; trial < 400; ++trial) {
        stemglue::DelayLine line;
        line.prepare(kMaxDelay, kMaxBlock);
        const int delay = delay_of(random), kept = std::max(delay, delay_of(random));
        line.set_delay(delay, kept);
        line.reset();
        std::deque<float> history(static_cast<size_t>(kept), 0.0f);  // the last `kept` inputs, oldest first
        int valid = kept;  // how many of the newest of them the line holds (remember() keeps only the delay's)
        for (int block = 0; block < 60; ++block) {
            const int n = block_of(random), how = kind(random);
            std::vector<float> in(static_cast<size_t>(n)), out(static_cast<size_t>(n));
            for (float& x : in) x = value(random);
            std::vector<float> expected;
            for (float x : in) {
                history.push_back(x);
                expected.push_back(history[static_cast<size_t>(kept - delay)]);
                history.pop_front();
            }
            if (how == 0) {
                line.remember(in.data(), n);
                valid = n <= delay ? std::min(kept, valid + n) : delay;
            } else {
                if (how == 1) {
                    line.process(in.data(), in.data(), n);  // in place
                    out = in;
                } else {
                    line.process(in.data(), out.data(), n);
                }
                for (int j = 0; j < n; ++j) wrong += out[static_cast<size_t>(j)] != expected[static_cast<size_t>(j)] ? 1.0 : 0.0;
                checked += n;
                valid = std::min(kept, valid + n);
            }
            const int from = std::uniform_int_distribution<int>(kept - valid, kept)(random);
            std::vector<float> held(static_cast<size_t>(kept - from));
            line.read_history(from, held.data(), kept - from);
            for (int k = from; k < kept; ++k)
                wrong_history += held[static_cast<size_t>(k - from)] != history[static_cast<size_t>(k)] ? 1.0 : 0.0;
            checked_history += kept - from;
        }
    }
    check("samples not the input's of `delay` samples before", wrong, 0.0);
    check("history samples not the last `kept` inputs", wrong_history, 0.0);
    check("samples compared short of 100000 (the check ran)", std::max(0.0, 100000.0 - checked), 0.0);
    check("history samples compared short of 100000", std::max(0.0, 100000.0 - checked_history), 0.0);
    return check.finish();
}
