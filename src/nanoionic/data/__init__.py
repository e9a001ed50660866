"""Measured data in: one trace (time [s], voltage [V], current [A]) as a :class:`Measurement`,
read from plain CSV, two-channel oscilloscope exports or staircase SMU sweeps, with the helpers
a user expects (offset removal, averaging of repeated periods, resampling, time windows).

    >>> from nanoionic.data import read_measurement
    >>> m = read_measurement("iv.csv")                          # doctest: +SKIP
    >>> m = read_measurement("scope.csv", sense_resistance="1 kOhm")  # doctest: +SKIP
    >>> res = simulate(device, m.waveform(), save=m.sample_times())   # doctest: +SKIP
"""

from pathlib import Path

from nanoionic._core.errors import unknown_name_error
from nanoionic.data.measurement import Measurement
from nanoionic.data.readers import read_csv_trace, read_measurement, read_scope, read_smu_sweep

EXAMPLES = Path(__file__).parent / "examples"


def example_path(name: str) -> Path:
    """Path of an example measured trace shipped with the package (written by
    ``scripts/make_fit_examples.py``), e.g. "yakopcic_sine_100Hz.csv"."""
    known = sorted(p.name for p in EXAMPLES.glob("*.csv"))
    if name not in known:
        raise unknown_name_error("example data file", name, known)
    return EXAMPLES / name


__all__ = ["EXAMPLES", "Measurement", "example_path", "read_csv_trace", "read_measurement", "read_scope",
           "read_smu_sweep"]
