"""A compiled protocol: piecewise-linear V(t) as consecutive segments with a breakpoint at every edge.

Segment kinds (``KIND`` codes): a ``sweep`` step compiles to one linear ramp per leg, ``pulse``,
``read``, ``hold`` to one constant segment, ``wait`` to a constant 0 V segment. ``read`` segments
are where a conductance I/V is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KIND = {"sweep": 0, "pulse": 1, "read": 2, "wait": 3, "hold": 4}
KIND_NAMES = {v: k for k, v in KIND.items()}


@dataclass(frozen=True)
class Waveform:
    """Consecutive segments of a piecewise-linear voltage waveform.

    Attributes
    ----------
    t_start : (n,) start time of each segment [s]; t_start[0] == 0 and segments are contiguous.
    duration : (n,) duration of each segment [s], > 0.
    v_start, v_end : (n,) voltage at the start and end of each segment [V] (equal if constant).
    kind : (n,) int8 code from ``KIND``.
    step : (n,) index of the protocol step (after expanding repeats) that produced the segment.
    cycle : (n,) iteration index of the innermost enclosing ``repeat`` (0 outside any repeat).
    text : the protocol text it was compiled from ("" if built directly).
    """

    t_start: np.ndarray
    duration: np.ndarray
    v_start: np.ndarray
    v_end: np.ndarray
    kind: np.ndarray
    step: np.ndarray
    cycle: np.ndarray
    text: str = ""

    @property
    def n_segments(self) -> int:
        return int(self.duration.size)

    @property
    def t_end(self) -> np.ndarray:
        """(n,) end time of each segment [s]."""
        return self.t_start + self.duration

    @property
    def total_time(self) -> float:
        """Total duration [s]."""
        return float(self.t_start[-1] + self.duration[-1]) if self.n_segments else 0.0

    @property
    def breakpoints(self) -> np.ndarray:
        """(n+1,) segment edges [s]."""
        return np.append(self.t_start, self.total_time)

    @property
    def is_constant(self) -> np.ndarray:
        """(n,) True where the segment holds a constant voltage."""
        return self.v_start == self.v_end

    def voltage_at(self, t) -> np.ndarray:
        """V(t) [V]; at an edge the later segment's start value is used (right-continuous)."""
        t = np.asarray(t, dtype=float)
        i = np.clip(np.searchsorted(self.t_start, t, side="right") - 1, 0, self.n_segments - 1)
        frac = np.clip((t - self.t_start[i]) / self.duration[i], 0.0, 1.0)
        return self.v_start[i] + frac * (self.v_end[i] - self.v_start[i])

    @classmethod
    def from_segments(cls, duration, v_start, v_end, kind=None, step=None, cycle=None,
                      text: str = "") -> "Waveform":
        """Build a waveform from per-segment arrays; start times are the cumulative durations."""
        duration = np.asarray(duration, dtype=float)
        n = duration.size
        t_start = np.concatenate(([0.0], np.cumsum(duration)[:-1])) if n else np.zeros(0)
        as_int = lambda a, dt: np.zeros(n, dt) if a is None else np.asarray(a, dtype=dt)  # noqa: E731
        return cls(t_start, duration, np.asarray(v_start, float), np.asarray(v_end, float),
                   as_int(kind, np.int8), as_int(step, np.int64), as_int(cycle, np.int64), text)
