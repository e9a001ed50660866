"""The engine's one entry point: integrate a device model along a waveform, batched over devices.

Three methods share one time plan (DESIGN.md, Core interfaces):

* ``exact`` (linear models): every constant-voltage interval is one affine update
  ``x <- Phi x + psi`` from :meth:`DeviceModel.affine_map`. A ramp is refined into K constant
  sub-intervals held at their midpoint voltages (midpoint rule, second order in the sub-step);
  K doubles until the ramp's end state changes by less than ``ramp_tol``.
* ``rk45`` : adaptive Dormand–Prince 5(4) [Dormand & Prince, J. Comput. Appl. Math. 6, 19 (1980)],
  one step size shared by all devices (set by the worst device), V(t) exact on ramps.
* ``implicit`` : TR-BDF2, the L-stable second-order ESDIRK of Bank et al. (IEEE Trans. CAD 4, 436
  (1985)) with the third-order embedded error estimate of Hosea & Shampine (Appl. Numer. Math. 20,
  21 (1996)), simplified Newton iterations on batched per-device Jacobians.

The adaptive methods never step across a waveform breakpoint: they restart at every edge.

Notes
-----
* Saved ramp points: with ``save="segments"`` every ramp is saved on its *base grid* (sub-intervals
  of at most 0.05 V, at least 8, or ``ramp_steps``), the same grid for every method, so I–V curves
  from different methods or tolerances line up point by point. The exact method refines to
  K = base·2^m sub-intervals; with shared parameters the sub-maps between two saved points are
  composed into one map, so the per-device work does not grow with K.
* Stiff ramps: where k·h ≫ 1 the state tracks a quasi-equilibrium and the midpoint rule is only
  first order (its error is ~ dx_eq/dV · ΔV/2 per sub-interval, not accumulated); the doubling
  may then reach the cap of 65536 sub-intervals and warn. Pass ``ramp_steps`` or a looser
  ``ramp_tol`` to bound the cost.
* Bounds: excursions under 1e-9 of a state's range are clipped. The exact method raises on larger
  ones (checked at saved points and at the end of each chunk of up to 4096 constant segments);
  the adaptive methods first reject the step and shrink it, and fail the devices only once the
  step is below ~1e-13 of the time scale. NaN/inf in rates fails the devices at once.
* One step size is shared by all devices (set by the worst device); max_steps counts attempts.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import warnings
from collections.abc import Callable

import numpy as np

from nanoionic._core.errors import IntegrationError, ParameterError, param_error
from nanoionic.engine.exact_kernels import (apply_affine_maps_per_device,
                                             apply_affine_maps_shared)
from nanoionic.engine.expm_kernels import expm_affine
from nanoionic.models.base import DeviceModel, apply_affine, params_n_devices
from nanoionic.physics.kinetics import compartment_affine_maps
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
    voltage : (n_t,) waveform voltage paired with each saved state [V]. At a segment edge this is
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


def trajectory_current(model, params, traj: Trajectory) -> np.ndarray:
    """Device current at every saved point, (n_t, n_devices) [A]."""
    out = np.empty((traj.time.size, traj.n_devices))
    for k in range(traj.time.size):
        out[k] = model.current(traj.state[k], traj.voltage[k], params)
    return out


def integrate(model, params, waveform: Waveform, state0=None, *, n_devices: int | None = None,
              method: str = "auto", save="segments", ramp_steps: int | None = None,
              ramp_tol: float = 1e-4, rtol: float = 1e-8, atol: float = 1e-12,
              max_steps: int = 1_000_000, throw: bool = True) -> Trajectory:
    """Integrate ``model`` along ``waveform`` for a batch of devices.

    Parameters
    ----------
    model : DeviceModel.
    params : the model's Params; scalar fields are shared, (n,) fields are per device.
    waveform : piecewise-linear V(t) [V, s].
    state0 : (n_states, n) or (n_states,) initial state; default ``model.initial_state``.
    n_devices : device count; inferred from ``state0`` or array parameters if omitted (else 1).
    method : "auto" (exact if ``model.linear``, else implicit if ``model.stiff``, else rk45),
        "exact", "rk45" or "implicit".
    save : "segments" (t = 0, every segment end and, on ramps, every base sub-interval end:
        each spans at most 0.05 V, at least 8 per ramp, or ``ramp_steps`` of them), "end" (final
        state only; no time × device array is allocated), "reads" (end of every read segment),
        or an array of times [s] in [0, total time], which become extra breakpoints.
    ramp_steps : exact method: fixed number of constant sub-intervals per ramp; None refines
        adaptively from the base count by doubling.
    ramp_tol : exact method: adaptive ramp refinement stops when the ramp's end state changes by
        less than this, relative (with ``atol`` as absolute floor).
    rtol, atol : relative and absolute local error tolerances of rk45 / implicit [state units].
    max_steps : largest number of step attempts (accepted or rejected) of rk45 / implicit.
    throw : raise IntegrationError on failure; if False, failed devices get a status code, their
        saved states become NaN, and the run continues for the others (a max_steps overrun stops
        the run and the last saved point is where it stopped).

    Returns
    -------
    Trajectory
    """
    opts = _Options.validate(method, save, ramp_steps, ramp_tol, rtol, atol, max_steps, throw)
    _check_waveform(waveform)
    n = _resolve_n_devices(model, params, state0, n_devices)
    state = _initial_state(model, params, state0, n)
    chosen = _choose_method(model, opts.method)
    pieces = _plan(waveform, opts.save, ramp_steps)
    _check_saved_size(pieces, len(model.state_names), n, opts)
    run = _Run(model, params, n, opts, chosen)
    rec = _Recorder()
    if opts.save_initial:
        rec.add(0.0, float(waveform.v_start[0]), 0, state, run.active)
    runner = {"exact": _run_exact, "rk45": _run_adaptive, "implicit": _run_adaptive}[chosen]
    runner(run, pieces, state, rec)
    return run.trajectory(rec)


# --------------------------------------------------------------------------- validation

@dataclasses.dataclass(frozen=True)
class _Options:
    method: str
    save: object
    save_initial: bool
    ramp_steps: int | None
    ramp_tol: float
    rtol: float
    atol: float
    max_steps: int
    throw: bool

    @classmethod
    def validate(cls, method, save, ramp_steps, ramp_tol, rtol, atol, max_steps, throw):
        if not isinstance(method, str) or method not in METHODS:
            raise _choice_error("method", method, METHODS)
        save, save_initial = _validate_save(save)
        if ramp_steps is not None and (not _is_int(ramp_steps) or ramp_steps < 1):
            raise param_error("ramp_steps", _OWNER, "None or an integer >= 1", ramp_steps)
        for name, value in (("ramp_tol", ramp_tol), ("rtol", rtol), ("atol", atol)):
            if not _is_real(value) or not 0 < value < math.inf:
                raise param_error(name, _OWNER, "a finite number > 0", value)
        if not _is_int(max_steps) or max_steps < 1:
            raise param_error("max_steps", _OWNER, "an integer >= 1", max_steps)
        if not isinstance(throw, (bool, np.bool_)):
            raise param_error("throw", _OWNER, "True or False", throw)
        return cls(method, save, save_initial, None if ramp_steps is None else int(ramp_steps),
                   float(ramp_tol), float(rtol), float(atol), int(max_steps), bool(throw))


def _is_int(x) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def _is_real(x) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


def _choice_error(name: str, got, choices) -> ParameterError:
    err = param_error(name, _OWNER, "one of " + ", ".join(repr(c) for c in choices), got)
    close = difflib.get_close_matches(str(got), [str(c) for c in choices], n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return ParameterError(err.args[0] + hint)


def _validate_save(save):
    """Return (save, save_initial) with save a mode string or a sorted unique time array."""
    if isinstance(save, str):
        if save not in SAVE_MODES:
            raise _choice_error("save", save, SAVE_MODES + ("<array of times>",))
        return save, save == "segments"
    try:
        times = np.asarray(save, dtype=float)
    except (TypeError, ValueError):
        raise param_error("save", _OWNER, "'segments', 'end', 'reads' or an array of times [s]",
                          save) from None
    if times.ndim != 1 or times.size == 0 or not np.all(np.isfinite(times)) or np.any(times < 0):
        raise param_error("save", _OWNER, "a non-empty 1-D array of finite times >= 0 [s]", save)
    times = np.unique(times)
    return times, bool(times[0] == 0.0)


def _check_waveform(waveform) -> None:
    if not isinstance(waveform, Waveform) or waveform.n_segments == 0:
        raise param_error("waveform", _OWNER, "a Waveform with at least one segment", waveform)
    d = waveform.duration
    if not (np.all(np.isfinite(d)) and np.all(d > 0)):
        raise param_error("waveform", _OWNER, "made of segments with finite durations > 0 s",
                          d[~(np.isfinite(d) & (d > 0))][0])
    if not (np.all(np.isfinite(waveform.v_start)) and np.all(np.isfinite(waveform.v_end))):
        raise param_error("waveform", _OWNER, "made of finite voltages", "non-finite voltage")


def _resolve_n_devices(model, params, state0, n_devices) -> int:
    found = {}
    if n_devices is not None:
        if not _is_int(n_devices) or n_devices < 1:
            raise param_error("n_devices", _OWNER, "None or an integer >= 1", n_devices)
        found["n_devices"] = int(n_devices)
    n_params = params_n_devices(params)
    if n_params is not None:
        found["params"] = n_params
    if state0 is not None and np.ndim(state0) == 2:
        found["state0"] = int(np.shape(state0)[1])
    if len(set(found.values())) > 1:
        raise param_error("n_devices", _OWNER, "consistent with state0 and array parameters",
                          found)
    return next(iter(found.values()), 1)


def _initial_state(model, params, state0, n: int) -> np.ndarray:
    n_s = len(model.state_names)
    if state0 is None:
        state0 = model.initial_state(params, n)
    arr = np.asarray(state0, dtype=float)
    if arr.ndim == 1:
        arr = np.repeat(arr[:, None], n, axis=1)
    if arr.shape != (n_s, n):
        raise param_error("state0", _OWNER, f"shaped (n_states={n_s}, n_devices={n})",
                          arr.shape)
    if not np.all(np.isfinite(arr)):
        raise param_error("state0", _OWNER, "finite", "NaN or inf")
    lo, hi, tol = _bounds(model)
    bad = (arr < (lo - tol)[:, None]) | (arr > (hi + tol)[:, None])
    if np.any(bad):
        i, j = np.argwhere(bad)[0]
        raise param_error("state0", _OWNER, f"within the bounds of {model.state_names[i]!r} "
                          f"[{lo[i]:g}, {hi[i]:g}] (device {j})", float(arr[i, j]))
    state = np.ascontiguousarray(arr, dtype=np.float64).copy()
    return np.clip(state, lo[:, None], hi[:, None], out=state)


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


MAX_SAVED_BYTES = 4e9
"""Largest saved state array [B]; beyond it a run must choose save="reads", "end" or times."""


def _check_saved_size(pieces, n_states: int, n: int, opts) -> None:
    """Refuse a save mode whose time × state × device array would not fit in memory."""
    n_points = sum(p.n_save for p in pieces) + int(opts.save_initial)
    size = 8.0 * n_points * n_states * n
    if size > MAX_SAVED_BYTES:
        raise param_error("save", _OWNER, f"a mode whose saved states fit in memory: {n_points} points × "
                          f"{n} devices would take {size / 1e9:.1f} GB (limit {MAX_SAVED_BYTES / 1e9:g} GB); "
                          "use save='reads', 'end' or a few times", opts.save if isinstance(opts.save, str) else "times")


def _choose_method(model, method: str) -> str:
    if method == "auto":
        return "exact" if model.linear else ("implicit" if model.stiff else "rk45")
    if method == "exact" and not model.linear:
        raise param_error("method", _OWNER, f"'rk45' or 'implicit' for the non-linear model "
                          f"{model.name!r} ('exact' needs model.linear)", method)
    return method


# --------------------------------------------------------------------------- time plan

@dataclasses.dataclass(frozen=True)
class _Piece:
    """A stretch of one segment between breakpoints, with linear V(t)."""

    t0: float
    t1: float
    v0: float
    v1: float
    seg: int
    base: int  # base number of constant sub-intervals (1 on constant pieces)
    n_save: int  # 0: nothing saved; else the ends of n_save equal sub-intervals are saved

    @property
    def is_ramp(self) -> bool:
        return self.v0 != self.v1

    def voltage(self, t: float) -> float:
        """V(t) [V] on this piece (exact on ramps)."""
        if not self.is_ramp:
            return self.v0
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
            base = 1 if v0 == v1 else _base_steps(v1 - v0, ramp_steps)
            at_end = b == t_b
            if isinstance(save, str):
                wanted = {"segments": at_end, "end": at_end and i == last,
                          "reads": at_end and wf.kind[i] == KIND["read"]}[save]
                n_save = (base if save == "segments" else 1) if wanted else 0
            else:
                n_save = int(not at_end or edge_saved[i + 1])
            pieces.append(_Piece(a, b, v0, v1, i, base, n_save))
    return pieces


def _seg_voltage(wf: Waveform, i: int, t: float) -> float:
    frac = min(1.0, max(0.0, (t - wf.t_start[i]) / wf.duration[i]))
    if frac == 1.0:
        return float(wf.v_end[i])
    return float(wf.v_start[i] + frac * (wf.v_end[i] - wf.v_start[i]))


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
        self.v.extend(float(v) for v in vs)
        self.seg.extend(int(s) for s in segs)
        self.blocks.append(block)


class _Run:
    """Shared state of one integration: model, options, device status and counters."""

    def __init__(self, model, params, n: int, opts: _Options, method: str):
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


# --------------------------------------------------------------------------- exact method

def _run_exact(run: _Run, pieces: list[_Piece], state: np.ndarray, rec: _Recorder) -> None:
    shared = params_n_devices(run.params) is None
    if not shared:
        _run_exact_per_device(run, pieces, state, rec)
        return
    batch: list[_Piece] = []
    for p in pieces:
        if run.stopped:
            return
        if p.is_ramp:
            _flush_constant(run, batch, state, rec)
            batch = []
            _exact_ramp_shared(run, p, state, rec)
        else:
            batch.append(p)
            if len(batch) == MAP_CHUNK:
                _flush_constant(run, batch, state, rec)
                batch = []
    if not run.stopped:
        _flush_constant(run, batch, state, rec)


def _shared_maps(run: _Run, v: np.ndarray, dt: np.ndarray):
    """Maps of scalar-parameter models for intervals (v, dt): (M, ns, ns), (M, ns)."""
    n_s, m = len(run.model.state_names), v.size
    if _has_compartments(run.model):  # accurate for stiff rates (physics.kinetics)
        q = np.asarray(run.model.compartment_generator(v, run.params), dtype=float)
        q = np.moveaxis(np.broadcast_to(q.reshape(n_s + 1, n_s + 1, -1), (n_s + 1, n_s + 1, m)), -1, 0)
        return compartment_affine_maps(q, np.broadcast_to(dt, (m,)))
    if _has_generator(run.model):  # compiled batched exponential, one per interval
        a, b = run.model.generator(v, run.params)
        a = np.broadcast_to(np.asarray(a, dtype=float).reshape(n_s, n_s, -1), (n_s, n_s, m))
        b = np.broadcast_to(np.asarray(b, dtype=float).reshape(n_s, -1), (n_s, m))
        with np.errstate(all="ignore"):
            phi, psi = expm_affine(a, b, dt)
    else:
        phi, psi = run.model.affine_map(v, dt, run.params)
    phi = np.broadcast_to(np.asarray(phi, dtype=float).reshape(n_s, n_s, -1), (n_s, n_s, m))
    psi = np.broadcast_to(np.asarray(psi, dtype=float).reshape(n_s, -1), (n_s, m))
    return (np.ascontiguousarray(np.moveaxis(phi, 2, 0)),
            np.ascontiguousarray(np.moveaxis(psi, 1, 0)))


def _maps_finite(run: _Run, phi, psi, times, seg: int | list) -> bool:
    ok = np.all(np.isfinite(phi), axis=(1, 2)) & np.all(np.isfinite(psi), axis=1)
    if ok.all():
        return True
    k = int(np.argmin(ok))
    s = seg[k] if isinstance(seg, list) else seg
    run.fail(run.active.copy(), NON_FINITE, "the model's exact map is non-finite",
             float(times[k]), s)
    return False


def _apply_shared(run: _Run, phi, psi, state, save_idx, times, volts, segs, rec) -> None:
    """Kernel call, then check and record the saved states and the final state."""
    out = apply_affine_maps_shared(state, phi, psi, save_idx)
    run.n_steps += phi.shape[0]
    for s in range(out.shape[0]):
        run.check(out[s], times[s], segs[s])
        rec.add(times[s], volts[s], segs[s], out[s], run.active)


def _flush_constant(run: _Run, batch: list[_Piece], state, rec) -> None:
    if not batch:
        return
    v = np.array([p.v0 for p in batch])
    dt = np.array([p.t1 - p.t0 for p in batch])
    phi, psi = _shared_maps(run, v, dt)
    if not _maps_finite(run, phi, psi, [p.t0 for p in batch], [p.seg for p in batch]):
        return
    saved = [k for k, p in enumerate(batch) if p.n_save]
    _apply_shared(run, phi, psi, state, saved, [batch[k].t1 for k in saved],
                  [batch[k].v1 for k in saved], [batch[k].seg for k in saved], rec)
    run.check(state, batch[-1].t1, batch[-1].seg)


def _ramp_v_dt(p: _Piece, k: int):
    """Midpoint voltages [V] and durations [s] of k equal constant sub-intervals of a ramp."""
    v = p.v0 + (np.arange(k) + 0.5) / k * (p.v1 - p.v0)
    return v, np.full(k, (p.t1 - p.t0) / k)


def _compose(phi: np.ndarray, psi: np.ndarray):
    """One affine map equal to applying maps 0 … K-1 in order (pairwise tree)."""
    while phi.shape[0] > 1:
        m = phi.shape[0] // 2 * 2
        a_phi, a_psi, b_phi, b_psi = phi[0:m:2], psi[0:m:2], phi[1:m:2], psi[1:m:2]
        c_phi = b_phi @ a_phi
        c_psi = np.einsum("kij,kj->ki", b_phi, a_psi) + b_psi
        if phi.shape[0] > m:
            c_phi = np.concatenate([c_phi, phi[m:]])
            c_psi = np.concatenate([c_psi, psi[m:]])
        phi, psi = c_phi, c_psi
    return phi[0], psi[0]


def _rel_change(run: _Run, old: np.ndarray, new: np.ndarray) -> float:
    """Largest change between two refinements, relative to |new| with a floor of 1e-6 of each
    state's bounds range (so round-off in nearly empty states does not block convergence)."""
    a = run.active
    if not a.any():
        return 0.0
    floor = run.opts.atol + 1e-6 * _state_spans(run)[:, None]
    change = np.abs(new[:, a] - old[:, a]) / (floor + np.abs(new[:, a]))
    worst = float(np.max(change))
    return worst if np.isfinite(worst) else 0.0  # non-finite states are reported by check()


