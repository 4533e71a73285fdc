"""`stemglue.analysis` on signals whose truth is known: each descriptor reads what was put in,
within the tolerances the analyze command promises."""

import numpy as np
import pyloudnorm
import pytest
from signals import bass_stem, click_track, drum_stem, keys_stem, vocal_stem, with_hiss
from stemglue.analysis import a_weighted_rms_dbfs, onset_f_measure, timing_statistics
from stemglue.analysis.bleed import bleed_evidence
from stemglue.analysis.floor import noise_floor
from stemglue.analysis.loudness import integrated_loudness_lufs, loudness_range_lu, true_peak_dbtp
from stemglue.analysis.multitrack import StemAudio, analyze
from stemglue.analysis.onsets import Grid, detect_onsets, estimate_grid, grid_offsets_ms
from stemglue.analysis.steadiness import EDGE_S, pitch_steadiness

RATE = 48000
STEP = 0.125 * RATE  # sixteenths at 120 bpm


def offsets_ms(sd_ms, lag1, count, seed):
    """AR(1) offsets scaled to exactly sd_ms (white for lag1 0)."""
    innovations = np.random.default_rng(seed).standard_normal(count)
    series = np.empty(count)
    series[0] = innovations[0]
    for index in range(1, count):
        series[index] = lag1 * series[index - 1] + np.sqrt(1 - lag1**2) * innovations[index]
    return (series - series.mean()) / series.std(ddof=1) * sd_ms


@pytest.mark.parametrize("sd_ms", [2.0, 5.0, 10.0])
@pytest.mark.parametrize("lag1", [0.0, 0.7])
def test_click_timing_reads_the_offsets_put_in(sd_ms, lag1):
    count = 600
    truth = offsets_ms(sd_ms, lag1, count, seed=int(10 * sd_ms + 10 * lag1))
    audio = with_hiss(click_track(STEP * np.arange(1, count + 1) + truth * RATE / 1000, int(STEP * (count + 2))), -60)
    onsets = detect_onsets(audio, RATE)
    assert len(onsets) == count
    measured = timing_statistics(grid_offsets_ms(onsets / RATE, Grid(0.125, 0.0, estimated=False)))
    expected = timing_statistics(truth)
    assert measured.sd_ms == pytest.approx(sd_ms, abs=0.3)
    assert measured.lag1 == pytest.approx(expected.lag1, abs=0.05)
    # without the tempo: the grid is found from the onsets and the spread still reads true
    grid = estimate_grid(onsets / RATE)
    assert grid.tempo_bpm == pytest.approx(120, abs=0.05)
    assert timing_statistics(grid_offsets_ms(onsets / RATE, grid)).sd_ms == pytest.approx(sd_ms, abs=0.3)


def test_onsets_are_found_on_drums_keys_and_vocals_and_most_bass_notes():
    """F-measure (50 ms) over stems with a -60 dBFS floor: legato bass notes (a pitch change with
    no new attack, a third of the bass's notes) are the ones missed."""
    for make, least in ((drum_stem, 0.95), (keys_stem, 0.95), (vocal_stem, 0.95), (bass_stem, 0.75)):
        audio, truth = make(20.0, RATE, 1)
        assert onset_f_measure(detect_onsets(with_hiss(audio, -60), RATE), truth, 0.05 * RATE)[2] >= least, make


def test_per_hit_level_spread_reads_the_gains_put_in():
    count = 300
    gains_db = np.random.default_rng(5).standard_normal(count)
    gains_db = (gains_db - gains_db.mean()) / gains_db.std(ddof=1) * 1.5
    audio = click_track(STEP * np.arange(1, count + 1), int(STEP * (count + 2)), gains_db=gains_db)
    result = analyze([StemAudio("clicks", None, audio, RATE)], tempo_bpm=120)
    assert result["stems"]["clicks"]["hit_level_sd_db"] == pytest.approx(1.5, abs=0.1)


