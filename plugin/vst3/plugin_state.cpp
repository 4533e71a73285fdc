#include "plugin_state.h"

#include <cstring>

namespace stemglue::vst3 {
namespace {

constexpr int kMaxForeignBytes = 1 << 16;  // how far to look for the magic past a host's header

bool write_bytes(IBStream* stream, const void* data, int32 size)
{
    int32 written = 0;
    return stream->write(const_cast<void*>(data), size, &written) == kResultOk && written == size;
}

template <typename T>
bool write_value(IBStream* stream, T value)
{
    uint8 bytes[sizeof(T)];
    std::memcpy(bytes, &value, sizeof(T));  // x86_64 and arm64 are little-endian
    return write_bytes(stream, bytes, sizeof(T));
}

template <typename T>
bool read_value(IBStream* stream, T& value)
{
    uint8 bytes[sizeof(T)];
    int32 read = 0;
    if (stream->read(bytes, sizeof(T), &read) != kResultOk || read != static_cast<int32>(sizeof(T))) return false;
    std::memcpy(&value, bytes, sizeof(T));
    return true;
}

bool find_magic(IBStream* stream)
{
    uint32 window = 0;
    for (int i = 0; i < kMaxForeignBytes + 4; ++i) {
        uint8 byte = 0;
        if (!read_value(stream, byte)) return false;
        window = (window >> 8) | (uint32(byte) << 24);
        if (i >= 3 && window == kStateMagic) return true;
    }
    return false;
}

}  // namespace

bool write_state(IBStream* stream, const PlainValues& values, bool preset)
{
    if (!stream) return false;
    uint32 count = 0;
    for (int i = 0; i < kNumParameters; ++i) count += preset && kept_by_presets(i) ? 0 : 1;
    bool ok = write_value(stream, kStateMagic) && write_value(stream, kStateVersion) && write_value(stream, count);
    for (int i = 0; ok && i < kNumParameters; ++i)
        if (!preset || !kept_by_presets(i))
            ok = write_value(stream, parameter_hash(kParameters[static_cast<size_t>(i)].id)) &&
                 write_value(stream, values[static_cast<size_t>(i)]);
    return ok;
}

namespace {

// Versions 1 and 2: (hash, plain value) pairs; parameters it lacks keep their defaults.
bool read_pairs(IBStream* stream, PlainValues& loaded)
{
    uint32 count = 0;
    if (!read_value(stream, count)) return false;
    for (uint32 entry = 0; entry < count && entry < 4096; ++entry) {
        uint32 hash = 0;
        double value = 0.0;
        if (!read_value(stream, hash) || !read_value(stream, value)) return false;
        for (int i = 0; i < kNumParameters; ++i)
            if (parameter_hash(kParameters[static_cast<size_t>(i)].id) == hash)
                loaded[static_cast<size_t>(i)] = constrain(kParameters[static_cast<size_t>(i)], value);
    }
    return true;
}

// Version 1 knew no auto makeup: its projects keep their level.
void migrate_v1_to_v2(PlainValues& values)
{
    values[static_cast<size_t>(param("glue_auto_makeup"))] = 0.0;
}

// Brings values read in `version`'s layout up to the current version, one step per version:
// add `case N: migrate_vN_to_vN1(values); break;` for each format change.
bool migrate(uint32 version, PlainValues& values)
{
    for (; version < kStateVersion; ++version) {
        switch (version) {
            case 1: migrate_v1_to_v2(values); break;
            default: return false;  // a missing step: refuse rather than load wrong values
        }
    }
    return true;
}

}  // namespace

bool read_state(IBStream* stream, PlainValues& values)
{
    uint32 version = 0;
    if (!stream || !find_magic(stream) || !read_value(stream, version)) return false;
    PlainValues loaded;
    for (int i = 0; i < kNumParameters; ++i)
        loaded[static_cast<size_t>(i)] =
            kept_by_presets(i) ? values[static_cast<size_t>(i)] : kParameters[static_cast<size_t>(i)].default_value;
    bool read = false;
    switch (version) {
        case 1:
        case 2: read = read_pairs(stream, loaded); break;
        default: return false;  // 0 was never written; newer versions are unknown to this build
    }
    if (!read || !migrate(version, loaded)) return false;
    values = loaded;
    return true;
}

}  // namespace stemglue::vst3
