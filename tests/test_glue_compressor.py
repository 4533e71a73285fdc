"""GlueCompressor: C++ = reference, and the static curve and timing measure as set."""

import numpy as np
import pytest
import scipy.signal
import stemglue
from hypothesis import given
from hypothesis import strategies as st
from signals import all_signals, change_after_an_overload_db, music, music_with_an_overload, parity_error_db
from stemglue import reference
from strategies import legal_settings

PARITY_DBFS = -100.0
RATE = 48000
TONE_HZ = 1000.0


def tone(levels_db, seconds_each):
    """A 1 kHz sine stepping through peak levels (dBFS), each held seconds_each."""
    n = int(seconds_each * RATE)
    t = np.arange(n * len(levels_db)) / RATE
    amplitude = np.repeat([10 ** (db / 20) for db in levels_db], n)
    return (amplitude * np.sin(2 * np.pi * TONE_HZ * t))[np.newaxis].astype(np.float32)


PROBE_HZ = 5000.0


def gain_reduction_trace(compressor, signal):
    """Gain reduction (dB) over time, read from a quiet 5 kHz probe tone added throughout: it is far
    below the threshold, so it only rides on the gain the 1 kHz tone sets."""
    t = np.arange(signal.shape[1]) / RATE
    probed = (signal[0] + 10 ** (-50 / 20) * np.sin(2 * np.pi * PROBE_HZ * t))[np.newaxis].astype(np.float32)
    output = compressor(probed, RATE)[0].astype(np.float64)
    band = scipy.signal.butter(4, [PROBE_HZ - 1500, PROBE_HZ + 1500], "bandpass", fs=RATE, output="sos")

    def envelope(x):
        return np.abs(scipy.signal.hilbert(scipy.signal.sosfiltfilt(band, x)))

    return 20 * np.log10(envelope(probed[0].astype(np.float64)) / np.maximum(envelope(output), 1e-12))


