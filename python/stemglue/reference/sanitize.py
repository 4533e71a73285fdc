"""Hostile input never reaches DSP state; mirror of cpp/include/stemglue/sanitize.h."""

from __future__ import annotations

import numpy as np

MAX_SAMPLE_MAGNITUDE = 1.0e5  # +100 dBFS


def sanitize(samples: np.ndarray) -> np.ndarray:
    """Non-finite samples become 0; magnitudes beyond +100 dBFS are clamped."""
    return np.where(np.isfinite(samples), np.clip(samples, -MAX_SAMPLE_MAGNITUDE, MAX_SAMPLE_MAGNITUDE), 0.0)
