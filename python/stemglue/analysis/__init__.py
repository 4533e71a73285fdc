"""Measurements used by the tests, the benchmarks and reports; `analyze` (what `stemglue analyze`
runs) measures a whole multitrack."""

from stemglue.analysis.balance import spectral_balance
from stemglue.analysis.decay import free_decays
from stemglue.analysis.floor import noise_floor
from stemglue.analysis.flutter import FlutterReading, flutter_meter, speed_deviation
from stemglue.analysis.harmonics import harmonic_signature
from stemglue.analysis.multitrack import StemAudio, analyze, load_stems
from stemglue.analysis.pitch import partial_cents
from stemglue.analysis.reverb import (
    band_decay_times_s,
    decay_time_s,
    energy_decay_db,
    normalized_echo_density,
    spectral_line_excess_db,
)
from stemglue.analysis.spectrum import alias_snr_db, coherent_sine, dc_level_dbfs, harmonic_levels_dbc
from stemglue.analysis.steadiness import pitch_steadiness, sustained_notes
from stemglue.analysis.timing import (
    TimingStatistics,
    hit_peak_levels_db,
    locate_onsets,
    onset_f_measure,
    timing_statistics,
)
from stemglue.analysis.weighting import a_weighted_rms_dbfs

__all__ = [
    "StemAudio",
    "analyze",
    "load_stems",
    "free_decays",
    "harmonic_signature",
    "noise_floor",
    "pitch_steadiness",
    "spectral_balance",
    "sustained_notes",
    "band_decay_times_s",
    "decay_time_s",
    "energy_decay_db",
    "normalized_echo_density",
    "spectral_line_excess_db",
    "FlutterReading",
    "a_weighted_rms_dbfs",
    "alias_snr_db",
    "flutter_meter",
    "speed_deviation",
    "coherent_sine",
    "dc_level_dbfs",
    "harmonic_levels_dbc",
    "TimingStatistics",
    "hit_peak_levels_db",
    "locate_onsets",
    "onset_f_measure",
    "timing_statistics",
    "partial_cents",
]