def _state_spans(run: _Run) -> np.ndarray:
    lo, hi, _ = _bounds(run.model)
    span = hi - lo
    return np.where(np.isfinite(span), span, 1.0)


def _refine_ramp(run: _Run, p: _Piece, end_state: Callable[[int], np.ndarray]) -> int:
    """Sub-interval count K = base·2^m for a ramp: double until the end state settles."""
    k = p.base
    if run.opts.ramp_steps is not None:
        return k
    previous = end_state(k)
    cap = max(RAMP_MAX_STEPS, p.base)
    while 2 * k <= cap:
        k *= 2
        current = end_state(k)
        if _rel_change(run, previous, current) <= run.opts.ramp_tol:
            return k
        previous = current
    warnings.warn(f"integrate: ramp of segment {p.seg} did not reach ramp_tol = "
                  f"{run.opts.ramp_tol:g} with {k} sub-intervals; using {k}.",
                  RuntimeWarning, stacklevel=5)
    return k


def _extrapolated_group_maps(run: _Run, p: _Piece, k: int, groups: int):
    """Per-group maps of a ramp cut into k midpoint sub-intervals, Richardson-extrapolated.

    The midpoint rule is second order for slow state variables but only first order for stiff
    ones (they settle to the equilibrium of the sub-interval's midpoint voltage, lagging V(t) by
    half a sub-interval). Combining the maps for k and 2k sub-intervals as 2·M(2k) - M(k) removes
    the first-order term and keeps second order for both (local extrapolation per saved group).
    """
    def group_maps(kk):
        phi, psi = _shared_maps(run, *_ramp_v_dt(p, kk))
        per = kk // groups
        comp = [_compose(phi[g * per:(g + 1) * per], psi[g * per:(g + 1) * per]) for g in range(groups)]
        return np.array([c[0] for c in comp]), np.array([c[1] for c in comp])

    phi_k, psi_k = group_maps(k)
    phi_2k, psi_2k = group_maps(2 * k)
    return (np.ascontiguousarray(2 * phi_2k - phi_k), np.ascontiguousarray(2 * psi_2k - psi_k))


