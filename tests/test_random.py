"""The counter-based generator is bit-identical in C++ and Python, seekable and well spread."""

import numpy as np
import pytest
from stemglue import _core
from stemglue.reference import random as reference


@pytest.mark.parametrize(("seed", "stream"), [(0, 0), (1, 7), (2**63 + 12345, 3), (99999, 2**40)])
def test_a_million_draws_are_bit_identical(seed, stream):
    key = reference.stream_key(seed, stream)
    assert key == _core.stream_key(seed, stream)
    native = _core.random_u64(key, 0, 1_000_000)
    assert np.array_equal(native, reference.random_u64(key, np.arange(1_000_000)))
    assert np.array_equal(_core.random_uniform(key, 0, 1_000_000), reference.random_uniform(key, np.arange(1_000_000)))


def test_gaussians_agree_to_rounding():
    key = reference.stream_key(5, 1)
    native = _core.random_gaussian(key, 0, 200_000)
    np.testing.assert_allclose(native, reference.random_gaussian(key, np.arange(200_000)), rtol=0, atol=1e-13)
    assert abs(native.mean()) < 0.01 and abs(native.std() - 1) < 0.01


def test_draws_are_seekable_and_independent_of_how_they_are_taken():
    key = _core.stream_key(42, 0)
    whole = _core.random_u64(key, 0, 10_000)
    pieces = np.concatenate([_core.random_u64(key, start, 1000) for start in range(0, 10_000, 1000)])
    assert np.array_equal(whole, pieces)
    assert np.array_equal(
        _core.random_u64(key, 123_456_789_000, 3),
        reference.random_u64(key, [123_456_789_000, 123_456_789_001, 123_456_789_002]),
    )


def test_seeds_and_streams_give_unrelated_sequences():
    draws = [_core.random_uniform(_core.stream_key(seed, stream), 0, 100_000) for seed in (1, 2) for stream in (0, 1)]
    for i in range(len(draws)):
        for j in range(i + 1, len(draws)):
            assert abs(np.corrcoef(draws[i], draws[j])[0, 1]) < 0.02
    assert abs(draws[0].mean() - 0.5) < 0.005
    counts, _ = np.histogram(draws[0], bins=20, range=(0, 1))
    assert counts.min() > 0.9 * 5000 and counts.max() < 1.1 * 5000
