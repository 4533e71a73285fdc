// Engine: the whole StemGlue chain as one processor. The modules run in the order of
// module_list.h (a recording's signal flow: Humanize -> Bleed -> Room -> Tube -> Drift -> Noise ->
// GlueCompressor), each behind its own enable switch (crossfaded against its latency-aligned input,
// so the chain's latency never changes; a module whose switch has faded to off does not run, and
// starts from a reset when switched on again, caught up on its last latency and fade of input before
// its fade starts), then the global mix with the latency-aligned dry input, output gain and bypass.
// The VST3 plugin, the CLI and stemglue.StemGlue all run this.
//
// Structural parameters (seed, track id, oversampling, room size, predelay, and the Humanize switch,
// whose lookahead counts only while it is on) set while running
// apply at a safe point: the output fades out over kStructuralFadeMs, every module is reset there
// (the latency may change), and the input and output fade back in. A reset() applies them at once.
#pragma once

#include <memory>
#include <vector>

#include "stemglue/delay_line.h"
#include "stemglue/module.h"
#include "stemglue/smoother.h"

namespace stemglue {

class Engine final : public Module {
public:
    static constexpr double kStructuralFadeMs = 10.0;

    Engine();

    /** Plain-unit value for any row of the table: the chain's own, or passed to every module. */
    void set_parameter(int index, double value) noexcept override;
    /** The value any row holds now (its target). */
    double get_parameter(int index) const noexcept override;
    /** The host's transport before a block: while it plays, the timeline position of the block's
     *  first sample; a jump (a locate, a loop, a bounce after pre-roll) re-keys every random stream
     *  there. While stopped the chain free-runs. */
    void set_transport(bool playing, uint64_t position_samples) noexcept;
    /** The host's tempo (0: none) and, while it plays, the quarter-note position of the block's first
     *  input sample (NaN: none), for the modules that follow the beat. Call after set_transport. */
    void set_tempo(double tempo_bpm, double beat) noexcept;
    /** Delay of every path: the modules' latencies; fixed between resets. */
    int latency_samples() const noexcept override;
    int max_latency_samples() const noexcept override;
    int64_t tail_samples() const noexcept override;
    bool has_pending_change() const noexcept override;

private:
    // One module behind its enable switch, with its latency-aligned input for the crossfade.
    struct Stage {
        std::unique_ptr<Module> module;
        std::unique_ptr<ModuleParameter> enabled;
        std::vector<DelayLine> input_delay;
        std::vector<std::vector<float>> input;
        DelayLine sidechain_delay;  // keeps the sidechain aligned with the main path after this stage
        int fade_in_samples = 0;    // the switch's fade
        bool running = true;
        // Switched on: input the module has yet to catch up on (the newest of the input delay's
        // history) before its output is aligned and the switch's fade may start; and the place in
        // the catch-up of the next sample it takes (the first fade_in_samples fade in).
        int backlog = 0, catch_up_index = 0;
        std::vector<double> switch_values;  // the switch's fade, held at 0 until caught up
    };

    void prepare_module() override;
    void reset_module() noexcept override;
    void seek_module() noexcept override;
    void process_chunk(AudioBlock block) noexcept override;
    int stage_latency(const Stage& stage) const noexcept;
    void restart_stage(Stage& stage, uint64_t position) noexcept;
    void catch_up(Stage& stage, AudioBlock block, int count) noexcept;
    void run_stage(Stage& stage, AudioBlock block, float* sidechain, uint64_t position) noexcept;
    void run_chain(AudioBlock block, float* sidechain, uint64_t position) noexcept;
    void apply_structural_changes(uint64_t position) noexcept;

    ModuleParameter bypass_{parameters_, "bypass"};
    ModuleParameter mix_percent_{parameters_, "mix_percent"};
    ModuleParameter output_gain_db_{parameters_, "output_gain_db"};
    std::vector<Stage> stages_;
    LinearSmoother structural_gain_;        // 1, or fading around a structural change
    int structural_hold_ = 0;               // samples of silence before the fade in after a change
    LinearSmoother structural_input_gain_;  // 1, or fading the input in after a change
    std::vector<double> structural_gain_values_, structural_input_values_;

    std::vector<DelayLine> dry_delay_;
    std::vector<std::vector<float>> dry_;
    std::vector<float> sidechain_mono_;  // the aux input, sanitised and mixed to one source
};

}  // namespace stemglue
