"""Every processor sanitises its input before its DSP sees it: a non-finite sample is silence and an
absurd magnitude is clamped to +-1e5 (cpp/include/stemglue/sanitize.h), wherever in a block it falls.
The native sanitise reads a block first and rewrites only a block that needs it, so the poison is put
at a block's first, middle and last sample, alone in its block."""

import numpy as np
import pytest
from processor_classes import NATIVE_CLASSES
from signals import music
from stemglue.reference.sanitize import sanitize

BLOCK = 64


@pytest.mark.parametrize("processor_class", NATIVE_CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("poison", [np.nan, np.inf, -np.inf, 3e9, -2e5])
@pytest.mark.parametrize("index", [0, 3 * BLOCK + 29, 6 * BLOCK - 1])
def test_a_hostile_sample_is_processed_as_its_sanitised_value(processor_class, poison, index):
    clean = music(2, 8 * BLOCK, 48000)
    poisoned = clean.copy()
    poisoned[1, index] = poison
    kept = poisoned.copy()
    output = processor_class()(poisoned, 48000, block_size=BLOCK)
    expected = processor_class()(sanitize(poisoned).astype(np.float32), 48000, block_size=BLOCK)
    np.testing.assert_array_equal(output, expected)
    np.testing.assert_array_equal(poisoned, kept)  # the input is never modified
