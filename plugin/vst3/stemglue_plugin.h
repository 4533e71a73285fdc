// The StemGlue VST3 effect: one object that is component, audio processor and edit controller
// (single-component design: no IConnectionPoint, no kDistributable). It adapts the VST3 calls to
// stemglue::Engine and holds no DSP of its own.
//
// Parameter values live in one array of atomics (normalized) written by the controller
// (setParamNormalized), the processor (queue points) and setState, and read by getState, so
// saved state always reflects what the processor applied.
//
// Structural parameters (oversampling, seed, track id, room size, predelay) take effect at a reset
// (setupProcessing / setActive / setProcessing) or, changed while running (setState,
// setParamNormalized or a queue point), at the engine's own silent point: a 10 ms fade out, the
// change, a 10 ms fade in. The latency the new values give is announced at once
// (restartComponent(kLatencyChanged), from setState / setParamNormalized, never the audio thread;
// a change that only came through a queue is not announced) and reported by getLatencySamples
// from then on.
//
// While the host plays, its ProcessContext position keys every random stream (Engine::set_transport).
//
// Presets (cpp/include/stemglue/presets.h) are the root unit's program list (IUnitInfo) and a
// program-change parameter after the table's parameters. Selecting another program sets every
// parameter to the preset's values (bypass, seed and track id stay), from setParamNormalized or a
// queue point alike; the next process() reports every value through outputParameterChanges, and
// setParamNormalized / setState also call restartComponent(kParamValuesChanged) at once, except in
// Ardour (see host_is_ardour_). Choosing the selected program again restores its values
// after an edit; a value that changes nothing (a host's echo) is no change and is not announced.
//
// 64-bit hosts: process() converts double buffers to float at the edges, in chunks through
// preallocated buffers; the DSP is the same float engine.
//
// Every entry point that can allocate catches exceptions and answers kOutOfMemory /
// kInternalError: no C++ exception crosses the plugin ABI. process() never allocates or locks.
//
// track_id: each instance draws its own at creation and saves it; a process-wide registry of live
// instances (locked only in the constructor, destructor and setState) makes a copied state (a
// duplicated track) draw a fresh id instead of sharing one with the live original.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "plugin_state.h"
#include "stemglue/engine.h"
#include "stemglue/presets.h"
#include "vst3_abi.h"