@pytest.mark.parametrize("level_dbfs", [-90.0, -72.0, -55.0])
def test_a_known_floor_in_the_gaps_reads_within_half_a_db(level_dbfs):
    """Drums with white hiss in both channels: the gaps between the hits read the hiss's RMS, and
    its A-weighted level the white noise's (A-weighting takes 2.1 dB off white noise at 48 kHz...)."""
    drums, _ = drum_stem(20.0, RATE, 2)
    hissy = with_hiss(drums, level_dbfs, seed=3)
    floor = noise_floor(hissy, RATE)
    assert floor.dbfs == pytest.approx(level_dbfs, abs=0.5)
    assert not floor.digital_silence
    hiss_only = hissy - drums.astype(np.float32)
    assert floor.dba == pytest.approx(a_weighted_rms_dbfs(hiss_only[0], RATE), abs=0.5)


def test_digital_silence_is_flagged_and_has_no_floor():
    drums, _ = drum_stem(10.0, RATE, 0)  # generated: exact zeros between the hits
    floor = noise_floor(drums, RATE)
    assert floor.digital_silence and floor.dbfs is None and "digital silence" in floor.reason


@pytest.mark.parametrize("rate", [44100, 48000])
@pytest.mark.parametrize("channels", [1, 2])
def test_integrated_loudness_agrees_with_pyloudnorm(rate, channels):
    for make in (drum_stem, keys_stem, vocal_stem):
        audio, _ = make(12.0, rate, 4)
        audio = np.asarray(audio[:channels], np.float64)
        theirs = pyloudnorm.Meter(rate).integrated_loudness(audio.T if channels > 1 else audio[0])
        assert integrated_loudness_lufs(audio, rate) == pytest.approx(theirs, abs=0.1)


def test_ebu_reference_tones_read_as_specified():
    """EBU Tech 3341/3342: a 1 kHz sine at -23 dBFS in both channels reads -23 LUFS; -20 dBFS then
    -30 dBFS for 10 s each has a loudness range of 10 LU; a 0 dBFS sine at fs/4 with a 45 degree
    phase reads +0 dBTP though no sample exceeds -3 dBFS."""
    t = np.arange(20 * RATE) / RATE
    sine = np.sin(2 * np.pi * 1000 * t)
    assert integrated_loudness_lufs(np.tile(10 ** (-23 / 20) * sine, (2, 1)), RATE) == pytest.approx(-23.0, abs=0.1)
    steps = np.where(t < 10, 10 ** (-20 / 20), 10 ** (-30 / 20)) * sine
    assert loudness_range_lu(np.tile(steps, (2, 1)), RATE) == pytest.approx(10.0, abs=0.1)
    quarter = np.sin(2 * np.pi * RATE / 4 * t[:RATE] + np.pi / 4)
    assert np.max(np.abs(quarter)) == pytest.approx(10 ** (-3.01 / 20), abs=1e-3)
    assert true_peak_dbtp(quarter, RATE) == pytest.approx(0.0, abs=0.2)


def test_bleed_three_ms_late_at_minus_30_db_is_found_at_its_lag():
    drums, _ = drum_stem(20.0, RATE, 6)
    bass, _ = bass_stem(20.0, RATE, 7)
    lag = int(0.003 * RATE)
    spilled = bass[:1] + 10 ** (-30 / 20) * np.pad(drums[:1], ((0, 0), (lag, 0)))[:, : bass.shape[1]]
    evidence = bleed_evidence(drums, spilled, RATE)
    assert evidence.lag_ms == pytest.approx(3.0, abs=0.05)
    result = analyze([StemAudio("drums", None, drums, RATE), StemAudio("bass", None, spilled, RATE)])
    assert result["pairs"][0]["bleed_found"] and result["pairs"][0]["bleed_lag_ms"] == pytest.approx(3.0, abs=0.05)
    apart = analyze([StemAudio("drums", None, drums, RATE), StemAudio("bass", None, bass[:1], RATE)])
    assert not apart["pairs"][0]["bleed_found"]  # stems that never met


