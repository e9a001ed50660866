"""Measured data in: one trace (time [s], voltage [V], current [A]) as a :class:`Measurement`,
read from plain CSV, two-channel oscilloscope exports or staircase SMU sweeps, with the helpers
a user expects (offset removal, averaging of repeated periods, resampling, time windows).

    >>> from nanoionic.data import read_measurement
    >>> m = read_measurement("iv.csv")                          # doctest: +SKIP
    >>> m = read_measurement("scope.csv", sense_resistance="1 kOhm")  # doctest: +SKIP
    >>> res = simulate(device, m.waveform(), save=m.sample_times())   # doctest: +SKIP
"""

from nanoionic.data.measurement import Measurement
from nanoionic.data.readers import read_csv_trace, read_measurement, read_scope, read_smu_sweep

__all__ = ["Measurement", "read_csv_trace", "read_measurement", "read_scope", "read_smu_sweep"]
