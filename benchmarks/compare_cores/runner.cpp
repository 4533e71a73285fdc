// One build of the DSP core as a runner: compiled once per core with -Dstemglue=<namespace> and
// -DRUNNER=<function name>, so two cores (two commits) link into one program and are timed in the
// same minutes (main.cpp). Each call renders the signal through one module (or the Engine) in
// 512-sample blocks from a reset, and returns the seconds it took and a hash of the output's bits.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "stemglue/engine.h"
#include "stemglue/module_list.h"
#include "stemglue/parameters.h"

extern "C" double RUNNER(int num_settings, char** settings, const float* const* input, const float* sidechain, size_t length,
                         uint64_t* output_hash)
{
    using namespace stemglue;
    static std::unique_ptr<Module> module;  // made and prepared on the first call
    constexpr int kBlock = 512;
    if (!module) {
        const std::string id = settings[0];
        module = id == "engine" ? std::make_unique<Engine>() : create_module(id);
        if (!module) {
            std::fprintf(stderr, "no module %s\n", id.c_str());
            std::exit(2);
        }
        for (int k = 1; k < num_settings; ++k) {
            const std::string setting = settings[k];
            const size_t equals = setting.find('=');
            const int index = parameter_index(setting.substr(0, equals));
            if (equals == std::string::npos || index < 0) {
                std::fprintf(stderr, "not a parameter=value: %s\n", setting.c_str());
                std::exit(2);
            }
            module->set_parameter(index, std::atof(setting.substr(equals + 1).c_str()));
        }
        module->prepare(48000.0, kBlock, 2);
    }
    std::vector<float> left(input[0], input[0] + length), right(input[1], input[1] + length);
    module->reset();
    const auto start = std::chrono::steady_clock::now();
    for (size_t at = 0; at < length; at += kBlock) {
        const int count = static_cast<int>(std::min<size_t>(kBlock, length - at));
        float* block[2] = {left.data() + at, right.data() + at};
        float* aux[2] = {const_cast<float*>(sidechain) + at, const_cast<float*>(sidechain) + at};
        module->process(AudioBlock{block, 2, count}, AudioBlock{aux, 2, count});  // only Bleed (alone or in the chain) hears it
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    uint64_t hash = 0xCBF29CE484222325ull;  // FNV-1a over the output's float bits
    for (const std::vector<float>* channel : {&left, &right})
        for (const float sample : *channel) {
            uint32_t bits;
            std::memcpy(&bits, &sample, sizeof bits);
            hash = (hash ^ bits) * 0x100000001B3ull;
        }
    *output_hash = hash;
    return seconds;
}
