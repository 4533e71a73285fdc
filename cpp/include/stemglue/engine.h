// Engine: the whole StemGlue chain as one processor, in a fixed order (for now: Tube), each
// module behind its own crossfaded enable switch, then the global mix with the latency-aligned
// dry input, output gain and bypass. The VST3 plugin, the CLI and stemglue.StemGlue all run this.
#pragma once

#include <cstdint>
#include <vector>

#include "stemglue/audio_block.h"
#include "stemglue/delay_line.h"
#include "stemglue/smoother.h"
#include "stemglue/tube.h"

namespace stemglue {

class Engine {
public:
    Engine();

    /** Allocate for the stream; ends with reset(). */
    void prepare(double sample_rate, int max_block_size, int num_channels);
    /** Clear state, apply structural parameters, snap smoothers. No allocation. */
    void reset() noexcept;
    /** Plain-unit value for any parameter of the table (index into kParameters). */
    void set_parameter(int index, double value) noexcept;
    /** Process in place; up to the prepared number of channels, any number of samples. */
    void process(AudioBlock block) noexcept;
    /** Delay of every path; fixed between resets. */
    int latency_samples() const noexcept { return latency_samples_; }
    /** The largest latency any parameter setting can give (for hosts that want a bound). */
    static int max_latency_samples() noexcept { return Tube::max_latency_samples(); }
    int num_channels() const noexcept { return num_channels_; }

private:
    void process_chunk(AudioBlock block) noexcept;

    Tube tube_;
    LinearSmoother bypass_, mix_percent_, output_gain_db_, tube_enabled_;
    uint64_t seed_ = 1, pending_seed_ = 1;
    int latency_samples_ = 0;
    int max_block_size_ = 0;
    int num_channels_ = 0;

    std::vector<DelayLine> dry_delay_, tube_input_delay_;
    std::vector<std::vector<float>> dry_, module_input_;
    std::vector<double> bypass_values_, mix_values_, gain_values_, enabled_values_;
};

}  // namespace stemglue
