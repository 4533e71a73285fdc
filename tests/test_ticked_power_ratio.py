"""The ticked power ratio (reference/ticked_power_ratio.py; C++ ticked_power_ratio.h, whose output
the Room and GlueCompressor parity tests compare): the averages folded in a tick at a time are the
per-sample one-pole's at the ticks, the root follows them one interval later, and how the stream
is cut into blocks changes nothing."""

import numpy as np
import scipy.signal
from stemglue.reference.ticked_power_ratio import FLOOR_POWER, TICK_SAMPLES, TickedPowerRatio

AVERAGE = float(np.exp(-1000.0 / (400.0 * 48000)))  # a 400 ms average at 48 kHz


def powers(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    envelope = np.repeat(rng.uniform(0.0, 1.0, n // 500 + 1), 500)[:n]  # bursts and silences
    numerator = envelope * rng.standard_normal(n) ** 2
    return numerator, numerator * rng.uniform(0.2, 1.0, n)


def test_the_root_is_the_one_pole_averages_ratio_one_tick_later():
    numerator, denominator = powers(48000, seed=1)
    ratio = TickedPowerRatio()
    ratio.set_average(AVERAGE)
    root = ratio.process(0, numerator, denominator)
    b, a = [1 - AVERAGE], [1.0, -AVERAGE]
    exact = np.sqrt(
        (scipy.signal.lfilter(b, a, numerator) + FLOOR_POWER) / (scipy.signal.lfilter(b, a, denominator) + FLOOR_POWER)
    )
    ticks = np.arange(2 * TICK_SAMPLES, 48000, TICK_SAMPLES)
    # At the tick after next, the ramp arrives at the value the averages had when this tick began.
    np.testing.assert_allclose(root[ticks], exact[ticks - TICK_SAMPLES - 1], rtol=1e-12)
    between = ticks[:-1] + TICK_SAMPLES // 2  # halfway, halfway between the two
    np.testing.assert_allclose(
        root[between],
        0.5
        * (
            exact[between - TICK_SAMPLES // 2 - TICK_SAMPLES - 1]
            + exact[between + TICK_SAMPLES // 2 - TICK_SAMPLES - 1]
        ),
    )


def test_silence_gives_one_and_the_first_interval_holds_it():
    ratio = TickedPowerRatio()
    ratio.set_average(AVERAGE)
    assert np.array_equal(ratio.process(0, np.zeros(100), np.zeros(100)), np.ones(100))
    ratio.reset()
    numerator, denominator = powers(3 * TICK_SAMPLES, seed=2)
    root = ratio.process(0, numerator, 4 * numerator)
    assert np.array_equal(root[:TICK_SAMPLES], np.ones(TICK_SAMPLES))  # nothing measured before the first tick
    assert abs(root[2 * TICK_SAMPLES] - 0.5) < 1e-9  # then the ratio, sqrt(1 / 4)


def test_blocks_of_any_size_and_a_timeline_start_give_the_same_root():
    numerator, denominator = powers(5000, seed=3)
    for start in (0, 17, 12345):
        whole = TickedPowerRatio()
        whole.set_average(AVERAGE)
        expected = whole.process(start, numerator, denominator)
        rng = np.random.default_rng(start)
        cut = TickedPowerRatio()
        cut.set_average(AVERAGE)
        pieces, at = [], 0
        while at < len(numerator):
            n = int(rng.integers(1, 200))
            pieces.append(cut.process(start + at, numerator[at : at + n], denominator[at : at + n]))
            at += n
        assert np.array_equal(np.concatenate(pieces), expected)


def test_after_a_seek_the_skipped_phases_count_as_silence_not_as_the_last_interval_again():
    a = AVERAGE
    numerator = np.zeros(40)
    numerator[8:20] = 1.0  # a burst, folded in at the tick at 32
    denominator = np.full(40, 1e-3)
    ratio = TickedPowerRatio()
    ratio.set_average(a)
    ratio.process(0, numerator, denominator)
    root = ratio.process(340, np.zeros(60), np.full(60, 1e-3))  # on from phase 20 of the interval to 352
    weight = (1 - a) * a ** (TICK_SAMPLES - 1 - np.arange(TICK_SAMPLES))  # of phase q at its interval's end
    numerator_average = a**TICK_SAMPLES * (weight @ numerator[:TICK_SAMPLES])
    # the new interval: positions 32..39 (phases 0..7), the skipped phases 8..19 silent, then 340..351
    denominator_average = a**TICK_SAMPLES * (weight @ np.full(TICK_SAMPLES, 1e-3)) + 1e-3 * (
        weight[:8].sum() + weight[20:].sum()
    )
    expected = np.sqrt((numerator_average + FLOOR_POWER) / (denominator_average + FLOOR_POWER))
    assert abs(root[384 - 340] - expected) < 1e-9 * expected  # the target set at 352, reached at 384


def test_a_cap_holds_the_root_over_the_level_s_mean_at_ticks_after_heard_intervals():
    """The root of a 20 dB power ratio, capped at 1 dB over a level of 6 dB: 7 dB from the second tick
    (the mean is a weighted mean from the first); at the ticks after unheard intervals the mean holds."""
    n = 48000
    numerator = np.ones(n)
    numerator[24000 : 24000 + 4 * TICK_SAMPLES] = 0.0  # four unheard intervals, their level ignored
    level = np.full(n, 6.0)
    level[24001 : 24001 + 4 * TICK_SAMPLES] = 40.0  # read at the ticks after the unheard intervals only
    ratio = TickedPowerRatio()
    ratio.set_average(AVERAGE)
    ratio.set_cap(1.0)
    assert ratio.process(0, numerator, 0.01 * numerator).max() > 9  # without the level: the ratio's root, 10
    ratio.reset()
    root = ratio.process(0, numerator, 0.01 * numerator, level)
    np.testing.assert_allclose(root[2 * TICK_SAMPLES :], 10 ** (7 / 20), rtol=1e-8)  # (the floor in the mean)
