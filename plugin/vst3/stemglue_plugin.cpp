#include "stemglue_plugin.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace stemglue::vst3 {
namespace {

constexpr int kBypassIndex = param("bypass");
constexpr int kMaxEngineBlock = 2048;  // the engine cuts longer host blocks; output is identical

int index_for_id(ParamID id) noexcept
{
    for (int i = 0; i < kNumParameters; ++i)
        if (parameter_hash(kParameters[static_cast<size_t>(i)].id) == id) return i;
    return -1;
}

const ParameterSpec& spec_at(int index) noexcept { return kParameters[static_cast<size_t>(index)]; }

void copy_to_string128(const char* text, String128 out) noexcept
{
    int i = 0;
    for (; text[i] != '\0' && i < 127; ++i) out[i] = static_cast<char16>(static_cast<unsigned char>(text[i]));
    out[i] = 0;
}

void copy_to_string128(std::string_view text, String128 out) noexcept
{
    size_t i = 0;
    for (; i < text.size() && i < 127; ++i) out[i] = static_cast<char16>(static_cast<unsigned char>(text[i]));
    out[i] = 0;
}

// "12.00 dB", "30.0 %", "4x", "On": plain values with units and enough decimals for the range,
// parseable back by getParamValueByString.
void format_plain(const ParameterSpec& spec, double plain, char* out, size_t size) noexcept
{
    switch (spec.kind) {
        case ParameterKind::toggle: std::snprintf(out, size, "%s", plain >= 0.5 ? "On" : "Off"); return;
        case ParameterKind::choice: std::snprintf(out, size, "%g%s", plain, std::string(spec.unit).c_str()); return;
        case ParameterKind::integer: std::snprintf(out, size, "%.0f", plain); return;
        case ParameterKind::continuous: break;
    }
    const int decimals = std::clamp(3 - static_cast<int>(std::floor(std::log10(spec.max_value - spec.min_value))), 0, 4);
    const std::string unit(spec.unit);
    std::snprintf(out, size, unit.empty() ? "%.*f" : "%.*f %s", decimals, plain, unit.c_str());
}

}  // namespace

StemGluePlugin::StemGluePlugin()
{
    for (int i = 0; i < kNumParameters; ++i)
        normalized_values_[static_cast<size_t>(i)].store(to_normalized(spec_at(i), spec_at(i).default_value));
}

StemGluePlugin::~StemGluePlugin()
{
    if (handler_) handler_->release();
}

// --- FUnknown --------------------------------------------------------------------------------

tresult StemGluePlugin::queryInterface(const TUID iid, void** object)
{
    if (!object) return kInvalidArgument;
    void* found = nullptr;
    if (same_uid(iid, kFUnknownIid) || same_uid(iid, kPluginBaseIid) || same_uid(iid, kComponentIid))
        found = static_cast<IComponent*>(this);
    else if (same_uid(iid, kAudioProcessorIid))
        found = static_cast<IAudioProcessor*>(this);
    else if (same_uid(iid, kEditControllerIid))
        found = static_cast<IEditController*>(this);
    else if (same_uid(iid, kProcessContextRequirementsIid))
        found = static_cast<IProcessContextRequirements*>(this);
    *object = found;
    if (!found) return kNoInterface;
    addRef();
    return kResultOk;
}

uint32 StemGluePlugin::addRef() { return ++reference_count_; }

uint32 StemGluePlugin::release()
{
    const uint32 remaining = --reference_count_;
    if (remaining == 0) delete this;
    return remaining;
}

tresult StemGluePlugin::initialize(FUnknown*) { return kResultOk; }

tresult StemGluePlugin::terminate()
{
    if (handler_) {
        handler_->release();
        handler_ = nullptr;
    }
    return kResultOk;
}

// --- IComponent ------------------------------------------------------------------------------

tresult StemGluePlugin::getControllerClassId(TUID) { return kNotImplemented; }  // single component

tresult StemGluePlugin::setIoMode(IoMode) { return kResultOk; }

int32 StemGluePlugin::getBusCount(MediaType type, BusDirection direction)
{
    if (type != kAudio) return 0;
    return direction == kInput ? 2 : 1;  // main + sidechain in, main out
}

tresult StemGluePlugin::getBusInfo(MediaType type, BusDirection direction, int32 index, BusInfo& bus)
{
    if (type != kAudio || index < 0 || index >= getBusCount(type, direction)) return kInvalidArgument;
    std::memset(&bus, 0, sizeof(bus));
    bus.media_type = kAudio;
    bus.direction = direction;
    const bool sidechain = direction == kInput && index == 1;
    const SpeakerArrangement arrangement = sidechain ? sidechain_arrangement_ : main_arrangement_;
    bus.channel_count = __builtin_popcountll(arrangement);
    copy_to_string128(sidechain ? "Sidechain" : direction == kInput ? "Input" : "Output", bus.name);
    bus.bus_type = sidechain ? kAux : kMain;
    // The sidechain is default-active so DawDreamer exposes it; deactivation is always accepted.
    bus.flags = kDefaultActive;
    return kResultOk;
}

