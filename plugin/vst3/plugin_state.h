// Saved plugin state: "SGLU" magic, format version, then (parameter hash, plain value) pairs, all
// little-endian. Readers start at the stream's current position (hosts may prepend their own
// header), skip foreign bytes before the magic, ignore unknown parameters and trailing bytes, and
// give parameters missing from an older state their defaults.
#pragma once

#include <array>

#include "stemglue/parameters.h"
#include "vst3_abi.h"

namespace stemglue::vst3 {

using PlainValues = std::array<double, kNumParameters>;

inline constexpr uint32 kStateMagic = 0x554C4753u;  // "SGLU" in little-endian byte order
inline constexpr uint32 kStateVersion = 1;

/** Write every parameter's plain value; false if the stream refused bytes. */
bool write_state(IBStream* stream, const PlainValues& values);
/** Read a state written by any version; false (values untouched) if no StemGlue state is found. */
bool read_state(IBStream* stream, PlainValues& values);

}  // namespace stemglue::vst3
