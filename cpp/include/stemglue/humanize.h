// Humanize: per-event micro-timing and dynamics on audio. Mirror: stemglue/reference/humanize.py,
// whose docstring states the algorithm in full.
//
//   detector  mono sum -> eight octave band-passes (62.5 Hz .. 8 kHz) -> smoothed squares; every
//             2.5 ms of the timeline a frame of band levels (dB over a -70 dB floor); a band's
//             rise is over its loudest of 3 to 12 frames back (3 to 40 below 300 Hz); flux = sum
//             of (rise - 1 dB)^2; onset where it tops 14 dB^2 * 8^((50 - sensitivity)/100) + its
//             40 ms mean, or where the unfiltered level rises 20 dB out of a gap 30 dB deep, or
//             where a pitched note dips 3-8 dB and swells back (legato: the level from 250 Hz up
//             has a new valley in the last 27.5 ms, and YIN finds a pitch before it); at least
//             25 ms after the last; backtracked over the frames that still rose 2 dB (or to the valley)
//   offset    feel + timing * (white + octave-spaced smooth randoms: a 1/f^correlation process keyed
//             by the track and by sixteenths with a tempo, else by event count) + band drift (keyed
//             by the seed only), whole samples, within +-max_shift
//   gain      dynamics * (its own such process) - dynamics^2 ln10 / 20 (its mean power 1) + accent by
//             position in the beat
//   audio     y[n] = g x[n - L - o], one integer delay at a time (sustained notes keep their pitch);
//             each change an equal-power crossfade ending 1 ms before the onset's guard on both
//             reads. Latency L = max_shift + crossfade + guard + 14 hops (the detector's delay).
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <vector>

#include "stemglue/module.h"

namespace stemglue {

class Humanize final : public Module {
public:
    static constexpr int kNumBands = 8;
    static constexpr int kOctaves = 7;
    static constexpr int kFluxHistory = 16;  // adaptive threshold over 40 ms
    // A band's rise is over its loudest of kReferenceLagFrames to kReferenceFrames frames back
    // (to kLowReferenceFrames in the kLowBands lowest bands).
    static constexpr int kReferenceLagFrames = 3, kReferenceFrames = 12, kLowReferenceFrames = 40, kLowBands = 3;
    static constexpr int kLevelHistory = 64;  // previous frames of band levels kept: a power of two >= kLowReferenceFrames
    static constexpr int kGapFrames = 6, kGapContextFrames = 24;  // the gap's lowest of 15 ms, under the loudest of 60
    static constexpr int kBacktrackFrames = 12;                   // an onset is placed up to 30 ms before the frame that found it
    // A legato note's valley: within the last 27.5 ms (it is placed a frame before, within the
    // backtrack), under the loudest of the 20 ms before it, deeper than the level's swing over the
    // 80 ms before those.
    static constexpr int kDipValleyFrames = kBacktrackFrames - 1, kDipBeforeFrames = 8, kDipContextFrames = 40;
    static constexpr int kTotalHistory = 64;  // frames of the level from 250 Hz up: a power of two > valley + context
    static constexpr int kDipLowestBand = 2;  // 250 Hz

    /** The lookahead for these settings: max shift + crossfade + guard + the detector's 14 frames. */
    static int latency_for(double sample_rate, double max_shift_ms, double crossfade_ms) noexcept;
    int latency_samples() const noexcept override;
    int max_latency_samples() const noexcept override;
    int64_t tail_samples() const noexcept override { return shift_; }
    /** Onsets found since the last reset (timeline samples of their estimates), for tests. */
    uint64_t events_detected() const noexcept { return events_detected_; }

private:
    struct
        Biquad {  // a band-pass (b1 = 0) in direct form II transposed, as scipy.signal.lfilter (filter_bands runs eight as vector lanes)
        double b0 = 0, b2 = 0, a1 = 0, a2 = 0, z0 = 0, z1 = 0;
        double step(double x) noexcept
        {
            const double y = b0 * x + z0;
            z0 = -a1 * y + z1;
            z1 = b2 * x - a2 * y;
            return y;
        }
    };
    struct Edit {
        int64_t start = 0;  // stream sample where the crossfade begins
        int offset = 0;     // samples later (negative: earlier)
        double gain = 1.0;
    };

    void prepare_module() override;
    void reset_module() noexcept override;
    void seek_module() noexcept override;
    void process_chunk(AudioBlock block) noexcept override;

    void detect(AudioBlock block) noexcept;
    static void mix_down(AudioBlock block, double* mono) noexcept;
    void frame_done(int64_t frame_end) noexcept;
    /** Every band's filter and smoothed square over mono[0, count), the bands side by side in vector
     *  lanes; and the unfiltered mono's smoothed square (wide_envelope, coefficient wide_smoothing). */
    static void filter_bands(std::array<Biquad, kNumBands>& bands, const std::array<double, kNumBands>& smoothing,
                             std::array<double, kNumBands>& envelopes, double wide_smoothing, double& wide_envelope,
                             const double* mono, int count) noexcept;
    /** How much the bands rose, in all, into the frame age frames back. */
    double rise_db(int age) const noexcept;
    /** The age of the valley a legato note starts at, or -1 (see the reference's docstring). */
    int legato_valley(int64_t frame_end, int min_frames) noexcept;
    /** Whether the mono before stream sample `end` is pitched (YIN on the 250 and 500 Hz bands,
     *  decimated); the last answer is kept, as a valley is checked again on the frames after it. */
    bool pitched(int64_t end) noexcept;
    void plan(int64_t guard, int64_t estimate) noexcept;
    double long_range(uint64_t key, uint64_t stream, double u, uint64_t white_key) const noexcept;
    double tempo_bpm() const noexcept;
    double beats_at(uint64_t timeline) const noexcept;

