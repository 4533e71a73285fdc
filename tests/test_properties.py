"""Properties that hold for every setting (Hypothesis), on the native chain."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from strategies import legal_settings
from signals import music, noise

import stemglue


chain_settings = legal_settings(stemglue.StemGlue)
rates = st.sampled_from([8000, 44100, 48000, 96000, 192000])


@given(settings=chain_settings, sample_rate=rates, level=st.floats(0, 1e4))
def test_output_is_finite_and_silence_gets_only_the_noise_floor(settings, sample_rate, level):
    chain = stemglue.StemGlue(**settings)
    loud = noise(2, 4096, level=level) if level > 0 else np.zeros((2, 4096), np.float32)
    assert np.all(np.isfinite(chain(loud, sample_rate)))
    silence = np.zeros((2, sample_rate // 2), np.float32)
    floor = chain(silence, sample_rate)
    # Finite and sane: at the extremes (-40 dB(A) per component, +24 dB floor and output trims,
    # pink's low end unweighted) the floor may pass full scale, but nothing explodes.
    assert np.all(np.isfinite(floor)) and np.abs(floor).max() < 100
    chain.noise_enabled = 0
    assert np.abs(chain(silence, sample_rate)).max() < 1e-6  # without the floor, silence stays silent


@given(settings=chain_settings, block_size=st.integers(1, 1500))
def test_block_size_never_changes_the_output(settings, block_size):
    signal = music(2, 3000, 48000)
    whole = stemglue.StemGlue(**settings)(signal, 48000, block_size=3000)
    assert np.array_equal(stemglue.StemGlue(**settings)(signal, 48000, block_size=block_size), whole)


@given(settings=chain_settings)
def test_reset_is_a_fresh_instance(settings):
    chain = stemglue.StemGlue(**settings)
    chain(noise(2, 5000, seed=3, level=0.9), 48000)
    signal = music(2, 3000, 48000)
    assert np.array_equal(chain(signal, 48000), stemglue.StemGlue(**settings)(signal, 48000))
