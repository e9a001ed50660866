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
    v_start, v_end : (n,) voltage at the start and end of each segment [V] (equal if constant);
        (n, n_terminals) for a multi-terminal waveform (see :func:`merge_terminals`).
    kind : (n,) int8 code from ``KIND``.
    step : (n,) index of the protocol step (after expanding repeats) that produced the segment.
    cycle : (n,) iteration index of the innermost enclosing ``repeat`` (0 outside any repeat).
    text : the protocol text it was compiled from ("" if built directly).
    terminals : names of the voltage columns of a multi-terminal waveform (() for one voltage).
    """

    t_start: np.ndarray
    duration: np.ndarray
    v_start: np.ndarray
    v_end: np.ndarray
    kind: np.ndarray
    step: np.ndarray
    cycle: np.ndarray
    text: str = ""
    terminals: tuple[str, ...] = ()

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
        """(n,) True where the segment holds a constant voltage (on every terminal)."""
        same = self.v_start == self.v_end
        return same.all(axis=1) if same.ndim == 2 else same

    def voltage_at(self, t) -> np.ndarray:
        """V(t) [V]; at an edge the later segment's start value is used (right-continuous)."""
        t = np.asarray(t, dtype=float)
        i = np.clip(np.searchsorted(self.t_start, t, side="right") - 1, 0, self.n_segments - 1)
        frac = np.clip((t - self.t_start[i]) / self.duration[i], 0.0, 1.0)
        if self.v_start.ndim == 2:
            frac = frac[..., None]
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


def merge_terminals(waveforms: dict[str, "Waveform"], order: tuple[str, ...]) -> Waveform:
    """One multi-terminal waveform from one waveform per terminal name (missing terminals stay at
    0 V), on the union of their edges; a terminal's waveform ends at its last value (held).

    ``order`` is the model's terminal order. The kind of a merged segment is ``read`` if any
    terminal reads there, else the kind of the first terminal that is not waiting.
    """
    unknown = set(waveforms) - set(order)
    if unknown:
        raise ValueError(f"unknown terminals {sorted(unknown)}; the model's terminals are {list(order)}")
    total = max(w.total_time for w in waveforms.values())
    edges = np.unique(np.concatenate([w.breakpoints for w in waveforms.values()] + [[total]]))
    t0, t1 = edges[:-1], edges[1:]
    keep = t1 - t0 > 1e-12 * max(total, 1e-300)
    t0, t1 = t0[keep], t1[keep]
    v0 = np.zeros((t0.size, len(order)))
    v1 = np.zeros_like(v0)
    kind = np.full(t0.size, KIND["wait"], np.int8)
    mid = 0.5 * (t0 + t1)
    for j, name in enumerate(order):
        w = waveforms.get(name)
        if w is None:
            continue
        inside = mid < w.total_time
        seg = np.clip(np.searchsorted(w.t_start, mid, side="right") - 1, 0, w.n_segments - 1)
        slope = (w.v_end[seg] - w.v_start[seg]) / w.duration[seg]
        v0[:, j] = np.where(inside, w.v_start[seg] + slope * (t0 - w.t_start[seg]), w.v_end[-1])
        v1[:, j] = np.where(inside, w.v_start[seg] + slope * (t1 - w.t_start[seg]), w.v_end[-1])
        k = np.where(inside, w.kind[seg], KIND["wait"])
        kind = np.where((k == KIND["read"]) | ((kind == KIND["wait"]) & (k != KIND["wait"])), k, kind)
    text = "".join(f"[{name}]\n{waveforms[name].text}" for name in order if name in waveforms)
    return Waveform(t0 - t0[0], t1 - t0, v0, v1, kind.astype(np.int8), np.zeros(t0.size, np.int64),
                    np.zeros(t0.size, np.int64), text, tuple(order))
