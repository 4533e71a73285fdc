// A minimal VST3 host, on our own ABI declarations, that loads the built bundle with dlopen and
// makes the calls real hosts make that pedalboard and DawDreamer never do: flush calls with null
// buffers, process before setup, disabled sidechains, sample-accurate parameter points, state
// with foreign bytes around it, double initialize/terminate.
// Usage: vst3_host_checks path/to/StemGlue.so
#include <dlfcn.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "../vst3/vst3_abi.h"
#include "stemglue/engine.h"

using namespace stemglue::vst3;

namespace {

int passed = 0, failed = 0;

void check(bool condition, const char* what)
{
    if (condition) {
        ++passed;
    } else {
        ++failed;
        std::printf("FAILED: %s\n", what);
    }
}

// --- host-side objects ----------------------------------------------------------------------

template <typename Interface>
struct HostObject : Interface {
    tresult queryInterface(const TUID, void** object) override
    {
        *object = nullptr;
        return kNoInterface;
    }
    uint32 addRef() override { return 1; }
    uint32 release() override { return 1; }
};

struct MemoryStream : HostObject<IBStream> {
    std::vector<uint8> bytes;
    size_t position = 0;

    tresult read(void* buffer, int32 size, int32* done) override
    {
        const size_t count = std::min(static_cast<size_t>(size), bytes.size() - position);
        std::memcpy(buffer, bytes.data() + position, count);
        position += count;
        if (done) *done = static_cast<int32>(count);
        return kResultOk;
    }
    tresult write(void* buffer, int32 size, int32* done) override
    {
        const uint8* data = static_cast<const uint8*>(buffer);
        bytes.insert(bytes.begin() + static_cast<long>(position), data, data + size);
        position += static_cast<size_t>(size);
        if (done) *done = size;
        return kResultOk;
    }
    tresult seek(int64 to, int32 mode, int64* result) override
    {
        position = mode == kSeekSet ? static_cast<size_t>(to) : position + static_cast<size_t>(to);
        if (result) *result = static_cast<int64>(position);
        return kResultOk;
    }
    tresult tell(int64* where) override
    {
        *where = static_cast<int64>(position);
        return kResultOk;
    }
};

struct Queue : HostObject<IParamValueQueue> {
    ParamID id = 0;
    std::vector<std::pair<int32, ParamValue>> points;
    ParamID getParameterId() override { return id; }
    int32 getPointCount() override { return static_cast<int32>(points.size()); }
    tresult getPoint(int32 index, int32& offset, ParamValue& value) override
    {
        offset = points[static_cast<size_t>(index)].first;
        value = points[static_cast<size_t>(index)].second;
        return kResultOk;
    }
    tresult addPoint(int32, ParamValue, int32&) override { return kNotImplemented; }
};

struct Changes : HostObject<IParameterChanges> {
    std::vector<Queue> queues;
    int32 getParameterCount() override { return static_cast<int32>(queues.size()); }
    IParamValueQueue* getParameterData(int32 index) override { return &queues[static_cast<size_t>(index)]; }
    IParamValueQueue* addParameterData(const ParamID&, int32&) override { return nullptr; }
};

// --- the plugin -----------------------------------------------------------------------------

struct Plugin {
    IComponent* component = nullptr;
    IAudioProcessor* processor = nullptr;
    IEditController* controller = nullptr;

    explicit Plugin(IPluginFactory* factory)
    {
        PClassInfo info{};
        factory->getClassInfo(0, &info);
        factory->createInstance(info.cid, kComponentIid.bytes, reinterpret_cast<void**>(&component));
        component->queryInterface(kAudioProcessorIid.bytes, reinterpret_cast<void**>(&processor));
        component->queryInterface(kEditControllerIid.bytes, reinterpret_cast<void**>(&controller));
        component->initialize(nullptr);
    }
    ~Plugin()
    {
        component->terminate();
        controller->release();
        processor->release();
        component->release();
    }
    ParamID id_of(const char* title)
    {
        for (int32 i = 0; i < controller->getParameterCount(); ++i) {
            ParameterInfo info{};
            controller->getParameterInfo(i, info);
            std::string name;
            for (int c = 0; info.title[c]; ++c) name += static_cast<char>(info.title[c]);
            if (name == title) return info.id;
        }
        return 0xFFFFFFFF;
    }
    void start(int32 block, int32 channels = 2)
    {
        SpeakerArrangement arrangement = channels == 1 ? kSpeakerMono : kSpeakerStereo;
        SpeakerArrangement inputs[2] = {arrangement, kSpeakerStereo};
        processor->setBusArrangements(inputs, 2, &arrangement, 1);
        ProcessSetup setup{2, kSample32, block, 48000.0};
        processor->setupProcessing(setup);
        component->setActive(1);
        processor->setProcessing(1);
    }
};

struct Buffers {
    std::vector<std::vector<float>> in, out;
    std::vector<float*> in_pointers, out_pointers;
    AudioBusBuffers in_bus{}, out_bus{};