def _exact_ramp_shared(run: _Run, p: _Piece, state, rec) -> None:
    groups = max(p.n_save, 1)

    def end_state(k):
        phi, psi = _compose(*_extrapolated_group_maps(run, p, k, groups))
        return phi @ state + psi[:, None]

    k = _refine_ramp(run, p, end_state)
    c_phi, c_psi = _extrapolated_group_maps(run, p, k, groups)
    if not _maps_finite(run, c_phi, c_psi, p.sub_times(groups)[:-1], p.seg):
        return
    # Shared maps: the sub-maps between saved points are composed, so each device sees one map
    # per saved sub-interval whatever k is (the device work does not grow with the refinement).
    saved, times = (list(range(groups)), list(p.sub_times(groups)[1:])) if p.n_save else ([], [])
    _apply_shared(run, c_phi, c_psi, state, saved, times, [p.voltage(t) for t in times],
                  [p.seg] * len(saved), rec)
    run.n_steps += 3 * k - groups
    run.check(state, p.t1, p.seg)


def _run_exact_per_device(run: _Run, pieces: list[_Piece], state, rec, *,
                          memoise: bool = True) -> None:
    """Per-device parameters: runs of constant pieces go through :func:`_flush_per_device`
    (maps memoised per distinct (V, dt), applied by a cache-blocked kernel); ramps piece by
    piece."""
    batch: list[_Piece] = []
    for p in pieces:
        if run.stopped:
            return
        if p.is_ramp:
            _flush_per_device(run, batch, state, rec, memoise)
            batch = []
            if run.stopped:
                return
            _exact_piece_per_device(run, p, state, rec)
        else:
            batch.append(p)
            if len(batch) == MAP_CHUNK:
                _flush_per_device(run, batch, state, rec, memoise)
                batch = []
    if not run.stopped:
        _flush_per_device(run, batch, state, rec, memoise)


