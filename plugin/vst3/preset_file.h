// .vstpreset files for the factory presets, written by our own code from the preset list and the
// plugin's state format (plugin_state.h). Layout, all little-endian: a 48-byte header ('VST3',
// version 1, the class id as 32 hex digits, the offset of the chunk list), the component state as
// the 'Comp' chunk, then the chunk list ('List', entry count, then per chunk its id, offset and
// size as 64-bit numbers). A single-component plugin keeps no separate controller state, so there
// is no 'Cont' chunk; hosts then hand the 'Comp' bytes to both setState and setComponentState.
#pragma once

#include <cstdint>
#include <vector>

#include "stemglue/presets.h"

namespace stemglue::vst3 {

/** The bytes of the .vstpreset file for one factory preset. */
std::vector<uint8_t> preset_file(const Preset& preset);

}  // namespace stemglue::vst3
