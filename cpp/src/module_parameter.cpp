#include "stemglue/module_parameter.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace stemglue {

void ParameterList::add(ModuleParameter& parameter) noexcept
{
    if (count_ >= kMaxParameters) {
        std::fprintf(stderr, "stemglue: more than %d parameters in one module\n", kMaxParameters);
        std::abort();
    }
    items_[static_cast<size_t>(count_++)] = &parameter;
}

void ParameterList::prepare(double sample_rate, int max_block_size)
{
    for (int i = 0; i < count_; ++i) items_[static_cast<size_t>(i)]->prepare(sample_rate, max_block_size);
}

void ParameterList::reset() noexcept
{
    for (int i = 0; i < count_; ++i) items_[static_cast<size_t>(i)]->reset();
}

void ParameterList::apply_structural() noexcept
{
    for (int i = 0; i < count_; ++i) items_[static_cast<size_t>(i)]->apply_structural();
}

bool ParameterList::set(int index, double value) noexcept
{
    bool found = false;
    for (int i = 0; i < count_; ++i) {
        if (items_[static_cast<size_t>(i)]->index() == index) {
            items_[static_cast<size_t>(i)]->set(value);
            found = true;
        }
    }
    return found;
}

const ModuleParameter* ParameterList::find(int index) const noexcept
{
    for (int i = 0; i < count_; ++i)
        if (items_[static_cast<size_t>(i)]->index() == index) return items_[static_cast<size_t>(i)];
    return nullptr;
}

bool ParameterList::has_pending_change() const noexcept
{
    for (int i = 0; i < count_; ++i)
        if (items_[static_cast<size_t>(i)]->has_pending_change()) return true;
    return false;
}

ModuleParameter::ModuleParameter(ParameterList& owner, std::string_view id) noexcept : index_(parameter_index(id))
{
    if (index_ < 0) {
        std::fprintf(stderr, "stemglue: no parameter '%.*s' in the table\n", static_cast<int>(id.size()), id.data());
        std::abort();
    }
    target_ = applied_ = spec().default_value;
    smoother_.reset(target_);
    owner.add(*this);
}

void ModuleParameter::set(double plain) noexcept
{
    target_ = constrain(spec(), plain);
    if (spec().timing != ParameterTiming::on_reset) {
        applied_ = target_;
        smoother_.set_target(target_);
    }
}

double ModuleParameter::value() const noexcept
{
    return spec().timing == ParameterTiming::smoothed ? smoother_.current() : applied_;
}

void ModuleParameter::prepare(double sample_rate, int max_block_size)
{
    smoother_.prepare(sample_rate, spec().timing == ParameterTiming::smoothed ? spec().smoothing_ms : 0.0);
    values_.assign(static_cast<size_t>(std::max(1, max_block_size)), 0.0);
    held_count_ = 0;
}

void ModuleParameter::reset() noexcept
{
    applied_ = target_;
    smoother_.reset(target_);
}

void ModuleParameter::apply_structural() noexcept
{
    if (spec().timing == ParameterTiming::on_reset) reset();
}

}  // namespace stemglue
