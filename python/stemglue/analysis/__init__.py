"""Measurements used by the tests, the benchmarks and reports."""

from stemglue.analysis.spectrum import alias_snr_db, coherent_sine, dc_level_dbfs, harmonic_levels_dbc

__all__ = ["alias_snr_db", "coherent_sine", "dc_level_dbfs", "harmonic_levels_dbc"]
