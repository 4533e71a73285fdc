// Our own declarations of the part of the VST3 ABI StemGlue uses (Linux/macOS, non-COM layout).
// Written from interface IDs, vtable orders and struct layouts (see the project's VST3 ABI facts);
// the sizes and offsets are checked below. Interfaces are plain abstract structs with no virtual
// destructor, so each vtable is exactly FUnknown's three slots followed by the listed methods.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace stemglue::vst3 {

using int8 = char;
using int16 = int16_t;
using int32 = int32_t;
using int64 = int64_t;
using uint8 = uint8_t;
using uint32 = uint32_t;
using uint64 = uint64_t;
using TBool = uint8;
using tresult = int32;
using char16 = char16_t;
using TChar = char16;
using String128 = TChar[128];
using TUID = int8[16];
using FIDString = const int8*;
using ParamID = uint32;
using ParamValue = double;
using SampleRate = double;
using TSamples = int64;
using SpeakerArrangement = uint64;
using MediaType = int32;
using BusDirection = int32;
using BusType = int32;
using IoMode = int32;
using UnitID = int32;
using ProgramListID = int32;
using CString = const char*;
using Sample32 = float;
using Sample64 = double;

inline constexpr tresult kNoInterface = -1;
inline constexpr tresult kResultOk = 0;
inline constexpr tresult kResultTrue = 0;
inline constexpr tresult kResultFalse = 1;
inline constexpr tresult kInvalidArgument = 2;
inline constexpr tresult kNotImplemented = 3;
inline constexpr tresult kInternalError = 4;
inline constexpr tresult kNotInitialized = 5;
inline constexpr tresult kOutOfMemory = 6;

// A 16-byte interface or class ID; on Linux each 32-bit word is stored most-significant byte first.
struct Uid {
    int8 bytes[16];
};

constexpr Uid make_uid(uint32 a, uint32 b, uint32 c, uint32 d)
{
    Uid uid{};
    const uint32 words[4] = {a, b, c, d};
    for (int w = 0; w < 4; ++w)
        for (int i = 0; i < 4; ++i) uid.bytes[w * 4 + i] = static_cast<int8>((words[w] >> (24 - 8 * i)) & 0xFF);
    return uid;
}

inline bool same_uid(const int8* a, const Uid& b)
{
    return a && std::memcmp(a, b.bytes, 16) == 0;
}

inline constexpr Uid kFUnknownIid = make_uid(0x00000000, 0x00000000, 0xC0000000, 0x00000046);
inline constexpr Uid kPluginBaseIid = make_uid(0x22888DDB, 0x156E45AE, 0x8358B348, 0x08190625);
inline constexpr Uid kPluginFactoryIid = make_uid(0x7A4D811C, 0x52114A1F, 0xAED9D2EE, 0x0B43BF9F);
inline constexpr Uid kPluginFactory2Iid = make_uid(0x0007B650, 0xF24B4C0B, 0xA464EDB9, 0xF00B2ABB);
inline constexpr Uid kPluginFactory3Iid = make_uid(0x4555A2AB, 0xC1234E57, 0x9B122910, 0x36878931);
inline constexpr Uid kComponentIid = make_uid(0xE831FF31, 0xF2D54301, 0x928EBBEE, 0x25697802);
inline constexpr Uid kAudioProcessorIid = make_uid(0x42043F99, 0xB7DA453C, 0xA569E79D, 0x9AAEC33D);
inline constexpr Uid kProcessContextRequirementsIid = make_uid(0x2A654303, 0xEF764E3D, 0x95B5FE83, 0x730EF6D0);
inline constexpr Uid kEditControllerIid = make_uid(0xDCD7BBE3, 0x7742448D, 0xA874AACC, 0x979C759E);
inline constexpr Uid kHostApplicationIid = make_uid(0x58E595CC, 0xDB2D4969, 0x8B6AAF8C, 0x36A664E5);
inline constexpr Uid kUnitInfoIid = make_uid(0x3D4BD6B5, 0x913A4FD2, 0xA886E768, 0xA5EB92C1);

// --- interfaces ---------------------------------------------------------------------------------

struct FUnknown {
    virtual tresult queryInterface(const TUID iid, void** object) = 0;
    virtual uint32 addRef() = 0;
    virtual uint32 release() = 0;
};

