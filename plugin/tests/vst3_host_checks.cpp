// A minimal VST3 host, on our own ABI declarations, that loads the built bundle with dlopen and
// makes the calls real hosts make that pedalboard and DawDreamer never do: flush calls with null
// buffers, process before setup, disabled sidechains, sample-accurate parameter points, state
// with foreign bytes around it, double initialize/terminate, 64-bit buffers, units and program
// changes (IUnitInfo); and it counts the plugin's heap
// allocations in process() and makes every allocation fail to see that no exception escapes.
// Usage: vst3_host_checks path/to/StemGlue.so
//
// Counting allocations: the plugin links libstdc++ statically and exports nothing but its entry
// points, so its operator new is bound inside the .so and a host-side operator new replacement
// never sees it. That operator new still calls malloc, which the plugin imports from libc like
// any other undefined symbol. This host defines malloc & co. (forwarding to glibc's __libc_*
// entry points, the documented way to replace glibc's allocator) and exports them (ENABLE_EXPORTS),
// so the dynamic linker binds the plugin's malloc to them. A check below proves the counter sees
// the plugin's own `new` (createInstance).
#include <dlfcn.h>
#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "../vst3/vst3_abi.h"
#include "stemglue/engine.h"
#include "stemglue/module_list.h"
#include "stemglue/parameters.h"
#include "stemglue/presets.h"

namespace {
std::atomic<bool> counting{false};  // count allocations while set
std::atomic<bool> failing{false};   // large allocations fail while set (out-of-memory checks)
std::atomic<long> allocations{0};

// Only allocations of 4 KiB and more fail: glibc aborts outright when it cannot allocate the small
// thread-local block of a dlopen'ed module (the plugin's C++ runtime touches it on its first throw),
// and that is not the plugin's to handle. Everything the engine prepares, and the plugin object,
// is larger.
constexpr size_t kFailFrom = 4096;

bool allocation_allowed(size_t size) noexcept
{
    if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
    return size < kFailFrom || !failing.load(std::memory_order_relaxed);
}
}  // namespace

extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t count, size_t size);
void* __libc_realloc(void* memory, size_t size);
void* __libc_memalign(size_t alignment, size_t size);
void __libc_free(void* memory);

void* malloc(size_t size) noexcept
{
    return allocation_allowed(size) ? __libc_malloc(size) : nullptr;
}
void* calloc(size_t count, size_t size) noexcept
{
    return allocation_allowed(count * size) ? __libc_calloc(count, size) : nullptr;
}
void* realloc(void* memory, size_t size) noexcept
{
    return allocation_allowed(size) ? __libc_realloc(memory, size) : nullptr;
}
void* memalign(size_t alignment, size_t size) noexcept
{
    return allocation_allowed(size) ? __libc_memalign(alignment, size) : nullptr;
}
void* aligned_alloc(size_t alignment, size_t size) noexcept
{
    return memalign(alignment, size);
}
int posix_memalign(void** memory, size_t alignment, size_t size) noexcept
{
    void* got = memalign(alignment, size);
    if (!got) return ENOMEM;
    *memory = got;
    return 0;
}
void free(void* memory) noexcept
{
    __libc_free(memory);
}
}

using namespace stemglue::vst3;

