#include "stemglue/engine.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "stemglue/module_list.h"
#include "stemglue/sanitize.h"

namespace stemglue {
namespace {

// a (1 - t) + b t, exact at t = 0 and t = 1.
inline float crossfade(float a, float b, double t) noexcept
{
    return static_cast<float>(double(a) * (1.0 - t) + double(b) * t);
}

inline void fade_in(float* x, const double* gain, int n) noexcept
{
    for (int j = 0; j < n; ++j) x[j] = static_cast<float>(double(x[j]) * gain[j]);
}

}  // namespace

Engine::Engine()
{
    for (const ModuleInfo& info : modules()) {
        Stage stage;
        stage.module = info.create();
        stage.enabled = std::make_unique<ModuleParameter>(parameters_, std::string(info.id) + "_enabled");
        stages_.push_back(std::move(stage));
    }
}

// A module whose switch is structural (its row applies at reset, as Humanize's lookahead does)
// neither runs nor delays while it is off.
int Engine::stage_latency(const Stage& stage) const noexcept
{
    const bool structural = stage.enabled->spec().timing == ParameterTiming::on_reset;
    return structural && stage.enabled->value() <= 0.0 ? 0 : stage.module->latency_samples();
}

int Engine::latency_samples() const noexcept
{
    int latency = 0;
    for (const Stage& stage : stages_) latency += stage_latency(stage);
    return latency;
}

int Engine::max_latency_samples() const noexcept
{
    int latency = 0;
    for (const Stage& stage : stages_) latency += stage.module->max_latency_samples();
    return latency;
}

void Engine::prepare_module()
{
    const size_t channels = static_cast<size_t>(num_channels_), block = static_cast<size_t>(max_block_size_);
    for (Stage& stage : stages_) {
        stage.module->prepare(sample_rate_, max_block_size_, num_channels_);
        // The switch's fade: the input a module catches up on when switched on fades in over as long.
        stage.fade_in_samples = stage.enabled->ramp_samples();
        stage.input_delay.assign(channels, DelayLine{});
        for (DelayLine& delay : stage.input_delay)
            delay.prepare(stage.module->max_latency_samples() + stage.fade_in_samples, max_block_size_);
        stage.input.assign(channels, std::vector<float>(block));
        stage.switch_values.assign(block, 0.0);
        stage.sidechain_delay.prepare(stage.module->max_latency_samples(), max_block_size_);
    }
    sidechain_mono_.assign(block, 0.0f);
    dry_delay_.assign(channels, DelayLine{});
    for (DelayLine& delay : dry_delay_) delay.prepare(max_latency_samples(), max_block_size_);
    dry_.assign(channels, std::vector<float>(block));
    structural_gain_.prepare(sample_rate_, kStructuralFadeMs);
    structural_input_gain_.prepare(sample_rate_, kStructuralFadeMs);
    structural_gain_values_.assign(block, 1.0);
    structural_input_values_.assign(block, 1.0);
}

void Engine::reset_module() noexcept
{
    structural_gain_.reset(1.0);
    structural_hold_ = 0;
    structural_input_gain_.reset(1.0);
    for (Stage& stage : stages_) {
        stage.module->reset();
        for (DelayLine& delay : stage.input_delay) {
            delay.set_delay(stage_latency(stage), stage_latency(stage) + stage.fade_in_samples);
            delay.reset();
        }
        stage.sidechain_delay.set_delay(stage_latency(stage));
        stage.sidechain_delay.reset();
        stage.running = stage.enabled->value() > 0.0;
        stage.backlog = 0;
    }
    for (DelayLine& delay : dry_delay_) {
        delay.set_delay(latency_samples());
        delay.reset();
    }
}

void Engine::seek_module() noexcept
{
    for (Stage& stage : stages_) {
        // Still catching up, its next input `backlog` samples behind the timeline: keyed there, it
        // comes in when it would have (a host that seeks at every block cannot hold it off).
        const uint64_t behind = static_cast<uint64_t>(stage.backlog);
        stage.module->seek(position_ >= behind ? position_ - behind : 0);
        if (position_ < behind) stage.running = false;  // (too near the start: it starts again there)
    }
}

void Engine::set_parameter(int index, double value) noexcept
{
    if (parameters_.set(index, value)) return;
    for (Stage& stage : stages_) stage.module->set_parameter(index, value);  // each takes its own rows (and the keys)
}

double Engine::get_parameter(int index) const noexcept
{
    if (const ModuleParameter* own = parameters_.find(index)) return own->target();
    for (const Stage& stage : stages_) {
        const double value = stage.module->get_parameter(index);
        if (!std::isnan(value)) return value;
    }
    return std::numeric_limits<double>::quiet_NaN();
}

void Engine::set_transport(bool playing, uint64_t position_samples) noexcept
{
    if (playing && position_samples != position_) seek(position_samples);
}

void Engine::set_tempo(double tempo_bpm, double beat) noexcept
{
    // Anchored on the timeline, so a stage switched on later still places the beat right.
    for (Stage& stage : stages_) stage.module->set_musical_time(tempo_bpm, beat, position_);
}

int64_t Engine::tail_samples() const noexcept
{
    if (bypass_.target() >= 1.0 || mix_percent_.target() <= 0.0) return 0;  // the output is the dry
    int64_t tail = 0;
    for (const Stage& stage : stages_) {
        if (stage.enabled->target() <= 0.0) continue;
        const int64_t stage_tail = stage.module->tail_samples();
        if (stage_tail < 0) return -1;
        tail += stage_tail;
    }
    return tail;
}

bool Engine::has_pending_change() const noexcept
{
    // A module that is off takes its values when it is switched on, at a silent point like any
    // other: they may change its latency (tube_oversampling), and with it every delay after it.
    for (const Stage& stage : stages_)
        if ((stage.running || stage.enabled->target() > 0.0) && stage.module->has_pending_change()) return true;
    return parameters_.has_pending_change();
}

// Switched back on: the module starts clean and catches up on the input of its last latency and
// fade, which the stage's input delay holds, the first fade's worth faded in. So its output is
// there, at full level, as its switch's fade starts, and what it delays further (a room's
// reflections) starts smoothly. (Started at `position`, Drift sounded a latency late, after its fade
// had ended: a step from silence to full level; a room's reflections of a sine each began with a
// click.) The catch-up runs at twice the timeline's pace, two samples of input in each sample's
// time, so no block does more than twice its own work (in one block, all five modules switched on
// at once took 0.78 ms at 192 kHz with Tube 8x, against a 32-sample block's 0.17 ms); the fade
// waits for it, starting as long after the switch as the catch-up is.
void Engine::restart_stage(Stage& stage, uint64_t position) noexcept
{
    // The latency and fade as of the last reset (a module's own structural values, applied by its
    // reset below, may change its latency: then the chain fades to a silent point and resets).
    const int history = stage.input_delay.empty() ? 0 : stage.input_delay[0].history_samples();
    const int missed = static_cast<int>(std::min<uint64_t>(static_cast<uint64_t>(history), position));
    stage.module->reset();
    stage.module->seek(position - static_cast<uint64_t>(missed));
    stage.backlog = missed;
    stage.catch_up_index = history - missed;
    stage.running = true;
}

// The oldest `count` samples the module has yet to take (the newest `backlog` of the input delay's
// history, then this block's), unheard: its state is what counts.
void Engine::catch_up(Stage& stage, AudioBlock block, int count) noexcept
{
    const int history = stage.input_delay[0].history_samples();
    float* channels[kMaxChannels];
    for (int done = 0; done < count;) {
        const int from = history - stage.backlog + done;  // in the history; from `history` on, this block's
        const int piece = std::min({count - done, max_block_size_, from < history ? history - from : max_block_size_});
        const int faded = std::min(piece, stage.fade_in_samples - stage.catch_up_index);
        for (int c = 0; c < block.num_channels; ++c) {
            float* x = channels[c] = stage.input[static_cast<size_t>(c)].data();
            if (from < history)
                stage.input_delay[static_cast<size_t>(c)].read_history(from, x, piece);
            else
                std::copy(block.channel(c) + (from - history), block.channel(c) + (from - history) + piece, x);
            for (int j = 0; j < faded; ++j)
                x[j] = static_cast<float>(double(x[j]) * (double(stage.catch_up_index + j + 1) / stage.fade_in_samples));
        }
        stage.module->process(AudioBlock{channels, block.num_channels, piece});
        stage.catch_up_index += piece;
        done += piece;
    }
}

void Engine::run_stage(Stage& stage, AudioBlock block, float* sidechain, uint64_t position) noexcept
{
    const int n = block.num_samples;  // > 0: run_chain returns before
    // The stage hears the sidechain aligned as its input is; then the sidechain takes the stage's delay.
    const AudioBlock heard{&sidechain, sidechain ? 1 : 0, n};
    // Not moving: the chunk holds one value (a fade that ends inside it is still crossfaded).
    const bool steady = !stage.enabled->is_smoothing();
    const double held = stage.enabled->value();  // while steady; a crossfade fills its values below
    const auto pass_aligned = [&] {
        for (int c = 0; c < block.num_channels; ++c)
            stage.input_delay[static_cast<size_t>(c)].process(block.channel(c), block.channel(c), n);
        if (sidechain) stage.sidechain_delay.process(sidechain, sidechain, n);
    };
    if (steady && held <= 0.0) {  // faded out: the module costs nothing; its aligned input passes
        stage.running = false;
        pass_aligned();
        return;
    }
    if (stage.enabled->target() <= 0.0 && (!stage.running || stage.backlog > 0)) {
        // Switched off again before it came in (its switch fades from 0 to 0): it does not run.
        stage.running = false;
        stage.backlog = 0;
        stage.enabled->fill(n);
        pass_aligned();
        return;
    }
    if (!stage.running) restart_stage(stage, position);
    int hold = 0;  // samples before the switch's fade starts
    if (stage.backlog > 0) {
        if (stage.backlog >= n) {  // not caught up before the block's end: unheard, its aligned input passes
            catch_up(stage, block, 2 * n);
            stage.backlog -= n;
            pass_aligned();
            return;
        }
        hold = stage.backlog;  // caught up inside this block: the fade starts there
        catch_up(stage, block, hold);
        stage.backlog = 0;
    }
    if (steady && held >= 1.0) {
        // Fully on: no crossfade to feed; the aligned input's delay only keeps its history.
        for (int c = 0; c < block.num_channels; ++c) stage.input_delay[static_cast<size_t>(c)].remember(block.channel(c), n);
        stage.module->process(block, heard);
        if (sidechain) stage.sidechain_delay.process(sidechain, sidechain, n);
        return;
    }
    const double* enabled = stage.enabled->fill(n - hold);
    if (hold > 0) {
        double* values = stage.switch_values.data();
        std::fill(values, values + hold, 0.0);
        std::copy(enabled, enabled + (n - hold), values + hold);
        enabled = values;
    }
    for (int c = 0; c < block.num_channels; ++c)
        std::copy(block.channel(c), block.channel(c) + n, stage.input[static_cast<size_t>(c)].data());
    stage.module->process(block, heard);
    for (int c = 0; c < block.num_channels; ++c) {
        float* aligned = stage.input[static_cast<size_t>(c)].data();
        stage.input_delay[static_cast<size_t>(c)].process(aligned, aligned, n);
        float* x = block.channel(c);
        for (int j = 0; j < n; ++j) x[j] = crossfade(aligned[j], x[j], enabled[j]);
    }
    if (sidechain) stage.sidechain_delay.process(sidechain, sidechain, n);
    // Faded out inside this block: off from here, as if a block had started where the fade ended
    // (switched on again before the next block, it restarts whatever the block sizes).
    if (!stage.enabled->is_smoothing() && stage.enabled->value() <= 0.0) stage.running = false;
}

void Engine::process_chunk(AudioBlock block) noexcept
{
    // The sidechain is mixed and carried along only while a stage that hears it runs or is being
    // switched on (such a stage's switch is structural: the delays restart with it).
    float* sidechain = nullptr;
    bool heard = false;
    for (const Stage& stage : stages_)
        heard = heard || (stage.module->hears_sidechain() && (stage.running || stage.enabled->target() > 0.0));
    if (heard) {  // without an aux input the source is silent (and the delays forget what they held)
        sidechain = sidechain_mono_.data();
        const float share = sidechain_.num_channels > 0 ? 1.0f / static_cast<float>(sidechain_.num_channels) : 0.0f;
        for (int j = 0; j < block.num_samples; ++j) {
            float sum = 0.0f;
            for (int c = 0; c < sidechain_.num_channels; ++c) sum += sanitized(sidechain_.channel(c)[j]);
            sidechain[j] = sum * share;
        }
    }
    if (structural_gain_.target() == 1.0 && has_pending_change()) structural_gain_.set_target(0.0);
    const int to_silence = structural_gain_.target() == 0.0 ? structural_gain_.remaining() : -1;
    if (to_silence < 0 || to_silence >= block.num_samples) {
        run_chain(block, sidechain, position_);
        if (to_silence == block.num_samples) apply_structural_changes(position_ + static_cast<uint64_t>(to_silence));
        return;
    }
    // The fade reaches silence inside this chunk: apply the change exactly there, so the result
    // does not depend on how the host cut its blocks.
    float* head[kMaxChannels];
    float* rest[kMaxChannels];
    for (int c = 0; c < block.num_channels; ++c) {
        head[c] = block.channel(c);
        rest[c] = block.channel(c) + to_silence;
    }
    run_chain({head, block.num_channels, to_silence}, sidechain, position_);
    apply_structural_changes(position_ + static_cast<uint64_t>(to_silence));
    run_chain({rest, block.num_channels, block.num_samples - to_silence}, sidechain ? sidechain + to_silence : nullptr,
              position_ + static_cast<uint64_t>(to_silence));
}

// At silence: every module takes its structural values where the timeline is, and the output
// fades back in.
void Engine::apply_structural_changes(uint64_t position) noexcept
{
    parameters_.apply_structural();  // the chain's own (a structural switch); the modules' at their reset
    reset_module();
    for (Stage& stage : stages_) stage.module->seek(position);
    structural_gain_.reset(0.0);
    structural_gain_.set_target(1.0);
    // The chain's delays start empty: its output is silent until the input at the change arrives,
    // a latency later, and the fade in starts there (not spent on that silence).
    structural_hold_ = latency_samples();
    // The restarted modules hear the input (and sidechain) fade in, not start at full level: what
    // they move later than the latency comes in smoothly too (Humanize's first hit, shifted later,
    // came in at 0.7 of full level: a step of 0.23).
    structural_input_gain_.reset(0.0);
    structural_input_gain_.set_target(1.0);
}

void Engine::run_chain(AudioBlock block, float* sidechain, uint64_t position) noexcept
{
    const int n = block.num_samples;
    if (n == 0) return;  // (the part before a structural change that falls on a chunk's first sample)
    // Mix 100 %, gain 0 dB, no structural fade and no bypass, none of them moving: the chain's output
    // is the output (the full mix would give the same but for the sign of a zero), and the dry only
    // keeps its history.
    const bool transparent = !mix_percent_.is_smoothing() && mix_percent_.value() == 100.0 && !output_gain_db_.is_smoothing() &&
                             output_gain_db_.value() == 0.0 && structural_hold_ == 0 && !structural_gain_.is_smoothing() &&
                             structural_gain_.current() == 1.0 && !structural_input_gain_.is_smoothing() &&
                             !bypass_.is_smoothing() && bypass_.value() == 0.0;
    if (transparent) {  // none of them moves: nothing to fill
        for (int c = 0; c < block.num_channels; ++c) dry_delay_[static_cast<size_t>(c)].remember(block.channel(c), n);
        for (Stage& stage : stages_) run_stage(stage, block, sidechain, position);
        return;
    }
    const double* bypass = bypass_.fill(n);
    const double* mix = mix_percent_.fill(n, [](double percent) { return 0.01 * percent; });
    const double* gain = output_gain_db_.fill(n, [](double db) { return std::pow(10.0, db / 20.0); });
    const int held = std::min(structural_hold_, n);  // silence, then the fade in
    std::fill(structural_gain_values_.begin(), structural_gain_values_.begin() + held, 0.0);
    structural_hold_ -= held;
    fill_smoothed(structural_gain_, structural_gain_values_.data() + held, n - held, [](double v) { return v; });
    const double* structural = structural_gain_values_.data();
    for (int c = 0; c < block.num_channels; ++c)
        dry_delay_[static_cast<size_t>(c)].process(block.channel(c), dry_[static_cast<size_t>(c)].data(), n);
    if (structural_input_gain_.is_smoothing()) {  // the dry (bypassed or mixed) is faded at the output only
        fill_smoothed(structural_input_gain_, structural_input_values_.data(), n, [](double v) { return v; });
        for (int c = 0; c < block.num_channels; ++c) fade_in(block.channel(c), structural_input_values_.data(), n);
        if (sidechain) fade_in(sidechain, structural_input_values_.data(), n);
    }
    for (Stage& stage : stages_) run_stage(stage, block, sidechain, position);

    for (int c = 0; c < block.num_channels; ++c) {
        float* x = block.channel(c);
        const float* dry = dry_[static_cast<size_t>(c)].data();
        for (int j = 0; j < n; ++j) {
            // The structural fade never touches the bypassed dry.
            const float mixed = static_cast<float>(crossfade(dry[j], x[j], mix[j]) * gain[j] * structural[j]);
            x[j] = crossfade(mixed, dry[j], bypass[j]);
        }
    }
}

}  // namespace stemglue