tresult StemGluePlugin::getRoutingInfo(RoutingInfo&, RoutingInfo&) { return kNotImplemented; }

tresult StemGluePlugin::activateBus(MediaType type, BusDirection direction, int32 index, TBool state)
{
    if (type != kAudio || index < 0 || index >= getBusCount(type, direction)) return kInvalidArgument;
    bus_active_[direction == kOutput ? 2 : index] = state != 0;
    return kResultTrue;
}

tresult StemGluePlugin::setActive(TBool state)
{
    active_ = state != 0;
    if (active_) {
        prepare_engine();
        apply_all_parameters();
        engine_.reset();
    }
    return kResultTrue;
}

tresult StemGluePlugin::setState(IBStream* state)
{
    if (!values_from_state(state)) return kResultFalse;
    state_changed_.store(true);
    return kResultOk;
}

tresult StemGluePlugin::getState(IBStream* state)
{
    PlainValues values;
    for (int i = 0; i < kNumParameters; ++i)
        values[static_cast<size_t>(i)] = from_normalized(spec_at(i), normalized_values_[static_cast<size_t>(i)].load());
    return write_state(state, values) ? kResultOk : kResultFalse;
}

bool StemGluePlugin::values_from_state(IBStream* state)
{
    PlainValues values;
    if (!read_state(state, values)) return false;
    for (int i = 0; i < kNumParameters; ++i)
        normalized_values_[static_cast<size_t>(i)].store(to_normalized(spec_at(i), values[static_cast<size_t>(i)]));
    return true;
}

// --- IAudioProcessor -------------------------------------------------------------------------

tresult StemGluePlugin::setBusArrangements(SpeakerArrangement* inputs, int32 num_inputs, SpeakerArrangement* outputs,
                                           int32 num_outputs)
{
    auto mono_or_stereo = [](SpeakerArrangement a) { return a == kSpeakerMono || a == kSpeakerStereo; };
    if (!outputs || num_outputs != 1 || num_inputs < 1 || num_inputs > 2 || !inputs) return kResultFalse;
    if (!mono_or_stereo(outputs[0]) || inputs[0] != outputs[0]) return kResultFalse;
    if (num_inputs == 2 && !mono_or_stereo(inputs[1])) return kResultFalse;
    main_arrangement_ = outputs[0];
    if (num_inputs == 2) sidechain_arrangement_ = inputs[1];
    return kResultTrue;
}

tresult StemGluePlugin::getBusArrangement(BusDirection direction, int32 index, SpeakerArrangement& arrangement)
{
    if (index < 0 || index >= getBusCount(kAudio, direction)) return kInvalidArgument;
    arrangement = (direction == kInput && index == 1) ? sidechain_arrangement_ : main_arrangement_;
    return kResultOk;
}

tresult StemGluePlugin::canProcessSampleSize(int32 symbolic_sample_size)
{
    return symbolic_sample_size == kSample32 ? kResultTrue : kResultFalse;
}

uint32 StemGluePlugin::getLatencySamples()
{
    if (!prepared_) {
        prepare_engine();
        apply_all_parameters();
        engine_.reset();
    }
    return static_cast<uint32>(engine_.latency_samples());
}

tresult StemGluePlugin::setupProcessing(ProcessSetup& setup)
{
    if (active_) return kResultFalse;  // the spec allows setup only while inactive
    if (!(setup.sample_rate > 0.0) || setup.max_samples_per_block < 0 || setup.symbolic_sample_size != kSample32)
        return kResultFalse;
    setup_ = setup;
    prepare_engine();
    apply_all_parameters();
    engine_.reset();  // the latency is known from here on
    return kResultOk;
}

tresult StemGluePlugin::setProcessing(TBool state)
{
    // Hosts expect a fresh start here; reset() is cheap and never allocates.
    if (state && prepared_) {
        apply_all_parameters();
        engine_.reset();
    }
    return kResultOk;
}

uint32 StemGluePlugin::getTailSamples() { return 0; }

uint32 StemGluePlugin::getProcessContextRequirements()
{
    // Tempo and position for the humanizer's groove; tube, drift and noise ignore them.
    return kNeedTempo | kNeedTransportState | kNeedProjectTimeMusic | kNeedBarPositionMusic | kNeedTimeSignature;
}

