"""Every processor sanitises its input before its DSP sees it: a non-finite sample is silence and an
absurd magnitude is clamped to +-1e5 (cpp/include/stemglue/sanitize.h), wherever in a block it falls.
The native sanitise reads a block first and rewrites only a block that needs it, so the poison is put
alone in its block, at the block's first, middle or last sample, in either channel, and in blocks of
64 samples (whole vectors) and 61 (a scalar tail)."""

import numpy as np
import pytest
from processor_classes import NATIVE_CLASSES, REFERENCE_CLASSES
from signals import music
from stemglue.reference.sanitize import sanitize


@pytest.mark.parametrize("processor_class", NATIVE_CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("poison", [np.nan, np.inf, -np.inf, 3e9, 100001.0, -2e5])
@pytest.mark.parametrize("block_size", [64, 61])
@pytest.mark.parametrize("place", ["first", "middle", "last"])
@pytest.mark.parametrize("channel", [0, 1])
def test_a_hostile_sample_is_processed_as_its_sanitised_value(processor_class, poison, block_size, place, channel):
    index = {"first": 0, "middle": 3 * block_size + 29, "last": 6 * block_size - 1}[place]
    poisoned = music(2, 8 * block_size, 48000)
    poisoned[channel, index] = poison
    output = processor_class()(poisoned, 48000, block_size=block_size)
    expected = processor_class()(sanitize(poisoned).astype(np.float32), 48000, block_size=block_size)
    np.testing.assert_array_equal(output, expected)


@pytest.mark.parametrize("processor_class", REFERENCE_CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("poison", [np.nan, np.inf])
def test_a_reference_processes_a_hostile_sample_as_its_sanitised_value(processor_class, poison):
    """The readable references hold the same contract (reference Humanize gave 24 non-finite
    samples for one NaN: its dry read took the raw input; a tryout)."""
    poisoned = music(2, 4096, 48000)
    poisoned[1, 1000] = poison
    output = processor_class()(poisoned, 48000, block_size=512)
    expected = processor_class()(sanitize(poisoned).astype(np.float32), 48000, block_size=512)
    np.testing.assert_array_equal(output, expected)