struct IBStream : FUnknown {
    virtual tresult read(void* buffer, int32 num_bytes, int32* num_bytes_read) = 0;
    virtual tresult write(void* buffer, int32 num_bytes, int32* num_bytes_written) = 0;
    virtual tresult seek(int64 position, int32 mode, int64* result) = 0;
    virtual tresult tell(int64* position) = 0;
};

struct IPluginBase : FUnknown {
    virtual tresult initialize(FUnknown* context) = 0;
    virtual tresult terminate() = 0;
};

struct PFactoryInfo {
    char vendor[64];
    char url[256];
    char email[128];
    int32 flags;
};

struct PClassInfo {
    TUID cid;
    int32 cardinality;
    char category[32];
    char name[64];
};

struct PClassInfo2 {
    TUID cid;
    int32 cardinality;
    char category[32];
    char name[64];
    uint32 class_flags;
    char sub_categories[128];
    char vendor[64];
    char version[64];
    char sdk_version[64];
};

struct PClassInfoW {
    TUID cid;
    int32 cardinality;
    char category[32];
    char16 name[64];
    uint32 class_flags;
    char sub_categories[128];
    char16 vendor[64];
    char16 version[64];
    char16 sdk_version[64];
};

struct IPluginFactory : FUnknown {
    virtual tresult getFactoryInfo(PFactoryInfo* info) = 0;
    virtual int32 countClasses() = 0;
    virtual tresult getClassInfo(int32 index, PClassInfo* info) = 0;
    virtual tresult createInstance(FIDString cid, FIDString iid, void** object) = 0;
};

struct IPluginFactory2 : IPluginFactory {
    virtual tresult getClassInfo2(int32 index, PClassInfo2* info) = 0;
};

struct IPluginFactory3 : IPluginFactory2 {
    virtual tresult getClassInfoUnicode(int32 index, PClassInfoW* info) = 0;
    virtual tresult setHostContext(FUnknown* context) = 0;
};

struct BusInfo {
    MediaType media_type;
    BusDirection direction;
    int32 channel_count;
    String128 name;
    BusType bus_type;
    uint32 flags;
};

struct RoutingInfo {
    MediaType media_type;
    int32 bus_index;
    int32 channel;
};

struct IComponent : IPluginBase {
    virtual tresult getControllerClassId(TUID class_id) = 0;
    virtual tresult setIoMode(IoMode mode) = 0;
    virtual int32 getBusCount(MediaType type, BusDirection direction) = 0;
    virtual tresult getBusInfo(MediaType type, BusDirection direction, int32 index, BusInfo& bus) = 0;
    virtual tresult getRoutingInfo(RoutingInfo& in_info, RoutingInfo& out_info) = 0;
    virtual tresult activateBus(MediaType type, BusDirection direction, int32 index, TBool state) = 0;
    virtual tresult setActive(TBool state) = 0;
    virtual tresult setState(IBStream* state) = 0;
    virtual tresult getState(IBStream* state) = 0;
};

struct ProcessSetup {
    int32 process_mode;
    int32 symbolic_sample_size;
    int32 max_samples_per_block;
    SampleRate sample_rate;
};

struct AudioBusBuffers {
    int32 num_channels;
    uint64 silence_flags;
    union {
        Sample32** channel_buffers_32;
        Sample64** channel_buffers_64;
    };
};

struct IParamValueQueue : FUnknown {
    virtual ParamID getParameterId() = 0;
    virtual int32 getPointCount() = 0;
    virtual tresult getPoint(int32 index, int32& sample_offset, ParamValue& value) = 0;
    virtual tresult addPoint(int32 sample_offset, ParamValue value, int32& index) = 0;
};

struct IParameterChanges : FUnknown {
    virtual int32 getParameterCount() = 0;
    virtual IParamValueQueue* getParameterData(int32 index) = 0;
    virtual IParamValueQueue* addParameterData(const ParamID& id, int32& index) = 0;
};

struct IEventList;  // not used: StemGlue takes no events

struct Chord {
    uint8 key_note;
    uint8 root_note;
    int16 chord_mask;
};

struct FrameRate {
    uint32 frames_per_second;
    uint32 flags;
};

struct ProcessContext {
    uint32 state;
    double sample_rate;
    TSamples project_time_samples;
    int64 system_time;
    TSamples continuous_time_samples;
    double project_time_music;
    double bar_position_music;
    double cycle_start_music;
    double cycle_end_music;
    double tempo;
    int32 time_sig_numerator;
    int32 time_sig_denominator;
    Chord chord;
    int32 smpte_offset_subframes;
    FrameRate frame_rate;
    int32 samples_to_next_clock;
};

