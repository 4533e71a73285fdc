// Build-time tool: writes one .vstpreset file per factory preset (cpp/include/stemglue/presets.h)
// into a folder, named "<preset name>.vstpreset"; the Python package ships them and
// `stemglue install-plugin` copies them to ~/.vst3/presets/StemGlue/StemGlue/.
//
// Usage: write_vst3_presets FOLDER
#include <fstream>
#include <iostream>
#include <string>

#include "../vst3/preset_file.h"

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::cerr << "usage: write_vst3_presets FOLDER\n";
        return 2;
    }
    for (const stemglue::Preset& preset : stemglue::kPresets) {
        const std::string path = std::string(argv[1]) + "/" + std::string(preset.name) + ".vstpreset";
        const std::vector<uint8_t> bytes = stemglue::vst3::preset_file(preset);
        std::ofstream file(path, std::ios::binary);
        file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
        if (!file.flush()) {
            std::cerr << "write_vst3_presets: cannot write " << path << "\n";
            return 1;
        }
    }
    return 0;
}
