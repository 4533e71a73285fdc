// The modules of the chain, in the order of a recording's signal flow:
//
//   performance (Humanize) -> space (Room; Bleed in sessions) -> microphone preamp (Tube)
//     -> tape (Drift, then Noise) -> bus (GlueCompressor)
//
// So the room hears the performance, the preamp saturates the room's sound with it, the tape
// carries both and adds its own hiss (never reverberated), and the bus glues everything.
// This list is the only place the order is written: the Engine, the bindings, the Python classes
// and the reference chain all follow it. A new module is its own files, its table rows (including
// "<id>_enabled") and one entry here.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "stemglue/module.h"

namespace stemglue {

struct ModuleInfo {
    std::string_view id;          // the table's module name: its rows are "<id>_..."
    std::string_view class_name;  // the Python class (stemglue.<class_name>, stemglue.reference.<class_name>)
    std::string_view description;
    std::unique_ptr<Module> (*create)();
};

/** Every module, in signal-flow order. */
const std::vector<ModuleInfo>& modules();

/** A new module by id, or nullptr. */
std::unique_ptr<Module> create_module(std::string_view id);

}  // namespace stemglue