def _distinct_segments(v: np.ndarray, dt: np.ndarray, t_scale: float, memoise: bool = True):
    """Distinct (V, dt) pairs of constant pieces: (v_u, dt_u, index of each piece's pair).

    Durations differing by no more than the round-off of the time grid (t1 - t0 is computed
    from absolute times, 16 ulp of ``t_scale``) count as one; the first one seen is used.
    With ``memoise=False`` every piece is its own pair.
    """
    if not memoise:
        return v, dt, np.arange(v.size)
    tol = 16 * np.finfo(float).eps * max(t_scale, 1e-300)
    reps: dict[float, list[tuple[float, int]]] = {}
    v_u: list[float] = []
    dt_u: list[float] = []
    index = np.empty(v.size, dtype=np.int64)
    for k in range(v.size):
        cands = reps.setdefault(float(v[k]), [])
        for d, u in cands:
            if abs(dt[k] - d) <= tol:
                index[k] = u
                break
        else:
            index[k] = len(v_u)
            cands.append((float(dt[k]), len(v_u)))
            v_u.append(float(v[k]))
            dt_u.append(float(dt[k]))
    return np.array(v_u), np.array(dt_u), index


def _slice_params(params, j0: int, j1: int):
    """Params restricted to devices j0 … j1-1 (per-device arrays sliced, scalars kept)."""
    arrays = {f.name: getattr(params, f.name)[j0:j1] for f in dataclasses.fields(params)
              if np.ndim(getattr(params, f.name)) == 1}
    return dataclasses.replace(params, **arrays)


