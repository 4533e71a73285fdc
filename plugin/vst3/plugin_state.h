// Saved plugin state: "SGLU" magic, format version, then the version's payload, all little-endian.
// Readers start at the stream's current position (hosts may prepend their own header), skip
// foreign bytes before the magic, ignore unknown parameters and trailing bytes, and give
// parameters missing from an older state their defaults.
//
// Format history (tests/data/plugin_state_v<N>.bin holds one blob of each, loaded by
// tests/test_plugin_state.py):
//   1  count (uint32), then count x (parameter hash uint32, plain value double).
//   2  the same layout. New with it: glue_auto_makeup (default on), which a version-1 state loads
//      as off, since the projects that saved it had no auto makeup and must keep their level.
//      A factory preset's state (the 'Comp' chunk of its .vstpreset) is a version-2 state without
//      bypass, seed and track id: loading it keeps the instance's own.
//
// Changing the format: bump kStateVersion, keep the old version's reader, add a
// migrate_v<N>_to_v<N+1>() step in plugin_state.cpp, and commit a blob of the new version
// (tests/test_plugin_state.py documents how). A state from a newer version than this build
// knows is refused (the host keeps the current values) rather than guessed at.
#pragma once

#include <array>

#include "stemglue/parameters.h"
#include "stemglue/presets.h"
#include "vst3_abi.h"

namespace stemglue::vst3 {

using PlainValues = std::array<double, kNumParameters>;

inline constexpr uint32 kStateMagic = 0x554C4753u;  // "SGLU" in little-endian byte order
inline constexpr uint32 kStateVersion = 2;

/** Write every parameter's plain value (a preset's state: all but those presets keep); false if the
    stream refused bytes. */
bool write_state(IBStream* stream, const PlainValues& values, bool preset = false);
/** Read a state written by any version into `values`, which hold the instance's current values:
    parameters the state lacks get their defaults, except those presets keep (bypass, seed, track
    id), which stay. False (values untouched) if no StemGlue state is found. */
bool read_state(IBStream* stream, PlainValues& values);

}  // namespace stemglue::vst3