namespace stemglue::vst3 {

inline constexpr Uid kStemGlueClassId = make_uid(0x5374656D, 0x476C7565, 0x56535433, 0x00000001);

class StemGluePlugin final : public IComponent,
                             public IAudioProcessor,
                             public IEditController,
                             public IUnitInfo,
                             public IProcessContextRequirements {
public:
    StemGluePlugin();

    // FUnknown (one implementation serves every base)
    tresult queryInterface(const TUID iid, void** object) override;
    uint32 addRef() override;
    uint32 release() override;

    // IPluginBase, shared by IComponent and IEditController; safe to call twice (pedalboard does).
    tresult initialize(FUnknown* context) override;
    tresult terminate() override;

    // IComponent
    tresult getControllerClassId(TUID class_id) override;
    tresult setIoMode(IoMode mode) override;
    int32 getBusCount(MediaType type, BusDirection direction) override;
    tresult getBusInfo(MediaType type, BusDirection direction, int32 index, BusInfo& bus) override;
    tresult getRoutingInfo(RoutingInfo& in_info, RoutingInfo& out_info) override;
    tresult activateBus(MediaType type, BusDirection direction, int32 index, TBool state) override;
    tresult setActive(TBool state) override;
    // setState/getState serve IComponent and IEditController alike: one full state, read twice is harmless.
    tresult setState(IBStream* state) override;
    tresult getState(IBStream* state) override;

    // IAudioProcessor
    tresult setBusArrangements(SpeakerArrangement* inputs, int32 num_inputs, SpeakerArrangement* outputs,
                               int32 num_outputs) override;
    tresult getBusArrangement(BusDirection direction, int32 index, SpeakerArrangement& arrangement) override;
    tresult canProcessSampleSize(int32 symbolic_sample_size) override;
    uint32 getLatencySamples() override;
    tresult setupProcessing(ProcessSetup& setup) override;
    tresult setProcessing(TBool state) override;
    tresult process(ProcessData& data) override;
    uint32 getTailSamples() override;

    // IProcessContextRequirements
    uint32 getProcessContextRequirements() override;

    // IEditController
    tresult setComponentState(IBStream* state) override;
    int32 getParameterCount() override;
    tresult getParameterInfo(int32 index, ParameterInfo& info) override;
    tresult getParamStringByValue(ParamID id, ParamValue value_normalized, String128 string) override;
    tresult getParamValueByString(ParamID id, TChar* string, ParamValue& value_normalized) override;
    ParamValue normalizedParamToPlain(ParamID id, ParamValue value_normalized) override;
    ParamValue plainParamToNormalized(ParamID id, ParamValue plain_value) override;
    ParamValue getParamNormalized(ParamID id) override;
    tresult setParamNormalized(ParamID id, ParamValue value) override;
    tresult setComponentHandler(IComponentHandler* handler) override;
    IPlugView* createView(FIDString name) override;

    // IUnitInfo: one unit per module; the root unit holds the factory presets' program list.
    int32 getUnitCount() override;
    tresult getUnitInfo(int32 unit_index, UnitInfo& info) override;
    int32 getProgramListCount() override;
    tresult getProgramListInfo(int32 list_index, ProgramListInfo& info) override;
    tresult getProgramName(ProgramListID list_id, int32 program_index, String128 name) override;
    tresult getProgramInfo(ProgramListID list_id, int32 program_index, CString attribute_id, String128 attribute_value) override;
    tresult hasProgramPitchNames(ProgramListID list_id, int32 program_index) override;
    tresult getProgramPitchName(ProgramListID list_id, int32 program_index, int16 midi_pitch, String128 name) override;
    UnitID getSelectedUnit() override;
    tresult selectUnit(UnitID unit_id) override;
    tresult getUnitByBus(MediaType type, BusDirection direction, int32 bus_index, int32 channel, UnitID& unit_id) override;
    tresult setUnitProgramData(int32 list_or_unit_id, int32 program_index, IBStream* data) override;

    /** This instance's track id (plain value); read by the instance registry. */
    double track_id() const noexcept;

private:
    ~StemGluePlugin();

    struct ParameterEvent {
        int32 offset;
        int index;
        double normalized;
    };
    static constexpr int kMaxParameterEvents = 4096;
    static constexpr int kMaxEngineBlock = 2048;          // the engine cuts longer host blocks; output is identical
    static constexpr int kProgramIndex = kNumParameters;  // the program-change parameter's index in events

    void prepare_engine();
    bool ensure_prepared() noexcept;
    void apply_all_parameters() noexcept;
    void set_engine_parameter(int index, double normalized) noexcept;
    void reset_engine() noexcept;
    void update_tail() noexcept;
    int expected_latency() const noexcept;
    void apply_event(const ParameterEvent& event) noexcept;
    int collect_parameter_events(IParameterChanges* changes, int32 num_samples) noexcept;
    bool select_program(int program) noexcept;
    // The sidechain bus's buffers when the host gives them (another stem, for Bleed): up to two channels.
    struct Sidechain {
        float* channels[2] = {nullptr, nullptr};
        int num_channels = 0;
    };
    Sidechain sidechain_32(const ProcessData& data) const noexcept;
    void render(float* const* channels, int num_channels, const Sidechain& sidechain, int start, int length, int num_events,
                int& next_event) noexcept;
    void process_64(ProcessData& data, int num_channels, int num_events) noexcept;
    void announce_values(IParameterChanges* changes) noexcept;
    void values_changed_at_once() noexcept;
    tresult values_from_state(IBStream* state);
    double plain_value(int index) const noexcept;
    int main_channels() const noexcept;

    std::atomic<uint32> reference_count_{1};
    std::array<std::atomic<double>, kNumParameters> normalized_values_;
    IComponentHandler* handler_ = nullptr;

    Engine engine_;
    ProcessSetup setup_{0, kSample32, 1024, 44100.0};
    bool prepared_ = false;
    double prepared_sample_rate_ = 0.0;
    int prepared_block_ = 0;
    bool active_ = false;
    std::atomic<bool> state_changed_{false};  // setState / the controller stored new values: apply them in process()
    bool host_was_playing_ = false;           // audio thread: the transport state of the last block
    int transport_latency_ = 0;               // audio thread: our latency when this playback started
    std::atomic<int64_t> tail_samples_{0};    // the engine's tail for the values it has (-1: endless)
    // The chain's latency without Humanize by Bleed's switch and tube oversampling choice (the
    // structural settings that set it, with Humanize's, which expected_latency adds), measured at
    // prepare so a loaded state's latency is known before the engine applies it.
    std::array<std::array<int, 4>, 2> latency_by_setting_{};  // [bleed_enabled][oversampling choice]
    double redrawn_from_track_id_ = -1.0;                     // the loaded track id this instance last replaced (setState)

    SpeakerArrangement main_arrangement_ = kSpeakerStereo;
    SpeakerArrangement sidechain_arrangement_ = kSpeakerStereo;
    bool bus_active_[3] = {true, true, true};  // main in, sidechain in, main out

    std::array<ParameterEvent, kMaxParameterEvents> events_{};
    std::atomic<int> program_{0};               // the selected factory preset (0 is the defaults)
    std::atomic<bool> announce_values_{false};  // a program changed: report every value from process()
    // Ardour 7 holds its process lock while loading a preset (VST3Plugin::load_preset) and takes
    // it again in restartComponent(kParamValuesChanged) (VST3PI::restartComponent): a restart from
    // inside setParamNormalized / setState deadlocks it. It reads outputParameterChanges
    // (VST3PI::process) and re-reads values after a state load by itself, so it is not asked.
    bool host_is_ardour_ = false;
    UnitID selected_unit_ = kRootUnitId;
    std::array<std::array<float, kMaxEngineBlock>, 2> scratch_{};  // 64-bit processing runs through these
    std::array<std::array<float, kMaxEngineBlock>, 2> sidechain_scratch_{};
};

}  // namespace stemglue::vst3
