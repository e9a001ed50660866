"""One measured trace: time [s], voltage [V] at the device terminals, current [A].

A :class:`Measurement` is validated once, when it is built; every helper returns a new one.
Its :meth:`~Measurement.waveform` is the drive that reproduces the measurement, and
:meth:`~Measurement.sample_times` are the times on that waveform's clock at which the samples
were taken, so ``simulate(device, m.waveform(), save=m.sample_times())`` gives one simulated
point per measured sample, paired with the measured voltage (the engine pairs a point on a
segment edge with the voltage of the segment that ends there: bit for bit, the held voltage of a
``"step"`` trace or a ramp's end value).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nanoionic._core.errors import param_error
from nanoionic.data import processing
from nanoionic.data._values import quantity
from nanoionic.io import atomic_path
from nanoionic.protocols.steps import MAX_VOLTAGE
from nanoionic.protocols.waveform import KIND, Waveform

INTERPOLATIONS = ("linear", "step")
DEFAULT_V_WINDOW = 0.01
"""Half-width [V] of the window around 0 V whose samples estimate the current offset."""
_OWNER = "Measurement"


def _array(name: str, value, n: int | None) -> np.ndarray:
    """``value`` as a read-only 1-D float64 copy of length ``n`` (any length >= 2 if None), finite."""
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise param_error(name, _OWNER, "a 1-D array of numbers", type(value).__name__) from None
    if arr.ndim != 1 or (n is None and arr.size < 2) or (n is not None and arr.size != n):
        need = "a 1-D array of at least 2 samples" if n is None else f"a 1-D array of {n} values, one per time sample"
        raise param_error(name, _OWNER, need, f"shape {arr.shape}")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise param_error(name, _OWNER, f"finite at every sample (sample {bad[0]} is not)", float(arr[bad[0]]))
    arr.flags.writeable = False
    return arr


def _check_time(time: np.ndarray) -> None:
    k = np.flatnonzero(np.diff(time) <= 0)
    if k.size:
        i = int(k[0]) + 1
        raise param_error("time", _OWNER, f"strictly increasing [s] (sample {i} at {float(time[i])!r} s is not "
                          f"after sample {i - 1} at {float(time[i - 1])!r} s)", float(time[i]))


def _check_voltage(voltage: np.ndarray) -> None:
    k = np.flatnonzero(np.abs(voltage) > MAX_VOLTAGE)
    if k.size:
        raise param_error("voltage", _OWNER, f"within |V| <= {MAX_VOLTAGE:g} V, what the models accept "
                          f"(sample {k[0]} is not)", float(voltage[k[0]]))


def _check_weight(weight: np.ndarray) -> None:
    if np.any(weight < 0) or not np.any(weight > 0):
        raise param_error("weight", _OWNER, "None or >= 0 at every sample and not all zero",
                          float(weight.min()) if np.any(weight < 0) else "all zero")


@dataclass(frozen=True, eq=False)
class Measurement:
    """One measured trace of a two-terminal device.

    Attributes
    ----------
    time : (n,) float64 [s]
        Sample times, strictly increasing, finite, n >= 2 (need not start at 0).
    voltage : (n,) float64 [V]
        Voltage at the device terminals, finite, ``|V| <= protocols.steps.MAX_VOLTAGE``.
    current : (n,) float64 [A]
        Device current, finite.
    weight : (n,) float64 [1] or None
        Relative weight of each sample (>= 0, finite, not all zero); None means all ones.
    name : str
        A label for the trace, e.g. the file stem.
    source : str
        Path of the file it was read from ("" if built in code).
    sha256 : str
        SHA-256 hex digest of the file's bytes ("" if not from a file).
    interpolation : {"linear", "step"}
        ``"linear"``: V ramps linearly between samples. ``"step"``: a staircase; sample k is
        taken at the end of a constant segment of voltage V_k that started at time[k-1] (the
        first sample's segment starts at ``time[0] - (time[1] - time[0])``).
    meta : dict
        Free-form facts: instrument, sense resistance, the column map, units found, offsets...

    Arrays are stored as read-only float64 copies. Instances compare by identity
    (``eq=False``): compare the arrays to compare two traces.
    """

    time: np.ndarray
    voltage: np.ndarray
    current: np.ndarray
    weight: np.ndarray | None = None
    name: str = ""
    source: str = ""
    sha256: str = ""
    interpolation: str = "linear"
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        time = _array("time", self.time, None)
        _check_time(time)
        voltage = _array("voltage", self.voltage, time.size)
        _check_voltage(voltage)
        current = _array("current", self.current, time.size)
        weight = None
        if self.weight is not None:
            weight = _array("weight", self.weight, time.size)
            _check_weight(weight)
        for name in ("name", "source", "sha256"):
            if not isinstance(getattr(self, name), str):
                raise param_error(name, _OWNER, "a string", getattr(self, name))
        if self.interpolation not in INTERPOLATIONS:
            raise param_error("interpolation", _OWNER, "'linear' or 'step'", self.interpolation)
        if not isinstance(self.meta, dict):
            raise param_error("meta", _OWNER, "a dict", type(self.meta).__name__)
        for name, value in (("time", time), ("voltage", voltage), ("current", current), ("weight", weight),
                            ("meta", dict(self.meta))):
            object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        return (f"Measurement(name={self.name!r}, n_samples={self.n_samples}, time=[{self.time[0]:g}, "
                f"{self.time[-1]:g}] s, voltage=[{self.voltage.min():g}, {self.voltage.max():g}] V, "
                f"interpolation={self.interpolation!r}, weighted={self.weight is not None})")

    @property
    def n_samples(self) -> int:
        """Number of samples."""
        return int(self.time.size)

    def _derive(self, **changes) -> "Measurement":
        return dataclasses.replace(self, **changes)

    # ------------------------------------------------------------------------------ the drive

    def waveform(self) -> Waveform:
        """The drive that reproduces the measurement, starting at t = 0.

        ``"linear"``: one segment per sampling interval, a ramp (kind ``sweep``) from V_k to
        V_k+1, or a ``hold`` where they are equal; sample 0 is at t = 0. ``"step"``: one
        constant segment (kind ``hold``) of V_k per sample, ending at the sample; the first
        segment starts at 0 and lasts time[1] - time[0]. The text names the source.
        """
        v = self.voltage
        if self.interpolation == "linear":
            duration, v0, v1 = np.diff(self.time), v[:-1].copy(), v[1:].copy()
            kind = np.where(v0 == v1, KIND["hold"], KIND["sweep"])
        else:
            duration = np.concatenate(([self.time[1] - self.time[0]], np.diff(self.time)))
            v0, v1 = v.copy(), v.copy()
            kind = np.full(v.size, KIND["hold"])
        label = (self.source or self.name or "built in code").replace("\n", " ")
        return Waveform.from_segments(duration, v0, v1, kind=kind, text=f"# measured trace {label}\n")

    def sample_times(self) -> np.ndarray:
        """(n,) times [s] on the waveform's clock at which the samples were taken: the segment
        edges of :meth:`waveform` (all of them for ``"linear"``, the segment ends for ``"step"``)."""
        edges = self.waveform().breakpoints
        return edges if self.interpolation == "linear" else edges[1:]

    # ----------------------------------------------------------------------------- helpers

    def remove_offset(self, *, current: bool = True, voltage: bool = False,
                      v_window: float | str = DEFAULT_V_WINDOW) -> "Measurement":
        """Subtract the instrument's current offset (and optionally a voltage offset).

        The current offset [A] is the median current of the samples with ``|V| <= v_window``;
        the voltage offset [V], when asked for, is the median voltage at which the (offset-free)
        current changes sign. Both rest on a memristive device's pinched hysteresis: no current
        at 0 V. The offsets removed are added up in ``meta["current_offset"]`` and
        ``meta["voltage_offset"]``.

        Parameters
        ----------
        current : bool
            Remove the current offset.
        voltage : bool
            Remove the voltage offset (needs a current that changes sign).
        v_window : float [V] or str
            Half-width of the window around 0 V (default 10 mV); "5 mV" is accepted.
        """
        owner = "Measurement.remove_offset"
        window = quantity(v_window, "V", "v_window", owner, positive=True)
        i_off = processing.current_offset(self.voltage, self.current, window, owner) if current else 0.0
        cur = self.current - i_off
        v_off = processing.voltage_offset(self.voltage, cur, owner) if voltage else 0.0
        meta = {**self.meta, "current_offset": self.meta.get("current_offset", 0.0) + i_off,
                "voltage_offset": self.meta.get("voltage_offset", 0.0) + v_off}
        return self._derive(voltage=self.voltage - v_off, current=cur, meta=meta)

    def average_periods(self, period: float | str) -> "Measurement":
        """Average the repeated periods of a periodic drive onto one period.

        Period p's samples are those at ``time[:m] + p * period`` (period 0's sample times; only
        whole periods count). If every such time is a sample (within 0.1 % of the shortest
        sampling interval) the samples are averaged as they are; otherwise each period is first
        interpolated onto period 0's times (see :meth:`resample`). Voltage, current and weights
        are averaged alike; ``meta`` records the period, the number of periods, whether the
        samples were aligned, and ``current_sem``, the standard error of each mean current [A].

        Parameters
        ----------
        period : float [s] or str
            Period of the drive; at least two whole periods must fit in the trace.
        """
        owner = "Measurement.average_periods"
        p = quantity(period, "s", "period", owner, positive=True)
        values = {"voltage": self.voltage, "current": self.current}
        if self.weight is not None:
            values["weight"] = self.weight
        time, means, facts = processing.average_periods(self.time, values, p, self.interpolation, owner)
        meta = {**self.meta, "period": p, "n_periods": facts["n_periods"], "period_aligned": facts["aligned"],
                "current_sem": facts["sem"]["current"]}
        return self._derive(time=time, meta=meta, **means)

    def resample(self, n: int | None = None, *, times=None) -> "Measurement":
        """The trace at ``n`` uniform times over its span, or at the given ``times`` [s].

        ``"linear"`` traces are interpolated linearly; ``"step"`` traces take the value of the
        segment that holds each new time (zero-order hold), and stay ``"step"``.

        Parameters
        ----------
        n : int, >= 2
            Number of uniform samples from time[0] to time[-1] (both kept exactly).
        times : array [s]
            Strictly increasing times within [time[0], time[-1]] (give ``n`` or ``times``).
        """
        owner = "Measurement.resample"
        new = self._resample_times(n, times, owner)
        changes = {k: processing.at_times(self.time, getattr(self, k), new, self.interpolation)
                   for k in ("voltage", "current", "weight") if getattr(self, k) is not None}
        return self._derive(time=new, meta={**self.meta, "resampled_from": self.n_samples}, **changes)

    def _resample_times(self, n, times, owner: str) -> np.ndarray:
        if (n is None) == (times is None):
            raise param_error("n", owner, "given, or 'times' given, but not both", n)
        if times is None:
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
                raise param_error("n", owner, "an integer >= 2", n)
            return np.linspace(self.time[0], self.time[-1], int(n))
        try:
            new = np.array(times, dtype=float)
        except (TypeError, ValueError):
            raise param_error("times", owner, "an array of times [s]", type(times).__name__) from None
        t0, t1 = self.time[0], self.time[-1]
        if (new.ndim != 1 or new.size < 2 or not np.all(np.isfinite(new)) or np.any(np.diff(new) <= 0)
                or new[0] < t0 or new[-1] > t1):
            raise param_error("times", owner, f"at least 2 strictly increasing times within [{t0:g}, {t1:g}] s",
                              new.tolist() if new.size <= 6 else f"array of shape {new.shape}")
        return new

    def select(self, t_start: float | str | None = None, t_end: float | str | None = None) -> "Measurement":
        """The samples with ``t_start <= time <= t_end`` [s] (None: from the start / to the end).

        A ``"step"`` trace's first kept sample gets a segment as long as the interval after it.
        """
        owner = "Measurement.select"
        lo = self.time[0] if t_start is None else quantity(t_start, "s", "t_start", owner)
        hi = self.time[-1] if t_end is None else quantity(t_end, "s", "t_end", owner)
        keep = (self.time >= lo) & (self.time <= hi)
        if np.count_nonzero(keep) < 2:
            name, got = ("t_end", t_end) if t_end is not None else ("t_start", t_start)
            raise param_error(name, owner, f"such that the window holds at least 2 samples of the trace "
                              f"[{self.time[0]:g}, {self.time[-1]:g}] s", got)
        changes = {k: getattr(self, k)[keep] for k in ("time", "voltage", "current", "weight")
                   if getattr(self, k) is not None}
        return self._derive(**changes)

    # ---------------------------------------------------------------------------------- output

    def to_csv(self, path) -> Path:
        """Write the trace as CSV, atomically; :func:`~nanoionic.data.read_csv_trace` reads it
        back exactly (floats at repr precision, ``# interpolation:`` kept).

        Parameters
        ----------
        path : str or os.PathLike
            Target file; its directory must exist.

        Returns
        -------
        pathlib.Path
            The path written.
        """
        columns = [self.time, self.voltage, self.current] + ([self.weight] if self.weight is not None else [])
        header = "time [s],voltage [V],current [A]" + (",weight [1]" if self.weight is not None else "")
        notes = [f"# {k}: {' '.join(str(getattr(self, k)).split())}" for k in ("name", "source", "sha256")
                 if getattr(self, k)]
        lines = ["# nanoionic measurement", *notes, f"# interpolation: {self.interpolation}", header]
        lines += [",".join(map(repr, row)) for row in zip(*(c.tolist() for c in columns))]
        with atomic_path(path, name="path", owner="Measurement.to_csv") as tmp:
            tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return Path(path)
