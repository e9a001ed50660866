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
* Stiff ramps: where k·h ≫ 1 the state tracks a quasi-equilibrium and the plain midpoint rule
  is only first order; the exact method therefore Richardson-extrapolates each saved group of
  sub-intervals against twice as many (second order for stiff and slow states alike). The
  doubling stops at 65536 sub-intervals with a warning.
* Layout: this module holds the entry point and option checks; ``_plan.py`` the time plan and
  bookkeeping, ``exact.py`` and ``adaptive.py`` the methods.
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

import numpy as np

from nanoionic._core.errors import IntegrationError, ParameterError, param_error
from nanoionic.models.base import params_n_devices
from nanoionic.protocols.waveform import Waveform
from nanoionic.engine._plan import (MAX_STEPS, METHODS, NON_FINITE, OK, OUT_OF_BOUNDS, SAVE_MODES, STATUS_NAMES,
                                    STEP_TOO_SMALL, Trajectory, _OWNER, _Recorder, _Run, _bounds, _plan)
from nanoionic.engine.exact import _run_exact
from nanoionic.engine.adaptive import _run_adaptive

__all__ = ["STATUS_NAMES", "Trajectory", "integrate", "trajectory_current", "OK", "MAX_STEPS", "NON_FINITE", "OUT_OF_BOUNDS", "STEP_TOO_SMALL"]


def trajectory_current(model, params, traj: Trajectory) -> np.ndarray:
    """Device current at every saved point [A]: (n_t, n_devices), or (n_t, n_terminals,
    n_devices) for a multi-terminal model (one current per terminal)."""
    shape = (traj.time.size, len(model.terminals), traj.n_devices) if model.terminals else (traj.time.size, traj.n_devices)
    out = np.empty(shape)
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
    method : "auto" (exact if ``model.linear``, else implicit if ``model.stiff``, else rk45,
        switching to implicit if rk45 fails or needs more than AUTO_STIFF_ATTEMPTS attempts within
        one sub-interval: a drive can make a non-stiff model stiff), "exact", "rk45" or "implicit".
    save : "segments" (t = 0, every segment end and, on ramps, every base sub-interval end:
        each spans at most 0.05 V, at least 8 per ramp, or ``ramp_steps`` of them), "end" (final
        state only; no time × device array is allocated), "reads" (end of every read segment),
        or an array of times [s] in [0, total time], which become extra breakpoints.
    ramp_steps : exact method: fixed number of constant sub-intervals per ramp; None refines
        adaptively from the base count by doubling.
    ramp_tol : exact method: adaptive ramp refinement stops when the ramp's end state changes by
        less than this, relative to |state| + ``atol`` + 1e-4 of the state's bounds range (so a
        state in [0, 1] near zero is resolved to ~1e-8 absolute).
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
    _check_terminals(model, waveform, opts.method)
    n = _resolve_n_devices(model, params, state0, n_devices)
    state = _initial_state(model, params, state0, n)
    chosen = _choose_method(model, opts.method)
    pieces = _plan(waveform, opts.save, ramp_steps)
    _check_saved_size(pieces, len(model.state_names), n, opts)
    if opts.method == "auto" and chosen == "rk45":
        # rk45 first; a drive that makes the model stiff (a high voltage, a cold device) makes it
        # crawl through one sub-interval or fail, and the run is repeated with the implicit method
        trial = dataclasses.replace(opts, throw=True, stiff_probe=AUTO_STIFF_ATTEMPTS)
        try:
            return _run_method(model, params, n, trial, "rk45", pieces, state.copy(), waveform)
        except IntegrationError:
            chosen = "implicit"
    return _run_method(model, params, n, opts, chosen, pieces, state, waveform)


AUTO_STIFF_ATTEMPTS = 5_000
"""rk45 step attempts within one sub-interval (a segment, or a ramp's base sub-interval) after
which method="auto" judges the drive stiff and switches to the implicit method."""


def _run_method(model, params, n: int, opts, method: str, pieces, state, waveform: Waveform) -> Trajectory:
    run = _Run(model, params, n, opts, method)
    rec = _Recorder()
    if opts.save_initial:
        rec.add(0.0, waveform.v_start[0], 0, state, run.active)
    runner = {"exact": _run_exact, "rk45": _run_adaptive, "implicit": _run_adaptive}[method]
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
    stiff_probe: int | None = None  # rk45 under method="auto": attempts per sub-interval before it gives up

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


def _check_terminals(model, waveform: Waveform, method: str) -> None:
    """A multi-terminal model needs a waveform with one voltage column per terminal (in the
    model's ``terminals`` order) and an adaptive method; a two-terminal model a 1-D waveform."""
    terminals = tuple(getattr(model, "terminals", ()))
    columns = waveform.v_start.shape[1] if waveform.v_start.ndim == 2 else 0
    if terminals and (columns != len(terminals) or tuple(waveform.terminals) != terminals):
        raise param_error("waveform", _OWNER, f"one voltage per terminal {terminals} of model {model.name!r} "
                          "(protocols.merge_terminals)", tuple(waveform.terminals) or "a two-terminal waveform")
    if not terminals and columns:
        raise param_error("waveform", _OWNER, f"a two-terminal waveform for model {model.name!r}", waveform.terminals)
    if terminals and method == "exact":
        raise param_error("method", _OWNER, "'auto', 'rk45' or 'implicit' for a multi-terminal model", method)


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
    try:
        arr = np.asarray(state0, dtype=float)
    except (TypeError, ValueError):
        raise param_error("state0", _OWNER, f"numbers shaped ({n_s},) or ({n_s}, {n})", type(state0).__name__) from None
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