@pytest.mark.parametrize("sample_rate", [44100, 48000, 96000])
@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_native_matches_reference(sample_rate, channels):
    settings = {"threshold_db": -30.0, "ratio": 4.0, "attack_ms": 3.0, "makeup_db": 6.0, "mix_percent": 80.0}
    for name, signal in all_signals(channels, sample_rate // 4, sample_rate).items():
        native = stemglue.GlueCompressor(**settings)(signal, sample_rate)
        assert parity_error_db(native, reference.GlueCompressor(**settings)(signal, sample_rate)) <= PARITY_DBFS, name


@given(
    settings=legal_settings(stemglue.GlueCompressor),
    block_size=st.integers(1, 900),
)
def test_random_settings_and_blocks(settings, block_size):
    signal = music(2, 3000, RATE) * 2
    native = stemglue.GlueCompressor(**settings)(signal, RATE, block_size=block_size)
    assert (
        parity_error_db(native, reference.GlueCompressor(**settings)(signal, RATE, block_size=block_size))
        <= PARITY_DBFS
    )
    assert np.array_equal(native, stemglue.GlueCompressor(**settings)(signal, RATE, block_size=3000))


@pytest.mark.parametrize("ratio", [2.0, 4.0, 10.0])
@pytest.mark.parametrize("knee_db", [0.0, 6.0])
def test_static_curve_slope_above_the_knee_is_one_over_ratio(ratio, knee_db):
    threshold = -24.0
    levels = np.arange(threshold + knee_db / 2 + 2, 0.1, 2.0)
    outputs = []
    for level in levels:  # a fresh compressor per level, read once settled
        compressor = stemglue.GlueCompressor(
            threshold_db=threshold, ratio=ratio, knee_db=knee_db, auto_release=0, release_ms=1200, auto_makeup=0
        )  # the static curve, without auto makeup
        output = compressor(tone([level], 0.5), RATE)[0, RATE // 4 :]
        outputs.append(20 * np.log10(np.max(np.abs(output))))
    slope = np.polyfit(levels, outputs, 1)[0]
    assert slope == pytest.approx(1 / ratio, rel=0.03)
    assert outputs[0] == pytest.approx(threshold + (levels[0] - threshold) / ratio, abs=0.3)


def test_soft_knee_is_smooth_and_below_threshold_is_untouched():
    compressor_settings = {
        "threshold_db": -20.0,
        "ratio": 4.0,
        "knee_db": 12.0,
        "auto_release": 0,
        "release_ms": 1200,
        "auto_makeup": 0,
    }
    quiet = stemglue.GlueCompressor(**compressor_settings)(tone([-40.0], 0.3), RATE)
    assert np.max(np.abs(quiet)) == pytest.approx(10 ** (-40 / 20), rel=1e-3)
    at_threshold = stemglue.GlueCompressor(**compressor_settings)(tone([-20.0], 0.5), RATE)[0, RATE // 4 :]
    # At the threshold, in the middle of the knee: (1/R - 1)(W/2)^2 / 2W = -1.125 dB.
    assert 20 * np.log10(np.max(np.abs(at_threshold))) == pytest.approx(-21.125, abs=0.15)


def time_to_fraction(trace, start, fraction, rising):
    """Seconds from sample `start` until the trace passes `fraction` of the way to its final value."""
    before, after = np.median(trace[start - 2400 : start - 480]), np.median(trace[-4800:])
    goal = before + fraction * (after - before)
    segment = trace[start:]
    crossed = np.nonzero(segment >= goal)[0] if rising else np.nonzero(segment <= goal)[0]
    return crossed[0] / RATE


@pytest.mark.parametrize("attack_ms", [3.0, 10.0, 30.0])
def test_attack_reaches_63_percent_in_the_attack_time(attack_ms):
    compressor = stemglue.GlueCompressor(
        threshold_db=-30, ratio=4, knee_db=0, attack_ms=attack_ms, auto_release=0, release_ms=1200, auto_makeup=0
    )  # the detector alone: the trace reads the output gain
    trace = gain_reduction_trace(compressor, tone([-50.0, -6.0], 1.0))
    assert time_to_fraction(trace[: int(1.6 * RATE)], RATE, 0.632, rising=True) == pytest.approx(
        attack_ms / 1000, rel=0.15
    )


@pytest.mark.parametrize("release_ms", [100.0, 300.0, 1000.0])
def test_release_recovers_63_percent_in_the_release_time(release_ms):
    compressor = stemglue.GlueCompressor(
        threshold_db=-30, ratio=4, knee_db=0, attack_ms=1, auto_release=0, release_ms=release_ms, auto_makeup=0
    )
    trace = gain_reduction_trace(compressor, tone([-6.0, -80.0], 4.0))
    assert time_to_fraction(trace, 4 * RATE, 0.632, rising=False) == pytest.approx(release_ms / 1000, rel=0.15)


def test_auto_release_is_faster_after_short_bursts():
    def recovery_after(burst_s):
        compressor = stemglue.GlueCompressor(
            threshold_db=-30, ratio=4, knee_db=0, attack_ms=1, auto_release=1, auto_makeup=0
        )
        signal = np.concatenate([tone([-80.0], 1.0), tone([-6.0], burst_s), tone([-80.0], 4.0)], axis=1)
        trace = gain_reduction_trace(compressor, signal)
        end = int((1.0 + burst_s) * RATE)
        peak = trace[end - 10]
        after = trace[end:]
        return np.nonzero(after <= 0.368 * peak)[0][0] / RATE

    short, long = recovery_after(0.05), recovery_after(2.0)
    assert long >= 2 * short
    assert short < 0.2 and long > 0.5


def test_gain_reduction_readout_matches_the_static_curve():
    compressor = stemglue.GlueCompressor(threshold_db=-24, ratio=4, knee_db=0, auto_release=0, release_ms=1200)
    compressor(tone([-8.0], 0.5), RATE)
    assert compressor.gain_reduction_db == pytest.approx((-8 + 24) * (1 - 1 / 4), abs=0.2)
    quiet = stemglue.GlueCompressor()
    quiet(tone([-60.0], 0.2), RATE)
    assert quiet.gain_reduction_db == 0.0


@pytest.mark.parametrize(("amplitude", "samples"), [(2.0, 4800), (1e6, 100)])
def test_auto_makeup_is_not_held_up_by_a_short_overload(amplitude, samples):
    """Weighted by power, an overload's deep reduction ruled the 3 s averages: a 100 ms square at
    +6 dBFS in music at -10 dBFS peak left it +8.9 dB louder 2 s on, 100 samples at 1e6 +3.7 dB
    (+3.8 for 30 s). The makeup now stays within 1 dB of the reduction's time average: +1.5, +2.3."""
    assert abs(change_after_an_overload_db(stemglue.GlueCompressor, amplitude, samples)) < 2.5


@pytest.mark.parametrize(("amplitude", "samples"), [(2.0, 4800), (1e6, 100)])
def test_native_matches_reference_through_an_overload(amplitude, samples):
    """Where the overload handling acts (it moves the output by several dB there), C++ = reference."""
    hit = music_with_an_overload(amplitude, samples)[1]
    assert parity_error_db(stemglue.GlueCompressor()(hit, 48000), reference.GlueCompressor()(hit, 48000)) <= -100


def test_sidechain_high_pass_keeps_bass_from_pumping():
    t = np.arange(RATE) / RATE
    bass = (0.9 * np.sin(2 * np.pi * 40 * t))[np.newaxis].astype(np.float32)
    for hpf, expect_reduction in ((20.0, True), (300.0, False)):
        compressor = stemglue.GlueCompressor(threshold_db=-20, ratio=4, sidechain_hpf_hz=hpf)
        compressor(bass, RATE)
        assert (compressor.gain_reduction_db > 6) == expect_reduction


def test_mix_zero_is_the_input_and_hostile_input_stays_finite():
    signal = music(2, 9600, RATE) * 3
    assert np.array_equal(stemglue.GlueCompressor(mix_percent=0, threshold_db=-40, ratio=10)(signal, RATE), signal)
    signal[:, 100:200] = np.nan
    output = stemglue.GlueCompressor(threshold_db=-40, ratio=10, makeup_db=24)(signal, RATE)
    assert np.all(np.isfinite(output))


SWITCH_BLOCK = 480
# Auto makeup off, then on again, each at a crest of the 100 Hz sine below (a step is largest there).
SWITCHES = {int(1.5 * RATE) + 120: 0.0, int(2.5 * RATE) + 120: 1.0}


def stream_with_switches(processor, name, signal, cuts=None):
    """signal through a prepared processor in blocks (of SWITCH_BLOCK, or ending at `cuts`), the auto
    makeup switched as SWITCHES says at their samples (on from the start)."""
    processor.set_parameter(name, 1.0)
    processor.prepare(RATE, SWITCH_BLOCK, signal.shape[0])
    ends = sorted(set(cuts if cuts is not None else range(SWITCH_BLOCK, signal.shape[1], SWITCH_BLOCK)) | set(SWITCHES))
    output, start = np.empty(signal.shape), 0
    for end in [*ends, signal.shape[1]]:
        if start in SWITCHES:
            processor.set_parameter(name, SWITCHES[start])
        output[:, start:end] = processor.process(signal[:, start:end])
        start = end
    return output


def bass_sine(seconds=3.5):
    """100 Hz at -6 dBFS, stereo: compressed about 5.6 dB at the defaults, which auto makeup gives back."""
    t = np.arange(int(seconds * RATE)) / RATE
    return np.tile(0.5 * np.sin(2 * np.pi * 100 * t), (2, 1)).astype(np.float32)


@pytest.mark.parametrize(
    ("processor", "name"), [(stemglue.GlueCompressor, "auto_makeup"), (stemglue.StemGlue, "glue_auto_makeup")]
)
def test_switching_auto_makeup_glides_without_a_click(processor, name):
    """Switched, the factor (5.6 dB here, 6.9 dB through the chain) stepped within one sample: above
    3 kHz -47.7 dBFS around the switch against -138 steady (the chain: -55 against -76), the largest
    sample-to-sample change 0.24 (0.10) against 0.0065 (0.0057). Gliding over 20 ms: -100 (-77),
    0.0065 (0.0056)."""
    output = stream_with_switches(processor(), name, bass_sine())[0]
    high = scipy.signal.sosfilt(scipy.signal.butter(8, 3000, "highpass", fs=RATE, output="sos"), output)
    jump = np.abs(np.diff(output))

    def rms_db(x):
        return 10 * np.log10(np.mean(np.square(x)) + 1e-30)

    for at in SWITCHES:
        steady = [slice(at - RATE // 2, at - RATE // 4), slice(at + RATE // 4, at + RATE // 2)]  # either side
        around = slice(at - 240, at + 2400)  # 5 ms before to 50 ms after
        assert rms_db(high[around]) < max(max(rms_db(high[window]) for window in steady) + 3.0, -90.0), at
        assert jump[around].max() < 1.2 * max(jump[window].max() for window in steady), at
        # the level still moves all the way, within the glide
        before, after = rms_db(output[at - 960 : at]), rms_db(output[at + 960 : at + 1920])
        assert abs(after - before) > 5.0, at


def test_switching_auto_makeup_matches_the_reference_at_any_block_size():
    """Through the glides (the averages running until the fade out ends, frozen after it), C++ = the
    reference, and the output does not depend on where the blocks are cut."""
    signal = music(2, int(3.5 * RATE), RATE) * 2
    native = stream_with_switches(stemglue.GlueCompressor(), "auto_makeup", signal)
    expected = stream_with_switches(reference.GlueCompressor(), "auto_makeup", signal)
    assert parity_error_db(native, expected) <= PARITY_DBFS
    cuts = np.cumsum(np.random.default_rng(1).integers(1, SWITCH_BLOCK + 1, signal.shape[1] // 100))
    cut = stream_with_switches(stemglue.GlueCompressor(), "auto_makeup", signal, cuts[cuts < signal.shape[1]])
    assert np.array_equal(native, cut)