    Buffers(int channels, int samples, float value)
        : in(static_cast<size_t>(channels), std::vector<float>(static_cast<size_t>(samples), value)),
          out(static_cast<size_t>(channels), std::vector<float>(static_cast<size_t>(samples), 0.0f))
    {
        for (auto& c : in) in_pointers.push_back(c.data());
        for (auto& c : out) out_pointers.push_back(c.data());
        in_bus.num_channels = out_bus.num_channels = channels;
        in_bus.channel_buffers_32 = in_pointers.data();
        out_bus.channel_buffers_32 = out_pointers.data();
    }
    ProcessData data(int samples, IParameterChanges* changes = nullptr)
    {
        ProcessData d{};
        d.process_mode = 2;
        d.symbolic_sample_size = kSample32;
        d.num_samples = samples;
        d.num_inputs = 1;
        d.num_outputs = 1;
        d.inputs = &in_bus;
        d.outputs = &out_bus;
        d.input_parameter_changes = changes;
        return d;
    }
    bool finite() const
    {
        for (auto& c : out)
            for (float x : c)
                if (!std::isfinite(x)) return false;
        return true;
    }
};

}  // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::printf("usage: vst3_host_checks StemGlue.so\n");
        return 2;
    }
    void* module = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!module) {
        std::printf("cannot load %s: %s\n", argv[1], dlerror());
        return 2;
    }
    auto module_entry = reinterpret_cast<bool (*)(void*)>(dlsym(module, "ModuleEntry"));
    auto module_exit = reinterpret_cast<bool (*)()>(dlsym(module, "ModuleExit"));
    auto get_factory = reinterpret_cast<IPluginFactory* (*)()>(dlsym(module, "GetPluginFactory"));
    check(module_entry && module_exit && get_factory, "the three entry points are exported");
    check(module_entry(module) && module_entry(module), "ModuleEntry may be called twice");

    IPluginFactory* factory = get_factory();
    IPluginFactory3* factory3 = nullptr;
    check(factory->queryInterface(kPluginFactory3Iid.bytes, reinterpret_cast<void**>(&factory3)) == kResultOk, "factory 3");
    check(factory->countClasses() == 1, "one class");
    PClassInfo2 info2{};
    check(factory3->getClassInfo2(0, &info2) == kResultOk && std::string(info2.category) == "Audio Module Class"
              && std::string(info2.sdk_version) == "VST 3.7.14" && std::string(info2.sub_categories).rfind("Fx", 0) == 0,
          "class info 2");
    PClassInfoW info_w{};
    check(factory3->getClassInfoUnicode(0, &info_w) == kResultOk && info_w.name[0] == u'S', "class info unicode");
    void* nothing = reinterpret_cast<void*>(1);
    check(factory->createInstance(kPluginFactoryIid.bytes, kComponentIid.bytes, &nothing) != kResultOk && !nothing,
          "unknown class id refused");

    {
        Plugin plugin(factory);
        check(plugin.component->initialize(nullptr) == kResultOk, "second initialize (pedalboard) is accepted");
        void* unknown = reinterpret_cast<void*>(1);
        check(plugin.component->queryInterface(kPluginFactoryIid.bytes, &unknown) == kNoInterface && !unknown,
              "unknown interface refused with null");
        IProcessContextRequirements* requirements = nullptr;
        check(plugin.component->queryInterface(kProcessContextRequirementsIid.bytes, reinterpret_cast<void**>(&requirements))
                  == kResultOk,
              "IProcessContextRequirements");
        if (requirements) requirements->release();

        check(plugin.component->getBusCount(kAudio, kInput) == 2 && plugin.component->getBusCount(kAudio, kOutput) == 1
                  && plugin.component->getBusCount(kEvent, kInput) == 0,
              "bus counts");
        BusInfo bus{};
        check(plugin.component->getBusInfo(kAudio, kInput, 1, bus) == kResultOk && bus.bus_type == kAux
                  && (bus.flags & kDefaultActive) && bus.channel_count == 2,
              "sidechain bus is aux, stereo, default active");
        check(plugin.component->getBusInfo(kAudio, kInput, 2, bus) == kInvalidArgument, "bus index checked");
        check(plugin.component->activateBus(kAudio, kInput, 1, 0) == kResultTrue, "sidechain deactivation accepted");

        SpeakerArrangement mono = kSpeakerMono, stereo = kSpeakerStereo;
        SpeakerArrangement mono_with_aux[2] = {kSpeakerMono, kSpeakerStereo};
        check(plugin.processor->setBusArrangements(mono_with_aux, 2, &mono, 1) == kResultTrue, "mono main, stereo aux");
        SpeakerArrangement got = 0;
        plugin.processor->getBusArrangement(kOutput, 0, got);
        check(got == kSpeakerMono, "arrangement reported back");
        check(plugin.processor->setBusArrangements(&mono, 1, &stereo, 1) == kResultFalse, "mono in / stereo out refused");
        check(plugin.processor->canProcessSampleSize(kSample64) == kResultFalse, "64-bit not claimed");

        Buffers early(2, 64, 0.5f);
        early.out[0][3] = 7.0f;
        ProcessData before_setup = early.data(64);
        check(plugin.processor->process(before_setup) == kResultOk && early.out[0][3] == 0.0f, "process before setup: silence");
        check(plugin.processor->setProcessing(0) == kResultOk, "setProcessing(0) while inactive");

        plugin.start(512);
        stemglue::Engine engine;  // the core says what the latency must be at 48 kHz
        engine.prepare(48000.0, 512, 2);
        check(plugin.processor->getLatencySamples() == static_cast<uint32>(engine.latency_samples()), "latency reported from the setup");

        // Flush: no samples, no buffers, a bypass change (the validator's bypass persistence).
        Changes changes;
        changes.queues.push_back({});
        changes.queues[0].id = plugin.id_of("Bypass");
        changes.queues[0].points = {{0, 1.0}};
        ProcessData flush{};
        flush.symbolic_sample_size = kSample32;
        flush.input_parameter_changes = &changes;
        check(plugin.processor->process(flush) == kResultOk, "flush with null buffers");
        MemoryStream saved;
        check(plugin.component->getState(&saved) == kResultOk, "getState");
        {
            Plugin other(factory);
            saved.position = 0;
            check(other.controller->setComponentState(&saved) == kResultOk
                      && other.controller->getParamNormalized(plugin.id_of("Bypass")) == 1.0,
                  "bypass persists through state");
        }

        // pedalboard's disabled sidechain: numChannels 0 and a null array; DawDreamer's: null channel pointers.
        Buffers main(2, 512, 0.25f);
        AudioBusBuffers buses[2] = {main.in_bus, {}};
        ProcessData with_aux = main.data(512);
        with_aux.inputs = buses;
        with_aux.num_inputs = 2;
        check(plugin.processor->process(with_aux) == kResultOk && main.finite(), "empty sidechain bus");
        float* null_channels[2] = {nullptr, nullptr};
        buses[1].num_channels = 2;
        buses[1].channel_buffers_32 = null_channels;
        check(plugin.processor->process(with_aux) == kResultOk && main.finite(), "sidechain with null channel pointers");
        ProcessData no_input = main.data(512);
        no_input.num_inputs = 0;
        no_input.inputs = nullptr;
        check(plugin.processor->process(no_input) == kResultOk && main.finite(), "no input buses");
        ProcessData null_output = main.data(512);
        main.out_pointers[1] = nullptr;
        check(plugin.processor->process(null_output) == kResultOk, "null output channel pointer");
        main.out_pointers[1] = main.out[1].data();

        Buffers poisoned(2, 512, std::nanf(""));
        ProcessData poison = poisoned.data(512);
        check(plugin.processor->process(poison) == kResultOk && poisoned.finite(), "NaN input gives finite output");
        Buffers huge(2, 4096, 0.1f);
        ProcessData longer = huge.data(4096);
        check(plugin.processor->process(longer) == kResultOk && huge.finite(), "blocks longer than the setup");

        check(plugin.processor->setProcessing(0) == kResultOk && plugin.component->setActive(0) == kResultTrue, "stop");
        check(plugin.component->terminate() == kResultOk, "terminate (the destructor terminates again)");
    }

    {
        // Sample accuracy: a point at offset 200 equals splitting the block there by hand.
        Plugin split(factory), whole(factory);
        split.start(512);
        whole.start(512);
        const ParamID drive = whole.id_of("Tube Drive");
        Buffers a(2, 512, 0.0f), b(2, 512, 0.0f);
        for (int c = 0; c < 2; ++c)
            for (int j = 0; j < 512; ++j) a.in[static_cast<size_t>(c)][static_cast<size_t>(j)] = b.in[static_cast<size_t>(c)][static_cast<size_t>(j)] = 0.5f * std::sin(0.05f * j + c);
        Changes at_200;
        at_200.queues.push_back({});
        at_200.queues[0].id = drive;
        at_200.queues[0].points = {{200, 0.9}};
        ProcessData data = a.data(512, &at_200);
        whole.processor->process(data);

        Changes now;
        now.queues.push_back({});
        now.queues[0].id = drive;
        now.queues[0].points = {{0, 0.9}};
        ProcessData first = b.data(200);
        split.processor->process(first);
        for (int c = 0; c < 2; ++c) {
            b.in_pointers[static_cast<size_t>(c)] += 200;
            b.out_pointers[static_cast<size_t>(c)] += 200;
        }
        ProcessData second = b.data(312, &now);
        split.processor->process(second);
        bool same = true;
        for (int c = 0; c < 2; ++c)
            for (int j = 0; j < 512; ++j) same &= a.out[static_cast<size_t>(c)][static_cast<size_t>(j)] == b.out[static_cast<size_t>(c)][static_cast<size_t>(j)];
        check(same, "a parameter point splits the block at its sample offset");
        check(whole.controller->getParamNormalized(drive) == 0.9, "processor values reach the controller view");
    }

    {
        Plugin plugin(factory);
        bool round_trips = true;
        for (int32 i = 0; i < plugin.controller->getParameterCount(); ++i) {
            ParameterInfo info{};
            plugin.controller->getParameterInfo(i, info);
            for (double normalized : {0.0, 0.37, info.default_normalized_value, 1.0}) {
                String128 text{};
                ParamValue parsed = -1.0;
                plugin.controller->getParamStringByValue(info.id, normalized, text);
                plugin.controller->getParamValueByString(info.id, text, parsed);
                const double expected = plugin.controller->plainParamToNormalized(
                    info.id, plugin.controller->normalizedParamToPlain(info.id, normalized));
                round_trips &= std::abs(parsed - expected) < 2e-3;
            }
        }
        check(round_trips, "parameter text round-trips");

        // State behind a host header, with trailing bytes; then a truncated one that must change nothing.
        const ParamID drive = plugin.id_of("Tube Drive");
        plugin.controller->setParamNormalized(drive, 0.75);
        MemoryStream stream;
        const char header[] = "HOST-PRESET-HEADER";
        stream.write(const_cast<char*>(header), sizeof(header), nullptr);
        plugin.component->getState(&stream);
        stream.write(const_cast<char*>(header), sizeof(header), nullptr);
        Plugin other(factory);
        stream.position = 0;
        check(other.component->setState(&stream) == kResultOk && other.controller->getParamNormalized(drive) == 0.75,
              "state found behind foreign bytes, trailing bytes ignored");
        MemoryStream truncated;
        truncated.bytes.assign(stream.bytes.begin(), stream.bytes.begin() + sizeof(header) + 20);
        Plugin third(factory);
        const ParamValue before = third.controller->getParamNormalized(drive);
        check(third.component->setState(&truncated) == kResultFalse && third.controller->getParamNormalized(drive) == before,
              "truncated state refused without change");
        MemoryStream empty;
        check(third.component->setState(&empty) == kResultFalse, "empty state refused");
    }

    check(module_exit() && module_exit(), "ModuleExit may be called twice");
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
