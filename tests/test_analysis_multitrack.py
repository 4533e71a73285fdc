"""`stemglue.analysis` on signals whose truth is known: each descriptor reads what was put in,
within the tolerances the analyze command promises."""

import numpy as np
import pyloudnorm
import pytest
import stemglue
from signals import bass_stem, click_track, drum_stem, keys_stem, vocal_stem, with_hiss
from stemglue.analysis import (
    a_weighted_rms_dbfs,
    coherent_sine,
    harmonic_levels_dbc,
    onset_f_measure,
    timing_statistics,
)
from stemglue.analysis.balance import spectral_balance
from stemglue.analysis.bleed import bleed_evidence
from stemglue.analysis.decay import free_decays
from stemglue.analysis.floor import noise_floor
from stemglue.analysis.harmonics import FLOOR_DBC, harmonic_signature
from stemglue.analysis.loudness import integrated_loudness_lufs, loudness_range_lu, true_peak_dbtp
from stemglue.analysis.multitrack import StemAudio, analyze
from stemglue.analysis.onsets import Grid, detect_onsets, estimate_grid, grid_offsets_ms
from stemglue.analysis.steadiness import EDGE_S, pitch_steadiness, sustained_notes

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


@pytest.mark.parametrize(("step_s", "bpm"), [(0.25, 120.0), (0.5, 120.0), (0.125, 120.0), (60 / 170 / 2, 85.0)])
def test_an_estimated_tempo_is_taken_into_one_octave(step_s, bpm):
    """Hits on eighths at 120 bpm read as 60 bpm (their grid taken as sixteenths; a tryout)."""
    count = int(40 / step_s)
    jitter = np.random.default_rng(3).normal(0.0, 0.002, count)
    audio = click_track((step_s * np.arange(1, count + 1) + jitter) * RATE, int(step_s * RATE * (count + 2)))
    assert analyze([StemAudio("clicks", None, audio, RATE)])["tempo"]["bpm"] == pytest.approx(bpm, rel=0.002)


@pytest.mark.parametrize("bpm", [90.0, 100.0, 110.0, 120.0, 128.0])
@pytest.mark.parametrize("per_beat", [1, 2, 4])
def test_exactly_quantized_onsets_give_their_tempo(bpm, per_beat):
    """Machine-made stems sit exactly on the grid, and then every step dividing theirs fits alike:
    quarters at 120 bpm read 105 bpm (a septuplet grid, 0.5/7 s; a tryout), at 90 bpm 112.5. Over a
    three-minute song the searched steps miss each fit's peak by more than the fits differ."""
    step_s = 60.0 / bpm / per_beat
    count = int(8.0 / step_s)
    audio = click_track((0.05 + step_s * np.arange(count)) * RATE, int((0.1 + step_s * count) * RATE))
    assert analyze([StemAudio("clicks", None, audio, RATE)])["tempo"]["bpm"] == pytest.approx(bpm, rel=1e-3)
    song = estimate_grid(0.05 + step_s * np.arange(int(180.0 / step_s)))
    assert song.step_s in (pytest.approx(step_s, rel=1e-9), pytest.approx(step_s * per_beat / 2, rel=1e-9))


@pytest.mark.parametrize(
    ("beats", "grid"),
    [
        (np.arange(2, 120) / 3, "sixteenth-note triplets"),  # eighth-note triplets
        (
            np.sort(np.concatenate([np.arange(2, 80) / 4, np.arange(120, 240) / 6])),
            "twelfths",
        ),  # sixteenths, then triplets
        (np.arange(2, 160) / 4, "sixteenths"),
        (np.arange(2, 80) / 2, "sixteenths"),  # eighths fit every division: the coarsest
    ],
    ids=["triplets", "both", "sixteenths", "eighths"],
)
def test_a_given_tempo_times_triplets_against_triplets(beats, grid):
    """Eighth-note triplets at a given 120 bpm, played with 5 ms of spread, were timed against
    sixteenths and read 35 ms (a 120 bpm shuffle given as 120 bpm: its tempo right, its timing not)."""
    played = 0.5 * beats + np.random.default_rng(5).normal(0.0, 0.005, len(beats))
    audio = click_track(played * RATE, int((played[-1] + 0.5) * RATE))
    result = analyze([StemAudio("clicks", None, audio, RATE)], tempo_bpm=120)
    assert result["tempo"]["bpm"] == 120 and grid in result["tempo"]["grid"]
    assert result["stems"]["clicks"]["onset_sd_ms"] == pytest.approx(5.0, abs=0.6)