def _has_compartments(model) -> bool:
    gen = getattr(type(model), "compartment_generator", None)
    return gen is not None and gen is not getattr(DeviceModel, "compartment_generator", None)


def _has_generator(model) -> bool:
    gen = getattr(type(model), "generator", None)
    return gen is not None and gen is not getattr(DeviceModel, "generator", None)


def _device_maps(run: _Run, v: float, dt: float, params, m: int, phi_out=None, psi_out=None):
    """Per-device maps (ns, ns, m), (ns, m) over a constant interval (v [V], dt [s]).

    With a model generator (dx/dt = A x + b) the maps come from the compiled batched
    exponential (:func:`expm_affine`); otherwise from ``model.affine_map``.
    """
    n_s = len(run.model.state_names)
    if phi_out is None:
        phi_out, psi_out = np.empty((n_s, n_s, m)), np.empty((n_s, m))
    if _has_compartments(run.model):
        q = np.asarray(run.model.compartment_generator(v, params), dtype=float)
        q = np.moveaxis(np.broadcast_to(q.reshape(n_s + 1, n_s + 1, -1), (n_s + 1, n_s + 1, m)), -1, 0)
        phi, psi = compartment_affine_maps(q, dt)
        phi_out[...] = np.moveaxis(phi, 0, -1)
        psi_out[...] = np.moveaxis(psi, 0, -1)
    elif _has_generator(run.model):
        a, b = run.model.generator(v, params)
        a = np.broadcast_to(np.asarray(a, dtype=float).reshape(n_s, n_s, -1), (n_s, n_s, m))
        b = np.broadcast_to(np.asarray(b, dtype=float).reshape(n_s, -1), (n_s, m))
        with np.errstate(all="ignore"):
            expm_affine(a, b, dt, phi_out, psi_out)
    else:
        phi, psi = _as_float(run.model.affine_map(v, dt, params))
        phi_out[...] = np.broadcast_to(phi.reshape(n_s, n_s, -1), (n_s, n_s, m))
        psi_out[...] = np.broadcast_to(psi.reshape(n_s, -1), (n_s, m))
    return phi_out, psi_out


