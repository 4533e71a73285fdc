// A module's parameter, bound to its row of the table: declared once as a member, it routes
// set_parameter() to itself, takes its default and smoothing time from the row, clamps every
// value to the row's range, and (when smoothed) fills a per-sample buffer for each chunk.
//
//     ModuleParameter drive_db_{parameters_, "tube_drive_db"};
//     const double* gain = drive_db_.fill(n, db_to_gain);  // in process_chunk
//
// Models: nih-plug's FloatParam::with_smoother and chowdsp's SmoothedBufferValue.
#pragma once

#include <array>
#include <cstring>
#include <string_view>
#include <vector>

#include "stemglue/parameters.h"
#include "stemglue/smoother.h"

namespace stemglue {

class ModuleParameter;

// The parameters a module declared, in declaration order. Registration happens in the members'
// constructors, so the module must not be copied or moved afterwards.
class ParameterList {
public:
    static constexpr int kMaxParameters = 24;

    ParameterList() = default;
    ParameterList(const ParameterList&) = delete;
    ParameterList& operator=(const ParameterList&) = delete;

    /** Called by ModuleParameter's constructor. */
    void add(ModuleParameter& parameter) noexcept;
    /** Smoothing ramps and per-sample buffers for a stream. */
    void prepare(double sample_rate, int max_block_size);
    /** Smoothers jump to their targets; structural values take effect. */
    void reset() noexcept;
    /** Structural values take effect; smoothers glide on. */
    void apply_structural() noexcept;
    /** Route a table value to the parameter that owns it; false if none here does. */
    bool set(int index, double value) noexcept;
    /** The owning parameter of a table index, or nullptr. */
    const ModuleParameter* find(int index) const noexcept;
    /** Whether a structural value waits for the next reset. */
    bool has_pending_change() const noexcept;

private:
    std::array<ModuleParameter*, kMaxParameters> items_{};
    int count_ = 0;
};

class ModuleParameter {
public:
    /** Bind to the table row with this id (an unknown id is a programming error: it aborts). */
    ModuleParameter(ParameterList& owner, std::string_view id) noexcept;
    ModuleParameter(const ModuleParameter&) = delete;
    ModuleParameter& operator=(const ModuleParameter&) = delete;

    int index() const noexcept { return index_; }
    const ParameterSpec& spec() const noexcept { return kParameters[static_cast<size_t>(index_)]; }

    /** Take a new plain value, made legal first (NaN -> default, clamped, snapped to kind). */
    void set(double plain) noexcept;
    /** The value in effect now (a smoother's current value; a structural value as of the last reset). */
    double value() const noexcept;
    /** The value last set (where a smoother is heading; a structural value waiting for reset). */
    double target() const noexcept { return target_; }
    bool is_smoothing() const noexcept { return smoother_.is_smoothing(); }
    /** How many samples a change glides over (0: a structural value, or one that jumps). */
    int ramp_samples() const noexcept { return smoother_.ramp_samples(); }
    bool has_pending_change() const noexcept { return applied_ != target_; }

    /** The next n values through transform, in this parameter's buffer (n <= max_block_size). */
    template <typename Transform>
    const double* fill(int n, Transform transform) noexcept
    {
        if (!smoother_.is_smoothing()) {
            // At rest the buffer often holds this value already (the last chunk's): not rewritten.
            const double value = transform(smoother_.current());
            if (held_count_ < n || std::memcmp(&value, &held_value_, sizeof value) != 0) {
                std::fill(values_.begin(), values_.begin() + n, value);
                held_value_ = value;
                held_count_ = n;
            }
            return values_.data();
        }
        held_count_ = 0;
        fill_smoothed(smoother_, values_.data(), n, transform);
        return values_.data();
    }
    const double* fill(int n) noexcept
    {
        return fill(n, [](double v) { return v; });
    }

    void prepare(double sample_rate, int max_block_size);
    void reset() noexcept;
    /** A structural value takes effect (others are unchanged). */
    void apply_structural() noexcept;

private:
    int index_;
    double target_;
    double applied_;  // on_reset: the value in effect since the last reset
    LinearSmoother smoother_;
    std::vector<double> values_;
    double held_value_ = 0.0;  // values_[0, held_count_) all hold it (compared bit for bit: -0, NaN)
    int held_count_ = 0;
};

}  // namespace stemglue