def test_onsets_on_one_clock_coincide_and_played_ones_do_not():
    count = 200
    grid = STEP * np.arange(1, count + 1)
    machine = click_track(grid, int(STEP * (count + 2)))
    played = click_track(grid + offsets_ms(5.0, 0.5, count, 9) * RATE / 1000, int(STEP * (count + 2)))
    together = analyze([StemAudio("a", None, machine, RATE), StemAudio("b", None, machine.copy(), RATE)], 120)
    apart = analyze([StemAudio("a", None, machine, RATE), StemAudio("b", None, played, RATE)], 120)
    assert together["pairs"][0]["onset_coincidence"] == 1.0
    assert apart["pairs"][0]["onset_coincidence"] < 0.3


@pytest.mark.parametrize(
    ("audio", "reason_key", "fragment"),
    [
        (np.zeros((2, RATE)), "noise_floor_dbfs", "digital silence"),
        (np.full((1, 1), 0.5), "noise_floor_dbfs", "shorter than two"),
        (np.zeros((1, 1)), "lufs", "silent, or shorter"),
        (0.1 * np.sin(2 * np.pi * 220 * np.arange(5 * RATE) / RATE)[np.newaxis], "onset_sd_ms", "onsets; timing needs"),
        (0.1 * np.sin(2 * np.pi * 220 * np.arange(5 * RATE) / RATE)[np.newaxis], "noise_floor_dbfs", "no gaps"),
        (np.random.default_rng(1).standard_normal((6, 2 * RATE)) * 0.01, "onset_sd_ms", "onsets; timing needs"),
    ],
)
def test_what_does_not_apply_is_none_with_its_reason(audio, reason_key, fragment):
    result = analyze([StemAudio("odd", None, np.asarray(audio, np.float32), RATE)])
    stem = result["stems"]["odd"]
    assert stem[reason_key] is None and fragment in stem["reasons"][reason_key]


def tone(cents: np.ndarray, base_hz: float = 220.0) -> np.ndarray:
    """A harmonic tone (three partials) whose pitch follows `cents` around base_hz."""
    phase = 2 * np.pi * np.cumsum(base_hz * 2 ** (cents / 1200)) / RATE
    return 0.3 * (np.sin(phase) + 0.5 * np.sin(2 * phase) + 0.25 * np.sin(3 * phase))


@pytest.mark.parametrize(
    ("extent_cents", "rate_hz", "drift_cents"),
    [(0.0, 5.5, 0.0), (3.0, 5.0, 0.0), (20.0, 6.3, 0.0), (60.0, 7.1, 0.0), (0.0, 5.5, 10.0), (15.0, 5.8, 8.0)],
)
def test_pitch_steadiness_reads_vibrato_and_drift_put_in(extent_cents, rate_hz, drift_cents):
    """A held note with a known vibrato (extent +-cents, rate) and a slow drift (0.3 Hz): the cents SD
    within the note within +-0.5 cent, the vibrato's rate within 0.1 Hz and extent within 0.5 cent."""
    t = np.arange(4 * RATE) / RATE
    cents = extent_cents * np.sin(2 * np.pi * rate_hz * t) + drift_cents * np.sin(2 * np.pi * 0.3 * t + 1.0)
    measured = pitch_steadiness(with_hiss(tone(cents)[np.newaxis], -80)[0], RATE)
    edge = int(EDGE_S * RATE)  # the reading's own note ends
    inside = cents[edge:-edge]
    assert measured.notes == 1
    assert measured.cents_sd == pytest.approx(np.std(inside), abs=0.5)
    if extent_cents >= 2:
        assert measured.vibrato_hz == pytest.approx(rate_hz, abs=0.1)
        assert measured.vibrato_cents == pytest.approx(extent_cents, abs=0.5)
    else:
        assert measured.vibrato_hz is None


def test_a_chord_and_drums_have_no_single_notes_to_read():
    keys, _ = keys_stem(10.0, RATE, 3)
    drums, _ = drum_stem(10.0, RATE, 3)
    assert pitch_steadiness(keys, RATE).cents_sd is None
    assert pitch_steadiness(drums, RATE).cents_sd is None
