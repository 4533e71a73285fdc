#include "preset_file.h"

#include <cstdio>
#include <cstring>

#include "plugin_state.h"
#include "stemglue_plugin.h"

namespace stemglue::vst3 {
namespace {

// An IBStream that appends to a byte vector (write_state only writes).
struct ByteWriter final : IBStream {
    std::vector<uint8_t> bytes;

    tresult queryInterface(const TUID, void** object) override
    {
        if (object) *object = nullptr;
        return kNoInterface;
    }
    uint32 addRef() override { return 1; }
    uint32 release() override { return 1; }
    tresult read(void*, int32, int32* done) override
    {
        if (done) *done = 0;
        return kNotImplemented;
    }
    tresult write(void* buffer, int32 size, int32* done) override
    {
        const auto* data = static_cast<const uint8_t*>(buffer);
        bytes.insert(bytes.end(), data, data + size);
        if (done) *done = size;
        return kResultOk;
    }
    tresult seek(int64, int32, int64*) override { return kNotImplemented; }
    tresult tell(int64* position) override
    {
        if (position) *position = static_cast<int64>(bytes.size());
        return kResultOk;
    }
};

template <typename T>
void append(std::vector<uint8_t>& out, T value)
{
    uint8_t bytes[sizeof(T)];
    std::memcpy(bytes, &value, sizeof(T));  // x86_64 and arm64 are little-endian, as the format
    for (uint8_t byte : bytes) out.push_back(byte);
}

void append_id(std::vector<uint8_t>& out, const char (&id)[5])
{
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(id[i]));
}

}  // namespace

std::vector<uint8_t> preset_file(const Preset& preset)
{
    PlainValues values;
    for (int i = 0; i < kNumParameters; ++i) values[static_cast<size_t>(i)] = kParameters[static_cast<size_t>(i)].default_value;
    apply_preset(preset, values);
    ByteWriter component;
    write_state(&component, values, /*preset=*/true);

    constexpr int64_t kHeaderSize = 48;
    std::vector<uint8_t> file;
    append_id(file, "VST3");
    append<int32_t>(file, 1);
    for (int8 byte : kStemGlueClassId.bytes) {  // the class id's bytes as hex, as on Linux they are the words in order
        char hex[3];
        std::snprintf(hex, sizeof hex, "%02X", static_cast<uint8_t>(byte));
        file.push_back(static_cast<uint8_t>(hex[0]));
        file.push_back(static_cast<uint8_t>(hex[1]));
    }
    const int64_t list_offset = kHeaderSize + static_cast<int64_t>(component.bytes.size());
    append<int64_t>(file, list_offset);
    file.insert(file.end(), component.bytes.begin(), component.bytes.end());
    append_id(file, "List");
    append<int32_t>(file, 1);
    append_id(file, "Comp");
    append<int64_t>(file, kHeaderSize);
    append<int64_t>(file, static_cast<int64_t>(component.bytes.size()));
    return file;
}

}  // namespace stemglue::vst3