def test_click_timing_holds_over_a_held_tone():
    """A -14 dBFS sine under the hits (louder than a fifth of their peak): each hit is timed on its
    own rise above the tone, not at the edge of its search window (which read -22 ms, SD 10 ms)."""
    count = 200
    truth = offsets_ms(2.0, 0.0, count, seed=7)
    length = int(STEP * (count + 2))
    tone = (0.2 * np.sin(2 * np.pi * 220 * np.arange(length) / RATE)).astype(np.float32)
    clicks = click_track(STEP * np.arange(1, count + 1) + truth * RATE / 1000, length)
    grid = Grid(0.125, 0.0, estimated=False)
    alone, over_tone = (grid_offsets_ms(detect_onsets(audio, RATE) / RATE, grid) for audio in (clicks, clicks + tone))
    assert len(over_tone) == count
    assert timing_statistics(over_tone).sd_ms == pytest.approx(2.0, abs=0.3)
    # the same clicks on silence: the tone moves each hit's time by a fraction of a millisecond
    assert np.abs(over_tone - alone).max() < 0.5
    assert np.mean(over_tone - alone) == pytest.approx(0.0, abs=0.3)


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


def test_stems_playing_the_same_notes_in_phase_show_no_bleed():
    """Synthetic bass and keys on the same notes, their harmonics in phase: GCC-PHAT's peak at zero
    lag (a few lines, so a broad one) has its flank at the bleed window's 0.3 ms edge, which a tryout
    read as bleed. A copy 0.4 ms late of the bass in the keys is still found, at its lag."""
    t = np.arange(8 * RATE) / RATE
    phase = 2 * np.pi * np.cumsum(np.array([110, 146.8, 164.8, 98])[(t // 0.5).astype(int) % 4]) / RATE
    envelope = np.exp(-4 * (t % 0.5))
    bass = (envelope * (0.5 * np.sin(phase) + 0.2 * np.sin(2 * phase)))[np.newaxis].astype(np.float32)
    keys = (envelope * (0.3 * np.sin(2 * phase) + 0.2 * np.sin(3 * phase) + 0.1 * np.sin(4 * phase)))[np.newaxis]
    keys = keys.astype(np.float32)
    result = analyze([StemAudio("bass", None, bass, RATE), StemAudio("keys", None, keys, RATE)])
    assert not result["pairs"][0]["bleed_found"]
    lag = int(0.0004 * RATE)
    spilled = keys + 10 ** (-30 / 20) * np.pad(with_hiss(bass, -70), ((0, 0), (lag, 0)))[:, : keys.shape[1]]
    result = analyze([StemAudio("bass", None, bass, RATE), StemAudio("keys", None, spilled, RATE)])
    assert result["pairs"][0]["bleed_found"] and result["pairs"][0]["bleed_lag_ms"] == pytest.approx(0.4, abs=0.03)


def test_a_sine_sweep_kick_is_found_beside_a_snare():
    """An 808-style kick (a 150 -> 50 Hz sine sweep, no click) sums to little spectral flux beside a
    noise snare's: a tryout's kick-and-snare eighths gave the snares alone, 12 of 24 hits, and the
    drums' EDT read 10.3 s for hits dying in 0.35 s."""
    rng = np.random.default_rng(42)
    t = np.arange(int(0.4 * RATE)) / RATE
    kick = 0.8 * np.sin(2 * np.pi * (50 * t + 100 * (1 - np.exp(-30 * t)) / 30)) * np.exp(-20 * t)
    drums = np.zeros(6 * RATE + len(t))
    hits = np.arange(RATE // 10, 6 * RATE, RATE // 4)
    for index, start in enumerate(hits):
        drums[start : start + len(t)] += kick if index % 2 == 0 else 0.4 * rng.standard_normal(len(t)) * np.exp(-30 * t)
    assert onset_f_measure(detect_onsets(drums[np.newaxis], RATE), hits, 0.05 * RATE)[2] == 1.0
    edt = analyze([StemAudio("drums", None, drums[np.newaxis].astype(np.float32), RATE)])["stems"]["drums"][
        "decay_edt_s"
    ]
    assert edt is not None and edt < 0.5


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
    # A chord of sines is periodic at its missing fundamental (C-E-G: 65 Hz): read as one note, it gave
    # a pitch SD of 501 cents and H2 +1.6, H3 +3.4 dBc over a fundamental at -134 dBFS (a tryout).
    t = np.arange(int(6.5 * RATE)) / RATE
    chord = sum(0.15 * np.sin(2 * np.pi * hz * t) for hz in (261.6, 329.6, 392.0)) * (
        0.5 + 0.5 * np.exp(-(t % 1.0) * 3)
    )
    assert sustained_notes(chord, RATE) == []
    assert pitch_steadiness(chord, RATE).cents_sd is None


def notes_with_harmonics(h2_dbc, h3_dbc, level_dbfs, pitches_hz, seconds=0.8, gap_s=0.2):
    """Sustained notes (fundamental at level_dbfs, a full-scale sine 0) with H2 and H3 at known dBc,
    10 ms fades, gaps between, under -90 dBFS hiss."""
    parts = []
    t = np.arange(int(seconds * RATE)) / RATE
    fade = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.01)
    for hz in pitches_hz:
        note = np.sin(2 * np.pi * hz * t)
        note += 10 ** (h2_dbc / 20) * np.sin(2 * np.pi * 2 * hz * t + 0.4)
        note += 10 ** (h3_dbc / 20) * np.sin(2 * np.pi * 3 * hz * t + 1.3)
        parts += [10 ** (level_dbfs / 20) * note * fade, np.zeros(int(gap_s * RATE))]
    return with_hiss(np.concatenate(parts)[np.newaxis], -90)[0]


@pytest.mark.parametrize(("h2_dbc", "h3_dbc"), [(-20.0, -35.0), (-40.0, -60.0), (-55.0, -45.0)])
def test_harmonic_signature_reads_the_harmonics_put_in(h2_dbc, h3_dbc):
    mono = notes_with_harmonics(h2_dbc, h3_dbc, -12.0, [82.4, 110.0, 196.0, 330.0, 523.3, 880.0])
    signature = harmonic_signature(mono, RATE, sustained_notes(mono, RATE))
    assert signature.notes == 6
    assert signature.h2_dbc == pytest.approx(h2_dbc, abs=0.3)
    assert signature.h3_dbc == pytest.approx(h3_dbc, abs=0.3)
    assert signature.level_dbfs == pytest.approx(-12.0, abs=0.1)


def test_a_harmonic_below_the_window_s_floor_reads_as_the_floor():
    """A clean generated sine's H3 read -170 dBc (the 1e-30 guard), so a tube's -25 showed as a change
    of +145 dB (a tryout's report). Under the Blackman-Harris sidelobes (-92 dB) nothing is measured."""
    mono = notes_with_harmonics(-30.0, -300.0, -12.0, [110.0, 220.0, 330.0])
    signature = harmonic_signature(mono, RATE, sustained_notes(mono, RATE))
    assert signature.h2_dbc == pytest.approx(-30.0, abs=0.3)
    assert signature.h3_dbc == FLOOR_DBC == -100.0


def test_harmonic_signature_is_read_on_the_loudest_notes():
    """Quiet notes (20 dB down, cleaner) do not water down what the loud ones show."""
    mono = np.concatenate(
        [
            notes_with_harmonics(-25.0, -40.0, -6.0, [110.0, 220.0]),
            notes_with_harmonics(-45.0, -70.0, -26.0, [165.0] * 5),
        ]
    )
    signature = harmonic_signature(mono, RATE, sustained_notes(mono, RATE))
    assert signature.notes == 2 and signature.h2_dbc == pytest.approx(-25.0, abs=0.3)


def test_harmonic_signature_of_the_tube_matches_its_steady_sine_measurement():
    """Notes through stemglue.Tube read as a coherent steady sine through it at the same level does
    (test_tube's method), within 1 dB: the descriptor sees what the module adds."""
    tube = dict(bias=0.3, drive_db=12.0)
    signal, exact_hz = coherent_sine(220.0, RATE, 4 * 8192, 0.25, 8192)
    steady = stemglue.Tube(**tube)(signal.astype(np.float32)[np.newaxis], RATE)[0][2 * 8192 : 3 * 8192]
    expected_h2, expected_h3 = harmonic_levels_dbc(steady.astype(np.float64), exact_hz, RATE, 3)
    notes = notes_with_harmonics(-200.0, -200.0, 20 * np.log10(0.25), [exact_hz] * 4, seconds=2.0)
    processed = stemglue.Tube(**tube)(notes.astype(np.float32)[np.newaxis], RATE)[0].astype(np.float64)
    signature = harmonic_signature(processed, RATE, sustained_notes(processed, RATE))
    assert signature.notes == 4
    assert signature.h2_dbc == pytest.approx(expected_h2, abs=1.0)
    assert signature.h3_dbc == pytest.approx(expected_h3, abs=1.0)


def decaying_bursts(rt60_s, count=4, floor_dbfs=-80.0, seed=0):
    """Noise bursts (0.3 s), each followed by exponentially decaying noise of a known RT60."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(max(2.5, 2.5 * rt60_s) * RATE)) / RATE
    parts = []
    for _ in range(count):
        parts += [
            0.3 * rng.standard_normal(int(0.3 * RATE)),
            0.3 * rng.standard_normal(len(t)) * 10 ** (-3 * t / rt60_s),
        ]
    return with_hiss(np.concatenate(parts)[np.newaxis], floor_dbfs)[0]


@pytest.mark.parametrize("rt60_s", [0.3, 0.8, 1.6])
def test_free_decays_read_t30_and_edt_within_3_percent(rt60_s):
    mono = decaying_bursts(rt60_s)
    decays = free_decays(mono, RATE, detect_onsets(mono[np.newaxis], RATE))
    assert decays.count >= 3
    assert decays.t30_s == pytest.approx(rt60_s, rel=0.03)
    assert decays.edt_s == pytest.approx(rt60_s, rel=0.03)


def test_a_note_held_and_cut_dead_has_no_t30_and_a_short_edt():
    """Generated stems' notes stop dead (an 8 ms release): nothing to time as a T30, and their early
    decay reads far shorter than any room's."""
    bass, _ = bass_stem(10.0, RATE, 2)
    decays = free_decays(bass.mean(axis=0), RATE, detect_onsets(bass, RATE))
    assert decays.t30_s is None
    assert decays.edt_s is not None and decays.edt_s < 0.2


def test_stems_in_one_room_decay_alike_and_stems_in_their_own_do_not():
    """The shared-decay spread: small for stems with one RT60, large for stems with their own."""
    one_room = {name: decaying_bursts(0.8, seed=seed) for seed, name in enumerate(("a", "b", "c"))}
    own_rooms = {name: decaying_bursts(rt60, seed=7) for name, rt60 in (("a", 0.3), ("b", 0.8), ("c", 1.6))}
    spreads = []
    for stems in (one_room, own_rooms):
        result = analyze([StemAudio(name, None, audio[np.newaxis], RATE) for name, audio in stems.items()])
        spreads.append(result["shared_decay"]["t30_spread_percent"])
        assert result["shared_decay"]["t30_stems"] == 3
    assert spreads[0] < 5 and spreads[1] > 100


def pink_noise(seconds, seed=0):
    count = int(seconds * RATE)
    spectrum = np.fft.rfft(np.random.default_rng(seed).standard_normal(count))
    frequencies = np.fft.rfftfreq(count, 1 / RATE)
    spectrum[1:] /= np.sqrt(frequencies[1:])
    spectrum[0] = 0
    return np.fft.irfft(spectrum, count)


def test_spectral_balance_reads_white_and_pink_noise_and_a_sine():
    white = spectral_balance(np.random.default_rng(0).standard_normal(10 * RATE), RATE)
    pink = spectral_balance(pink_noise(10.0), RATE)
    sine = spectral_balance(0.5 * np.sin(2 * np.pi * 1000 * np.arange(5 * RATE) / RATE), RATE)
    assert white.tilt_db_per_octave == pytest.approx(0.0, abs=0.2)
    assert pink.tilt_db_per_octave == pytest.approx(-3.0, abs=0.2)
    assert white.centroid_hz == pytest.approx(RATE / 4, rel=0.01)
    assert sine.centroid_hz == pytest.approx(1000, rel=0.01)
    assert max(sine.bands_db, key=sine.bands_db.get) == "1k" and sine.bands_db["1k"] > -0.1
    # pink noise has the same power in every third octave
    middle = [pink.bands_db[name] for name in "63 125 250 500 1k 2k 4k 8k".split()]
    assert np.ptp(middle) < 0.8  # (a 63 Hz band holds 2.5 bins: its reading scatters)
