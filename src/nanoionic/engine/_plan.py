"""Shared by the integration methods: constants, the Trajectory result, the time plan (pieces
between breakpoints and save points) and the bookkeeping of a run (recorder, device status)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from nanoionic._core.errors import IntegrationError, param_error
from nanoionic.protocols.waveform import KIND, Waveform

METHODS = ("auto", "exact", "rk45", "implicit")
SAVE_MODES = ("segments", "end", "reads")

OK, MAX_STEPS, NON_FINITE, OUT_OF_BOUNDS, STEP_TOO_SMALL = range(5)
STATUS_NAMES = {OK: "ok", MAX_STEPS: "max_steps", NON_FINITE: "non_finite",
                OUT_OF_BOUNDS: "out_of_bounds", STEP_TOO_SMALL: "step_too_small"}

RAMP_DV = 0.05
"""Largest voltage change of one base ramp sub-interval [V]."""
RAMP_MIN_STEPS = 8
RAMP_MAX_STEPS = 1 << 16
CLIP_FRACTION = 1e-9
"""State excursions below this fraction of the bounds' range are round-off and are clipped."""
MAP_CHUNK = 4096
"""Constant segments whose shared maps are applied per kernel call."""
DEVICE_CHUNK = 1 << 17
"""Per-device parameters: devices whose map table is built and applied at once (bounds the
table to U·(ns²+ns)·DEVICE_CHUNK floats for U distinct segments)."""

_OWNER = "integrate"



@dataclasses.dataclass(frozen=True)
class Trajectory:
    """States saved along a waveform.

    Attributes
    ----------
    time : (n_t,) saved times [s].
    voltage : (n_t,) waveform voltage paired with each saved state [V] ((n_t, n_terminals) for a
        multi-terminal waveform). At a segment edge this is
        the *left limit*, the voltage of the segment that just ended: the state at the end of a
        pulse is paired with the pulse voltage (the next segment starts with its own voltage).
        At t = 0 it is the first segment's start voltage.
    state : (n_t, n_states, n_devices) saved states; NaN for devices after they failed.
    segment_index : (n_t,) index of the waveform segment each saved point belongs to.
    status : (n_devices,) int8 code per device, see ``STATUS_NAMES`` (0 = ok).
    method : the method that ran ("exact", "rk45" or "implicit").
    n_steps : accepted steps (exact: affine maps applied).
    message : what went wrong, "" if every device finished.
    """

    time: np.ndarray
    voltage: np.ndarray
    state: np.ndarray
    segment_index: np.ndarray
    status: np.ndarray
    method: str
    n_steps: int
    message: str = ""

    @property
    def ok(self) -> bool:
        """True if every device finished without failure."""
        return bool(np.all(self.status == OK))

    @property
    def n_devices(self) -> int:
        return int(self.status.size)



def _bounds(model):
    """(lo, hi, clip tolerance) arrays over the state variables."""
    n_s = len(model.state_names)
    bounds = list(model.state_bounds) or [(-np.inf, np.inf)] * n_s
    lo = np.array([b[0] for b in bounds], dtype=float)
    hi = np.array([b[1] for b in bounds], dtype=float)
    span = hi - lo
    finite_ends = np.maximum(np.abs(np.where(np.isfinite(lo), lo, 0.0)),
                             np.abs(np.where(np.isfinite(hi), hi, 0.0)))
    tol = CLIP_FRACTION * np.where(np.isfinite(span), span, np.maximum(1.0, finite_ends))
    return lo, hi, tol



# --------------------------------------------------------------------------- time plan