def _flush_per_device(run: _Run, batch: list[_Piece], state, rec, memoise: bool = True) -> None:
    """Constant pieces with per-device parameters: one map per device and distinct (V, dt)
    ("rates once per distinct segment"), then all pieces applied block by block of devices.
    Bounds are checked (and round-off clipped) at saved points and at the end of the batch."""
    if not batch:
        return
    n_s, n = state.shape
    v = np.array([p.v0 for p in batch])
    dt = np.array([p.t1 - p.t0 for p in batch])
    v_u, dt_u, seq = _distinct_segments(v, dt, max(abs(batch[-1].t1), abs(batch[0].t0)),
                                        memoise)
    saved = [k for k, p in enumerate(batch) if p.n_save]
    out = np.empty((len(saved), n_s, n))
    for j0 in range(0, n, DEVICE_CHUNK):
        j1 = min(n, j0 + DEVICE_CHUNK)
        sub = run.params if (j0, j1) == (0, n) else _slice_params(run.params, j0, j1)
        phi_tab = np.empty((v_u.size, n_s, n_s, j1 - j0))
        psi_tab = np.empty((v_u.size, n_s, j1 - j0))
        for u in range(v_u.size):
            _device_maps(run, float(v_u[u]), float(dt_u[u]), sub, j1 - j0, phi_tab[u],
                         psi_tab[u])
        apply_affine_maps_per_device(state, phi_tab, psi_tab, seq, saved, out, j0)
        del phi_tab, psi_tab
    run.n_steps += len(batch)
    for s, k in enumerate(saved):
        p = batch[k]
        run.check(out[s], p.t1, p.seg)
        rec.add(p.t1, p.v1, p.seg, out[s], run.active)
    run.check(state, batch[-1].t1, batch[-1].seg)


def _exact_piece_per_device(run: _Run, p: _Piece, state, rec) -> None:
    """Per-device parameters: maps evaluated per segment, vectorised over devices."""
    k = 1
    if p.is_ramp:
        k = _refine_ramp(run, p, lambda kk: _walk_per_device(run, p, kk, state.copy(), []))
    times = list(p.sub_times(max(p.n_save, 1))[1:]) if p.is_ramp else [p.t1]
    saved = [0] if p.n_save else []
    snapshots: list[np.ndarray] = []
    state[...] = _walk_per_device(run, p, k, state, saved, snapshots)
    for snap, t in zip(snapshots, times):
        run.check(snap, t, p.seg)
        rec.add(t, p.voltage(t), p.seg, snap, run.active)
    run.check(state, p.t1, p.seg)
    run.n_steps += k


def _walk_per_device(run: _Run, p: _Piece, k: int, x, saved, snapshots=None) -> np.ndarray:
    """Apply a piece's maps per device. On ramps, each saved group of k midpoint sub-intervals is
    Richardson-extrapolated against 2k half intervals, as in ``_extrapolated_group_maps``."""
    params = run.params
    if not p.is_ramp:
        x = apply_affine(*_device_maps(run, p.v0, p.t1 - p.t0, params, x.shape[1]), x)
        if snapshots is not None and saved:
            snapshots.append(x.copy())
        return x
    groups = max(p.n_save, 1)

    def walk(x0, kk, g):
        v, dt = _ramp_v_dt(p, kk)
        per = kk // groups
        for j in range(g * per, (g + 1) * per):
            x0 = apply_affine(*_device_maps(run, float(v[j]), float(dt[j]), params, x0.shape[1]),
                              x0)
        return x0

    for g in range(groups):
        x = 2 * walk(x, 2 * k, g) - walk(x, k, g)
        if snapshots is not None and p.n_save:
            snapshots.append(x.copy())
    return x


def _as_float(maps):
    return tuple(np.asarray(m, dtype=float) for m in maps)


# --------------------------------------------------------------------------- adaptive methods

