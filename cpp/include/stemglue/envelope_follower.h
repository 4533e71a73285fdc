// One step of an attack/release envelope follower (Tube's bloom, Noise's modulation):
// (1 - k) envelope + k level, k = attack where the level is above the envelope, release elsewhere.
//
// Without a branch, which mispredicts on audio: the attack is the faster (the larger k), so its
// step toward the level is the larger, and the max picks it while rising and the release's while
// falling. This form puts a multiply, an add and the max on the recursion's chain; envelope +
// k (level - envelope) puts a subtract there too. The references compute the branch's choice.
#pragma once

#include <algorithm>

namespace stemglue {

/** attack >= release, coefficients per step (1 - e^(-1 / time in steps): Noise's modulation and
 *  Tube's bloom step every control tick). */
[[gnu::always_inline]] inline double follow_envelope(double envelope, double level, double attack, double release) noexcept
{
    return std::max((1.0 - attack) * envelope + attack * level, (1.0 - release) * envelope + release * level);
}

}  // namespace stemglue