void StemGluePlugin::prepare_engine()
{
    const int block = std::clamp(setup_.max_samples_per_block, 1, kMaxEngineBlock);
    if (prepared_ && prepared_sample_rate_ == setup_.sample_rate && prepared_block_ == block)
        return;
    engine_.prepare(setup_.sample_rate, block, 2);  // mono runs on the first channel
    prepared_ = true;
    prepared_sample_rate_ = setup_.sample_rate;
    prepared_block_ = block;
}

void StemGluePlugin::apply_all_parameters() noexcept
{
    for (int i = 0; i < kNumParameters; ++i)
        engine_.set_parameter(i, from_normalized(spec_at(i), normalized_values_[static_cast<size_t>(i)].load()));
}

void StemGluePlugin::apply_event(const ParameterEvent& event) noexcept
{
    normalized_values_[static_cast<size_t>(event.index)].store(event.normalized);
    engine_.set_parameter(event.index, from_normalized(spec_at(event.index), event.normalized));
}

int StemGluePlugin::collect_parameter_events(IParameterChanges* changes, int32 num_samples) noexcept
{
    if (!changes) return 0;
    int count = 0;
    const int32 num_queues = changes->getParameterCount();
    for (int32 q = 0; q < num_queues; ++q) {
        IParamValueQueue* queue = changes->getParameterData(q);
        if (!queue) continue;
        const int index = index_for_id(queue->getParameterId());
        if (index < 0) continue;
        const int32 num_points = queue->getPointCount();
        for (int32 p = 0; p < num_points && count < kMaxParameterEvents; ++p) {
            int32 offset = 0;
            ParamValue value = 0.0;
            if (queue->getPoint(p, offset, value) != kResultOk || !std::isfinite(value)) continue;
            events_[static_cast<size_t>(count++)] = {std::clamp(offset, 0, std::max(0, num_samples)), index,
                                                     std::clamp(value, 0.0, 1.0)};
        }
    }
    // Each queue is sorted; merging queues needs a stable sort by offset.
    std::stable_sort(events_.begin(), events_.begin() + count,
                     [](const ParameterEvent& a, const ParameterEvent& b) { return a.offset < b.offset; });
    return count;
}

int StemGluePlugin::main_channels() const noexcept { return __builtin_popcountll(main_arrangement_); }

tresult StemGluePlugin::process(ProcessData& data)
{
    if (state_changed_.exchange(false) && prepared_) apply_all_parameters();
    const int num_events = collect_parameter_events(data.input_parameter_changes, data.num_samples);

    // Flush calls (no samples or no buffers) carry parameter changes only.
    const bool has_output = data.num_outputs > 0 && data.outputs && data.outputs[0].num_channels > 0
                            && data.outputs[0].channel_buffers_32 && data.num_samples > 0;
    if (!has_output || data.symbolic_sample_size != kSample32 || !prepared_) {
        for (int e = 0; e < num_events; ++e) apply_event(events_[static_cast<size_t>(e)]);
        if (has_output && data.symbolic_sample_size == kSample32) {  // process before setup: silence
            for (int32 c = 0; c < data.outputs[0].num_channels; ++c)
                if (float* out = data.outputs[0].channel_buffers_32[c]) std::fill(out, out + data.num_samples, 0.0f);
        }
        return kResultOk;
    }

    AudioBusBuffers& output = data.outputs[0];
    const int num_channels = std::min({output.num_channels, 2, main_channels()});
    float* channels[2] = {nullptr, nullptr};
    for (int c = 0; c < num_channels; ++c) {
        channels[c] = output.channel_buffers_32[c];
        if (!channels[c]) return kResultOk;
    }
    const AudioBusBuffers* input =
        (data.num_inputs > 0 && data.inputs && data.inputs[0].channel_buffers_32 && data.inputs[0].num_channels > 0)
            ? &data.inputs[0]
            : nullptr;
    for (int c = 0; c < num_channels; ++c) {
        const float* in = input ? input->channel_buffers_32[std::min(c, input->num_channels - 1)] : nullptr;
        if (!in)
            std::fill(channels[c], channels[c] + data.num_samples, 0.0f);
        else if (in != channels[c])
            std::memcpy(channels[c], in, sizeof(float) * static_cast<size_t>(data.num_samples));
    }

    // Sample-accurate automation: split the block at every parameter point.
    int position = 0, next_event = 0;
    while (position < data.num_samples) {
        while (next_event < num_events && events_[static_cast<size_t>(next_event)].offset <= position)
            apply_event(events_[static_cast<size_t>(next_event++)]);
        const int end = next_event < num_events ? events_[static_cast<size_t>(next_event)].offset : data.num_samples;
        float* segment[2] = {channels[0] ? channels[0] + position : nullptr, channels[1] ? channels[1] + position : nullptr};
        engine_.process({segment, num_channels, end - position});
        position = end;
    }
    while (next_event < num_events) apply_event(events_[static_cast<size_t>(next_event++)]);
    output.silence_flags = 0;
    return kResultOk;
}

