#include "stemglue/module_list.h"

#include "stemglue/bleed.h"
#include "stemglue/drift.h"
#include "stemglue/glue_compressor.h"
#include "stemglue/humanize.h"
#include "stemglue/noise.h"
#include "stemglue/room.h"
#include "stemglue/tube.h"

namespace stemglue {
namespace {

template <typename T>
std::unique_ptr<Module> make()
{
    return std::make_unique<T>();
}

}  // namespace

const std::vector<ModuleInfo>& modules()
{
    static const std::vector<ModuleInfo> list = {
        {"humanize", "Humanize",
         "Human micro-timing and per-hit dynamics: onsets found with lookahead move by long-range-correlated "
         "offsets, feel and a band clock, spliced before each onset (no resampling); per-event gains and accents.",
         &make<Humanize>},
        {"bleed", "Bleed",
         "Microphone bleed: the sidechain's source as this channel's microphone hears it (distance delay, inverse-distance "
         "level, first-order polar pattern, off-axis loss of highs, polarity), added to the channel.",
         &make<Bleed>},
        {"room", "Room",
         "A shared room: image-source early reflections from the room's geometry and a 16-line FDN tail with "
         "frequency-dependent decay; predelay, size, RT60, damping, width, mix.",
         &make<Room>},
        {"tube", "Tube", "Tube saturation: drive, bias, bloom, tone, level compensation, mix; ADAA + oversampling.", &make<Tube>},
        {"drift", "Drift", "Analog drift: wow and flutter (set as a weighted meter reads them), slow tilt and gain wander.",
         &make<Drift>},
        {"noise", "Noise", "Noise floor: hiss (white to pink), mains hum and buzz, room tone, tape modulation noise.",
         &make<Noise>},
        {"glue", "GlueCompressor",
         "Bus compressor: threshold, ratio, soft knee, attack, release or auto release, sidechain high-pass, makeup, "
         "mix.",
         &make<GlueCompressor>},
    };
    return list;
}

std::unique_ptr<Module> create_module(std::string_view id)
{
    for (const ModuleInfo& info : modules())
        if (info.id == id) return info.create();
    return nullptr;
}

}  // namespace stemglue
