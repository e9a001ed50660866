"""The adaptive methods: Dormand–Prince ``rk45`` and TR-BDF2 ``implicit`` (see integrate.py)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from nanoionic._core.errors import IntegrationError
from nanoionic.engine._plan import (MAX_STEPS, NON_FINITE, OUT_OF_BOUNDS, STEP_TOO_SMALL, _Piece, _Recorder, _Run)



def _run_adaptive(run: _Run, pieces: list[_Piece], state: np.ndarray, rec: _Recorder) -> None:
    stepper = _RK45(run) if run.method == "rk45" else _TRBDF2(run)
    h = None
    v_prev = None
    for p in pieces:
        stops = p.sub_times(max(p.n_save, 1))
        for ta, tb in zip(stops[:-1], stops[1:]):
            if h is None or np.any(p.voltage(ta) != v_prev):
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
    """Integrate y (in place) from ta to tb; return the proposed next step [s].

    Steps are counted in local time tau = t - ta, so a stiff initial layer right after a voltage
    edge (rates up to ~1e13 /s) can be resolved with steps far below the float64 spacing of t.
    """
    span = tb - ta
    tau = 0.0
    f0 = _start_rates(run, p, y, ta)
    if h is None:
        h = _initial_step(run, p, y, f0, ta, span, stepper.order)
    hmin = HMIN_FRACTION * span
    attempts_here = 0
    while tau < span and not run.stopped:
        t = ta + tau
        if run.n_attempts >= run.opts.max_steps:
            _stop_max_steps(run, t, p.seg)
            return h
        attempts_here += 1
        if run.opts.stiff_probe is not None and attempts_here > run.opts.stiff_probe:
            raise IntegrationError(f"integrate (method 'rk45'): more than {run.opts.stiff_probe} attempts between "
                                   f"t = {ta:.9g} s and {tb:.9g} s: the drive makes the model stiff")
        step = min(h, span - tau)
        if step < span - tau < 1.5 * step:
            step = 0.5 * (span - tau)
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
            _keep_invariant(run.model, y, y_new)
            y[...] = y_new
            tau = span if step == span - tau else tau + step
            run.n_steps += 1
            f0 = f_new if f_new is not None else _start_rates(run, p, y, ta + tau)
            h = step * min(5.0, max(0.2, fac))
        else:
            h = step * max(0.2, min(0.9, fac))
            if h < hmin:
                run.fail((err > 1.0) & run.active, STEP_TOO_SMALL, "the step size fell below "
                         f"{hmin:.3g} s", t, p.seg, y)
                f0 = _start_rates(run, p, y, t)
    run.t_stop = tb if tau >= span else ta + tau
    return h


def _keep_invariant(model, y_old: np.ndarray, y_new: np.ndarray) -> None:
    """Models that declare ``conserved_weights`` (a non-negative inventory Σ w·x of non-negative
    states) keep it exactly: the accepted step is rescaled by Σw·x_old / Σw·x_new (a relative
    correction of round-off size, ~1e-16 per step, that keeps zeros at zero)."""
    weights = getattr(model, "conserved_weights", None)
    if weights is None:
        return
    w = np.asarray(weights, dtype=float)[:, None]
    old, new = np.sum(w * y_old, axis=0), np.sum(w * y_new, axis=0)
    y_new *= np.where(new > 0, old / np.where(new > 0, new, 1.0), 1.0)


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
HMIN_FRACTION = 1e-20
"""Smallest step as a fraction of the piece being integrated: stiff initial layers after a
voltage edge (rates up to ~1e13 /s, resolved to rtol) need steps of ~1e-17 s in 0.1 s pieces."""
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