// --- IEditController -------------------------------------------------------------------------

tresult StemGluePlugin::setComponentState(IBStream* state) { return values_from_state(state) ? kResultOk : kResultFalse; }

int32 StemGluePlugin::getParameterCount() { return kNumParameters; }

tresult StemGluePlugin::getParameterInfo(int32 index, ParameterInfo& info)
{
    if (index < 0 || index >= kNumParameters) return kInvalidArgument;
    const ParameterSpec& spec = spec_at(index);
    std::memset(&info, 0, sizeof(info));
    info.id = parameter_hash(spec.id);
    copy_to_string128(spec.name, info.title);
    copy_to_string128(spec.name.substr(0, 24), info.short_title);
    copy_to_string128(spec.unit, info.units);
    switch (spec.kind) {
        case ParameterKind::toggle: info.step_count = 1; break;
        case ParameterKind::choice: info.step_count = spec.num_choices - 1; break;
        case ParameterKind::integer: info.step_count = static_cast<int32>(spec.max_value - spec.min_value); break;
        case ParameterKind::continuous: info.step_count = 0; break;
    }
    info.default_normalized_value = to_normalized(spec, spec.default_value);
    info.unit_id = 0;
    // Structural parameters change the latency, so they are not automatable.
    info.flags = spec.timing == ParameterTiming::on_reset ? 0 : kCanAutomate;
    if (spec.kind == ParameterKind::choice) info.flags |= kIsList;
    if (index == kBypassIndex) info.flags |= kIsBypass;
    return kResultOk;
}

tresult StemGluePlugin::getParamStringByValue(ParamID id, ParamValue value_normalized, String128 string)
{
    const int index = index_for_id(id);
    if (index < 0 || !string) return kInvalidArgument;
    char text[64];
    format_plain(spec_at(index), from_normalized(spec_at(index), value_normalized), text, sizeof(text));
    copy_to_string128(text, string);
    return kResultOk;
}

tresult StemGluePlugin::getParamValueByString(ParamID id, TChar* string, ParamValue& value_normalized)
{
    const int index = index_for_id(id);
    if (index < 0 || !string) return kInvalidArgument;
    char text[128];
    int length = 0;
    for (; string[length] != 0 && length < 127; ++length) text[length] = static_cast<char>(string[length] & 0x7F);
    text[length] = '\0';
    double plain;
    if (std::strncmp(text, "On", 2) == 0) {
        plain = 1.0;
    } else if (std::strncmp(text, "Off", 3) == 0) {
        plain = 0.0;
    } else {
        char* end = nullptr;
        plain = std::strtod(text, &end);
        if (end == text || !std::isfinite(plain)) return kResultFalse;
    }
    value_normalized = to_normalized(spec_at(index), plain);
    return kResultOk;
}

ParamValue StemGluePlugin::normalizedParamToPlain(ParamID id, ParamValue value_normalized)
{
    const int index = index_for_id(id);
    return index < 0 ? value_normalized : from_normalized(spec_at(index), value_normalized);
}

ParamValue StemGluePlugin::plainParamToNormalized(ParamID id, ParamValue plain_value)
{
    const int index = index_for_id(id);
    return index < 0 ? plain_value : to_normalized(spec_at(index), plain_value);
}

ParamValue StemGluePlugin::getParamNormalized(ParamID id)
{
    const int index = index_for_id(id);
    return index < 0 ? 0.0 : normalized_values_[static_cast<size_t>(index)].load();
}

tresult StemGluePlugin::setParamNormalized(ParamID id, ParamValue value)
{
    const int index = index_for_id(id);
    if (index < 0 || !std::isfinite(value)) return kInvalidArgument;
    value = std::clamp(value, 0.0, 1.0);
    const double previous = normalized_values_[static_cast<size_t>(index)].exchange(value);
    // A structural change (e.g. oversampling) changes the latency: ask the host to restart us.
    if (spec_at(index).timing == ParameterTiming::on_reset && previous != value && handler_)
        handler_->restartComponent(kLatencyChanged);
    return kResultOk;
}

tresult StemGluePlugin::setComponentHandler(IComponentHandler* handler)
{
    if (handler == handler_) return kResultOk;
    if (handler) handler->addRef();
    if (handler_) handler_->release();
    handler_ = handler;
    return kResultOk;
}

IPlugView* StemGluePlugin::createView(FIDString) { return nullptr; }

}  // namespace stemglue::vst3
