// How the plugin presents itself to hosts through IUnitInfo: a root unit "Global" that holds the
// global parameters and the factory presets' program list, and one unit per module of the chain
// (cpp/include/stemglue/module_list.h), in signal-flow order, holding that module's parameters
// (its "<module>_enabled" switch included).
#pragma once

#include <string>

#include "vst3_abi.h"

namespace stemglue::vst3 {

inline constexpr ProgramListID kPresetListId = 1;

/** Root unit plus one per module. */
int32 unit_count();
/** Unit `index` (its id is its index): name, parent, program list. False for an unknown index. */
bool unit_info(int32 index, UnitInfo& info);
/** The unit a table parameter sits in: its module's, else the root. */
UnitID unit_of_parameter(int parameter_index);

}  // namespace stemglue::vst3
