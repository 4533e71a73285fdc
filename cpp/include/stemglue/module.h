// The processor contract every module and the Engine share (DESIGN.md, "The processor contract"):
//
//   prepare(sample_rate, max_block_size, num_channels)  may allocate; ends with reset()
//   reset()                    clear state, structural parameters take effect, smoothers snap;
//                              the timeline restarts at sample 0
//   seek(position_samples)     the timeline position of the next sample: random streams are keyed
//                              by it, so a render started at a position hears what a render from
//                              the start hears there (hosts report it; Python passes start_sample)
//   set_musical_time(bpm, beat, at) the host's tempo and the quarter-note position of timeline
//                              sample `at`, when it gives them (modules that follow the beat read them)
//   set_parameter(index, v)    plain units, any value (made legal by the parameter's row)
//   process(block[, sidechain]) in place; noexcept, no allocation, locks or I/O; the sidechain
//                              (another source, for Bleed) is read, never written
//   latency_samples()          fixed between resets (the Engine's changes only at the silent point
//                              where it applies a structural change)
//
// A module declares its parameters as ModuleParameter members bound to table rows; this base
// routes, prepares and resets them, sanitises the input and cuts blocks into chunks.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>

#include "stemglue/audio_block.h"
#include "stemglue/module_parameter.h"

namespace stemglue {

class Module {
public:
    Module() = default;
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;
    virtual ~Module() = default;

    /** Allocate for the stream; ends with reset(). */
    void prepare(double sample_rate, int max_block_size, int num_channels);
    /** Clear state, apply structural parameters, snap smoothers, restart the timeline at 0. No allocation. */
    void reset() noexcept;
    /** Re-key random streams to a timeline position (the next sample's); audio state is kept. */
    void seek(uint64_t position_samples) noexcept;
    /** The host's tempo (0: none given) and the quarter-note position of the timeline sample
     *  beat_position (NaN: none given), kept until the next call. */
    void set_musical_time(double tempo_bpm, double beat, uint64_t beat_position) noexcept
    {
        host_tempo_bpm_ = tempo_bpm > 0.0 && tempo_bpm < 1e4 ? tempo_bpm : 0.0;
        host_beat_ = std::isfinite(beat) ? beat : std::numeric_limits<double>::quiet_NaN();
        host_beat_position_ = beat_position;
    }
    /** Plain-unit value for any row of the table; rows this module does not own are ignored. */
    virtual void set_parameter(int index, double value) noexcept { parameters_.set(index, value); }
    /** The value a row of this module holds now (its target), or NaN if the module does not own it. */
    virtual double get_parameter(int index) const noexcept;
    /** Process in place: up to the prepared channels, any number of samples. */
    void process(AudioBlock block) noexcept { process(block, AudioBlock{nullptr, 0, 0}); }
    /** The same, hearing an aux input of as many samples (read, never written; any channel count;
     *  0 channels: none). Modules that hear another source read it (Bleed); the others ignore it. */
    void process(AudioBlock block, AudioBlock sidechain) noexcept;
    /** Delay of every path in samples; fixed between resets. */
    virtual int latency_samples() const noexcept { return 0; }
    /** The largest latency any setting can give (for the Engine's alignment buffers). */
    virtual int max_latency_samples() const noexcept { return latency_samples(); }
    /** Samples the output keeps sounding after the input stops (beyond the latency); -1 = never ends. */
    virtual int64_t tail_samples() const noexcept { return 0; }
    /** Whether process() reads the sidechain (the Engine carries one only while such a stage runs). */
    virtual bool hears_sidechain() const noexcept { return false; }
    /** Whether a structural value waits for the next reset. */
    virtual bool has_pending_change() const noexcept { return parameters_.has_pending_change(); }

protected:
    /** Allocate and design for sample_rate_, max_block_size_, num_channels_. */
    virtual void prepare_module() = 0;
    /** Clear the module's own state (parameters are already reset; position_ is 0). */
    virtual void reset_module() noexcept = 0;
    /** Re-key random streams to position_ (already set). Modules without randomness ignore it. */
    virtual void seek_module() noexcept {}
    /** One sanitised chunk of at most max_block_size_ samples; advance nothing but the DSP state. */
    virtual void process_chunk(AudioBlock block) noexcept = 0;

    ParameterList parameters_;
    AudioBlock sidechain_{nullptr, 0, 0};  // the aux input's part for the chunk in process_chunk

    double sample_rate_ = 48000.0;
    int max_block_size_ = 0;
    int num_channels_ = 0;
    uint64_t position_ = 0;                                        // timeline position of the next sample
    double host_tempo_bpm_ = 0.0;                                  // 0: the host gave none
    double host_beat_ = std::numeric_limits<double>::quiet_NaN();  // quarter notes at host_beat_position_
    uint64_t host_beat_position_ = 0;

private:
    bool prepared() const noexcept { return max_block_size_ > 0; }
};

}  // namespace stemglue
