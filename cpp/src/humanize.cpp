#include "stemglue/humanize.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "stemglue/multiversion.h"
#include "stemglue/random.h"
#include "stemglue/smooth_random.h"

namespace stemglue {
namespace {

constexpr double kHopMs = 2.5, kGuardMs = 1.0, kMinIoiMs = 25.0;
constexpr std::array<double, Humanize::kNumBands> kBandCentersHz = {62.5, 125, 250, 500, 1000, 2000, 4000, 8000};
constexpr double kBandQ = 1.4142135623730951;  // one octave
constexpr double kLevelFloor = 1e-7;           // mean square: -70 dBFS in a band
constexpr double kMinSmoothingS = 0.003;
constexpr double kDeadZoneDb = 1.0;  // of each band's rise, before it is squared
constexpr double kGapSmoothingS = 0.002, kGapDropDb = 30.0, kGapRiseDb = 20.0;
constexpr double kBacktrackRiseDb = 2.0;  // a frame whose bands rose by more than this in all is part of the attack
constexpr double kDipMinDb = 3.0, kDipMaxDb = 8.0, kDipNoveltyDb = 1.5, kDipRiseDb = 1.0, kDipFloorDb = -45.0;
constexpr double kPitchedDifference = 0.25;  // YIN's normalised difference at the best lag: below it, pitched
constexpr double kPitchRateHz = 4000.0, kPitchMinHz = 70.0, kPitchMaxHz = 1000.0;
constexpr double kPitchWindowS = 0.02, kPitchSettleS = 0.01;
constexpr size_t kPitchBands[] = {2, 3};  // 250 and 500 Hz: a voice's or an instrument's low harmonics
constexpr uint64_t kTimingStream = 0x600, kDynamicsStream = 0x680, kBandStream = 0x700;
constexpr double kBandKnotSeconds = 4.0, kBandKnotBeats = 8.0;
constexpr double kKeysPerBeat = 48.0;
constexpr double kMinTempoBpm = 1.0;
// A host's musical position within this of the one the tempo gives from the timeline's start is
// taken as that one: hosts round it (Ardour to 1/1920 beat), and a draw must not move with them.
constexpr double kHostBeatToleranceBeats = 1.0 / 64.0;
constexpr double kPi = 3.141592653589793;

// Round half up (the reference's whole()).
int64_t whole(double x) noexcept
{
    return static_cast<int64_t>(std::floor(x + 0.5));
}

int hop_samples(double sample_rate) noexcept
{
    return static_cast<int>(std::max<int64_t>(8, whole(sample_rate * kHopMs / 1000.0)));
}

// Envelope time constant of a band: a period of its centre, at least 3 ms.
double smoothing_s(double center_hz) noexcept
{
    return std::max(kMinSmoothingS, 1.0 / center_hz);
}

int ms_to_samples(double ms, double sample_rate) noexcept
{
    return static_cast<int>(whole(ms * sample_rate / 1000.0));
}

// +1/2 on the beat, 0 on the eighth between, -1/2 on the other sixteenths, 0 off the grid.
double accent_weight(double beats) noexcept
{
    const double sixteenths = 4.0 * beats;
    const double nearest = std::floor(sixteenths + 0.5);
    if (std::abs(sixteenths - nearest) > 1.0 / 6.0) return 0.0;
    const int64_t slot = static_cast<int64_t>(nearest) % 4;
    if (slot == 0) return 0.5;
    return slot == 2 || slot == -2 ? 0.0 : -0.5;
}

// y = mix (gain x[n - L - offset]) + (1 - mix) x[n - L], in double, rounded once.
STEMGLUE_MULTIVERSION
void play_steady(float* __restrict out, const float* from, const float* dry, double gain, const double* __restrict amount,
                 int count) noexcept
{
    for (int j = 0; j < count; ++j) out[j] = static_cast<float>(amount[j] * (gain * from[j]) + (1.0 - amount[j]) * dry[j]);
}

// The same with the wet crossfading between two reads, each at its gain of the crossfade.
STEMGLUE_MULTIVERSION
void play_crossfade(float* __restrict out, const float* from, const float* to, const float* dry,
                    const double* __restrict from_gain, const double* __restrict to_gain, const double* __restrict amount,
                    int count) noexcept
{
    for (int j = 0; j < count; ++j) {
        const double wet = from_gain[j] * from[j] + to_gain[j] * to[j];
        out[j] = static_cast<float>(amount[j] * wet + (1.0 - amount[j]) * dry[j]);
    }
}

}  // namespace

int Humanize::latency_for(double sample_rate, double max_shift_ms, double crossfade_ms) noexcept
{
    return ms_to_samples(max_shift_ms, sample_rate) + std::max(1, ms_to_samples(crossfade_ms, sample_rate)) +
           ms_to_samples(kGuardMs, sample_rate) + (kBacktrackFrames + 2) * hop_samples(sample_rate);
}

int Humanize::latency_samples() const noexcept
{
    return latency_for(sample_rate_, max_shift_ms_.value(), crossfade_ms_.value());
}

int Humanize::max_latency_samples() const noexcept
{
    return latency_for(sample_rate_, max_shift_ms_.spec().max_value, crossfade_ms_.spec().max_value);
}

void Humanize::prepare_module()
{
    const int max_shift = ms_to_samples(max_shift_ms_.spec().max_value, sample_rate_);
    const size_t span = static_cast<size_t>(max_latency_samples() + max_shift + max_block_size_ + 1);
    size_t length = 1;
    while (length < span) length <<= 1;
    history_.assign(static_cast<size_t>(num_channels_), std::vector<float>(length, 0.0f));
    mask_ = length - 1;
    const size_t longest_fade = static_cast<size_t>(std::max(1, ms_to_samples(crossfade_ms_.spec().max_value, sample_rate_)));
    for (auto* weights : {&fade_weights_, &equal_power_from_, &equal_power_to_}) weights->assign(longest_fade, 0.0);
    mono_.assign(static_cast<size_t>(max_block_size_), 0.0);
    for (auto* buffer : {&fade_from_, &fade_to_}) buffer->assign(static_cast<size_t>(max_block_size_), 0.0);
    for (auto* buffer : {&dry_run_, &from_run_, &to_run_}) buffer->assign(static_cast<size_t>(max_block_size_), 0.0f);
    for (int b = 0; b < kNumBands; ++b) {
        const double w = 2.0 * kPi * std::min(kBandCentersHz[static_cast<size_t>(b)], 0.4 * sample_rate_) / sample_rate_;
        const double alpha = std::sin(w) / (2.0 * kBandQ);
        const double a0 = 1.0 + alpha;
        Biquad& band = bands_[static_cast<size_t>(b)];
        band.b0 = alpha / a0;
        band.b2 = -alpha / a0;
        band.a1 = -2.0 * std::cos(w) / a0;
        band.a2 = (1.0 - alpha) / a0;
        smoothing_[static_cast<size_t>(b)] =
            1.0 - std::exp(-1.0 / (smoothing_s(kBandCentersHz[static_cast<size_t>(b)]) * sample_rate_));
    }
    wide_smoothing_ = 1.0 - std::exp(-1.0 / (kGapSmoothingS * sample_rate_));

    pitch_decimation_ = static_cast<int>(std::max<int64_t>(1, whole(sample_rate_ / kPitchRateHz)));
    const double pitch_rate = sample_rate_ / pitch_decimation_;
    pitch_shortest_lag_ = std::max(2, static_cast<int>(std::floor(pitch_rate / kPitchMaxHz)));
    pitch_longest_lag_ = static_cast<int>(std::ceil(pitch_rate / kPitchMinHz));
    pitch_window_ = static_cast<int>(whole(kPitchWindowS * pitch_rate));
    pitch_settle_ = static_cast<int>(whole(kPitchSettleS * pitch_rate));
    pitch_decimated_.assign(static_cast<size_t>(pitch_settle_ + pitch_longest_lag_ + pitch_window_), 0.0);
    // A pitch check reads back from the end of the newest frame, and the ring takes in a whole
    // chunk before its frames are processed: it reaches a block beyond the oldest read.
    const size_t reach = static_cast<size_t>((kDipValleyFrames + kDipBeforeFrames) * hop_samples(sample_rate_) +
                                             static_cast<int>(pitch_decimated_.size()) * pitch_decimation_ + max_block_size_);
    size_t mono_length = 1;
    while (mono_length < reach) mono_length <<= 1;
    mono_history_.assign(mono_length, 0.0);
    mono_mask_ = mono_length - 1;
}

void Humanize::reset_module() noexcept
{
    hop_ = hop_samples(sample_rate_);
    shift_ = ms_to_samples(max_shift_ms_.value(), sample_rate_);
    crossfade_ = std::max(1, ms_to_samples(crossfade_ms_.value(), sample_rate_));
    guard_ = ms_to_samples(kGuardMs, sample_rate_);
    latency_ = latency_samples();
    for (std::vector<float>& channel : history_) std::fill(channel.begin(), channel.end(), 0.0f);
    stream_ = 0;
    timeline_offset_ = 0;

    const double floor_db = 10.0 * std::log10(kLevelFloor);
    for (Biquad& band : bands_) band.z0 = band.z1 = 0.0;
    envelopes_.fill(0.0);
    for (auto& levels : levels_) levels.fill(floor_db);
    level_newest_ = 0;
    wide_envelope_ = 0.0;
    wide_levels_.fill(floor_db);
    wide_newest_ = 0;
    flux_history_.fill(0.0);
    flux_newest_ = 0;
    totals_.fill(10.0 * std::log10((kNumBands - kDipLowestBand) * kLevelFloor));
    total_newest_ = 0;
    std::fill(mono_history_.begin(), mono_history_.end(), 0.0);
    pitched_end_ = kNoPitchCheck;
    pitched_ = false;
    frames_since_onset_ = int64_t{1} << 30;
    events_detected_ = 0;

    queue_head_ = queue_size_ = 0;
    group_ = 0;
    has_last_ = false;
    last_guard_ = 0;
    last_offset_ = offset_ = 0;
    last_gain_ = gain_ = 1.0;
    fading_ = false;
    for (size_t k = 0; k < static_cast<size_t>(crossfade_); ++k) {
        const double p = fade_weights_[k] = (static_cast<double>(k) + 0.5) / crossfade_;
        // Equal power, with flat ends (no corner in either gain): for a change of offset.
        const double angle = 0.25 * kPi * (1.0 - std::cos(kPi * p));
        equal_power_from_[k] = std::cos(angle);
        equal_power_to_[k] = std::sin(angle);
    }
}

void Humanize::seek_module() noexcept
{
    timeline_offset_ = static_cast<int64_t>(position_) - stream_;
}

// Below 1 bpm a tempo is no tempo (and a denormal setting must not depend on the FPU's flags).
double Humanize::tempo_bpm() const noexcept
{
    const double own = tempo_bpm_.value() >= kMinTempoBpm ? tempo_bpm_.value() : host_tempo_bpm_;
    return own >= kMinTempoBpm ? own : 0.0;
}

double Humanize::beats_at(uint64_t timeline) const noexcept
{
    // timeline * tempo / (60 rate), in the reference's order: a beat on a key's edge must round alike.
    const double tempo = tempo_bpm(), per_minute = 60.0 * sample_rate_;
    const double from_start = static_cast<double>(timeline) * tempo / per_minute;
    if (std::isnan(host_beat_)) return from_start;
    const double hosted =
        host_beat_ + (static_cast<double>(timeline) - static_cast<double>(host_beat_position_)) * tempo / per_minute;
    return std::abs(hosted - from_start) < kHostBeatToleranceBeats ? from_start : hosted;  // a tempo map, a song not at 0
}

// White draw plus smooth randoms 2 ... 64 units apart; each octave adds the power a 1/f^beta
// spectrum steps up by at its cutoff, so beta 0 leaves the white draw alone.
double Humanize::long_range(uint64_t key, uint64_t stream, double u, uint64_t white_key) const noexcept
{
    const double beta = correlation_.value();
    std::array<double, kOctaves> variance{};
    double total = 1.0;
    variance[0] = 1.0;
    for (int j = 1; j < kOctaves; ++j) {
        variance[static_cast<size_t>(j)] = (std::pow(2.0, j * beta) - std::pow(2.0, (j - 1) * beta)) / std::pow(2.0, j);
        total += variance[static_cast<size_t>(j)];
    }
    double value = std::sqrt(variance[0] / total) * random_gaussian(stream_key(key, stream), white_key);
    SmoothRandom smooth;
    for (int j = 1; j < kOctaves; ++j) {
        smooth.set_key(stream_key(key, stream + static_cast<uint64_t>(j)));
        value += std::sqrt(variance[static_cast<size_t>(j)] / total) * smooth.at(u / std::pow(2.0, j));
    }
    return value;
}

// Each band's filter (direct form II transposed: y = b0 x + z0, z0 = -a1 y + z1, z1 = b2 x - a2 y)
// and smoothed square, the eight bands as the lanes of one vector (two or four registers below
// AVX-512; lane by lane the same arithmetic): the eight recursions run side by side.
STEMGLUE_MULTIVERSION
void Humanize::filter_bands(std::array<Biquad, kNumBands>& bands, const std::array<double, kNumBands>& smoothing,
                            std::array<double, kNumBands>& envelopes, double wide_smoothing, double& wide_envelope,
                            const double* mono, int count) noexcept
{
    using Four = double __attribute__((vector_size(kNumBands * sizeof(double))));
    constexpr int kVectors = 1;
    Four b0[kVectors], b2[kVectors], minus_a1[kVectors], a2[kVectors], z0[kVectors], z1[kVectors], alpha[kVectors],
        keep[kVectors], envelope[kVectors];
    for (size_t b = 0; b < kNumBands; ++b) {
        const size_t v = 0, lane = b;
        const Biquad& band = bands[b];
        b0[v][lane] = band.b0;
        b2[v][lane] = band.b2;
        minus_a1[v][lane] = -band.a1;
        a2[v][lane] = band.a2;
        z0[v][lane] = band.z0;
        z1[v][lane] = band.z1;
        alpha[v][lane] = smoothing[b];
        keep[v][lane] = -(smoothing[b] - 1.0);  // scipy.signal.lfilter([a], [1, a - 1])
        envelope[v][lane] = envelopes[b];
    }
    const double wide_keep = -(wide_smoothing - 1.0);
    double wide = wide_envelope;
    for (int j = 0; j < count; ++j) {
        const double x = mono[j];
        for (int v = 0; v < kVectors; ++v) {
            const Four y = b0[v] * x + z0[v];
            z0[v] = minus_a1[v] * y + z1[v];
            z1[v] = b2[v] * x - a2[v] * y;
            envelope[v] = alpha[v] * (y * y) + keep[v] * envelope[v];
        }
        wide = wide_smoothing * (x * x) + wide_keep * wide;
    }
    wide_envelope = wide;
    for (size_t b = 0; b < kNumBands; ++b) {
        bands[b].z0 = z0[0][b];
        bands[b].z1 = z1[0][b];
        envelopes[b] = envelope[0][b];
    }
}

// mono[j] = (0 + x0[j] + x1[j] ...) / channels, a pass per channel (the per-sample loop over a
// run-time channel count did not vectorise).
STEMGLUE_MULTIVERSION
void Humanize::mix_down(AudioBlock block, double* mono) noexcept
{
    const int n = block.num_samples;
    std::fill(mono, mono + n, 0.0);
    for (int c = 0; c < block.num_channels; ++c) {
        const float* x = block.channel(c);
        for (int j = 0; j < n; ++j) mono[j] += static_cast<double>(x[j]);
    }
    if (block.num_channels > 1) {
        const double channels = block.num_channels;
        for (int j = 0; j < n; ++j) mono[j] /= channels;
    }
}

void Humanize::detect(AudioBlock block) noexcept
{
    const int n = block.num_samples;
    mix_down(block, mono_.data());
    for (int j = 0; j < n;) {  // into the ring, in at most two pieces
        const size_t at = static_cast<size_t>(stream_ + j) & mono_mask_;
        const int piece = static_cast<int>(std::min<size_t>(static_cast<size_t>(n - j), mono_history_.size() - at));
        std::copy_n(mono_.data() + j, piece, mono_history_.data() + at);
        j += piece;
    }
    int start = 0;
    while (start < n) {
        const int64_t timeline = stream_ + start + timeline_offset_;
        const int64_t into_frame = ((timeline % hop_) + hop_) % hop_;
        const int end = static_cast<int>(std::min<int64_t>(n, start + hop_ - into_frame));
        filter_bands(bands_, smoothing_, envelopes_, wide_smoothing_, wide_envelope_, mono_.data() + start, end - start);
        start = end;
        if (((stream_ + end + timeline_offset_) % hop_ + hop_) % hop_ == 0) frame_done(stream_ + end);
    }
}

void Humanize::frame_done(int64_t frame_end) noexcept
{
    static_assert((kLevelHistory & (kLevelHistory - 1)) == 0 && kLevelHistory >= kLowReferenceFrames);
    // Each band against its loudest of 3 to 12 frames back (a low note's period: its pulses never
    // count; an attack over three frames counts whole), below 300 Hz to 40 (a chord's beating).
    // All bands' maxima run side by side; a band then takes the one of its reach.
    std::array<double, kNumBands> near =
        levels_[static_cast<size_t>((level_newest_ + kReferenceLagFrames - 1) & (kLevelHistory - 1))];
    for (int age = kReferenceLagFrames; age < kReferenceFrames; ++age) {
        const auto& previous = levels_[static_cast<size_t>((level_newest_ + age) & (kLevelHistory - 1))];
        for (size_t b = 0; b < kNumBands; ++b) near[b] = std::max(near[b], previous[b]);
    }
    std::array<double, kNumBands> far = near;
    for (int age = kReferenceFrames; age < kLowReferenceFrames; ++age) {
        const auto& previous = levels_[static_cast<size_t>((level_newest_ + age) & (kLevelHistory - 1))];
        for (size_t b = 0; b < kNumBands; ++b) far[b] = std::max(far[b], previous[b]);
    }
    std::array<double, kNumBands> levels{};
    double flux = 0.0;
    for (size_t b = 0; b < kNumBands; ++b) {
        levels[b] = 10.0 * std::log10(envelopes_[b] + kLevelFloor);
        const double rise = levels[b] - (b < kLowBands ? far[b] : near[b]) - kDeadZoneDb;
        if (rise > 0.0) flux += rise * rise;
    }
    // The mean of the last frames' flux, newest first (the reference's order).
    double mean = 0.0;
    for (int k = 0; k < kFluxHistory; ++k) mean += flux_history_[static_cast<size_t>((flux_newest_ + k) % kFluxHistory)];
    const double threshold = 14.0 * std::pow(8.0, (50.0 - sensitivity_.value()) / 100.0) + mean / kFluxHistory;
    // A note after a short rest: the unfiltered level climbs out of a gap the low bands still ring through.
    const double wide = 10.0 * std::log10(wide_envelope_ + kLevelFloor);
    double quietest = wide_levels_[static_cast<size_t>(wide_newest_)], loudest = quietest;
    constexpr int kWideMask = static_cast<int>(std::tuple_size_v<decltype(wide_levels_)>) - 1;
    for (int age = 1; age < kGapContextFrames; ++age) {
        const double level = wide_levels_[static_cast<size_t>((wide_newest_ + age) & kWideMask)];
        if (age < kGapFrames) quietest = std::min(quietest, level);
        loudest = std::max(loudest, level);
    }
    const bool after_gap = quietest < loudest - kGapDropDb && wide > quietest + kGapRiseDb;
    flux_newest_ = (flux_newest_ + kFluxHistory - 1) % kFluxHistory;
    flux_history_[static_cast<size_t>(flux_newest_)] = flux;
    level_newest_ = (level_newest_ + kLevelHistory - 1) & (kLevelHistory - 1);
    levels_[static_cast<size_t>(level_newest_)] = levels;
    wide_newest_ = (wide_newest_ + kWideMask) & kWideMask;
    wide_levels_[static_cast<size_t>(wide_newest_)] = wide;
    double upper = 0.0;  // the level from 250 Hz up, in the reference's order
    for (size_t b = kDipLowestBand; b < kNumBands; ++b) upper += envelopes_[b];
    total_newest_ = (total_newest_ + kTotalHistory - 1) & (kTotalHistory - 1);
    totals_[static_cast<size_t>(total_newest_)] = 10.0 * std::log10(upper + (kNumBands - kDipLowestBand) * kLevelFloor);
    ++frames_since_onset_;
    const int min_frames = static_cast<int>(whole(kMinIoiMs / kHopMs));
    if (frames_since_onset_ < min_frames) return;
    const int valley = legato_valley(frame_end, min_frames);
    if (valley >= 0 || flux > threshold || after_gap) {
        frames_since_onset_ = 0;
        // Back to the valley (a frame more: the smoothed level's valley lags the note's by about
        // one), or over the attack: the frames whose bands were still rising.
        int back = valley + 1;
        if (valley < 0) {
            back = 0;
            while (back < kBacktrackFrames && rise_db(back) > kBacktrackRiseDb) ++back;
        }
        plan(frame_end - (back + 2) * hop_, frame_end - (back + 1) * hop_);
    }
}

int Humanize::legato_valley(int64_t frame_end, int min_frames) noexcept
{
    static_assert((kTotalHistory & (kTotalHistory - 1)) == 0 && kTotalHistory > kDipValleyFrames + kDipContextFrames);
    const auto total = [this](int age) { return totals_[static_cast<size_t>((total_newest_ + age) & (kTotalHistory - 1))]; };
    int age = 1;  // the newest of equal lows
    for (int a = 2; a <= kDipValleyFrames; ++a)
        if (total(a) < total(age)) age = a;
    const double valley = total(age);
    if (valley <= kDipFloorDb || total(0) - valley < kDipRiseDb || frames_since_onset_ - age < min_frames) return -1;
    const int before = age + kDipBeforeFrames;
    double loudest = total(age + 1);
    for (int a = age + 2; a <= before; ++a) loudest = std::max(loudest, total(a));
    double context_low = total(before + 1), context_high = context_low;
    for (int a = before + 2; a <= age + kDipContextFrames; ++a) {
        context_low = std::min(context_low, total(a));
        context_high = std::max(context_high, total(a));
    }
    const double dip = loudest - valley;
    if (!(kDipMinDb <= dip && dip <= kDipMaxDb) || dip < (context_high - context_low) + kDipNoveltyDb) return -1;
    return pitched(frame_end - static_cast<int64_t>(before) * hop_) ? age : -1;
}

// The 250 and 500 Hz bands' sum, filtered from rest over the stretch, every pitch_decimation_-th
// sample ending at end - 1; YIN's cumulative-mean-normalised difference over the last
// pitch_window_ of them, each sum in time order (the reference's np.cumsum).
bool Humanize::pitched(int64_t end) noexcept
{
    if (end == pitched_end_) return pitched_;
    const int decimation = pitch_decimation_, count = static_cast<int>(pitch_decimated_.size());
    std::array<Biquad, 2> filters{bands_[kPitchBands[0]], bands_[kPitchBands[1]]};
    for (Biquad& filter : filters) filter.z0 = filter.z1 = 0.0;
    const int64_t first = end - static_cast<int64_t>(count) * decimation;
    for (int k = 0; k < count; ++k) {
        for (int i = 0; i < decimation - 1; ++i)
            for (Biquad& filter : filters)
                filter.step(mono_history_[static_cast<size_t>(first + k * decimation + i) & mono_mask_]);
        const double x = mono_history_[static_cast<size_t>(first + (k + 1) * decimation - 1) & mono_mask_];
        pitch_decimated_[static_cast<size_t>(k)] = filters[0].step(x) + filters[1].step(x);  // each group's last
    }
    const double* decimated = pitch_decimated_.data() + pitch_settle_;
    const double* now = decimated + pitch_longest_lag_;
    double cumulative = 0.0, lowest = std::numeric_limits<double>::infinity();
    for (int lag = 1; lag <= pitch_longest_lag_; ++lag) {
        double difference = 0.0;
        for (int j = 0; j < pitch_window_; ++j) {
            const double step = now[j] - now[j - lag];
            difference += step * step;
        }
        cumulative += difference;
        const double normalised = cumulative > 0.0 ? difference * lag / cumulative : 1.0;
        if (lag >= pitch_shortest_lag_) lowest = std::min(lowest, normalised);
    }
    pitched_end_ = end;
    pitched_ = lowest < kPitchedDifference;
    return pitched_;
}

double Humanize::rise_db(int age) const noexcept
{
    const auto& later = levels_[static_cast<size_t>((level_newest_ + age) & (kLevelHistory - 1))];
    const auto& earlier = levels_[static_cast<size_t>((level_newest_ + age + 1) & (kLevelHistory - 1))];
    double rise = 0.0;
    for (size_t b = 0; b < kNumBands; ++b) rise += std::max(0.0, later[b] - earlier[b]);
    return rise;
}

void Humanize::plan(int64_t guard, int64_t estimate) noexcept
{
    ++events_detected_;
    if (has_last_ && guard - last_guard_ < 2 * (crossfade_ + guard_)) return;  // moves with the event before
    const int64_t timeline_signed = estimate + timeline_offset_;
    const uint64_t timeline = static_cast<uint64_t>(std::max<int64_t>(0, timeline_signed));
    const uint64_t seed = static_cast<uint64_t>(seed_.value());
    const uint64_t own = track_seed(seed, static_cast<uint64_t>(track_id_.value()));
    double u = 0.0, band_u = 0.0, accent = 0.0;
    uint64_t white_key = 0;
    if (tempo_bpm() > 0.0) {
        const double beats = beats_at(timeline);
        u = 4.0 * beats;
        white_key = static_cast<uint64_t>(std::max<int64_t>(0, whole(kKeysPerBeat * beats)));
        band_u = beats / kBandKnotBeats;
        accent = accent_db_.value() * accent_weight(beats);
    } else {
        u = static_cast<double>(group_);
        white_key = group_;
        band_u = static_cast<double>(timeline) / sample_rate_ / kBandKnotSeconds;
    }
    SmoothRandom band;
    band.set_key(stream_key(seed, kBandStream));
    const double offset_ms = feel_ms_.value() + timing_ms_.value() * long_range(own, kTimingStream, u, white_key) +
                             band_drift_ms_.value() * band.at(band_u);
    int offset = static_cast<int>(std::clamp<int64_t>(whole(offset_ms * sample_rate_ / 1000.0), -shift_, shift_));
    if (has_last_) {
        const int64_t step = (guard - last_guard_ - crossfade_ - 2 * guard_) / 2;  // >= 0 here
        offset = static_cast<int>(std::clamp<int64_t>(offset, last_offset_ - step, last_offset_ + step));
    }
    // P' is unit normal, so a gain of s P' dB has a mean power of exp((s ln10 / 10)^2 / 2): lowered by
    // s^2 ln10 / 20 dB the hits keep the stem's long-term level, and their spread in dB stays s.
    const double dynamics_db = dynamics_db_.value();
    const double gain_db =
        dynamics_db * long_range(own, kDynamicsStream, u, white_key) - dynamics_db * dynamics_db * std::log(10.0) / 20.0 + accent;
    const double gain = std::pow(10.0, gain_db / 20.0);
    ++group_;
    has_last_ = true;
    last_guard_ = guard;
    if ((offset != last_offset_ || gain != last_gain_) && queue_size_ < kMaxEdits) {  // nothing to splice otherwise
        Edit& edit = queue_[static_cast<size_t>((queue_head_ + queue_size_) % kMaxEdits)];
        edit.start = guard + latency_ + std::min(last_offset_, offset) - guard_ - crossfade_;
        edit.offset = offset;
        edit.gain = gain;
        ++queue_size_;
    }
    last_offset_ = offset;
    last_gain_ = gain;
}

// Cuts the chunk into runs: steady ones read one offset at one gain; a crossfade starts when the
// next planned edit is due and lasts crossfade_ samples, its two gains per sample into fade_from_
// and fade_to_. The state at the chunk's end is kept for the next.
void Humanize::schedule(int n) noexcept
{
    num_runs_ = 0;
    for (int j = 0; j < n;) {
        const int64_t at = stream_ + j;
        if (!fading_ && queue_size_ > 0 && queue_[static_cast<size_t>(queue_head_)].start <= at) {
            from_ = {at, offset_, gain_};
            to_ = queue_[static_cast<size_t>(queue_head_)];
            to_.start = at;
            queue_head_ = (queue_head_ + 1) % kMaxEdits;
            --queue_size_;
            fading_ = true;
        }
        Run& run = runs_[static_cast<size_t>(num_runs_++)];
        run.begin = j;
        run.fading = fading_;
        if (fading_) {
            run.from = from_;
            run.to = to_;
            const int64_t fade_end = to_.start + crossfade_;
            run.end = static_cast<int>(std::min<int64_t>(n, fade_end - stream_));
            for (int k = j; k < run.end; ++k) {
                const size_t into = static_cast<size_t>(stream_ + k - to_.start);
                const bool moves = from_.offset != to_.offset;  // equal power; a change of gain alone is linear
                const double a = moves ? equal_power_from_[into] : 1.0 - fade_weights_[into];
                const double b = moves ? equal_power_to_[into] : fade_weights_[into];
                fade_from_[static_cast<size_t>(k)] = a * from_.gain;
                fade_to_[static_cast<size_t>(k)] = b * to_.gain;
            }
            if (stream_ + run.end == fade_end) {
                offset_ = to_.offset;
                gain_ = to_.gain;
                fading_ = false;
            }
        } else {
            run.from = {at, offset_, gain_};
            const int64_t due = queue_size_ > 0 ? queue_[static_cast<size_t>(queue_head_)].start : stream_ + n;
            run.end = static_cast<int>(std::clamp<int64_t>(due - stream_, j + 1, n));
        }
        j = run.end;
    }
}

const float* Humanize::read_history(const std::vector<float>& history, int64_t at, int offset, int count,
                                    float* scratch) const noexcept
{
    const size_t start = static_cast<size_t>(static_cast<uint64_t>(at - latency_ - offset) & mask_);
    if (start + static_cast<size_t>(count) <= history.size()) return history.data() + start;
    const size_t first = history.size() - start;  // the ring wraps inside the run
    std::copy(history.begin() + static_cast<std::ptrdiff_t>(start), history.end(), scratch);
    std::copy(history.begin(), history.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(count) - first),
              scratch + first);
    return scratch;
}