struct ProcessData {
    int32 process_mode;
    int32 symbolic_sample_size;
    int32 num_samples;
    int32 num_inputs;
    int32 num_outputs;
    AudioBusBuffers* inputs;
    AudioBusBuffers* outputs;
    IParameterChanges* input_parameter_changes;
    IParameterChanges* output_parameter_changes;
    IEventList* input_events;
    IEventList* output_events;
    ProcessContext* process_context;
};

struct IAudioProcessor : FUnknown {
    virtual tresult setBusArrangements(SpeakerArrangement* inputs, int32 num_inputs, SpeakerArrangement* outputs,
                                       int32 num_outputs) = 0;
    virtual tresult getBusArrangement(BusDirection direction, int32 index, SpeakerArrangement& arrangement) = 0;
    virtual tresult canProcessSampleSize(int32 symbolic_sample_size) = 0;
    virtual uint32 getLatencySamples() = 0;
    virtual tresult setupProcessing(ProcessSetup& setup) = 0;
    virtual tresult setProcessing(TBool state) = 0;
    virtual tresult process(ProcessData& data) = 0;
    virtual uint32 getTailSamples() = 0;
};

struct IProcessContextRequirements : FUnknown {
    virtual uint32 getProcessContextRequirements() = 0;
};

struct ParameterInfo {
    ParamID id;
    String128 title;
    String128 short_title;
    String128 units;
    int32 step_count;
    ParamValue default_normalized_value;
    UnitID unit_id;
    int32 flags;
};

struct IHostApplication : FUnknown {
    virtual tresult getName(String128 name) = 0;
    virtual tresult createInstance(TUID class_id, TUID iid, void** object) = 0;
};

struct IComponentHandler : FUnknown {
    virtual tresult beginEdit(ParamID id) = 0;
    virtual tresult performEdit(ParamID id, ParamValue value_normalized) = 0;
    virtual tresult endEdit(ParamID id) = 0;
    virtual tresult restartComponent(int32 flags) = 0;
};

struct IPlugView;  // no editor

struct IEditController : IPluginBase {
    virtual tresult setComponentState(IBStream* state) = 0;
    virtual tresult setState(IBStream* state) = 0;
    virtual tresult getState(IBStream* state) = 0;
    virtual int32 getParameterCount() = 0;
    virtual tresult getParameterInfo(int32 index, ParameterInfo& info) = 0;
    virtual tresult getParamStringByValue(ParamID id, ParamValue value_normalized, String128 string) = 0;
    virtual tresult getParamValueByString(ParamID id, TChar* string, ParamValue& value_normalized) = 0;
    virtual ParamValue normalizedParamToPlain(ParamID id, ParamValue value_normalized) = 0;
    virtual ParamValue plainParamToNormalized(ParamID id, ParamValue plain_value) = 0;
    virtual ParamValue getParamNormalized(ParamID id) = 0;
    virtual tresult setParamNormalized(ParamID id, ParamValue value) = 0;
    virtual tresult setComponentHandler(IComponentHandler* handler) = 0;
    virtual IPlugView* createView(FIDString name) = 0;
};

// A unit groups parameters in hosts (one per module here); a unit may own a program list.
struct UnitInfo {
    UnitID id;
    UnitID parent_unit_id;
    String128 name;
    ProgramListID program_list_id;
};

struct ProgramListInfo {
    ProgramListID id;
    String128 name;
    int32 program_count;
};

struct IUnitInfo : FUnknown {
    virtual int32 getUnitCount() = 0;
    virtual tresult getUnitInfo(int32 unit_index, UnitInfo& info) = 0;
    virtual int32 getProgramListCount() = 0;
    virtual tresult getProgramListInfo(int32 list_index, ProgramListInfo& info) = 0;
    virtual tresult getProgramName(ProgramListID list_id, int32 program_index, String128 name) = 0;
    virtual tresult getProgramInfo(ProgramListID list_id, int32 program_index, CString attribute_id,
                                   String128 attribute_value) = 0;
    virtual tresult hasProgramPitchNames(ProgramListID list_id, int32 program_index) = 0;
    virtual tresult getProgramPitchName(ProgramListID list_id, int32 program_index, int16 midi_pitch, String128 name) = 0;
    virtual UnitID getSelectedUnit() = 0;
    virtual tresult selectUnit(UnitID unit_id) = 0;
    virtual tresult getUnitByBus(MediaType type, BusDirection direction, int32 bus_index, int32 channel, UnitID& unit_id) = 0;
    virtual tresult setUnitProgramData(int32 list_or_unit_id, int32 program_index, IBStream* data) = 0;
};

