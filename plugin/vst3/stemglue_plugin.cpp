#include "stemglue_plugin.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <new>
#include <vector>

#include "plugin_units.h"
#include "stemglue/humanize.h"

namespace stemglue::vst3 {
namespace {

constexpr int kBypassIndex = param("bypass");
constexpr int kTrackIdIndex = param("track_id");
constexpr int kOversamplingIndex = param("tube_oversampling");
constexpr int kHumanizeIndex = param("humanize_enabled");
constexpr int kMaxShiftIndex = param("humanize_max_shift_ms");
constexpr int kBleedIndex = param("bleed_enabled");
constexpr int kCrossfadeIndex = param("humanize_crossfade_ms");
// The program-change parameter's id: after the table's, and like theirs a hash of a name.
constexpr ParamID kProgramId = parameter_hash("program");

constexpr bool program_id_is_free()
{
    for (const ParameterSpec& spec : kParameters)
        if (parameter_hash(spec.id) == kProgramId) return false;
    return true;
}
static_assert(program_id_is_free(), "the program parameter's id collides with a table parameter's");

static_assert(kParameters[kOversamplingIndex].num_choices == 4, "latency_by_setting_ has one entry per choice");

// Runs an entry point's body; an exception becomes a result code instead of crossing the ABI.
template <typename Body>
tresult guarded(Body body) noexcept
{
    try {
        return body();
    } catch (const std::bad_alloc&) {
        return kOutOfMemory;
    } catch (...) {
        return kInternalError;
    }
}

// --- live instances and their track ids ------------------------------------------------------
// Touched only from constructors, destructors and setState (UI thread), never from process().

std::mutex registry_mutex;
std::vector<const StemGluePlugin*>& live_instances()
{
    // Never destroyed: a host may release instances after the module's static destructors ran.
    static auto* instances = new std::vector<const StemGluePlugin*>();
    return *instances;
}

uint64_t splitmix64(uint64_t& state) noexcept
{
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// Whether an instance other than `self` holds `id`. Caller holds registry_mutex.
bool track_id_taken(double id, const StemGluePlugin* self) noexcept
{
    for (const StemGluePlugin* other : live_instances())
        if (other != self && other->track_id() == id) return true;
    return false;
}

// A track id (0..999999) no live instance holds, from the clock, the address and a counter.
// Caller holds registry_mutex.
double draw_track_id(const StemGluePlugin* self) noexcept
{
    static uint64_t draws = 0;
    uint64_t state = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
                     reinterpret_cast<uintptr_t>(self) ^ (++draws << 40);
    const double range = kParameters[kTrackIdIndex].max_value + 1.0;
    for (;;) {
        const double id = static_cast<double>(splitmix64(state) % static_cast<uint64_t>(range));
        if (!track_id_taken(id, self)) return id;
    }
}

int index_for_id(ParamID id) noexcept
{
    for (int i = 0; i < kNumParameters; ++i)
        if (parameter_hash(kParameters[static_cast<size_t>(i)].id) == id) return i;
    return -1;
}

const ParameterSpec& spec_at(int index) noexcept
{
    return kParameters[static_cast<size_t>(index)];
}

// Whether a new normalized value changes a structural parameter. JUCE hosts keep parameters as
// float and echo them back through the process queue after a state load: a difference within
// float precision is the same value, and must not cost a reset (pedalboard's render was reset
// mid-way by its echo of the track id).
bool structural_change(int index, double previous, double next) noexcept
{
    const ParameterSpec& spec = spec_at(index);
    if (spec.timing != ParameterTiming::on_reset) return false;
    // Whole numbers and list entries compare as plain values (one track id step is 1e-6
    // normalized), continuous values within float precision.
    if (spec.kind != ParameterKind::continuous) return from_normalized(spec, previous) != from_normalized(spec, next);
    return std::abs(previous - next) > 1e-6;
}

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

// The unit as written after a value. pedalboard infers each parameter's type by parsing the texts
// at 1001 points, and it strips only the suffixes x % * , . Hz ms dB sec dBTP seconds: a text
// ending in "s" or "m" is not a number to it, and the parameter becomes a list of strings that
// cannot be set by number. So seconds read "sec"; metres, degrees and BPM carry no unit in the
// text (the ParameterInfo units still say "m", "deg" and "BPM").
std::string_view text_unit(std::string_view unit) noexcept
{
    if (unit == "s") return "sec";
    if (unit == "m" || unit == "deg" || unit == "BPM") return "";
    return unit;
}

// "12.00 dB", "30.0 %", "8.00 sec", "50 Hz", "4x", "On": plain values with units and enough
// decimals for the range, parseable back by getParamValueByString. No allocation: pedalboard calls
// this a thousand times per parameter.
void format_plain(const ParameterSpec& spec, double plain, char* out, size_t size) noexcept
{
    const std::string_view unit = text_unit(spec.unit);
    const int unit_length = static_cast<int>(unit.size());
    switch (spec.kind) {
        case ParameterKind::toggle: std::snprintf(out, size, "%s", plain >= 0.5 ? "On" : "Off"); return;
        case ParameterKind::choice:
            // A factor reads "4x"; any other unit follows after a space: "50 Hz".
            std::snprintf(out, size, unit == "x" || unit.empty() ? "%g%.*s" : "%g %.*s", plain, unit_length, unit.data());
            return;
        case ParameterKind::integer:
            std::snprintf(out, size, unit.empty() ? "%.0f%.*s" : "%.0f %.*s", plain, unit_length, unit.data());
            return;
        case ParameterKind::continuous: break;
    }
    const int decimals = std::clamp(3 - static_cast<int>(std::floor(std::log10(spec.max_value - spec.min_value))), 0, 4);
    std::snprintf(out, size, unit.empty() ? "%.*f%.*s" : "%.*f %.*s", decimals, plain, unit_length, unit.data());
}

}  // namespace

StemGluePlugin::StemGluePlugin()
{
    for (int i = 0; i < kNumParameters; ++i)
        normalized_values_[static_cast<size_t>(i)].store(to_normalized(spec_at(i), spec_at(i).default_value));
    // A new instance is a new track: its own id, saved with its state so a reloaded project sounds the same.
    std::lock_guard<std::mutex> lock(registry_mutex);
    normalized_values_[kTrackIdIndex].store(to_normalized(spec_at(kTrackIdIndex), draw_track_id(this)));
    live_instances().push_back(this);  // may throw bad_alloc: createInstance catches it
}

StemGluePlugin::~StemGluePlugin()
{
    {
        std::lock_guard<std::mutex> lock(registry_mutex);
        auto& instances = live_instances();
        instances.erase(std::remove(instances.begin(), instances.end(), this), instances.end());
    }
    if (handler_) handler_->release();
}

double StemGluePlugin::track_id() const noexcept
{
    return plain_value(kTrackIdIndex);
}

double StemGluePlugin::plain_value(int index) const noexcept
{
    return from_normalized(spec_at(index), normalized_values_[static_cast<size_t>(index)].load());
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
    else if (same_uid(iid, kUnitInfoIid))
        found = static_cast<IUnitInfo*>(this);
    *object = found;
    if (!found) return kNoInterface;
    addRef();
    return kResultOk;
}

uint32 StemGluePlugin::addRef()
{
    return ++reference_count_;
}

uint32 StemGluePlugin::release()
{
    const uint32 remaining = --reference_count_;
    if (remaining == 0) delete this;
    return remaining;
}

tresult StemGluePlugin::initialize(FUnknown* context)
{
    IHostApplication* host = nullptr;
    if (context && context->queryInterface(kHostApplicationIid.bytes, reinterpret_cast<void**>(&host)) == kResultOk && host) {
        String128 name{};
        if (host->getName(name) == kResultOk) {
            const char16 ardour[] = u"Ardour";
            host_is_ardour_ = std::equal(ardour, ardour + 6, name);
        }
        host->release();
    }
    return kResultOk;
}

tresult StemGluePlugin::terminate()
{
    if (handler_) {
        handler_->release();
        handler_ = nullptr;
    }
    return kResultOk;
}

// --- IComponent ------------------------------------------------------------------------------

tresult StemGluePlugin::getControllerClassId(TUID)
{
    return kNotImplemented;
}  // single component

tresult StemGluePlugin::setIoMode(IoMode)
{
    return kResultOk;
}

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

tresult StemGluePlugin::getRoutingInfo(RoutingInfo&, RoutingInfo&)
{
    return kNotImplemented;
}

tresult StemGluePlugin::activateBus(MediaType type, BusDirection direction, int32 index, TBool state)
{
    if (type != kAudio || index < 0 || index >= getBusCount(type, direction)) return kInvalidArgument;
    bus_active_[direction == kOutput ? 2 : index] = state != 0;
    return kResultTrue;
}

tresult StemGluePlugin::setActive(TBool state)
{
    return guarded([&] {
        active_ = false;
        if (state) {
            prepare_engine();
            apply_all_parameters();
            reset_engine();
        }
        active_ = state != 0;
        return kResultTrue;
    });
}

tresult StemGluePlugin::setState(IBStream* state)
{
    return values_from_state(state);
}

tresult StemGluePlugin::getState(IBStream* state)
{
    return guarded([&] {
        PlainValues values;
        for (int i = 0; i < kNumParameters; ++i) values[static_cast<size_t>(i)] = plain_value(i);
        return write_state(state, values) ? kResultOk : kResultFalse;
    });
}

tresult StemGluePlugin::values_from_state(IBStream* state)
{
    return guarded([&] {
        PlainValues values;  // what the state lacks and presets keep (bypass, seed, track id) stays as it is
        for (int i = 0; i < kNumParameters; ++i) values[static_cast<size_t>(i)] = plain_value(i);
        if (!read_state(state, values)) return kResultFalse;
        const int latency_before = expected_latency();
        bool track_id_redrawn = false, values_changed = false;
        {
            std::lock_guard<std::mutex> lock(registry_mutex);
            // A state copied from a live instance (a duplicated track) must not share its track id.
            // JUCE hosts load the same bytes twice (setState, then setComponentState): the second
            // load keeps the id the first one drew instead of drawing and reporting another. Our own
            // id stays ours: a preset keeps it (another instance may share it by the user's choice).
            const double loaded_id = values[kTrackIdIndex];
            if (loaded_id != track_id() && track_id_taken(loaded_id, this)) {
                if (loaded_id == redrawn_from_track_id_) {
                    values[kTrackIdIndex] = track_id();
                } else {
                    values[kTrackIdIndex] = draw_track_id(this);
                    redrawn_from_track_id_ = loaded_id;
                    track_id_redrawn = true;
                }
            }
            for (int i = 0; i < kNumParameters; ++i) {
                const double normalized = to_normalized(spec_at(i), values[static_cast<size_t>(i)]);
                values_changed |= normalized_values_[static_cast<size_t>(i)].exchange(normalized) != normalized;
            }
        }
        state_changed_.store(true);
        // Host callbacks only after the lock is released (a host may call back into us).
        if (handler_ && track_id_redrawn) {
            const ParamID id = parameter_hash(spec_at(kTrackIdIndex).id);
            handler_->beginEdit(id);
            handler_->performEdit(id, normalized_values_[kTrackIdIndex].load());
            handler_->endEdit(id);
        }
        if (handler_ && track_id_redrawn) handler_->restartComponent(kParamValuesChanged);
        // A host loading a preset file (JUCE's setStateFromVSTPresetFile) does not read the values
        // back by itself: without this it kept showing, and later sent, the values from before.
        else if (values_changed)
            values_changed_at_once();
        if (handler_ && prepared_ && expected_latency() != latency_before) handler_->restartComponent(kLatencyChanged);
        return kResultOk;
    });
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
    return symbolic_sample_size == kSample32 || symbolic_sample_size == kSample64 ? kResultTrue : kResultFalse;
}

uint32 StemGluePlugin::getLatencySamples()
{
    // The latency of the current values, even if the engine applies them at its next reset.
    return ensure_prepared() ? static_cast<uint32>(expected_latency()) : 0;
}

tresult StemGluePlugin::setupProcessing(ProcessSetup& setup)
{
    if (active_) return kResultFalse;  // the spec allows setup only while inactive
    if (!(setup.sample_rate > 0.0) || setup.max_samples_per_block < 0 ||
        canProcessSampleSize(setup.symbolic_sample_size) != kResultTrue)
        return kResultFalse;
    setup_ = setup;
    return guarded([&] {
        prepare_engine();
        apply_all_parameters();
        reset_engine();  // the latency is known from here on
        return kResultOk;
    });
}

tresult StemGluePlugin::setProcessing(TBool state)
{
    // Hosts expect a fresh start here; reset() is cheap and never allocates.
    if (state && prepared_) {
        apply_all_parameters();
        reset_engine();
    }
    return kResultOk;
}

uint32 StemGluePlugin::getTailSamples()
{
    if (!ensure_prepared()) return 0;
    const int64_t tail = tail_samples_.load();
    if (tail < 0) return kInfiniteTail;  // the noise floor never ends
    // The last audible sample leaves latency + tail samples after the last input sample.
    return static_cast<uint32>(std::min<int64_t>(tail + expected_latency(), kInfiniteTail - 1));
}

uint32 StemGluePlugin::getProcessContextRequirements()
{
    return kNeedTempo | kNeedTransportState | kNeedProjectTimeMusic | kNeedBarPositionMusic | kNeedTimeSignature;
}

void StemGluePlugin::prepare_engine()
{
    const int block = std::clamp(setup_.max_samples_per_block, 1, kMaxEngineBlock);
    if (prepared_ && prepared_sample_rate_ == setup_.sample_rate && prepared_block_ == block) return;
    prepared_ = false;                              // until prepare() has returned: a bad_alloc leaves the engine unusable
    engine_.prepare(setup_.sample_rate, block, 2);  // mono runs on the first channel
    const ParameterSpec& oversampling = spec_at(kOversamplingIndex);
    engine_.set_parameter(kHumanizeIndex, 0.0);  // the table holds the chain without Humanize's lookahead
    for (int bleed = 0; bleed < 2; ++bleed) {    // Bleed's switch is structural too: its delay counts only while on
        engine_.set_parameter(kBleedIndex, bleed);
        for (int choice = 0; choice < oversampling.num_choices; ++choice) {
            engine_.set_parameter(kOversamplingIndex, oversampling.choice_values[static_cast<size_t>(choice)]);
            engine_.reset();
            latency_by_setting_[static_cast<size_t>(bleed)][static_cast<size_t>(choice)] = engine_.latency_samples();
        }
    }
    prepared_ = true;
    prepared_sample_rate_ = setup_.sample_rate;
    prepared_block_ = block;
}

// For getLatencySamples / getTailSamples before any setup: prepare with the default setup.
// False if that ran out of memory.
bool StemGluePlugin::ensure_prepared() noexcept
{
    return prepared_ || guarded([&] {
                            prepare_engine();
                            apply_all_parameters();
                            reset_engine();
                            return kResultOk;
                        }) == kResultOk;
}

void StemGluePlugin::apply_all_parameters() noexcept
{
    for (int i = 0; i < kNumParameters; ++i) set_engine_parameter(i, normalized_values_[static_cast<size_t>(i)].load());
    update_tail();
}

// A structural value the engine already holds, give or take float precision (JUCE hosts echo
// values back as float), is not sent again: the engine would fade out and reset for nothing.
void StemGluePlugin::set_engine_parameter(int index, double normalized) noexcept
{
    const ParameterSpec& spec = spec_at(index);
    if (spec.timing == ParameterTiming::on_reset &&
        !structural_change(index, to_normalized(spec, engine_.get_parameter(index)), normalized))
        return;
    engine_.set_parameter(index, from_normalized(spec, normalized));
}

void StemGluePlugin::reset_engine() noexcept
{
    engine_.reset();
}

void StemGluePlugin::update_tail() noexcept
{
    tail_samples_.store(engine_.tail_samples());
}

int StemGluePlugin::expected_latency() const noexcept
{
    if (!prepared_) return 0;
    const double normalized = normalized_values_[kOversamplingIndex].load();
    const ParameterSpec& oversampling = spec_at(kOversamplingIndex);
    const bool bleed = normalized_values_[kBleedIndex].load() >= 0.5;
    const int chain =
        latency_by_setting_[bleed ? 1 : 0][static_cast<size_t>(std::lround(normalized * (oversampling.num_choices - 1)))];
    if (normalized_values_[kHumanizeIndex].load() < 0.5) return chain;  // off, its lookahead is no latency
    auto plain = [this](int index) {
        return from_normalized(spec_at(index), normalized_values_[static_cast<size_t>(index)].load());
    };
    return chain + Humanize::latency_for(prepared_sample_rate_, plain(kMaxShiftIndex), plain(kCrossfadeIndex));
}

void StemGluePlugin::apply_event(const ParameterEvent& event) noexcept
{
    if (event.index == kProgramIndex) {
        if (select_program(static_cast<int>(std::lround(event.normalized * (kNumPresets - 1)))))
            for (int i = 0; i < kNumParameters; ++i) set_engine_parameter(i, normalized_values_[static_cast<size_t>(i)].load());
        return;
    }
    normalized_values_[static_cast<size_t>(event.index)].store(event.normalized);
    set_engine_parameter(event.index, event.normalized);
}

// Stores a preset's values as the parameters' values; false if they and the selected program were
// already those (a host echoing the program's value). Selecting the current program again after an
// edit restores it. No allocation (the audio thread calls it for queue points).
bool StemGluePlugin::select_program(int program) noexcept
{
    program = std::clamp(program, 0, kNumPresets - 1);
    bool changed = program_.exchange(program) != program;
    PlainValues values;
    for (int i = 0; i < kNumParameters; ++i) values[static_cast<size_t>(i)] = plain_value(i);
    apply_preset(kPresets[static_cast<size_t>(program)], values);
    for (int i = 0; i < kNumParameters; ++i) {
        if (kept_by_presets(i)) continue;
        const double normalized = to_normalized(spec_at(i), values[static_cast<size_t>(i)]);
        changed |= normalized_values_[static_cast<size_t>(i)].exchange(normalized) != normalized;
    }
    if (changed) announce_values_.store(true);
    return changed;
}

int StemGluePlugin::collect_parameter_events(IParameterChanges* changes, int32 num_samples) noexcept
{
    if (!changes) return 0;
    int count = 0;
    const int32 num_queues = changes->getParameterCount();
    for (int32 q = 0; q < num_queues; ++q) {
        IParamValueQueue* queue = changes->getParameterData(q);
        if (!queue) continue;
        const ParamID id = queue->getParameterId();
        const int index = id == kProgramId ? kProgramIndex : index_for_id(id);
        if (index < 0) continue;
        const int32 num_points = queue->getPointCount();
        for (int32 p = 0; p < num_points && count < kMaxParameterEvents; ++p) {
            int32 offset = 0;
            ParamValue value = 0.0;
            if (queue->getPoint(p, offset, value) != kResultOk || !std::isfinite(value)) continue;
            // Insertion by offset, in place (std::stable_sort would take a heap buffer). It is
            // stable: a point goes after every point with the same offset, so a queue's points
            // keep their order. Each queue is sorted, so a point moves back only past other
            // queues' later points: a handful per block in practice.
            const ParameterEvent event{std::clamp(offset, 0, std::max(0, num_samples)), index, std::clamp(value, 0.0, 1.0)};
            int slot = count++;
            for (; slot > 0 && events_[static_cast<size_t>(slot - 1)].offset > event.offset; --slot)
                events_[static_cast<size_t>(slot)] = events_[static_cast<size_t>(slot - 1)];
            events_[static_cast<size_t>(slot)] = event;
        }
    }
    return count;
}

int StemGluePlugin::main_channels() const noexcept
{
    return __builtin_popcountll(main_arrangement_);
}

tresult StemGluePlugin::process(ProcessData& data)
{
    if (state_changed_.exchange(false) && prepared_) apply_all_parameters();
    // Random streams follow the host's timeline while it plays (a bounce does not depend on how
    // long the host ran us before); stopped, the engine free-runs. A host that compensates our
    // latency reports the position of the block's output and feeds the input that much early
    // (Ardour starts a bounce at -latency), so the input's place on the song is position + latency:
    // the place an offline render of the song keys it by.
    // The latency is the one the host compensated when this playback started: a structural change
    // while playing moves ours, not the host's offset, and must not cause a second, unfaded seek.
    if (prepared_ && data.process_context) {
        const ProcessContext& context = *data.process_context;
        const bool host_playing = (context.state & kPlaying) != 0;
        if (host_playing && !host_was_playing_) transport_latency_ = engine_.latency_samples();
        host_was_playing_ = host_playing;
        const TSamples input_position = context.project_time_samples + transport_latency_;
        engine_.set_transport(host_playing && input_position >= 0, static_cast<uint64_t>(std::max<TSamples>(0, input_position)));
        // The beat of the same input sample: the host's musical position plus our latency in beats.
        const double tempo = (context.state & kTempoValid) != 0 ? context.tempo : 0.0;
        const bool beat_known = host_playing && tempo > 0.0 && (context.state & kProjectTimeMusicValid) != 0;
        const double beats_per_sample = tempo / (60.0 * setup_.sample_rate);
        engine_.set_tempo(tempo, beat_known ? context.project_time_music + transport_latency_ * beats_per_sample
                                            : std::numeric_limits<double>::quiet_NaN());
    }
    const int num_events = collect_parameter_events(data.input_parameter_changes, data.num_samples);

    // Flush calls (no samples or no buffers) carry parameter changes only.
    const bool known_size = data.symbolic_sample_size == kSample32 || data.symbolic_sample_size == kSample64;
    const bool has_output = data.num_outputs > 0 && data.outputs && data.outputs[0].num_channels > 0 &&
                            data.outputs[0].channel_buffers_32 && data.num_samples > 0;
    if (!has_output || !known_size || !prepared_) {
        for (int e = 0; e < num_events; ++e) apply_event(events_[static_cast<size_t>(e)]);
        if (prepared_ && num_events > 0) update_tail();
        if (data.output_parameter_changes && announce_values_.exchange(false)) announce_values(data.output_parameter_changes);
        if (has_output && known_size) {  // process before setup: silence
            for (int32 c = 0; c < data.outputs[0].num_channels; ++c) {
                if (data.symbolic_sample_size == kSample64) {
                    if (double* out = data.outputs[0].channel_buffers_64[c]) std::fill(out, out + data.num_samples, 0.0);
                } else if (float* out = data.outputs[0].channel_buffers_32[c]) {
                    std::fill(out, out + data.num_samples, 0.0f);
                }
            }
        }
        return kResultOk;
    }

    AudioBusBuffers& output = data.outputs[0];
    const int num_channels = std::min({output.num_channels, 2, main_channels()});
    for (int c = 0; c < num_channels; ++c)
        if (!output.channel_buffers_32[c]) return kResultOk;  // the union's pointers are null alike
    if (data.symbolic_sample_size == kSample64) {
        process_64(data, num_channels, num_events);
    } else {
        float* channels[2] = {nullptr, nullptr};
        for (int c = 0; c < num_channels; ++c) channels[c] = output.channel_buffers_32[c];
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
        int next_event = 0;
        render(channels, num_channels, sidechain_32(data), 0, data.num_samples, num_events, next_event);
        while (next_event < num_events) apply_event(events_[static_cast<size_t>(next_event++)]);
    }
    if (num_events > 0) update_tail();
    if (data.output_parameter_changes && announce_values_.exchange(false)) announce_values(data.output_parameter_changes);
    output.silence_flags = 0;
    return kResultOk;
}

// Every parameter's value (and the program) as a point at offset 0 of the host's output changes.
// The queues are the host's: no allocation here.
void StemGluePlugin::announce_values(IParameterChanges* changes) noexcept
{
    for (int i = 0; i <= kNumParameters; ++i) {
        const ParamID id = i == kProgramIndex ? kProgramId : parameter_hash(spec_at(i).id);
        int32 queue_index = 0, point_index = 0;
        if (IParamValueQueue* queue = changes->addParameterData(id, queue_index))
            queue->addPoint(0, getParamNormalized(id), point_index);
    }
}

// The host asked to read every value again now, where that is safe (see host_is_ardour_).
void StemGluePlugin::values_changed_at_once() noexcept
{
    if (handler_ && !host_is_ardour_) handler_->restartComponent(kParamValuesChanged);
}

StemGluePlugin::Sidechain StemGluePlugin::sidechain_32(const ProcessData& data) const noexcept
{
    Sidechain sidechain;
    if (!bus_active_[1] || data.num_inputs < 2 || !data.inputs || !data.inputs[1].channel_buffers_32) return sidechain;
    const int count = std::min(data.inputs[1].num_channels, 2);
    for (int c = 0; c < count; ++c)
        if (!(sidechain.channels[c] = data.inputs[1].channel_buffers_32[c])) return Sidechain{};
    sidechain.num_channels = count;
    return sidechain;
}

// Runs the engine over `length` samples of `channels` (and of the sidechain's, which are read
// only) that start `start` samples into the host's block, applying each parameter point at its
// sample (sample-accurate automation: the block is split at every point). events_[next_event,
// num_events) are sorted by offset.
void StemGluePlugin::render(float* const* channels, int num_channels, const Sidechain& sidechain, int start, int length,
                            int num_events, int& next_event) noexcept
{
    const int stop = start + length;
    int position = start;
    while (position < stop) {
        while (next_event < num_events && events_[static_cast<size_t>(next_event)].offset <= position)
            apply_event(events_[static_cast<size_t>(next_event++)]);
        const int end = next_event < num_events ? std::min(events_[static_cast<size_t>(next_event)].offset, stop) : stop;
        float* segment[2] = {channels[0] ? channels[0] + (position - start) : nullptr,
                             channels[1] ? channels[1] + (position - start) : nullptr};
        float* heard[2] = {nullptr, nullptr};
        for (int c = 0; c < sidechain.num_channels; ++c) heard[c] = sidechain.channels[c] + (position - start);
        engine_.process({segment, num_channels, end - position}, {heard, sidechain.num_channels, end - position});
        position = end;
    }
}

// Double buffers: each chunk of at most kMaxEngineBlock samples is converted into the float
// scratch buffers, rendered there and converted back (input and output may be the same buffers).
void StemGluePlugin::process_64(ProcessData& data, int num_channels, int num_events) noexcept
{
    double* const* outputs = data.outputs[0].channel_buffers_64;
    const AudioBusBuffers* input =
        (data.num_inputs > 0 && data.inputs && data.inputs[0].channel_buffers_64 && data.inputs[0].num_channels > 0)
            ? &data.inputs[0]
            : nullptr;
    float* channels[2] = {scratch_[0].data(), num_channels > 1 ? scratch_[1].data() : nullptr};
    Sidechain sidechain;
    const AudioBusBuffers* aux =
        bus_active_[1] && data.num_inputs > 1 && data.inputs && data.inputs[1].channel_buffers_64 ? &data.inputs[1] : nullptr;
    if (aux) {
        sidechain.num_channels = std::min(aux->num_channels, 2);
        for (int c = 0; c < sidechain.num_channels; ++c) {
            sidechain.channels[c] = sidechain_scratch_[static_cast<size_t>(c)].data();
            if (!aux->channel_buffers_64[c]) sidechain.num_channels = 0;
        }
    }
    int next_event = 0;
    for (int start = 0; start < data.num_samples; start += kMaxEngineBlock) {
        const int length = std::min(kMaxEngineBlock, data.num_samples - start);
        for (int c = 0; c < num_channels; ++c) {
            const double* in = input ? input->channel_buffers_64[std::min(c, input->num_channels - 1)] : nullptr;
            float* scratch = scratch_[static_cast<size_t>(c)].data();
            if (!in)
                std::fill(scratch, scratch + length, 0.0f);
            else
                for (int j = 0; j < length; ++j) scratch[j] = static_cast<float>(in[start + j]);
        }
        for (int c = 0; c < sidechain.num_channels; ++c)
            for (int j = 0; j < length; ++j) sidechain.channels[c][j] = static_cast<float>(aux->channel_buffers_64[c][start + j]);
        render(channels, num_channels, sidechain, start, length, num_events, next_event);
        for (int c = 0; c < num_channels; ++c) {
            const float* scratch = scratch_[static_cast<size_t>(c)].data();
            for (int j = 0; j < length; ++j) outputs[c][start + j] = scratch[j];
        }
    }
    while (next_event < num_events) apply_event(events_[static_cast<size_t>(next_event++)]);
}

// --- IEditController -------------------------------------------------------------------------

tresult StemGluePlugin::setComponentState(IBStream* state)
{
    return values_from_state(state);
}

int32 StemGluePlugin::getParameterCount()
{
    return kNumParameters + 1;  // the table, then the program change
}

tresult StemGluePlugin::getParameterInfo(int32 index, ParameterInfo& info)
{
    if (index < 0 || index > kNumParameters) return kInvalidArgument;
    std::memset(&info, 0, sizeof(info));
    if (index == kProgramIndex) {
        // The factory presets, in the root unit whose program list they are (Ardour finds the list
        // through this parameter's unit).
        info.id = kProgramId;
        copy_to_string128("Preset", info.title);
        copy_to_string128("Preset", info.short_title);
        info.step_count = kNumPresets - 1;
        info.unit_id = kRootUnitId;
        info.flags = kCanAutomate | kIsList | kIsProgramChange;
        return kResultOk;
    }
    const ParameterSpec& spec = spec_at(index);
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
    // An instance's track id defaults to the one it drew: Ardour shows a new instance's values from
    // these defaults (it showed 0 while the plugin held its drawn id), and resetting to 0 would
    // give every track the same id.
    if (index == kTrackIdIndex) info.default_normalized_value = normalized_values_[kTrackIdIndex].load();
    info.unit_id = unit_of_parameter(index);
    // Every parameter is automatable: Ardour lists no others. A structural one takes effect at the
    // engine's next reset (see the header) and announces its latency from setParamNormalized.
    info.flags = kCanAutomate;
    // A list, with stepCount entries - 1 (hum frequency: 1). Ardour 7.3 still shows a two-entry list
    // as an on/off toggle and can show no VST3 parameter as a list: VST3PI::get_parameter_descriptor
    // (libs/ardour/vst3_plugin.cc) sets `desc.toggled = 1 == p.steps` and `desc.enumeration =
    // p.is_enum`, then ParameterDescriptor::update_steps() clears enumeration when no scale points
    // exist, and VST3Plugin has no get_scale_points (the same in Ardour's master, 22ed8656c2). Only
    // a stepCount other than 1 avoids the toggle, and that would declare 50/60 Hz a continuous range
    // or a list of more entries to the hosts that read the flags right (pedalboard, DawDreamer, the
    // validator). So it stays a list; plainParamToNormalized takes Ardour's 0/1 toggle values.
    if (spec.kind == ParameterKind::choice) info.flags |= kIsList;
    if (index == kBypassIndex) info.flags |= kIsBypass;
    return kResultOk;
}

tresult StemGluePlugin::getParamStringByValue(ParamID id, ParamValue value_normalized, String128 string)
{
    if (id == kProgramId && string) {
        const int program = static_cast<int>(std::lround(std::clamp(value_normalized, 0.0, 1.0) * (kNumPresets - 1)));
        copy_to_string128(kPresets[static_cast<size_t>(program)].name, string);
        return kResultOk;
    }
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
    if ((index < 0 && id != kProgramId) || !string) return kInvalidArgument;
    char text[128];
    int length = 0;
    for (; string[length] != 0 && length < 127; ++length) text[length] = static_cast<char>(string[length] & 0x7F);
    text[length] = '\0';
    if (id == kProgramId) {
        const int program = preset_index(text);
        if (program < 0) return kResultFalse;
        value_normalized = program / double(kNumPresets - 1);
        return kResultOk;
    }
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
    // The program's plain value is the preset's number.
    if (id == kProgramId) return std::lround(std::clamp(value_normalized, 0.0, 1.0) * (kNumPresets - 1));
    const int index = index_for_id(id);
    return index < 0 ? value_normalized : from_normalized(spec_at(index), value_normalized);
}

ParamValue StemGluePlugin::plainParamToNormalized(ParamID id, ParamValue plain_value)
{
    if (id == kProgramId) return std::clamp(std::round(plain_value), 0.0, double(kNumPresets - 1)) / (kNumPresets - 1);
    const int index = index_for_id(id);
    if (index < 0) return plain_value;
    const ParameterSpec& spec = spec_at(index);
    // Ardour 7 shows a parameter with stepCount 1 as a toggle and sets its plain value to 0 or 1,
    // whatever the range (it sends 1 for "60 Hz"). For a two-entry list whose entries are not 0
    // and 1 themselves (the hum frequency: 50 / 60), 0 and 1 can only mean the entry's index.
    if (spec.kind == ParameterKind::choice && spec.num_choices == 2 && (plain_value == 0.0 || plain_value == 1.0) &&
        !is_valid(spec, plain_value))
        return plain_value;
    return to_normalized(spec, plain_value);
}

ParamValue StemGluePlugin::getParamNormalized(ParamID id)
{
    if (id == kProgramId) return program_.load() / double(kNumPresets - 1);
    const int index = index_for_id(id);
    return index < 0 ? 0.0 : normalized_values_[static_cast<size_t>(index)].load();
}

tresult StemGluePlugin::setParamNormalized(ParamID id, ParamValue value)
{
    if (id == kProgramId && std::isfinite(value)) {
        const int latency_before = expected_latency();
        if (!select_program(static_cast<int>(std::lround(std::clamp(value, 0.0, 1.0) * (kNumPresets - 1))))) return kResultOk;
        state_changed_.store(true);
        values_changed_at_once();  // every parameter changed
        if (handler_ && expected_latency() != latency_before) handler_->restartComponent(kLatencyChanged);
        return kResultOk;
    }
    const int index = index_for_id(id);
    if (index < 0 || !std::isfinite(value)) return kInvalidArgument;
    value = std::clamp(value, 0.0, 1.0);
    const double previous = normalized_values_[static_cast<size_t>(index)].exchange(value);
    // The next process() hands it to the engine (a structural one at the engine's own silent point:
    // a 10 ms fade out and in), even if the host sends no queue point. A structural change may
    // change the latency: ask the host to query it again.
    state_changed_.store(true);
    if (structural_change(index, previous, value) && handler_) handler_->restartComponent(kLatencyChanged);
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

IPlugView* StemGluePlugin::createView(FIDString)
{
    return nullptr;
}

// --- IUnitInfo -------------------------------------------------------------------------------

int32 StemGluePlugin::getUnitCount()
{
    try {
        return unit_count();
    } catch (...) {  // the module list could not be built: the root unit alone
        return 1;
    }
}

tresult StemGluePlugin::getUnitInfo(int32 unit_index, UnitInfo& info)
{
    return guarded([&] { return unit_info(unit_index, info) ? kResultOk : kInvalidArgument; });
}

int32 StemGluePlugin::getProgramListCount()
{
    return 1;
}

tresult StemGluePlugin::getProgramListInfo(int32 list_index, ProgramListInfo& info)
{
    if (list_index != 0) return kInvalidArgument;
    std::memset(&info, 0, sizeof(info));
    info.id = kPresetListId;
    copy_to_string128("Factory Presets", info.name);
    info.program_count = kNumPresets;
    return kResultOk;
}

tresult StemGluePlugin::getProgramName(ProgramListID list_id, int32 program_index, String128 name)
{
    if (list_id != kPresetListId || program_index < 0 || program_index >= kNumPresets || !name) return kInvalidArgument;
    copy_to_string128(kPresets[static_cast<size_t>(program_index)].name, name);
    return kResultOk;
}

tresult StemGluePlugin::getProgramInfo(ProgramListID, int32, CString, String128)
{
    return kResultFalse;  // no attributes beyond the name
}

tresult StemGluePlugin::hasProgramPitchNames(ProgramListID, int32)
{
    return kResultFalse;
}

tresult StemGluePlugin::getProgramPitchName(ProgramListID, int32, int16, String128)
{
    return kResultFalse;
}

UnitID StemGluePlugin::getSelectedUnit()
{
    return selected_unit_;
}

tresult StemGluePlugin::selectUnit(UnitID unit_id)
{
    if (unit_id < 0 || unit_id >= getUnitCount()) return kInvalidArgument;
    selected_unit_ = unit_id;
    return kResultOk;
}

tresult StemGluePlugin::getUnitByBus(MediaType type, BusDirection direction, int32 bus_index, int32, UnitID& unit_id)
{
    if (type != kAudio || bus_index < 0 || bus_index >= getBusCount(type, direction)) return kInvalidArgument;
    unit_id = kRootUnitId;  // the buses belong to the whole chain
    return kResultOk;
}

tresult StemGluePlugin::setUnitProgramData(int32, int32, IBStream*)
{
    return kNotImplemented;  // programs are fixed; a host loads a preset's state with setState
}

}  // namespace stemglue::vst3
