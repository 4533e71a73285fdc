#include "plugin_units.h"

#include <cctype>
#include <cstring>

#include "stemglue/module_list.h"
#include "stemglue/parameters.h"

namespace stemglue::vst3 {
namespace {

void copy_name(const std::string& text, String128 out) noexcept
{
    size_t i = 0;
    for (; i < text.size() && i < 127; ++i) out[i] = static_cast<char16>(static_cast<unsigned char>(text[i]));
    out[i] = 0;
}

}  // namespace

int32 unit_count()
{
    return 1 + static_cast<int32>(modules().size());
}

bool unit_info(int32 index, UnitInfo& info)
{
    if (index < 0 || index >= unit_count()) return false;
    std::memset(&info, 0, sizeof(info));
    info.id = index;
    if (index == kRootUnitId) {
        info.parent_unit_id = kNoParentUnitId;
        info.program_list_id = kPresetListId;
        copy_name("Global", info.name);
        return true;
    }
    info.parent_unit_id = kRootUnitId;
    info.program_list_id = kNoProgramListId;
    // The module's table name, capitalised: "glue" shows as "Glue".
    std::string name(modules()[static_cast<size_t>(index - 1)].id);
    name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
    copy_name(name, info.name);
    return true;
}

UnitID unit_of_parameter(int parameter_index)
{
    const std::string_view id = kParameters[static_cast<size_t>(parameter_index)].id;
    const auto& list = modules();
    for (size_t m = 0; m < list.size(); ++m) {
        const std::string_view module = list[m].id;
        if (id.size() > module.size() && id.substr(0, module.size()) == module && id[module.size()] == '_')
            return static_cast<UnitID>(m + 1);
    }
    return kRootUnitId;
}

}  // namespace stemglue::vst3