    ModuleParameter timing_ms_{parameters_, "humanize_timing_ms"};
    ModuleParameter correlation_{parameters_, "humanize_correlation"};
    ModuleParameter feel_ms_{parameters_, "humanize_feel_ms"};
    ModuleParameter band_drift_ms_{parameters_, "humanize_band_drift_ms"};
    ModuleParameter dynamics_db_{parameters_, "humanize_dynamics_db"};
    ModuleParameter accent_db_{parameters_, "humanize_accent_db"};
    ModuleParameter tempo_bpm_{parameters_, "humanize_tempo_bpm"};
    ModuleParameter sensitivity_{parameters_, "humanize_sensitivity"};
    ModuleParameter max_shift_ms_{parameters_, "humanize_max_shift_ms"};
    ModuleParameter crossfade_ms_{parameters_, "humanize_crossfade_ms"};
    ModuleParameter mix_percent_{parameters_, "humanize_mix_percent"};
    ModuleParameter seed_{parameters_, "seed"};
    ModuleParameter track_id_{parameters_, "track_id"};

    // sizes in samples (set at reset)
    int hop_ = 120, shift_ = 0, crossfade_ = 1, guard_ = 0, latency_ = 0;

    // delay line: every channel's input, a power of two long
    std::vector<std::vector<float>> history_;
    uint64_t mask_ = 0;
    int64_t stream_ = 0;           // samples since the reset
    int64_t timeline_offset_ = 0;  // timeline position - stream position

    // detector
    std::array<Biquad, kNumBands> bands_{};
    std::array<double, kNumBands> smoothing_{}, envelopes_{};            // one-pole coefficient, smoothed square
    std::array<std::array<double, kNumBands>, kLevelHistory> levels_{};  // dB, ring, newest at level_newest_
    int level_newest_ = 0;
    double wide_smoothing_ = 0.0, wide_envelope_ = 0.0;  // the unfiltered mono's smoothed square
    std::array<double, 32> wide_levels_{};               // dB, ring (a power of two >= kGapContextFrames), newest at wide_newest_
    int wide_newest_ = 0;
    std::array<double, kFluxHistory> flux_history_{};
    int flux_newest_ = 0;
    int64_t frames_since_onset_ = 0;
    uint64_t events_detected_ = 0;
    std::array<double, kTotalHistory> totals_{};  // dB, the level from 250 Hz up, ring, newest at total_newest_
    int total_newest_ = 0;
    std::vector<double> mono_history_;  // the mono by stream position, a power of two long (pitch checks)
    uint64_t mono_mask_ = 0;
    int pitch_decimation_ = 1;  // input samples per decimated sample; the rest in decimated samples:
    int pitch_shortest_lag_ = 2, pitch_longest_lag_ = 2, pitch_window_ = 1, pitch_settle_ = 0;
    std::vector<double> pitch_decimated_;  // a pitch check's band-limited, decimated stretch
    static constexpr int64_t kNoPitchCheck = std::numeric_limits<int64_t>::min();
    int64_t pitched_end_ = kNoPitchCheck;  // the last pitch check's end, and its answer
    bool pitched_ = false;

    // planning and playback
    static constexpr int kMaxEdits = 64;
    std::array<Edit, kMaxEdits> queue_{};
    int queue_head_ = 0, queue_size_ = 0;
    uint64_t group_ = 0;
    bool has_last_ = false;
    int64_t last_guard_ = 0;
    int last_offset_ = 0;
    double last_gain_ = 1.0;
    int offset_ = 0;  // in effect outside an edit
    double gain_ = 1.0;
    bool fading_ = false;
    Edit from_{}, to_{};
    std::vector<double> fade_weights_;                       // (k + 0.5) / crossfade
    std::vector<double> equal_power_from_, equal_power_to_;  // cos and sin of the raised-cosine angle

    // This chunk's schedule, the same for every channel: runs of one read, and crossfades between two.
    struct Run {
        int begin = 0, end = 0;
        bool fading = false;
        Edit from{}, to{};  // steady: from
    };
    std::array<Run, 2 * kMaxEdits + 2> runs_{};  // a carried crossfade, a steady run, then each edit's two
    int num_runs_ = 0;
    void schedule(int n) noexcept;
    /** history[at - latency - offset ...] for count samples: in place, or (where the ring wraps) copied to scratch. */
    const float* read_history(const std::vector<float>& history, int64_t at, int offset, int count,
                              float* scratch) const noexcept;
    std::vector<double> mono_;                        // the channels' mean
    std::vector<double> fade_from_, fade_to_;         // per sample of the chunk: each read's crossfade gain
    std::vector<float> dry_run_, from_run_, to_run_;  // a run's reads where the ring wraps
};

}  // namespace stemglue