@dataclasses.dataclass(frozen=True)
class _Piece:
    """A stretch of one segment between breakpoints, with linear V(t)."""

    t0: float
    t1: float
    v0: float | np.ndarray  # (n_terminals,) for multi-terminal waveforms
    v1: float | np.ndarray
    seg: int
    base: int  # base number of constant sub-intervals (1 on constant pieces)
    n_save: int  # 0: nothing saved; else the ends of n_save equal sub-intervals are saved

    @property
    def is_ramp(self) -> bool:
        return bool(np.any(self.v0 != self.v1))

    def voltage(self, t: float) -> float:
        """V(t) [V] on this piece (exact on ramps; exactly v1 at the piece's end, where
        v0 + 1·(v1 − v0) can miss v1 by a rounding step)."""
        if not self.is_ramp:
            return self.v0
        if t == self.t1:
            return self.v1
        return self.v0 + (t - self.t0) / (self.t1 - self.t0) * (self.v1 - self.v0)

    def sub_times(self, k: int) -> np.ndarray:
        """(k+1,) equally spaced times from t0 to t1 (ends exact)."""
        t = self.t0 + (self.t1 - self.t0) * np.arange(k + 1) / k
        t[-1] = self.t1
        return t


def _base_steps(dv: float, ramp_steps: int | None) -> int:
    if ramp_steps is not None:
        return ramp_steps
    return max(RAMP_MIN_STEPS, math.ceil(abs(dv) / RAMP_DV))


def _plan(wf: Waveform, save, ramp_steps) -> list[_Piece]:
    """Split the waveform into pieces at every edge and requested save time."""
    interior, edge_saved = _save_times(wf, save)
    pieces = []
    last = wf.n_segments - 1
    for i in range(wf.n_segments):
        t_a, t_b = float(wf.t_start[i]), float(wf.t_start[i] + wf.duration[i])
        if i == last:
            t_b = wf.total_time
        cuts = [t_a, *interior.get(i, []), t_b]
        for a, b in zip(cuts[:-1], cuts[1:]):
            v0, v1 = _seg_voltage(wf, i, a), _seg_voltage(wf, i, b)
            base = 1 if np.all(v0 == v1) else _base_steps(float(np.max(np.abs(np.subtract(v1, v0)))), ramp_steps)
            at_end = b == t_b
            if isinstance(save, str):
                wanted = {"segments": at_end, "end": at_end and i == last,
                          "reads": at_end and wf.kind[i] == KIND["read"]}[save]
                n_save = (base if save == "segments" else 1) if wanted else 0
            else:
                n_save = int(not at_end or edge_saved[i + 1])
            pieces.append(_Piece(a, b, v0, v1, i, base, n_save))
    return pieces


def _seg_voltage(wf: Waveform, i: int, t: float):
    """V at t on segment i: a float, or an (n_terminals,) array for multi-terminal waveforms."""
    frac = min(1.0, max(0.0, (t - wf.t_start[i]) / wf.duration[i]))
    value = wf.v_end[i] if frac == 1.0 else wf.v_start[i] + frac * (wf.v_end[i] - wf.v_start[i])
    return np.array(value, dtype=float) if np.ndim(value) else float(value)


def _save_times(wf: Waveform, save):
    """Requested times inside segments ({segment: [times]}) and a saved flag per edge."""
    edges = wf.breakpoints
    edge_saved = np.zeros(edges.size, dtype=bool)
    interior: dict[int, list[float]] = {}
    if isinstance(save, str):
        return interior, edge_saved
    total = wf.total_time
    snap = 1e-12 * total
    if save[-1] > total + snap:
        raise param_error("save", _OWNER, f"times within [0, {total:g}] s", float(save[-1]))
    for t in save:
        k = int(np.argmin(np.abs(edges - t)))
        if abs(edges[k] - t) <= snap:
            edge_saved[k] = True
        else:
            i = int(np.searchsorted(wf.t_start, t, side="right") - 1)
            interior.setdefault(i, []).append(float(t))
    return interior, edge_saved



# --------------------------------------------------------------------------- bookkeeping

class _Recorder:
    """Collects saved (time, voltage, segment, state) points."""

    def __init__(self):
        self.t, self.v, self.seg, self.blocks = [], [], [], []

    def add(self, t: float, v: float, seg: int, state: np.ndarray, active: np.ndarray) -> None:
        self.add_block([t], [v], [seg], state[None], active)

    def add_block(self, ts, vs, segs, block: np.ndarray, active: np.ndarray) -> None:
        block = np.array(block, dtype=float, copy=True)
        if not active.all():
            block[:, :, ~active] = np.nan
        self.t.extend(float(t) for t in ts)
        self.v.extend(np.array(v, dtype=float) if np.ndim(v) else float(v) for v in vs)
        self.seg.extend(int(s) for s in segs)
        self.blocks.append(block)


