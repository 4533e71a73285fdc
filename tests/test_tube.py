"""Tube: C++ = reference, and the measurable behaviour DESIGN.md asks of it."""

import concurrent.futures

import numpy as np
import pytest
import stemglue
from hypothesis import given
from hypothesis import strategies as st
from signals import (
    all_signals,
    change_after_an_overload_db,
    max_error_dbfs,
    music,
    music_with_an_overload,
    noise,
    parity_error_db,
    sines,
    to_dbfs,
)
from stemglue import reference
from stemglue.analysis import alias_snr_db, coherent_sine, dc_level_dbfs, harmonic_levels_dbc
from strategies import legal_settings

PARITY_DBFS = -100.0
WINDOW = 1 << 16  # coherent analysis window


def steady_window(processor, frequency_hz, sample_rate=48000, amplitude=1.0):
    """Process 4 windows of a coherent sine; return the third: settled (the loudness match takes
    about 2 s to find a steady tone's trim, and a drifting gain would leak as non-harmonic power)
    and clear of the flush."""
    signal, exact_hz = coherent_sine(frequency_hz, sample_rate, 4 * WINDOW, amplitude, WINDOW)
    output = processor(signal.astype(np.float32)[np.newaxis], sample_rate)[0]
    return output[2 * WINDOW : 3 * WINDOW].astype(np.float64), exact_hz


# --- parity -------------------------------------------------------------------------------------