def _run_adaptive(run: _Run, pieces: list[_Piece], state: np.ndarray, rec: _Recorder) -> None:
    stepper = _RK45(run) if run.method == "rk45" else _TRBDF2(run)
    h = None
    v_prev = None
    for p in pieces:
        stops = p.sub_times(max(p.n_save, 1))
        for ta, tb in zip(stops[:-1], stops[1:]):
            if h is None or p.voltage(ta) != v_prev:
                h = None  # a voltage jump: choose a fresh initial step
            h = _advance(run, stepper, p, state, float(ta), float(tb), h)
            v_prev = p.voltage(tb)
            if run.stopped:
                rec.add(run.t_stop, p.voltage(run.t_stop), p.seg, state, run.active)
                return
            if p.n_save:
                rec.add(float(tb), p.voltage(float(tb)), p.seg, state, run.active)


def _err_norm(err: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Per-device RMS of err / scale, (n,)."""
    return np.sqrt(np.mean((err / scale) ** 2, axis=0))


def _worst(values: np.ndarray, active: np.ndarray) -> float:
    return float(np.max(values[active])) if active.any() else 0.0


def _initial_step(run: _Run, p: _Piece, y, f0, t: float, span: float, order: int) -> float:
    """Hairer, Nørsett & Wanner (Solving ODEs I, II.4) starting step, worst device."""
    a = run.active
    scale = run.opts.atol + run.opts.rtol * np.abs(y)
    d0 = _worst(_err_norm(y, scale), a)
    d1 = _worst(_err_norm(f0, scale), a)
    h0 = 1e-6 * span if (d0 < 1e-5 or d1 < 1e-5) else 0.01 * d0 / d1
    h0 = min(h0, span)
    with np.errstate(all="ignore"):
        f1 = run.rates(y + h0 * f0, p.voltage(t + h0), t + h0)
        d2 = _worst(_err_norm(f1 - f0, scale), a) / h0
    dmax = max(d1, d2)
    if not np.isfinite(dmax):
        return h0
    h1 = max(1e-6 * span, h0 * 1e-3) if dmax <= 1e-15 else (0.01 / dmax) ** (1.0 / (order + 1))
    return min(100 * h0, h1, span)


def _advance(run: _Run, stepper, p: _Piece, y: np.ndarray, ta: float, tb: float,
             h: float | None) -> float:
    """Integrate y (in place) from ta to tb; return the proposed next step [s]."""
    t = ta
    f0 = _start_rates(run, p, y, t)
    if h is None:
        h = _initial_step(run, p, y, f0, t, tb - ta, stepper.order)
    hmin = 1e-13 * max(abs(tb), tb - ta)
    while t < tb and not run.stopped:
        if run.n_attempts >= run.opts.max_steps:
            _stop_max_steps(run, t, p.seg)
            return h
        step = min(h, tb - t)
        if step < tb - t < 1.5 * step:
            step = 0.5 * (tb - t)
        run.n_attempts += 1
        with np.errstate(all="ignore"):
            y_new, f_new, err = stepper.attempt(y, f0, t, step, p)
        err = np.where(np.isfinite(err), err, np.inf)
        if _reject_bad(run, y_new, step, hmin, t, p.seg, y):
            h = 0.25 * step
            continue
        worst = _worst(err, run.active)
        run.limit_count[np.argmax(np.where(run.active, err, -1.0))] += 1
        fac = 0.9 * worst ** (-1.0 / (stepper.order + 1)) if worst > 0 else 5.0
        if worst <= 1.0:
            frozen = ~run.active
            y_new[:, frozen] = y[:, frozen]
            run.clip(y_new)
            y[...] = y_new
            t = tb if step == tb - t else t + step
            run.n_steps += 1
            f0 = f_new if f_new is not None else _start_rates(run, p, y, t)
            h = step * min(5.0, max(0.2, fac))
        else:
            h = step * max(0.2, min(0.9, fac))
            if h < hmin:
                run.fail((err > 1.0) & run.active, STEP_TOO_SMALL, "the step size fell below "
                         f"{hmin:.3g} s", t, p.seg, y)
                f0 = _start_rates(run, p, y, t)
    run.t_stop = t
    return h


def _start_rates(run: _Run, p: _Piece, y, t: float) -> np.ndarray:
    """Rates at a step start; devices whose rates are non-finite fail at once."""
    with np.errstate(all="ignore"):
        f0 = run.rates(y, p.voltage(t), t)
    bad = ~np.all(np.isfinite(f0), axis=0) & run.active
    if np.any(bad):
        run.fail(bad, NON_FINITE, "the rates are non-finite", t, p.seg, y)
        f0 = np.where(np.isfinite(f0), f0, 0.0)
    return f0


def _reject_bad(run: _Run, y_new, step: float, hmin: float, t: float, seg: int, y) -> bool:
    """True if some active device left its bounds or went non-finite (reject the step).

    Below the smallest step such devices fail instead.
    """
    nonfinite, out = run.violations(y_new)
    nonfinite &= run.active
    out &= run.active
    if not (nonfinite.any() or out.any()):
        return False
    if step > hmin:
        return True
    if nonfinite.any():
        run.fail(nonfinite, NON_FINITE, "the state became non-finite", t, seg, y)
    for i in range(out.shape[0]):
        if np.any(out[i] & run.active):
            run.fail(out[i] & run.active, OUT_OF_BOUNDS, f"state {run.model.state_names[i]!r} "
                     f"left its bounds [{run.lo[i]:g}, {run.hi[i]:g}]", t, seg, y)
    return True


def _stop_max_steps(run: _Run, t: float, seg: int) -> None:
    top = np.argsort(-run.limit_count, kind="stable")[:5]
    top = top[run.limit_count[top] > 0]
    limiting = ", ".join(str(i) for i in top) or "none"
    msg = (f"integrate (method {run.method!r}): max_steps = {run.opts.max_steps} exceeded at "
           f"t = {t:.9g} s (segment {seg}); the step size was limited mostly by devices "
           f"[{limiting}].")
    if run.opts.throw:
        raise IntegrationError(msg)
    run.messages.append(msg)
    run.status[run.active] = MAX_STEPS  # unfinished, but their states so far are valid
    run.stopped = True
    run.t_stop = t


_DP_C = np.array([0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0])
_DP_A = [
    [],
    [1 / 5],
    [3 / 40, 9 / 40],
    [44 / 45, -56 / 15, 32 / 9],
    [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
    [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
    [35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
]
_DP_E = [71 / 57600, 0.0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40]


class _RK45:
    """Dormand–Prince 5(4) with FSAL, batched over devices."""

    order = 4

    def __init__(self, run: _Run):
        self.run = run

    def attempt(self, y, f0, t: float, h: float, p: _Piece):
        ks = [f0]
        for s in range(1, 7):
            ys = y.copy()
            for a, k in zip(_DP_A[s], ks):
                if a:
                    ys += (h * a) * k
            ts = t + _DP_C[s] * h
            ks.append(self.run.rates(ys, p.voltage(ts), ts))
        err = sum((h * e) * k for e, k in zip(_DP_E, ks) if e)
        o = self.run.opts
        scale = o.atol + o.rtol * np.maximum(np.abs(y), np.abs(ys))
        return ys, ks[-1], _err_norm(err, scale)


_G = 2.0 - math.sqrt(2.0)  # TR stage fraction
_D = _G / 2.0  # diagonal coefficient of both implicit stages
_W = math.sqrt(2.0) / 4.0
_E = ((4 * _W - 1) / 3, -1.0 / 3.0, 2 * _D / 3)  # b - b_hat of the embedded third-order pair
NEWTON_MAX = 8
NEWTON_TOL = 1e-2


class _TRBDF2:
    """TR-BDF2 (ESDIRK, c = (0, γ, 1), stiffly accurate), Hosea–Shampine error estimate."""

    order = 2

    def __init__(self, run: _Run):
        self.run = run

    def attempt(self, y, f0, t: float, h: float, p: _Piece):
        run, o = self.run, self.run.opts
        scale = o.atol + o.rtol * np.abs(y)
        jac = np.asarray(run.model.jacobian(y, p.voltage(t), t, run.params), dtype=float)
        solve = _batched_solver(np.eye(y.shape[0])[None] - (_D * h) * np.moveaxis(jac, 2, 0))
        tg = t + _G * h
        c1 = y + (_D * h) * f0
        g, fg, ok1 = self._newton(c1, y + _G * h * f0, tg, p, h, solve, scale)
        c2 = y + (_W * h) * (f0 + fg)
        y1, f1, ok2 = self._newton(c2, y + (g - y) / _G, t + h, p, h, solve, scale)
        est = solve(h * (_E[0] * f0 + _E[1] * fg + _E[2] * f1))
        err = _err_norm(est, o.atol + o.rtol * np.maximum(np.abs(y), np.abs(y1)))
        return y1, None, np.where(ok1 & ok2, err, np.inf)

    def _newton(self, c, z, t: float, p: _Piece, h: float, solve, scale):
        """Solve z = c + d·h·f(z, t) by simplified Newton; return z, f(z), converged mask."""
        run, dh = self.run, _D * h
        v = p.voltage(t)
        converged = np.zeros(run.n, dtype=bool)
        for _ in range(NEWTON_MAX):
            dz = solve(c + dh * run.rates(z, v, t) - z)
            z = z + dz
            converged = _err_norm(dz, scale) <= NEWTON_TOL
            if np.all(converged | ~run.active):
                break
        return z, (z - c) / dh, converged


def _batched_solver(m: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Solver of M_j x_j = r_j for stacks M (n, ns, ns), r (ns, n); NaN where M_j is singular."""
    n_s = m.shape[1]
    if n_s == 1:
        return lambda r: r / m[:, 0, 0]
    if n_s == 2:
        a, b, c, d = m[:, 0, 0], m[:, 0, 1], m[:, 1, 0], m[:, 1, 1]
        det = a * d - b * c
        return lambda r: np.stack([(d * r[0] - b * r[1]) / det, (a * r[1] - c * r[0]) / det])
    singular = ~np.isfinite(np.linalg.det(m)) | (np.linalg.det(m) == 0)
    safe = np.where(singular[:, None, None], np.eye(n_s)[None], m)

    def solve(r):
        x = np.linalg.solve(safe, np.moveaxis(r, 1, 0)[..., None])[..., 0].T
        x[:, singular] = np.nan
        return x

    return solve