// --- constants ----------------------------------------------------------------------------------

inline constexpr MediaType kAudio = 0;
inline constexpr MediaType kEvent = 1;
inline constexpr BusDirection kInput = 0;
inline constexpr BusDirection kOutput = 1;
inline constexpr BusType kMain = 0;
inline constexpr BusType kAux = 1;
inline constexpr uint32 kDefaultActive = 1;
inline constexpr int32 kSample32 = 0;
inline constexpr int32 kSample64 = 1;
inline constexpr int32 kCanAutomate = 1 << 0;
inline constexpr int32 kIsList = 1 << 3;
inline constexpr int32 kIsProgramChange = 1 << 15;
inline constexpr int32 kIsBypass = 1 << 16;
inline constexpr UnitID kRootUnitId = 0;
inline constexpr UnitID kNoParentUnitId = -1;
inline constexpr ProgramListID kNoProgramListId = -1;
inline constexpr int32 kParamValuesChanged = 1 << 2;
inline constexpr int32 kLatencyChanged = 1 << 3;
inline constexpr uint32 kInfiniteTail = 0xFFFFFFFFu;
inline constexpr int32 kSeekSet = 0;
inline constexpr int32 kFactoryUnicode = 0x10;
inline constexpr int32 kManyInstances = 0x7FFFFFFF;
inline constexpr SpeakerArrangement kSpeakerMono = 1ull << 19;
inline constexpr SpeakerArrangement kSpeakerStereo = 0x3;

// ProcessContext::state bits and IProcessContextRequirements flags.
inline constexpr uint32 kPlaying = 1u << 1;
inline constexpr uint32 kProjectTimeMusicValid = 1u << 9;
inline constexpr uint32 kTempoValid = 1u << 10;
inline constexpr uint32 kNeedProjectTimeMusic = 1u << 2;
inline constexpr uint32 kNeedBarPositionMusic = 1u << 3;
inline constexpr uint32 kNeedTempo = 1u << 6;
inline constexpr uint32 kNeedTimeSignature = 1u << 7;
inline constexpr uint32 kNeedTransportState = 1u << 10;

// --- layout checks (x86_64 Linux, natural alignment) ---------------------------------------------

static_assert(sizeof(ProcessSetup) == 24);
static_assert(sizeof(AudioBusBuffers) == 24 && offsetof(AudioBusBuffers, silence_flags) == 8);
static_assert(sizeof(ProcessData) == 80 && offsetof(ProcessData, inputs) == 24 && offsetof(ProcessData, process_context) == 72);
static_assert(sizeof(ProcessContext) == 112 && offsetof(ProcessContext, tempo) == 72 &&
              offsetof(ProcessContext, samples_to_next_clock) == 104);
static_assert(sizeof(BusInfo) == 276 && offsetof(BusInfo, bus_type) == 268);
static_assert(sizeof(RoutingInfo) == 12);
static_assert(sizeof(ParameterInfo) == 792 && offsetof(ParameterInfo, step_count) == 772 &&
              offsetof(ParameterInfo, default_normalized_value) == 776 && offsetof(ParameterInfo, flags) == 788);
static_assert(sizeof(UnitInfo) == 268 && offsetof(UnitInfo, program_list_id) == 264);
static_assert(sizeof(ProgramListInfo) == 264 && offsetof(ProgramListInfo, program_count) == 260);
static_assert(sizeof(PFactoryInfo) == 452 && offsetof(PFactoryInfo, flags) == 448);
static_assert(sizeof(PClassInfo) == 116 && offsetof(PClassInfo, name) == 52);
static_assert(sizeof(PClassInfo2) == 440 && offsetof(PClassInfo2, sdk_version) == 376);
static_assert(sizeof(PClassInfoW) == 696 && offsetof(PClassInfoW, class_flags) == 180 &&
              offsetof(PClassInfoW, sdk_version) == 568);

}  // namespace stemglue::vst3