@pytest.mark.parametrize("sample_rate", [44100, 48000, 96000])
@pytest.mark.parametrize("channels", [1, 2])
def test_native_matches_reference_on_every_signal(sample_rate, channels):
    for name, signal in all_signals(channels, sample_rate // 5, sample_rate).items():
        native = stemglue.Tube()(signal, sample_rate)
        expected = reference.Tube()(signal, sample_rate)
        assert parity_error_db(native, expected) <= PARITY_DBFS, name


@given(
    settings=legal_settings(stemglue.Tube),
    sample_rate=st.sampled_from([44100, 48000, 96000]),
    channels=st.sampled_from([1, 2]),
    signal_name=st.sampled_from(["noise", "sines", "impulses", "music"]),
)
def test_native_matches_reference_for_random_settings(settings, sample_rate, channels, signal_name):
    signal = all_signals(channels, 6000, sample_rate)[signal_name]
    native = stemglue.Tube(**settings)(signal, sample_rate, block_size=333)
    expected = reference.Tube(**settings)(signal, sample_rate, block_size=333)
    assert parity_error_db(native, expected) <= PARITY_DBFS


def test_automation_mid_stream_matches_reference():
    signal = music(2, 24000, 48000)
    outputs = []
    for processor in (stemglue.Tube(), reference.Tube()):
        processor.prepare(48000, 256, 2)
        blocks = []
        for index, start in enumerate(range(0, signal.shape[1], 256)):
            if index in (10, 35):  # the bloom off (its envelope holds), then on again
                processor.set_parameter("tube_bloom_percent", 0.0 if index == 10 else 60.0)
            if index == 20:
                processor.set_parameter("tube_drive_db", 24.0)
                processor.set_parameter("tube_tone_db", -6.0)
            if index == 30:
                processor.set_parameter("tube_bias", 0.6)
            if index == 50:
                processor.set_parameter("tube_mix_percent", 40.0)
                processor.set_parameter("tube_adaa", 0.0)
            blocks.append(processor.process(signal[:, start : start + 256]))
        outputs.append(np.concatenate(blocks, axis=1))
    assert parity_error_db(*outputs) <= PARITY_DBFS
    assert np.abs(outputs[0][:, 6000:7000] - outputs[0][:, 4000:5000]).max() > 0.01  # the change was heard


# --- streaming ----------------------------------------------------------------------------------


@pytest.mark.parametrize("implementation", [stemglue.Tube, reference.Tube], ids=["native", "reference"])
def test_output_does_not_depend_on_block_size(implementation):
    signal = music(2, 4800, 48000)
    outputs = [
        implementation(drive_db=12, oversampling=4)(signal, 48000, block_size=size) for size in (1, 7, 64, 512, 4800)
    ]
    for output in outputs[1:]:
        if implementation is stemglue.Tube:
            assert np.array_equal(output, outputs[0])  # bit-identical
        else:  # numpy's filters round by block; second-order ADAA divides by spans down to 1e-6 (-180 dB)
            np.testing.assert_allclose(output, outputs[0], rtol=0, atol=1e-9)


def test_reset_gives_a_fresh_instance():
    first, second = noise(2, 9000, seed=1), noise(2, 9000, seed=2)
    used = stemglue.Tube(drive_db=18)
    used(first, 48000)
    assert np.array_equal(used(second, 48000), stemglue.Tube(drive_db=18)(second, 48000))


def test_instances_in_threads_agree():
    signal = music(2, 48000, 48000)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        outputs = list(pool.map(lambda _: stemglue.Tube(drive_db=9)(signal, 48000), range(8)))
    assert all(np.array_equal(outputs[0], output) for output in outputs)


# --- latency --------------------------------------------------------------------------------------


@pytest.mark.parametrize("factor", [1, 2, 4, 8])
@pytest.mark.parametrize("sample_rate", [44100, 96000])
def test_impulse_peak_lands_at_the_reported_latency(factor, sample_rate):
    tube = stemglue.Tube(oversampling=factor, bloom_percent=0)
    impulse = np.zeros((1, 2048), dtype=np.float32)
    impulse[0, 100] = 0.05  # small: the curve is near-linear, so the response is the filters'
    output = tube(impulse, sample_rate, reset=False)[0]
    assert int(np.argmax(np.abs(output))) == 100 + tube.latency_samples
    assert tube.latency_samples == reference.Tube(oversampling=factor).latency_samples


@pytest.mark.parametrize("factor", [1, 2, 4, 8])
def test_mix_zero_is_the_input_delayed_by_the_latency(factor):
    tube = stemglue.Tube(oversampling=factor, mix_percent=0, drive_db=30)
    signal = music(2, 9600, 48000)
    output = tube(signal, 48000, reset=False)
    latency = tube.latency_samples
    assert max_error_dbfs(output[:, latency:], signal[:, :-latency] if latency else signal) < -120
    assert np.all(output[:, :latency] == 0)


def test_latency_is_fixed_until_reset():
    tube = stemglue.Tube(oversampling=2)
    tube.prepare(48000, 512, 2)
    before = tube.latency_samples
    tube.oversampling = 8
    assert tube.latency_samples == before
    tube.reset()
    assert tube.latency_samples > before


# --- what the tube must measurably do ----------------------------------------------------------


@pytest.mark.parametrize("drive_db", [6, 12])
def test_default_quality_aliasing_at_5khz_full_scale(drive_db):
    """2x with second-order ADAA: 89.7 dB at the default 6 dB drive, 82.0 at 12 (first order: 66.1)."""
    window, f0 = steady_window(stemglue.Tube(drive_db=drive_db), 5000)
    assert alias_snr_db(window, f0, 48000) >= 70


def test_oversampling_and_adaa_each_reduce_aliasing():
    def snr(factor, adaa):
        window, f0 = steady_window(stemglue.Tube(drive_db=12, oversampling=factor, adaa=adaa), 5000)
        return alias_snr_db(window, f0, 48000)

    assert snr(1, 1) > snr(1, 0) + 6
    assert snr(2, 1) > snr(2, 0) + 6
    assert snr(4, 1) > snr(2, 1) + 6


def test_bias_zero_has_no_even_harmonics():
    window, f0 = steady_window(stemglue.Tube(bias=0, drive_db=12), 1000, amplitude=0.5)
    h2, h3 = harmonic_levels_dbc(window, f0, 48000, 3)
    assert h2 < -80
    assert h3 > -40  # but it is saturating


@pytest.mark.parametrize("bias", [0.2, 0.5, 0.8])
def test_bias_makes_second_harmonic_dominant(bias):
    window, f0 = steady_window(stemglue.Tube(bias=bias, drive_db=6), 1000, amplitude=0.5)
    h2, h3 = harmonic_levels_dbc(window, f0, 48000, 3)
    assert h2 > h3 + 3
    assert h2 > -40


@pytest.mark.parametrize("factor", [1, 2, 4, 8])
@pytest.mark.parametrize("adaa", [0, 1])
def test_silence_stays_exactly_silent(factor, adaa):
    """A shaper at rest gives exactly its offset (the offset is the float bias's, at 1x computed as
    that path computes it, and the three-sample mean of equal samples is the sample): no DC for the
    filters after it to carry."""
    for bias in (0.0, 0.1, 0.3, 0.45, 0.77, 1.0):
        tube = stemglue.Tube(oversampling=factor, adaa=adaa, bias=bias, drive_db=12)
        assert not np.any(tube(np.zeros((2, 4800), np.float32), 48000))


def test_output_has_no_dc():
    window, _ = steady_window(stemglue.Tube(bias=1, drive_db=24, bloom_percent=100), 440)
    assert dc_level_dbfs(window) < -80


@pytest.mark.parametrize("drive_db", [-12, 0, 6, 12, 24, 36])
@pytest.mark.parametrize("bias", [0.0, 0.3, 1.0])
def test_level_compensation_keeps_a_minus_12_dbfs_sine_level(drive_db, bias):
    signal = sines(1, 24000, 48000, 1000.0, amplitude=0.25)
    output = stemglue.Tube(drive_db=drive_db, bias=bias)(signal, 48000)
    change_db = to_dbfs(output[0, 12000:].std() / signal[0, 12000:].std())
    assert abs(change_db) < 1.5


def test_bloom_adds_even_harmonics_on_loud_passages_only():
    def h2(bloom, amplitude):
        window, f0 = steady_window(stemglue.Tube(bloom_percent=bloom, bias=0.2, drive_db=12), 1000, amplitude=amplitude)
        return harmonic_levels_dbc(window, f0, 48000, 2)[0]

    assert h2(100, 1.0) > h2(0, 1.0) + 2
    # At -40 dBFS (12 dB drive) the envelope is 0.04 and the bias grows by 8 %: +0.50 dB of H2. (The
    # envelope follows the level's peaks, a sine's amplitude; the per-sample follower before the
    # control-rate bloom drooped between peaks to 0.92 of it: +0.49 dB.)
    assert abs(h2(100, 0.01) - h2(0, 0.01)) < 0.6


def test_bloom_recovers_after_a_loud_burst():
    """A second after a burst the bloom (bias shift and sag) is back at rest: what remains is the
    loudness match's slow trim, a pure gain, which the quiet signal then brings back over the
    match's few seconds."""

    def render(gap_s, quiet_s):
        quiet = sines(1, int(quiet_s * 48000), 48000, 1000, 0.05)
        burst = sines(1, 24000, 48000, 1000, 1.0) if gap_s is not None else np.zeros((1, 0), np.float32)
        signal = np.concatenate([burst, np.zeros((1, int((gap_s or 0) * 48000)), np.float32), quiet], axis=1)
        return stemglue.Tube(bloom_percent=100, drive_db=12)(signal, 48000)[:, -2400:].astype(np.float64)

    alone = render(None, 0.1)
    assert max_error_dbfs(render(0.05, 0.1), alone) > -60  # still blooming just after the burst
    recovered = render(1.0, 0.1)[0]
    # The trim, still moving slowly: a gain a + b t fitted by least squares.
    t = np.linspace(-1.0, 1.0, recovered.size)
    basis = np.stack([alone[0], alone[0] * t], axis=1)
    (a, b), *_ = np.linalg.lstsq(basis, recovered, rcond=None)
    assert abs(20 * np.log10(a)) > 1  # the burst's trim is still there (the burst compressed hard) ...
    assert max_error_dbfs((basis @ [a, b])[None], recovered[None]) < -80  # ... but only as a gain
    assert max_error_dbfs(render(1.0, 20.0), render(None, 20.0)) < -70  # and the trim returns in seconds


def test_the_loudness_match_ignores_a_dc_offset():
    """The match weighs DC-free dry and wet: an input offset (which the tube's blocker removes) must
    not read as lost power and lift the wet (it lifted it by 8 dB at 0.05)."""
    t = np.arange(4 * 48000) / 48000
    levels = []
    for offset in (0.0, 0.05):
        signal = (0.03 * np.sin(2 * np.pi * 1000 * t) + offset)[np.newaxis].astype(np.float32)
        output = stemglue.Tube()(signal, 48000)[0, 96000:].astype(np.float64)
        levels.append(to_dbfs(np.std(output)))
    assert abs(levels[1] - levels[0]) < 0.1


def test_the_loudness_match_hears_a_tone_whose_period_divides_the_control_tick():
    """The ratio's average moves at control ticks (32 samples) where the dry was heard since the
    last: at the tick sample alone, a 1500 Hz tone whose zero crossings fall on the ticks went
    unheard for good and came out 7.3 dB louder than at any other phase."""
    n = np.arange(3 * 48000)
    levels = []
    for phase in range(32):
        tone = (0.05 * np.sin(2 * np.pi * (1500 * n / 48000 + phase / 32)))[np.newaxis].astype(np.float32)
        output = stemglue.Tube(drive_db=24.0, bloom_percent=0.0)(tone, 48000)[0, -48000:].astype(np.float64)
        levels.append(to_dbfs(np.std(output)))
    assert max(levels) - min(levels) < 0.1


@pytest.mark.parametrize(("amplitude", "samples", "limit_db"), [(2.0, 4800, 2.0), (1e6, 100, 1.5)])
def test_a_short_overload_does_not_lift_what_follows_for_seconds(amplitude, samples, limit_db):
    """The match averages the logarithm of 100 ms power ratios (the dry heard up to +12 dBFS), so an
    overload counts by its share of the time. Averaging 400 ms ratios themselves, a 100 ms square at
    +6 dBFS in music at -10 dBFS peak left the music +5.9 dB louder 2 s on, and 100 samples at 1e6
    +10.2 dB (now +1.4 and +1.0)."""
    assert abs(change_after_an_overload_db(stemglue.Tube, amplitude, samples)) < limit_db


@pytest.mark.parametrize(("amplitude", "samples"), [(2.0, 4800), (1e6, 100)])
def test_native_matches_reference_through_an_overload(amplitude, samples):
    """Where the overload handling acts (it moves the output by several dB there), C++ = reference."""
    hit = music_with_an_overload(amplitude, samples)[1]
    assert parity_error_db(stemglue.Tube()(hit, 48000), reference.Tube()(hit, 48000)) <= -100


def test_the_first_hit_of_a_stream_is_not_boosted():
    """Before the match has heard enough to know the loss it holds the static compensation: the
    first kick of a stream comes out as it would without the match (it came out 5 dB louder)."""
    n = np.arange(4800)
    kick = (0.9 * np.sin(2 * np.pi * 55 * n / 48000) * np.exp(-n / 1500))[np.newaxis].astype(np.float32)
    signal = np.concatenate([kick, np.zeros((1, 19200), np.float32)], axis=1)
    tube = stemglue.Tube()
    output = tube(signal, 48000)[0, tube.latency_samples :].astype(np.float64)
    hit = slice(480, 2400)  # 10 to 50 ms
    assert to_dbfs(np.std(output[hit])) - to_dbfs(np.std(kick[0, hit])) < 0.5


def test_tone_tilts_the_spectrum_by_its_setting():
    def gain_db(frequency, tone):
        signal = sines(1, 48000, 48000, frequency, 0.01)
        output = stemglue.Tube(tone_db=tone, drive_db=-12, bias=0)(signal, 48000)
        return to_dbfs(output[0, 24000:].std() / signal[0, 24000:].std())

    for tone in (-6.0, 6.0):
        tilt = (gain_db(12000, tone) - gain_db(40, tone)) - (gain_db(12000, 0) - gain_db(40, 0))
        assert tilt == pytest.approx(tone, abs=1.0)


# --- hostile input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("implementation", [stemglue.Tube, reference.Tube], ids=["native", "reference"])
@pytest.mark.parametrize("poison", [np.nan, np.inf, -np.inf])
def test_non_finite_samples_are_silence_and_do_not_leak(implementation, poison):
    clean = music(2, 9600, 48000)
    poisoned = clean.copy()
    poisoned[:, 3000:3100] = poison
    silenced = clean.copy()
    silenced[:, 3000:3100] = 0
    output = implementation(drive_db=20)(poisoned, 48000)
    assert np.all(np.isfinite(output))
    assert np.array_equal(output, implementation(drive_db=20)(silenced, 48000))
    assert np.isnan(poisoned[0, 3000]) or np.isinf(poisoned[0, 3000])  # input untouched


def test_absurd_magnitudes_stay_finite():
    signal = np.array([[1e30, -1e30, 3e38, 0.5, -3e38] * 1000], dtype=np.float32)
    for factor in (1, 8):
        assert np.all(np.isfinite(stemglue.Tube(drive_db=36, bias=1, oversampling=factor)(signal, 48000)))


@pytest.mark.parametrize("implementation", [stemglue.Tube, reference.Tube], ids=["native", "reference"])
def test_empty_input_gives_empty_output(implementation):
    assert implementation()(np.zeros((2, 0), np.float32), 48000).shape == (2, 0)
    assert implementation()(np.zeros(0, np.float32), 48000).shape == (0,)


def test_mono_1d_input_keeps_its_shape():
    signal = music(1, 4800, 48000)[0]
    output = stemglue.Tube()(signal, 48000)
    assert output.shape == signal.shape and output.dtype == np.float32


@pytest.mark.parametrize(
    ("audio", "sample_rate", "message"),
    [
        (np.zeros((2, 100), np.int16), 48000, "float array"),
        (np.zeros((2, 100), np.complex64), 48000, "float array"),
        (np.zeros((2, 2, 100), np.float32), 48000, "1-D .* or 2-D"),
        (np.zeros((1000, 2), np.float32), 48000, r"transpose"),
        (np.zeros((0, 100), np.float32), 48000, "at least one channel"),
        (np.zeros((2, 100), np.float32), 0, "sample_rate must be between"),
        (np.zeros((2, 100), np.float32), float("nan"), "sample_rate must be between"),
        (np.zeros((2, 100), np.float32), "48k", "sample_rate must be a number"),
    ],
)
def test_bad_audio_is_rejected_clearly(audio, sample_rate, message):
    with pytest.raises(ValueError, match=message):
        stemglue.Tube()(audio, sample_rate)


@pytest.mark.parametrize("sample_rate", [8000, 192000])
def test_extreme_settings_and_rates_stay_finite_and_bounded(sample_rate):
    signal = music(2, sample_rate // 4, sample_rate)
    for corner in (
        {"drive_db": 36, "bias": 1, "tone_db": 12, "output_db": 24},
        {"drive_db": -12, "bias": 0, "tone_db": -12, "output_db": -24},
    ):
        output = stemglue.Tube(oversampling=8, **corner)(signal, sample_rate)
        assert np.all(np.isfinite(output)) and np.abs(output).max() < 100