void Humanize::process_chunk(AudioBlock block) noexcept
{
    const int n = block.num_samples;
    detect(block);
    for (int c = 0; c < block.num_channels; ++c) {  // into the ring, in at most two copies
        std::vector<float>& history = history_[static_cast<size_t>(c)];
        const float* x = block.channel(c);
        size_t start = static_cast<size_t>(static_cast<uint64_t>(stream_) & mask_);
        for (int done = 0; done < n;) {
            const int length = static_cast<int>(std::min<size_t>(static_cast<size_t>(n - done), history.size() - start));
            std::copy(x + done, x + done + length, history.begin() + static_cast<std::ptrdiff_t>(start));
            done += length;
            start = 0;
        }
    }
    const double* mix = mix_percent_.fill(n, [](double percent) { return 0.01 * percent; });
    schedule(n);
    for (int c = 0; c < block.num_channels; ++c) {
        const std::vector<float>& history = history_[static_cast<size_t>(c)];
        float* y = block.channel(c);
        for (int r = 0; r < num_runs_; ++r) {
            const Run& run = runs_[static_cast<size_t>(r)];
            const int count = run.end - run.begin;
            const int64_t at = stream_ + run.begin;
            const float* dry = read_history(history, at, 0, count, dry_run_.data());
            const float* from = read_history(history, at, run.from.offset, count, from_run_.data());
            const double* amount = mix + run.begin;
            float* out = y + run.begin;
            if (run.fading) {
                const float* to = read_history(history, at, run.to.offset, count, to_run_.data());
                play_crossfade(out, from, to, dry, fade_from_.data() + run.begin, fade_to_.data() + run.begin, amount, count);
            } else {
                play_steady(out, from, dry, run.from.gain, amount, count);
            }
        }
    }
    stream_ += n;
}

}  // namespace stemglue