namespace {

// Allocations the plugin makes inside body().
template <typename Body>
long allocations_during(Body body)
{
    allocations = 0;
    counting = true;
    body();
    counting = false;
    return allocations.load();
}

// Runs body in a child process (it may arm `failing`); true if the child exited normally with 0.
// An exception escaping the plugin terminates the child instead.
template <typename Body>
bool in_child(Body body)
{
    std::fflush(stdout);
    const pid_t child = fork();
    if (child == 0) {
        const bool ok = body();
        failing = false;
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    waitpid(child, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

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
    tresult addPoint(int32 offset, ParamValue value, int32& index) override
    {
        index = static_cast<int32>(points.size());
        points.push_back({offset, value});
        return kResultOk;
    }
};

struct Changes : HostObject<IParameterChanges> {
    std::vector<Queue> queues;
    int32 getParameterCount() override { return static_cast<int32>(queues.size()); }
    IParamValueQueue* getParameterData(int32 index) override { return &queues[static_cast<size_t>(index)]; }
    IParamValueQueue* addParameterData(const ParamID&, int32&) override { return nullptr; }
};

// Output changes (the plugin reports values): queues come from a pool made beforehand, so the host
// allocates nothing inside process().
struct OutputChanges : HostObject<IParameterChanges> {
    std::vector<Queue> queues;
    size_t used = 0;
    explicit OutputChanges(size_t capacity) : queues(capacity)
    {
        for (Queue& queue : queues) queue.points.reserve(4);
    }
    int32 getParameterCount() override { return static_cast<int32>(used); }
    IParamValueQueue* getParameterData(int32 index) override { return &queues[static_cast<size_t>(index)]; }
    IParamValueQueue* addParameterData(const ParamID& id, int32& index) override
    {
        if (used == queues.size()) return nullptr;
        index = static_cast<int32>(used);
        queues[used].id = id;
        return &queues[used++];
    }
};

struct Host : HostObject<IHostApplication> {
    const char* name = "Ardour";
    tresult queryInterface(const TUID iid, void** object) override
    {
        *object = same_uid(iid, kHostApplicationIid) || same_uid(iid, kFUnknownIid) ? this : nullptr;
        return *object ? kResultOk : kNoInterface;
    }
    tresult getName(String128 out) override
    {
        int c = 0;
        for (; name[c]; ++c) out[c] = static_cast<char16>(name[c]);
        out[c] = 0;
        return kResultOk;
    }
    tresult createInstance(TUID, TUID, void** object) override
    {
        *object = nullptr;
        return kNotImplemented;
    }
};

struct Handler : HostObject<IComponentHandler> {
    std::vector<int32> restarts;
    std::vector<std::pair<ParamID, ParamValue>> edits;
    tresult beginEdit(ParamID) override { return kResultOk; }
    tresult performEdit(ParamID id, ParamValue value) override
    {
        edits.push_back({id, value});
        return kResultOk;
    }
    tresult endEdit(ParamID) override { return kResultOk; }
    tresult restartComponent(int32 flags) override
    {
        restarts.push_back(flags);
        return kResultOk;
    }
    bool restarted_with(int32 flag) const
    {
        for (int32 flags : restarts)
            if (flags & flag) return true;
        return false;
    }
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
    double plain(const char* title)
    {
        const ParamID id = id_of(title);
        return controller->normalizedParamToPlain(id, controller->getParamNormalized(id));
    }
    void set_plain(const char* title, double value)
    {
        const ParamID id = id_of(title);
        controller->setParamNormalized(id, controller->plainParamToNormalized(id, value));
    }
    // What a host does to change parameters between blocks: a flush with one point per parameter.
    void send(const std::vector<std::pair<const char*, double>>& plain_values);
    void start(int32 block, int32 channels = 2, int32 sample_size = kSample32)
    {
        SpeakerArrangement arrangement = channels == 1 ? kSpeakerMono : kSpeakerStereo;
        SpeakerArrangement inputs[2] = {arrangement, kSpeakerStereo};
        processor->setBusArrangements(inputs, 2, &arrangement, 1);
        ProcessSetup setup{2, sample_size, block, 48000.0};
        processor->setupProcessing(setup);
        component->setActive(1);
        processor->setProcessing(1);
    }
};

// Input and output buses of float (a 32-bit host) or double (a 64-bit host) buffers.
template <typename Sample>
struct BusBuffers {
    static constexpr bool kSingle = std::is_same_v<Sample, float>;
    std::vector<std::vector<Sample>> in, out;
    std::vector<Sample*> in_pointers, out_pointers;
    AudioBusBuffers in_bus{}, out_bus{};

    BusBuffers(int channels, int samples, Sample value = 0)
        : in(static_cast<size_t>(channels), std::vector<Sample>(static_cast<size_t>(samples), value)),
          out(static_cast<size_t>(channels), std::vector<Sample>(static_cast<size_t>(samples), Sample(0)))
    {
        for (auto& c : in) in_pointers.push_back(c.data());
        for (auto& c : out) out_pointers.push_back(c.data());
        in_bus.num_channels = out_bus.num_channels = channels;
        if constexpr (kSingle) {
            in_bus.channel_buffers_32 = in_pointers.data();
            out_bus.channel_buffers_32 = out_pointers.data();
        } else {
            in_bus.channel_buffers_64 = in_pointers.data();
            out_bus.channel_buffers_64 = out_pointers.data();
        }
    }
    ProcessData data(int samples, IParameterChanges* changes = nullptr)
    {
        ProcessData d{};
        d.process_mode = 2;
        d.symbolic_sample_size = kSingle ? kSample32 : kSample64;
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
            for (Sample x : c)
                if (!std::isfinite(x)) return false;
        return true;
    }
};
using Buffers = BusBuffers<float>;
using Buffers64 = BusBuffers<double>;

std::string ascii(const String128 text)
{
    std::string out;
    for (int c = 0; c < 128 && text[c]; ++c) out += static_cast<char>(text[c]);
    return out;
}

void Plugin::send(const std::vector<std::pair<const char*, double>>& plain_values)
{
    Changes changes;
    for (const auto& [title, value] : plain_values) {
        changes.queues.push_back({});
        changes.queues.back().id = id_of(title);
        changes.queues.back().points = {{0, controller->plainParamToNormalized(id_of(title), value)}};
    }
    ProcessData flush{};
    flush.symbolic_sample_size = kSample32;
    flush.input_parameter_changes = &changes;
    processor->process(flush);
}

void fill_sine(Buffers& buffers, int samples, int start)
{
    for (size_t c = 0; c < buffers.in.size(); ++c)
        for (int j = 0; j < samples; ++j)
            buffers.in[c][static_cast<size_t>(j)] =
                0.5f * std::sin(0.031f * static_cast<float>(start + j) + static_cast<float>(c));
}

bool same_output(const Buffers& a, const std::vector<std::vector<float>>& b, int samples)
{
    for (size_t c = 0; c < a.out.size(); ++c)
        for (int j = 0; j < samples; ++j)
            if (a.out[c][static_cast<size_t>(j)] != b[c][static_cast<size_t>(j)]) return false;
    return true;
}

// A core engine with the plugin's current values (what the plugin's engine must be after a reset).
void engine_like(stemglue::Engine& engine, Plugin& plugin)
{
    engine.prepare(48000.0, 512, 2);
    for (int i = 0; i < stemglue::kNumParameters; ++i) {
        const ParamID id = stemglue::parameter_hash(stemglue::kParameters[static_cast<size_t>(i)].id);
        engine.set_parameter(i, plugin.controller->normalizedParamToPlain(id, plugin.controller->getParamNormalized(id)));
    }
    engine.reset();
}

std::vector<std::vector<float>> engine_output(stemglue::Engine& engine, const Buffers& buffers, int samples)
{
    std::vector<std::vector<float>> out = buffers.in;
    float* channels[2] = {out[0].data(), out[1].data()};
    engine.process({channels, 2, samples});
    return out;
}

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
    check(factory3->getClassInfo2(0, &info2) == kResultOk && std::string(info2.category) == "Audio Module Class" &&
              std::string(info2.sdk_version) == "VST 3.7.14" && std::string(info2.sub_categories).rfind("Fx", 0) == 0,
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
        check(plugin.component->queryInterface(kProcessContextRequirementsIid.bytes, reinterpret_cast<void**>(&requirements)) ==
                  kResultOk,
              "IProcessContextRequirements");
        if (requirements) requirements->release();

        check(plugin.component->getBusCount(kAudio, kInput) == 2 && plugin.component->getBusCount(kAudio, kOutput) == 1 &&
                  plugin.component->getBusCount(kEvent, kInput) == 0,
              "bus counts");
        BusInfo bus{};
        check(plugin.component->getBusInfo(kAudio, kInput, 1, bus) == kResultOk && bus.bus_type == kAux &&
                  (bus.flags & kDefaultActive) && bus.channel_count == 2,
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
        check(plugin.processor->canProcessSampleSize(kSample64) == kResultTrue &&
                  plugin.processor->canProcessSampleSize(kSample32) == kResultTrue &&
                  plugin.processor->canProcessSampleSize(7) == kResultFalse,
              "32-bit and 64-bit processing claimed, nothing else");

        Buffers early(2, 64, 0.5f);
        early.out[0][3] = 7.0f;
        ProcessData before_setup = early.data(64);
        check(plugin.processor->process(before_setup) == kResultOk && early.out[0][3] == 0.0f, "process before setup: silence");
        check(plugin.processor->setProcessing(0) == kResultOk, "setProcessing(0) while inactive");

        plugin.start(512);
        stemglue::Engine engine;  // the core says what the latency must be at 48 kHz
        engine.prepare(48000.0, 512, 2);
        check(plugin.processor->getLatencySamples() == static_cast<uint32>(engine.latency_samples()),
              "latency reported from the setup");

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
            check(other.controller->setComponentState(&saved) == kResultOk &&
                      other.controller->getParamNormalized(plugin.id_of("Bypass")) == 1.0,
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
        split.set_plain("Track ID", 42.0);  // each instance draws its own: give both one
        whole.set_plain("Track ID", 42.0);
        split.start(512);
        whole.start(512);
        const ParamID drive = whole.id_of("Tube Drive");
        Buffers a(2, 512, 0.0f), b(2, 512, 0.0f);
        for (int c = 0; c < 2; ++c)
            for (int j = 0; j < 512; ++j)
                a.in[static_cast<size_t>(c)][static_cast<size_t>(j)] = b.in[static_cast<size_t>(c)][static_cast<size_t>(j)] =
                    0.5f * std::sin(0.05f * j + c);
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
            for (int j = 0; j < 512; ++j)
                same &= a.out[static_cast<size_t>(c)][static_cast<size_t>(j)] ==
                        b.out[static_cast<size_t>(c)][static_cast<size_t>(j)];
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

    {
        // The counter sees the plugin's own allocations (its statically linked operator new).
        Plugin* made = nullptr;
        check(allocations_during([&] { made = new Plugin(factory); }) > 0, "the allocation counter sees the plugin's new");
        delete made;

        // process() with several queues of several points (out of order across queues) allocates nothing.
        Plugin plugin(factory);
        plugin.start(512);
        Changes changes;
        const std::vector<std::pair<const char*, std::vector<std::pair<int32, ParamValue>>>> automation = {
            {"Tube Drive", {{10, 0.2}, {300, 0.8}, {500, 0.5}}},
            {"Mix", {{0, 0.9}, {40, 0.7}, {260, 1.0}}},
            {"Output Gain", {{5, 0.4}, {200, 0.6}, {480, 0.5}, {511, 0.55}}},
            {"Room Mix", {{100, 0.3}, {101, 0.35}, {450, 0.2}}},
            {"Glue Threshold", {{0, 0.5}, {256, 0.6}}},
        };
        for (const auto& [title, points] : automation) {
            changes.queues.push_back({});
            changes.queues.back().id = plugin.id_of(title);
            changes.queues.back().points = points;
        }
        Buffers buffers(2, 512, 0.0f);
        long counted = 0;
        for (int block = 0; block < 8; ++block) {
            fill_sine(buffers, 512, block * 512);
            ProcessData data = buffers.data(512, &changes);
            counted += allocations_during([&] { plugin.processor->process(data); });
        }
        if (counted) std::printf("  %ld allocations in process()\n", counted);
        check(counted == 0, "process() with parameter points in several queues allocates nothing");

        // A state that changes a structural parameter is applied inside process(): still no allocation.
        MemoryStream state;
        {
            Plugin source(factory);
            source.set_plain("Room Size", 21.0);
            source.set_plain("Tube Oversampling", 4.0);
            source.component->getState(&state);
        }
        state.position = 0;
        plugin.component->setState(&state);
        ProcessData data = buffers.data(512, &changes);
        check(allocations_during([&] { plugin.processor->process(data); }) == 0,
              "process() applying a loaded structural change allocates nothing");
    }

    {
        // Tail: the noise floor never ends; without it the room rings for a while after the latency.
        Plugin plugin(factory);
        plugin.start(512);
        check(plugin.processor->getTailSamples() == kInfiniteTail, "tail is infinite while the noise floor is on");
        plugin.send({{"Noise Enabled", 0.0}, {"Room RT60", 2.0}});
        stemglue::Engine engine;
        engine_like(engine, plugin);
        const uint32 tail = plugin.processor->getTailSamples();
        check(engine.tail_samples() > 0 && tail == static_cast<uint32>(engine.tail_samples() + engine.latency_samples()),
              "tail is the engine's tail plus the latency");
    }

    {
        // Every parameter is automatable (Ardour lists no others); bypass is kIsBypass | kCanAutomate.
        Plugin plugin(factory);
        bool automatable = true;
        for (int32 i = 0; i < plugin.controller->getParameterCount(); ++i) {
            ParameterInfo info{};
            plugin.controller->getParameterInfo(i, info);
            automatable &= (info.flags & kCanAutomate) != 0;
            if (info.id == plugin.id_of("Bypass")) check(info.flags == (kIsBypass | kCanAutomate), "bypass flags");
        }
        check(automatable, "every parameter is automatable");
        Handler handler;
        plugin.controller->setComponentHandler(&handler);
        plugin.set_plain("Tube Oversampling", 8.0);
        check(handler.restarted_with(kLatencyChanged), "a structural change from the controller announces a latency change");
        plugin.controller->setComponentHandler(nullptr);

        // Choice parameters: a list whose texts are "<value> <unit>" and parse back.
        auto text_of = [&](const char* title, double normalized) {
            String128 text{};
            plugin.controller->getParamStringByValue(plugin.id_of(title), normalized, text);
            std::string ascii;
            for (int c = 0; text[c]; ++c) ascii += static_cast<char>(text[c]);
            return ascii;
        };
        ParameterInfo hum{};
        for (int32 i = 0; i < plugin.controller->getParameterCount(); ++i) {
            plugin.controller->getParameterInfo(i, hum);
            if (hum.id == plugin.id_of("Noise Hum Frequency")) break;
        }
        check((hum.flags & kIsList) && hum.step_count == 1, "hum frequency is a two-entry list");
        check(text_of("Noise Hum Frequency", 0.0) == "50 Hz" && text_of("Noise Hum Frequency", 1.0) == "60 Hz",
              "hum frequency reads 50 Hz / 60 Hz");
        String128 sixty{};
        const char* sixty_text = "60 Hz";
        for (int c = 0; sixty_text[c]; ++c) sixty[c] = static_cast<char16>(sixty_text[c]);
        ParamValue parsed = -1.0;
        check(plugin.controller->getParamValueByString(plugin.id_of("Noise Hum Frequency"), sixty, parsed) == kResultOk &&
                  parsed == 1.0,
              "\"60 Hz\" parses back");
        const ParamID hum_id = plugin.id_of("Noise Hum Frequency");
        check(plugin.controller->plainParamToNormalized(hum_id, 60.0) == 1.0 &&
                  plugin.controller->plainParamToNormalized(hum_id, 50.0) == 0.0 &&
                  plugin.controller->normalizedParamToPlain(hum_id, 1.0) == 60.0,
              "hum frequency plain values are its frequencies");
        check(plugin.controller->plainParamToNormalized(hum_id, 1.0) == 1.0 &&
                  plugin.controller->plainParamToNormalized(hum_id, 0.0) == 0.0,
              "hum frequency takes Ardour's toggle values 0 / 1 as its entries");
        check(text_of("Tube Oversampling", plugin.controller->plainParamToNormalized(plugin.id_of("Tube Oversampling"), 4.0)) ==
                  "4x",
              "oversampling reads 4x");
    }

    {
        // A structural value loaded by setState while processing takes effect without a new
        // activation, exactly as the engine applies the same values set at that point (at its own
        // silent point: a 10 ms fade out and in), and a latency change is announced.
        Plugin plugin(factory);
        plugin.start(512);
        stemglue::Engine mirror;
        engine_like(mirror, plugin);
        Buffers buffers(2, 512, 0.0f);
        // Blocks [first, first + 3) through the plugin and the mirror: the same output? A silent point?
        bool silent_point = false;
        auto same_three_blocks = [&](int first) {
            bool same = true;
            for (int block = first; block < first + 3; ++block) {
                fill_sine(buffers, 512, block * 512);
                ProcessData data = buffers.data(512);
                plugin.processor->process(data);
                same &= same_output(buffers, engine_output(mirror, buffers, 512), 512);
                for (int j = 0; j < 512; ++j)
                    silent_point |=
                        buffers.out[0][static_cast<size_t>(j)] == 0.0f && buffers.out[1][static_cast<size_t>(j)] == 0.0f;
            }
            return same;
        };
        const bool same = same_three_blocks(0);
        check(same, "the plugin renders what the engine renders");
        MemoryStream state;
        {
            Plugin source(factory);
            source.set_plain("Tube Oversampling", 8.0);
            source.set_plain("Room Size", 17.0);
            source.component->getState(&state);
        }
        Handler handler;
        plugin.controller->setComponentHandler(&handler);
        state.position = 0;
        check(plugin.component->setState(&state) == kResultOk, "setState while processing");
        check(handler.restarted_with(kLatencyChanged), "a loaded state that changes the latency announces it");
        stemglue::Engine loaded;
        engine_like(loaded, plugin);
        check(plugin.processor->getLatencySamples() == static_cast<uint32>(loaded.latency_samples()),
              "the latency of the loaded state is reported");

        auto set_like_plugin = [&](stemglue::Engine& engine) {
            for (int i = 0; i < stemglue::kNumParameters; ++i) {
                const ParamID id = stemglue::parameter_hash(stemglue::kParameters[static_cast<size_t>(i)].id);
                engine.set_parameter(i, plugin.controller->normalizedParamToPlain(id, plugin.controller->getParamNormalized(id)));
            }
        };
        set_like_plugin(mirror);
        silent_point = false;
        check(same_three_blocks(3) && silent_point,
              "the loaded structural values apply at the engine's silent point, as in the engine");
        plugin.controller->setComponentHandler(nullptr);

        // A structural change that arrives only as a queue point applies the same way.
        plugin.send({{"Room Size", 9.0}, {"Seed", 123.0}});
        set_like_plugin(mirror);
        check(same_three_blocks(6), "a structural value from the process queue applies as in the engine");

        // A newer format is refused, values untouched.
        MemoryStream newer;
        newer.bytes = state.bytes;
        newer.bytes[4] = 99;  // the version follows the 4-byte magic
        const double before = plugin.plain("Room Size");
        plugin.set_plain("Room Size", 5.0);
        check(plugin.component->setState(&newer) == kResultFalse && plugin.plain("Room Size") == 5.0,
              "a state from a newer format is refused");
        (void)before;
    }

    {
        // JUCE echoes parameters back through the queue as float: that is no structural change.
        Plugin plugin(factory);
        plugin.start(512);
        stemglue::Engine reference;
        engine_like(reference, plugin);
        Buffers buffers(2, 512, 0.0f);
        bool same = true;
        for (int block = 0; block < 4; ++block) {
            Changes echo;
            for (const char* title : {"Track ID", "Room Size", "Room Predelay", "Seed"}) {
                echo.queues.push_back({});
                echo.queues.back().id = plugin.id_of(title);
                echo.queues.back().points = {{0, static_cast<float>(plugin.controller->getParamNormalized(plugin.id_of(title)))}};
            }
            fill_sine(buffers, 512, block * 512);
            ProcessData data = buffers.data(512, block == 1 ? &echo : nullptr);
            plugin.processor->process(data);
            same &= same_output(buffers, engine_output(reference, buffers, 512), 512);
        }
        check(same, "a float-rounded echo of structural values does not reset the engine");
    }

    {
        // track_id: drawn per instance, kept through state, redrawn when a live instance holds it.
        MemoryStream saved;
        double first_id = -1.0;
        {
            Plugin first(factory), second(factory);
            first_id = first.plain("Track ID");
            check(first_id != second.plain("Track ID"), "two instances draw different track ids");
            bool default_is_own_id = false;
            for (int32 i = 0; i < first.controller->getParameterCount(); ++i) {
                ParameterInfo info{};
                first.controller->getParameterInfo(i, info);
                if (info.id == first.id_of("Track ID"))
                    default_is_own_id = info.default_normalized_value == first.controller->getParamNormalized(info.id);
            }
            check(default_is_own_id, "an instance's track id default is the id it drew (what Ardour shows at first)");
            first.component->getState(&saved);
            Plugin copy(factory);
            Handler handler;
            copy.controller->setComponentHandler(&handler);
            saved.position = 0;
            check(copy.component->setState(&saved) == kResultOk && copy.plain("Track ID") != first_id,
                  "a copied state gets a fresh track id while the original lives");
            bool reported = handler.restarted_with(kParamValuesChanged);
            for (const auto& [id, value] : handler.edits)
                reported &= id != copy.id_of("Track ID") || value == copy.controller->getParamNormalized(id);
            check(reported && !handler.edits.empty(), "the fresh track id is reported to the host");
            // JUCE loads the same bytes into setComponentState right after setState: no second draw.
            const double drawn = copy.plain("Track ID");
            const size_t edits = handler.edits.size();
            saved.position = 0;
            check(copy.controller->setComponentState(&saved) == kResultOk && copy.plain("Track ID") == drawn &&
                      handler.edits.size() == edits,
                  "loading the same copied state again keeps the id drawn for it");
            copy.controller->setComponentHandler(nullptr);
            saved.position = 0;
            check(first.component->setState(&saved) == kResultOk && first.plain("Track ID") == first_id,
                  "an instance reloading its own state keeps its id");
        }
        Plugin reloaded(factory);
        saved.position = 0;
        check(reloaded.component->setState(&saved) == kResultOk && reloaded.plain("Track ID") == first_id,
              "a reloaded project keeps its saved track id");
    }

    {
        // 64-bit hosts: double buffers give what float buffers give (the samples are floats either
        // way), also for blocks longer than the plugin's chunk, with automation points on both
        // sides of a chunk edge, in place, and without allocating.
        Plugin single(factory), twin(factory);
        single.set_plain("Track ID", 7.0);
        twin.set_plain("Track ID", 7.0);
        single.start(4096);
        twin.start(4096, 2, kSample64);
        Changes changes;
        changes.queues.push_back({});
        changes.queues[0].id = single.id_of("Tube Drive");
        changes.queues[0].points = {{100, 0.8}, {2047, 0.3}, {2048, 0.6}, {3000, 0.9}};
        Buffers floats(2, 4096, 0.0f);
        Buffers64 doubles(2, 4096);
        bool same = true, in_place_same = true;
        long counted = 0;
        for (int block = 0; block < 4; ++block) {
            fill_sine(floats, 4096, block * 4096);
            for (size_t c = 0; c < 2; ++c)
                for (size_t j = 0; j < 4096; ++j) doubles.in[c][j] = floats.in[c][j];
            ProcessData float_data = floats.data(4096, &changes);
            single.processor->process(float_data);
            const bool in_place = block == 3;  // the last block: input and output are the same buffers
            if (in_place) {
                doubles.out = doubles.in;
                doubles.in_pointers = {doubles.out[0].data(), doubles.out[1].data()};
                doubles.out_pointers = doubles.in_pointers;
                doubles.in_bus.channel_buffers_64 = doubles.in_pointers.data();
                doubles.out_bus.channel_buffers_64 = doubles.out_pointers.data();
            }
            ProcessData double_data = doubles.data(4096, &changes);
            counted += allocations_during([&] { twin.processor->process(double_data); });
            for (size_t c = 0; c < 2; ++c)
                for (size_t j = 0; j < 4096; ++j)
                    (in_place ? in_place_same : same) &= doubles.out[c][j] == static_cast<double>(floats.out[c][j]);
        }
        check(same, "64-bit processing gives the 32-bit output, automation included");
        check(in_place_same, "64-bit processing in place");
        check(counted == 0, "64-bit process() allocates nothing");
        Buffers64 mono(1, 512);
        mono.in[0].assign(512, std::nan(""));
        ProcessData flush_64{};
        flush_64.symbolic_sample_size = kSample64;
        check(twin.processor->process(flush_64) == kResultOk, "64-bit flush without buffers");
        ProcessData poisoned = mono.data(512);
        bool finite = twin.processor->process(poisoned) == kResultOk;
        for (double x : mono.out[0]) finite &= std::isfinite(x);
        check(finite, "64-bit NaN input, fewer channels than the arrangement: finite output");
    }

    {
        // IUnitInfo: a root unit "Global" with the presets' program list, one unit per module; every
        // parameter in its module's unit, switches included.
        Plugin plugin(factory);
        IUnitInfo* units = nullptr;
        check(plugin.component->queryInterface(kUnitInfoIid.bytes, reinterpret_cast<void**>(&units)) == kResultOk && units,
              "IUnitInfo");
        const auto& modules = stemglue::modules();
        check(units->getUnitCount() == 1 + static_cast<int32>(modules.size()), "a unit per module plus the root");
        std::vector<std::string> names;
        bool tree = true;
        for (int32 i = 0; i < units->getUnitCount(); ++i) {
            UnitInfo unit{};
            tree &= units->getUnitInfo(i, unit) == kResultOk && unit.id == i &&
                    unit.parent_unit_id == (i == 0 ? kNoParentUnitId : kRootUnitId) &&
                    unit.program_list_id == (i == 0 ? 1 : kNoProgramListId);
            names.push_back(ascii(unit.name));
        }
        UnitInfo none{};
        check(tree && units->getUnitInfo(units->getUnitCount(), none) == kInvalidArgument, "unit tree");
        check(names == std::vector<std::string>{"Global", "Humanize", "Bleed", "Room", "Tube", "Drift", "Noise", "Glue"},
              "unit names");
        auto unit_of = [&](const char* title) {
            for (int32 i = 0; i < plugin.controller->getParameterCount(); ++i) {
                ParameterInfo info{};
                plugin.controller->getParameterInfo(i, info);
                if (ascii(info.title) == title) return names[static_cast<size_t>(info.unit_id)];
            }
            return std::string("?");
        };
        check(unit_of("Tube Drive") == "Tube" && unit_of("Tube Enabled") == "Tube" && unit_of("Glue Ratio") == "Glue" &&
                  unit_of("Room Size") == "Room" && unit_of("Mix") == "Global" && unit_of("Seed") == "Global" &&
                  unit_of("Preset") == "Global",
              "parameters sit in their module's unit");

        // The program list is the preset list; the program-change parameter selects from it.
        ProgramListInfo list{};
        check(units->getProgramListCount() == 1 && units->getProgramListInfo(0, list) == kResultOk && list.id == 1 &&
                  list.program_count == stemglue::kNumPresets,
              "one program list holding every preset");
        bool program_names = true;
        for (int32 p = 0; p < list.program_count; ++p) {
            String128 name{};
            program_names &= units->getProgramName(list.id, p, name) == kResultOk &&
                             ascii(name) == std::string(stemglue::kPresets[static_cast<size_t>(p)].name);
        }
        String128 name{};
        check(program_names && units->getProgramName(list.id, list.program_count, name) == kInvalidArgument,
              "program names are the preset names");
        ParameterInfo program{};
        plugin.controller->getParameterInfo(plugin.controller->getParameterCount() - 1, program);
        check(program.flags == (kCanAutomate | kIsList | kIsProgramChange) && program.step_count == list.program_count - 1 &&
                  program.unit_id == kRootUnitId && program.default_normalized_value == 0.0,
              "the program-change parameter: a list over the presets, last, in the root unit");
        units->release();

        const int cassette = stemglue::preset_index("cassette");
        const double cassette_normalized = cassette / double(stemglue::kNumPresets - 1);
        plugin.set_plain("Seed", 321.0);
        plugin.set_plain("Track ID", 654.0);
        plugin.set_plain("Glue Ratio", 7.0);
        Handler handler;
        plugin.controller->setComponentHandler(&handler);
        check(plugin.controller->setParamNormalized(program.id, cassette_normalized) == kResultOk &&
                  handler.restarted_with(kParamValuesChanged),
              "selecting a program announces new parameter values");
        std::array<double, stemglue::kNumParameters> expected{};
        for (int i = 0; i < stemglue::kNumParameters; ++i) expected[static_cast<size_t>(i)] = 1e9;
        stemglue::apply_preset(stemglue::kPresets[static_cast<size_t>(cassette)], expected);
        bool values = true;
        for (int i = 0; i < stemglue::kNumParameters; ++i) {
            const ParamID id = stemglue::parameter_hash(stemglue::kParameters[static_cast<size_t>(i)].id);
            const double plain = plugin.controller->normalizedParamToPlain(id, plugin.controller->getParamNormalized(id));
            if (!stemglue::kept_by_presets(i)) values &= std::abs(plain - expected[static_cast<size_t>(i)]) < 1e-9;
        }
        check(values && std::abs(plugin.plain("Glue Ratio") - 2.0) < 1e-9, "the program's values are the preset's");
        check(plugin.plain("Seed") == 321.0 && plugin.plain("Track ID") == 654.0, "a program keeps seed and track id");
        String128 text{};
        plugin.controller->getParamStringByValue(program.id, cassette_normalized, text);
        check(ascii(text) == "cassette" && plugin.controller->getParamNormalized(program.id) == cassette_normalized,
              "the program parameter reads the preset's name");
        handler.restarts.clear();
        plugin.controller->setParamNormalized(program.id, cassette_normalized);
        check(handler.restarts.empty(), "the selected program sent again with its values unchanged (an echo) is no change");
        plugin.set_plain("Tube Drive", 30.0);
        plugin.controller->setParamNormalized(program.id, cassette_normalized);
        check(handler.restarted_with(kParamValuesChanged) && std::abs(plugin.plain("Tube Drive") - 12.0) < 1e-9,
              "selecting the program again after an edit restores its values");
        plugin.controller->setComponentHandler(nullptr);

        // A program change as a queue point, on the audio thread: applied in place, as the engine
        // renders the preset's values; no allocation.
        Plugin queued(factory);
        queued.start(512);
        Changes change;
        change.queues.push_back({});
        change.queues[0].id = program.id;
        change.queues[0].points = {{0, stemglue::preset_index("worn 4-track") / double(stemglue::kNumPresets - 1)}};
        Buffers buffers(2, 512, 0.0f);
        fill_sine(buffers, 512, 0);
        ProcessData data = buffers.data(512, &change);
        check(allocations_during([&] { queued.processor->process(data); }) == 0,
              "a program change in process() allocates nothing");
        check(queued.plain("Tube Drive") == 18.0 && queued.plain("Noise Hum") == -78.0, "a queued program change applies");

        // The processor reports every value to the host after a program change (Ardour reads
        // these), once.
        auto reported_values = [&](Plugin& target) {
            OutputChanges output(static_cast<size_t>(stemglue::kNumParameters + 8));
            ProcessData block = buffers.data(512);
            block.output_parameter_changes = &output;
            const long allocated = allocations_during([&] { target.processor->process(block); });
            bool exact = allocated == 0;
            for (size_t q = 0; q < output.used; ++q)
                exact &= output.queues[q].points.size() == 1 &&
                         output.queues[q].points[0].second == target.controller->getParamNormalized(output.queues[q].id);
            return exact ? static_cast<int>(output.used) : -1;
        };
        check(reported_values(queued) == stemglue::kNumParameters + 1 && reported_values(queued) == 0,
              "after a program change the next block reports every value through outputParameterChanges");

        // Ardour 7 takes its process lock around loading a preset and again in restartComponent:
        // there the values go through outputParameterChanges only.
        Host ardour;
        Plugin in_ardour(factory);
        in_ardour.component->initialize(&ardour);
        in_ardour.start(512);
        Handler ardour_handler;
        in_ardour.controller->setComponentHandler(&ardour_handler);
        in_ardour.controller->setParamNormalized(program.id, cassette_normalized);
        check(ardour_handler.restarts.empty() && reported_values(in_ardour) == stemglue::kNumParameters + 1,
              "in Ardour a program change is reported from process(), without a restart");
        in_ardour.controller->setComponentHandler(nullptr);
    }

    {
        // No C++ exception crosses the ABI when memory runs out (each case in a child process).
        check(in_child([&] {
                  void* object = reinterpret_cast<void*>(1);
                  PClassInfo info{};
                  factory->getClassInfo(0, &info);
                  failing = true;
                  const tresult result = factory->createInstance(info.cid, kComponentIid.bytes, &object);
                  failing = false;
                  return result == kOutOfMemory && object == nullptr;
              }),
              "createInstance out of memory: kOutOfMemory and no object");
        check(in_child([&] {
                  Plugin plugin(factory);
                  ProcessSetup setup{2, kSample32, 512, 48000.0};
                  failing = true;
                  const tresult setup_result = plugin.processor->setupProcessing(setup);
                  const uint32 latency = plugin.processor->getLatencySamples();
                  const tresult active_result = plugin.component->setActive(1);
                  failing = false;
                  (void)latency;
                  if (setup_result != kOutOfMemory || active_result != kOutOfMemory) return false;
                  plugin.component->setActive(0);
                  // Memory is back: the plugin recovers.
                  Buffers buffers(2, 512, 0.25f);
                  ProcessData data = buffers.data(512);
                  return plugin.processor->setupProcessing(setup) == kResultOk && plugin.component->setActive(1) == kResultTrue &&
                         plugin.processor->process(data) == kResultOk && buffers.finite();
              }),
              "setupProcessing / getLatencySamples / setActive out of memory: kOutOfMemory, then recovery");
    }

    check(module_exit() && module_exit(), "ModuleExit may be called twice");
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