class _Run:
    """Shared state of one integration: model, options, device status and counters."""

    def __init__(self, model, params, n: int, opts, method: str):
        self.model, self.params, self.n, self.opts, self.method = model, params, n, opts, method
        self.lo, self.hi, self.tol = _bounds(model)
        self.status = np.zeros(n, dtype=np.int8)
        self.active = np.ones(n, dtype=bool)
        self.n_steps = 0
        self.n_attempts = 0
        self.limit_count = np.zeros(n, dtype=np.int64)  # times each device set the step size
        self.t_stop = 0.0
        self.stopped = False
        self.messages: list[str] = []

    def rates(self, y, v: float, t: float) -> np.ndarray:
        return np.asarray(self.model.rates(y, v, t, self.params), dtype=float)

    def fail(self, mask, code: int, reason: str, t: float, seg: int, state=None) -> None:
        """Fail the devices in ``mask``: raise, or mark them and carry on with the rest."""
        idx = np.flatnonzero(mask)
        msg = (f"integrate (method {self.method!r}): {reason} for {_devices(idx, self.n)} "
               f"at t = {t:.9g} s (segment {seg}).")
        if self.opts.throw:
            raise IntegrationError(msg)
        self.messages.append(msg)
        self.status[idx] = code
        self.active[idx] = False
        if state is not None:
            _sanitize(state, idx, self.lo, self.hi)
        if not self.active.any():
            self.stopped = True

    def violations(self, y: np.ndarray):
        """Per-device masks: non-finite, and out of bounds (per state variable, (n_s, n))."""
        nonfinite = ~np.all(np.isfinite(y), axis=0)
        out = (y < (self.lo - self.tol)[:, None]) | (y > (self.hi + self.tol)[:, None])
        return nonfinite, out

    def check(self, y: np.ndarray, t: float, seg: int) -> None:
        """Fail non-finite or out-of-bounds devices, clip round-off excursions (in place)."""
        nonfinite, out = self.violations(y)
        if np.any(nonfinite & self.active):
            self.fail(nonfinite & self.active, NON_FINITE, "the state became non-finite",
                      t, seg, y)
        for i in range(y.shape[0]):
            bad = out[i] & self.active
            if np.any(bad):
                self.fail(bad, OUT_OF_BOUNDS, f"state {self.model.state_names[i]!r} left its "
                          f"bounds [{self.lo[i]:g}, {self.hi[i]:g}]", t, seg, y)
        self.clip(y)

    def clip(self, y: np.ndarray) -> None:
        for i in range(y.shape[0]):
            np.clip(y[i], self.lo[i], self.hi[i], out=y[i])

    def trajectory(self, rec: _Recorder) -> Trajectory:
        n_s = len(self.model.state_names)
        state = (np.concatenate(rec.blocks, axis=0) if rec.blocks
                 else np.empty((0, n_s, self.n)))
        return Trajectory(np.array(rec.t, dtype=float), np.array(rec.v, dtype=float), state,
                          np.array(rec.seg, dtype=np.int64), self.status.copy(), self.method,
                          self.n_steps, " ".join(self.messages))


def _devices(idx: np.ndarray, n: int) -> str:
    shown = ", ".join(str(i) for i in idx[:10])
    more = f", … ({idx.size} of {n} devices)" if idx.size > 10 else ""
    return f"device {shown}" if idx.size == 1 else f"devices [{shown}{more}]"


def _sanitize(state: np.ndarray, idx, lo, hi) -> None:
    """Give failed devices a finite in-bounds state so they cannot disturb the others."""
    sub = np.nan_to_num(state[:, idx], nan=0.0, posinf=0.0, neginf=0.0)
    state[:, idx] = np.clip(sub, lo[:, None], hi[:, None])
