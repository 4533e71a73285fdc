// The module's entry points and its one factory (IPluginFactory 1/2/3), with one class: the
// StemGlue effect. Only GetPluginFactory, ModuleEntry and ModuleExit are exported (exports.map).
#include <atomic>
#include <new>

#include "stemglue_plugin.h"

namespace stemglue::vst3 {
namespace {

constexpr const char* kVendor = "StemGlue";
constexpr const char* kVersion = "0.1.0";
constexpr const char* kSdkVersion = "VST 3.7.14";  // >= 3.7 promises IProcessContextRequirements
constexpr const char* kPluginName = "StemGlue";
constexpr const char* kCategory = "Audio Module Class";
constexpr const char* kSubCategories = "Fx|Distortion";

template <size_t N>
void copy_ascii(char (&destination)[N], const char* text) noexcept
{
    size_t i = 0;
    for (; text[i] != '\0' && i < N - 1; ++i) destination[i] = text[i];
    for (; i < N; ++i) destination[i] = '\0';
}

template <size_t N>
void copy_utf16(char16 (&destination)[N], const char* text) noexcept
{
    size_t i = 0;
    for (; text[i] != '\0' && i < N - 1; ++i) destination[i] = static_cast<char16>(text[i]);
    for (; i < N; ++i) destination[i] = 0;
}

// The fields PClassInfo, PClassInfo2 and PClassInfoW share.
template <typename Info>
void fill_class_identity(Info* info) noexcept
{
    std::memcpy(info->cid, kStemGlueClassId.bytes, 16);
    info->cardinality = kManyInstances;
    copy_ascii(info->category, kCategory);
}

class PluginFactory final : public IPluginFactory3 {
public:
    tresult queryInterface(const TUID iid, void** object) override
    {
        if (!object) return kInvalidArgument;
        if (same_uid(iid, kFUnknownIid) || same_uid(iid, kPluginFactoryIid) || same_uid(iid, kPluginFactory2Iid) ||
            same_uid(iid, kPluginFactory3Iid)) {
            *object = this;
            addRef();
            return kResultOk;
        }
        *object = nullptr;
        return kNoInterface;
    }
    // The factory is a static object: counting only keeps hosts' bookkeeping consistent.
    uint32 addRef() override { return ++references_; }
    uint32 release() override { return references_ > 0 ? --references_ : 0; }

    tresult getFactoryInfo(PFactoryInfo* info) override
    {
        if (!info) return kInvalidArgument;
        copy_ascii(info->vendor, kVendor);
        copy_ascii(info->url, "");
        copy_ascii(info->email, "");
        info->flags = kFactoryUnicode;
        return kResultOk;
    }

    int32 countClasses() override { return 1; }

    tresult getClassInfo(int32 index, PClassInfo* info) override
    {
        if (index != 0 || !info) return kInvalidArgument;
        fill_class_identity(info);
        copy_ascii(info->name, kPluginName);
        return kResultOk;
    }

    tresult getClassInfo2(int32 index, PClassInfo2* info) override
    {
        if (index != 0 || !info) return kInvalidArgument;
        fill_class_identity(info);
        copy_ascii(info->name, kPluginName);
        info->class_flags = 0;  // single component: not distributable
        copy_ascii(info->sub_categories, kSubCategories);
        copy_ascii(info->vendor, kVendor);
        copy_ascii(info->version, kVersion);
        copy_ascii(info->sdk_version, kSdkVersion);
        return kResultOk;
    }

    tresult getClassInfoUnicode(int32 index, PClassInfoW* info) override
    {
        if (index != 0 || !info) return kInvalidArgument;
        fill_class_identity(info);
        copy_utf16(info->name, kPluginName);
        info->class_flags = 0;
        copy_ascii(info->sub_categories, kSubCategories);
        copy_utf16(info->vendor, kVendor);
        copy_utf16(info->version, kVersion);
        copy_utf16(info->sdk_version, kSdkVersion);
        return kResultOk;
    }

    tresult setHostContext(FUnknown*) override { return kResultOk; }

    tresult createInstance(FIDString cid, FIDString iid, void** object) override
    {
        if (!object) return kInvalidArgument;
        *object = nullptr;
        if (!same_uid(cid, kStemGlueClassId)) return kNoInterface;
        StemGluePlugin* plugin = nullptr;
        try {
            plugin = new StemGluePlugin();  // the engine and the instance registry allocate
        } catch (const std::bad_alloc&) {
            return kOutOfMemory;  // no exception crosses the ABI
        } catch (...) {
            return kInternalError;
        }
        const tresult result = plugin->queryInterface(iid, object);
        plugin->release();  // the host's reference (if any) is the one queryInterface added
        return result;
    }

private:
    std::atomic<uint32> references_{0};
};

PluginFactory factory;
std::atomic<int> module_entries{0};

}  // namespace
}  // namespace stemglue::vst3

extern "C" {

__attribute__((visibility("default"))) stemglue::vst3::IPluginFactory* GetPluginFactory()
{
    stemglue::vst3::factory.addRef();
    return &stemglue::vst3::factory;
}

// Steinberg's Linux loader requires both; hosts may call them more than once.
__attribute__((visibility("default"))) bool ModuleEntry(void*)
{
    ++stemglue::vst3::module_entries;
    return true;
}

__attribute__((visibility("default"))) bool ModuleExit()
{
    if (stemglue::vst3::module_entries > 0) --stemglue::vst3::module_entries;
    return true;
}
}
