// Engine: the whole StemGlue chain as one processor. Fixed order: Tube -> Drift -> Noise -> Room -> Glue, each
// behind its own enable switch (crossfaded against its latency-aligned input, so the chain's
// latency never changes), then the global mix with the latency-aligned dry input, output gain and
// bypass. The VST3 plugin, the CLI and stemglue.StemGlue all run this.
#pragma once

#include <cstdint>
#include <vector>

#include "stemglue/audio_block.h"
#include "stemglue/delay_line.h"
#include "stemglue/drift.h"
#include "stemglue/glue_compressor.h"
#include "stemglue/noise.h"
#include "stemglue/room.h"
#include "stemglue/smoother.h"
#include "stemglue/tube.h"

namespace stemglue {

class Engine {
public:
    Engine();

    /** Allocate for the stream; ends with reset(). */
    void prepare(double sample_rate, int max_block_size, int num_channels);
    /** Clear state, apply structural parameters (oversampling, seed), snap smoothers. No allocation. */
    void reset() noexcept;
    /** Plain-unit value for any parameter of the table (index into kParameters). */
    void set_parameter(int index, double value) noexcept;
    /** Process in place; up to the prepared number of channels, any number of samples. */
    void process(AudioBlock block) noexcept;
    /** Samples after the input stops that are still audible (beyond the latency); -1 = never ends. */
    int64_t tail_samples() const noexcept;
    /** Delay of every path; fixed between resets. */
    int latency_samples() const noexcept { return latency_samples_; }

private:
    // One module's enable switch: its latency-aligned input, crossfaded with its output.
    struct Stage {
        LinearSmoother enabled;
        std::vector<DelayLine> input_delay;
        std::vector<std::vector<float>> input;
        std::vector<double> enabled_values;
    };

    template <typename Module>
    void run_stage(Module& module, Stage& stage, AudioBlock block) noexcept;
    void process_chunk(AudioBlock block) noexcept;

    Tube tube_;
    Drift drift_;
    Noise noise_;
    Room room_;
    GlueCompressor glue_;
    Stage tube_stage_, drift_stage_, noise_stage_, room_stage_, glue_stage_;
    LinearSmoother bypass_, mix_percent_, output_gain_db_;
    int latency_samples_ = 0;
    int max_block_size_ = 0;
    int num_channels_ = 0;

    std::vector<DelayLine> dry_delay_;
    std::vector<std::vector<float>> dry_;
    std::vector<double> bypass_values_, mix_values_, gain_values_;
};

}  // namespace stemglue
