"""``fit``: calibrate any model to measured traces; ``cross_validate``: does it predict?

The traces share the device's parameters; each may start from its own state or after its own
pre-protocol. Free parameters may include the instrument's nuisance parameters
(``fit.instrument``); the polarity is chosen from the data when ``nuisance={"polarity":
"auto"}`` (the default). The search is global then local (``fit.optimise``), every batch of
parameter sets one engine run per trace (``fit.evaluate``); the standard errors and the
identifiability report come from the Jacobian at the optimum (``fit.uncertainty``).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nanoionic._core.errors import ParameterError, param_error, unknown_name_error
from nanoionic._core.units import EV
from nanoionic._core.validation import check_seed
from nanoionic.data import Measurement
from nanoionic.engine._plan import OK
from nanoionic.fit.evaluate import Evaluator, Trace, prepare, simulate_batch
from nanoionic.fit.instrument import NUISANCE_FIELDS, instrument_model, with_instrument
from nanoionic.fit.loss import LOSSES, noise_floor, stacked_residuals, trace_residuals
from nanoionic.fit.optimise import Search, difference_steps, optimise, sobol_starts, typical_scale
from nanoionic.fit.result import FitResult, TraceFit, _trace_fit
from nanoionic.fit.spec import check_start, free_parameters
from nanoionic.fit.uncertainty import Block, covariance
from nanoionic.simulation import Device

METHODS = ("auto", "exact", "rk45", "implicit")
FAILED_TRACE_COST = 10.0
"""Cost given to a trace whose simulation failed for a parameter set (a zero prediction costs ~0.5)."""
FIT_RAMP_STEPS = 2
"""Exact method in fits: constant sub-intervals per sampling interval of a ramp (midpoint rule;
the fit reports the difference to the adaptive refinement at the optimum)."""
RESOLUTION_LIMIT = 0.3
"""Largest ratio of the ramp-discretisation error to the residual RMS (fit's loss) without a warning."""
PROBE_MAX_STEPS = 20_000
"""Step budget of the method probe (an explicit method that needs more is the wrong choice)."""


def _as_device(device) -> Device:
    if isinstance(device, str):
        device = Device(device)
    if not isinstance(device, Device):
        raise param_error("device", "fit", "a Device, a preset name or a parameter TOML path", type(device).__name__)
    if device.model.terminals:
        raise param_error("device", "fit", "a two-terminal device model", f"{device.model.name!r} with terminals "
                          f"{device.model.terminals}")
    arrays = sorted(f.name for f in dataclasses.fields(device.params) if np.ndim(getattr(device.params, f.name)))
    if arrays or device.variability:
        name = arrays[0] if arrays else sorted(device.variability)[0]
        raise param_error(f"device.{name}", "fit", "one value per parameter (a fit calibrates one device; "
                          "per-device arrays and variability specs are not fitted)", name)
    return device


def as_traces(data, name: str = "data") -> list[Trace]:
    """Measurements or Traces (one or a list) → a non-empty list of Traces."""
    items = [data] if isinstance(data, (Measurement, Trace)) else data
    if not isinstance(items, (list, tuple)) or not items:
        raise param_error(name, "fit", "a Measurement, a Trace, or a non-empty list of them", type(data).__name__)
    out = []
    for k, item in enumerate(items):
        if isinstance(item, Measurement):
            item = Trace(item)
        if not isinstance(item, Trace):
            raise param_error(f"{name}[{k}]", "fit", "a Measurement or a Trace", type(item).__name__)
        out.append(item)
    return out


def unique_names(traces: list[Trace]) -> list[Trace]:
    """Traces whose measurements have distinct names ("name", "name #2", …): results are keyed by them."""
    seen: dict[str, int] = {}
    out = []
    for t in traces:
        base = t.name
        seen[base] = seen.get(base, 0) + 1
        if seen[base] > 1:
            t = dataclasses.replace(t, measurement=dataclasses.replace(t.measurement, name=f"{base} #{seen[base]}"))
        out.append(t)
    return out


def _check_traces(traces: list[Trace], model, name: str) -> None:
    for k, t in enumerate(traces):
        if not np.any(t.measurement.current):
            raise param_error(f"{name}[{k}]", "fit", "a trace with some non-zero current (all-zero current has "
                              "nothing to fit)", t.name)
        if t.state0 is not None:
            s = np.asarray(t.state0, dtype=float)
            if s.shape != (model.n_states,) or not np.all(np.isfinite(s)):
                raise param_error(f"{name}[{k}].state0", "fit", f"a finite array of the model's {model.n_states} states "
                                  f"{list(model.state_names)}", np.shape(t.state0))
        if t.pre is not None and not isinstance(t.pre, str):
            raise param_error(f"{name}[{k}].pre", "fit", "protocol text", type(t.pre).__name__)


def _nuisance(nuisance: dict | None, free_names: set[str], added: tuple[str, ...]) -> tuple[dict[str, float], str | float]:
    """Fixed nuisance values (validated) and the polarity (+1, -1 or "auto"); ``added``: the
    nuisance fields the instrument adds to this model (the others are the model's own)."""
    if nuisance is not None and not isinstance(nuisance, dict):
        raise param_error("nuisance", "fit", "a dict {name: value}", nuisance)
    nuisance = dict(nuisance or {})
    polarity = nuisance.pop("polarity", "auto")
    if polarity not in (1, -1, "auto") or isinstance(polarity, bool):
        raise param_error("nuisance['polarity']", "fit", "+1, -1 or 'auto'", polarity)
    fixed = {}
    for key, value in nuisance.items():
        if key not in added:
            if key in NUISANCE_FIELDS:
                raise param_error(f"nuisance[{key!r}]", "fit", "left out: the model has its own parameter of this name "
                                  "(set it on the device or free it)", value)
            raise unknown_name_error("nuisance parameter of fit", key, added)
        _, unit, lo, hi, _ = NUISANCE_FIELDS[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or not lo <= value <= hi:
            raise param_error(f"nuisance[{key!r}]", "fit", f"a number in [{lo:g}, {hi:g}] {unit}", value)
        if key in free_names:
            raise param_error(f"nuisance[{key!r}]", "fit", "left out when the parameter is free (give its start "
                              "with start=)", value)
        fixed[key] = float(value)
    return fixed, polarity


def _start_values(free, device: Device, base_params, start: dict | None) -> dict[str, float]:
    start = dict(start or {})
    unknown = sorted(set(start) - {p.name for p in free})
    if unknown:
        raise unknown_name_error("start of fit (not a free parameter)", unknown[0], [p.name for p in free])
    out = {}
    for p in free:
        if p.name in start:
            out[p.name] = start[p.name]
        elif not hasattr(device.params, p.name):  # a nuisance parameter: no device value: its default, or mid-range if outside
            v = getattr(base_params, p.name)
            out[p.name] = v if p.low <= v <= p.high else p.from_x(0.5 * sum(p.x_bounds))
        else:
            v = getattr(device.params, p.name)
            if np.ndim(v):
                raise param_error(f"free[{p.name!r}]", "fit", "a parameter with one value (the device gives one per device)", v)
            out[p.name] = float(v)
    check_start(free, out)
    return out


def choose_method(model, params, prep, max_steps: int) -> tuple[str, dict[str, float], int]:
    """The integration method of a fit. Linear models: exact, with FIT_RAMP_STEPS sub-intervals
    per sampling interval (no time-step error on constant segments; fast and robust for every
    parameter set of a batch). Others: the faster of rk45 and implicit on the first trace at the
    start (implicit only when rk45 fails or the model is declared stiff)."""
    if model.linear:
        return "exact", {}, 0
    candidates = ["rk45"]
    timings: dict[str, float] = {}
    tried = []

    def probe(method):
        tried.append(method)
        t0 = time.perf_counter()
        out = simulate_batch(model, params, prep, 1, method=method, max_steps=min(max_steps, PROBE_MAX_STEPS))
        if out.status[0] == OK:
            timings[method] = time.perf_counter() - t0

    for m in candidates:
        probe(m)
    if not timings or model.stiff:
        probe("implicit")
    if not timings:
        raise ParameterError("fit: no integration method could simulate the first trace at the start values "
                             "(exact/rk45/implicit all failed). Check the start values and the trace's voltages.")
    return min(timings, key=timings.get), timings, len(tried)


@dataclass
class _Problem:
    """Everything the residual function needs."""

    free: list
    evaluator: Evaluator
    loss: str
    floors: list[float]
    polarity: float

    def values(self, x: np.ndarray, polarity: np.ndarray | None = None) -> np.ndarray:
        """Optimiser coordinates (k, p) → evaluator rows (k, p + 1): SI values and the polarity."""
        x = np.atleast_2d(x)
        si = np.array([[p.from_x(float(v)) for p, v in zip(self.free, row)] for row in x])
        pol = np.full(x.shape[0], self.polarity) if polarity is None else polarity
        return np.column_stack([si, pol])

    def residuals(self, x: np.ndarray, polarity: np.ndarray | None = None) -> np.ndarray:
        """Stacked residuals (m, k); a trace whose simulation failed costs FAILED_TRACE_COST."""
        currents, _ = self.evaluator(self.values(x, polarity))
        parts = [stacked_residuals([cur], [prep], self.loss, [floor])
                 for prep, cur, floor in zip(self.evaluator.traces, currents, self.floors)]
        for r in parts:
            r[:, ~np.all(np.isfinite(r), axis=0)] = math.sqrt(2 * FAILED_TRACE_COST / r.shape[0])
        return np.concatenate(parts, axis=0)


def _check_options(loss, floor, method, n_starts, n_local, max_simulations, max_time, max_steps, diff_step):
    if loss not in LOSSES:
        raise param_error("loss", "fit", f"one of {', '.join(LOSSES)}", loss)
    if floor is not None and not (isinstance(floor, (int, float)) and not isinstance(floor, bool)
                                  and math.isfinite(floor) and floor > 0):
        raise param_error("floor", "fit", "None or a current > 0 A (the log loss's noise floor)", floor)
    if method not in METHODS:
        raise param_error("method", "fit", f"one of {', '.join(METHODS)}", method)
    for name, value, low in (("n_starts", n_starts, 0), ("n_local", n_local, 1), ("max_simulations", max_simulations, 1),
                             ("max_steps", max_steps, 100)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise param_error(name, "fit", f"an integer >= {low}", value)
    if isinstance(max_time, bool) or not isinstance(max_time, (int, float)) or not max_time > 0:
        raise param_error("max_time", "fit", "a wall-time budget > 0 s", max_time)
    if isinstance(diff_step, bool) or not isinstance(diff_step, float) or not 0 < diff_step < 0.1:
        raise param_error("diff_step", "fit", "a finite-difference step in (0, 0.1) of the optimiser's coordinates",
                          diff_step)


def fit(device, data, free, *, loss: str = "log", floor: float | None = None, nuisance: dict | None = None,
        start: dict | None = None, method: str = "auto", seed: int = 0, n_starts: int = 32, n_local: int = 1,
        max_simulations: int = 2000, max_time: float = 600.0, max_steps: int = 200_000, diff_step: float = 1e-3,
        ramp_steps: int | None = FIT_RAMP_STEPS, holdout=None, progress: Callable[[int, float], None] | None = None) -> FitResult:
    """Fit ``free`` parameters of ``device`` to measured ``data``.

    Parameters
    ----------
    device : a Device, a preset name or a parameter TOML path: the model and the fixed values.
    data : a Measurement or Trace, or a list of them; the traces share the parameters.
    free : FreeParameter list, {name: (low, high[, scale])} or ["NAME=LOW:HIGH[:SCALE]"]; names
        are the model's parameters or the nuisance parameters ``voltage_offset`` [V],
        ``series_resistance`` [Ω], ``compliance`` [A], ``current_offset`` [A].
    loss : "log" (asinh of I over the noise floor: relative errors, zero and sign changes
        handled), "linear" (NRMS) or "mix".
    floor : noise floor of the log loss [A]; default 1e-6 of each trace's max |I|.
    nuisance : fixed nuisance values {name: value} and ``polarity`` (+1, -1 or "auto").
    start : start values (SI) of free parameters; default the device's values (nuisance: their
        default, or mid-range when that is outside the bounds).
    method : integration method, or "auto": the fastest that simulates the first trace.
    seed : seed of the Sobol multi-start design.
    n_starts : Sobol points of the global stage (evaluated as one batch with the start).
    n_local : local least-squares runs, from the best starts.
    max_simulations : budget in simulations (one parameter set on one trace); the method probe
        is counted in it, and the final Jacobian (2p + 1 sets), the evaluation of the optimum
        and its resolution check (1 set each) are reserved from it.
    max_time : wall-time budget [s].
    max_steps : step budget of one simulation (a parameter set that needs more fails alone).
    diff_step : finite-difference step in the optimiser's coordinates.
    ramp_steps : exact method (linear models): constant sub-intervals per sampling interval of a
        ramp, or None for the engine's adaptive refinement (slower; the fit warns when the fixed
        resolution matters at the optimum).
    holdout : traces predicted (not fitted) with the fitted values: ``result.holdout``.
    progress : callback (parameter sets evaluated so far, best cost).

    Returns
    -------
    FitResult
    """
    _check_options(loss, floor, method, n_starts, n_local, max_simulations, max_time, max_steps, diff_step)
    if ramp_steps is not None and (isinstance(ramp_steps, bool) or not isinstance(ramp_steps, (int, np.integer))
                                   or not 1 <= ramp_steps <= 4096):
        raise param_error("ramp_steps", "fit", "None (adaptive) or an integer in [1, 4096]", ramp_steps)
    seed = check_seed(seed, "fit")
    device = _as_device(device)
    traces = as_traces(data)
    held = as_traces(holdout, "holdout") if holdout is not None else []
    named = unique_names(traces + held)
    traces, held = named[:len(traces)], named[len(traces):]
    _check_traces(traces + held, device.model, "data")
    probe = instrument_model(device.model)
    free = free_parameters(free, probe.Params)
    names = [p.name for p in free]
    fixed, polarity = _nuisance(nuisance, set(names), probe.added)
    solve = any(name in probe.added and (name in names or name in fixed) for name in ("series_resistance", "compliance"))
    model = instrument_model(device.model, solve=solve)
    base_params = with_instrument(device.params, model.Params, **fixed)
    x_start = np.array([p.to_x(v) for p, v in zip(free, _start_values(free, device, base_params, start).values())])
    t_begin = time.perf_counter()

    preps = [prepare(t) for t in traces]
    floors = [noise_floor(p.current, floor) for p in preps]
    start_si = {p.name: p.from_x(x) for p, x in zip(free, x_start)}
    probe_pol = 1.0 if polarity == "auto" else float(polarity)
    probe_params_v = dataclasses.replace(base_params, polarity=probe_pol, **start_si)
    n_probes = 0
    if method == "auto":
        method, _, n_probes = choose_method(model, probe_params_v, preps[0], max_steps)
    evaluator = Evaluator(model, base_params, names + ["polarity"], preps, method, max_steps,
                          ramp_steps if method == "exact" else None, n_simulations=n_probes)
    problem = _Problem(free, evaluator, loss, floors, probe_pol)
    lo, hi = np.array([p.x_bounds for p in free]).T
    reserve = 2 * len(free) + 3  # the central Jacobian with its centre, the optimum's traces, the resolution check
    typical = typical_scale(x_start, lo, hi, [p.scale for p in free])
    search = Search(problem.residuals, lo, hi, typical, max(1, (max_simulations - n_probes) // len(preps) - reserve),
                    max_time - (time.perf_counter() - t_begin), progress)

    starts = np.vstack([x_start[None, :], sobol_starts(lo, hi, n_starts, seed)])
    start_costs = None
    if polarity == "auto":
        problem.polarity, starts, start_costs = _choose_polarity(problem, search, starts)
    outcome = optimise(search, starts, n_local=n_local, diff_step=diff_step, start_costs=start_costs)
    if outcome.x is None or not math.isfinite(outcome.cost):
        raise ParameterError("fit: no parameter set could be simulated (every simulation failed); nothing was fitted. "
                             "Check the bounds, the start and the traces' voltages.")
    jac, r0 = _central_jacobian(problem, outcome.x, lo, hi, diff_step * typical)
    blocks = [Block(p.current.size, 2 if loss == "mix" else 1, int(np.count_nonzero(p.weight))) for p in preps]
    cov, report = covariance(jac, r0, names, blocks)
    return _result(device, free, problem, outcome, cov, report, loss, method, seed, traces, held, floor,
                   time.perf_counter() - t_begin, fixed)


def _choose_polarity(problem: _Problem, search: Search, starts: np.ndarray):
    """Evaluate the starts with both polarities in one batch; keep the better polarity."""
    both = np.vstack([starts, starts])
    pol = np.concatenate([np.ones(len(starts)), -np.ones(len(starts))])
    search.residuals = lambda x: problem.residuals(x, pol[: x.shape[0]])
    try:
        r = search.batch(both, strict=False)
    finally:
        search.residuals = problem.residuals
    costs = 0.5 * np.sum(r**2, axis=0)
    n = len(starts)
    padded = np.full(2 * n, np.inf)  # a budget smaller than the batch evaluates only its front
    padded[:costs.size] = costs
    plus, minus = padded[:n], padded[n:]
    best = 1.0 if np.nanmin(plus) <= np.nanmin(minus) else -1.0
    chosen = plus if best > 0 else minus
    if best < 0:  # the best point seen so far belongs to the chosen polarity's residuals
        j = int(np.argmin(minus))
        search.best_cost, search.best_x, search.best_r = float(minus[j]), starts[j].copy(), r[:, n + j].copy()
    else:
        j = int(np.argmin(plus))
        search.best_cost, search.best_x, search.best_r = float(plus[j]), starts[j].copy(), r[:, j].copy()
    return best, starts, chosen


def _central_jacobian(problem: _Problem, x: np.ndarray, lo, hi, h: np.ndarray):
    """Central differences with steps ``h`` (2p sets, one batch), one-sided at a bound."""
    up = np.minimum(x + h, hi)
    down = np.maximum(x - h, lo)
    p = x.size
    xs = np.vstack([x[None, :]] + [np.where(np.arange(p) == j, up[j], x)[None, :] for j in range(p)]
                   + [np.where(np.arange(p) == j, down[j], x)[None, :] for j in range(p)])
    r = problem.residuals(xs)
    jac = (r[:, 1:p + 1] - r[:, p + 1:]) / (up - down)[None, :]
    return jac, r[:, 0]


def _x_se_to_si(p, value: float, se_x: float) -> float:
    if not math.isfinite(se_x):
        return math.inf
    return abs(value) * se_x if p.scale == "log" else se_x * EV if p.scale == "eV" else se_x


def _result(device, free, problem, outcome, cov, report, loss, method, seed, traces, held, floor, wall,
            fixed) -> FitResult:
    values = {p.name: p.from_x(float(x)) for p, x in zip(free, outcome.x)}
    se_x = {p.name: float(math.sqrt(cov[j, j])) if math.isfinite(cov[j, j]) else math.inf for j, p in enumerate(free)}
    se = {p.name: _x_se_to_si(p, values[p.name], se_x[p.name]) for p in free}
    added = problem.evaluator.model.added
    model_values = {k: v for k, v in values.items() if k not in added}
    nuisance = {k: float(getattr(problem.evaluator.base_params, k)) for k in added}
    nuisance.update({k: v for k, v in values.items() if k in added})
    nuisance["polarity"] = problem.polarity
    row = problem.values(outcome.x[None, :])
    currents, _ = problem.evaluator(row)
    fits = [_trace_fit(t, c[:, 0], floor) for t, c in zip(traces, currents)]
    resolution = _resolution_check(problem, row, currents, outcome.cost)
    result = FitResult(device=device.replace(**model_values), free=free, values=values, standard_errors=se,
                       x_standard_errors=se_x, covariance=cov, identifiability=report, traces=fits, nuisance=nuisance,
                       loss=loss, method=method, seed=seed, converged=outcome.converged, message=outcome.message,
                       n_simulations=problem.evaluator.n_simulations, wall_time=wall, history=outcome.history,
                       cost=outcome.cost, resolution_error=resolution, _evaluator=problem.evaluator, _floor=floor)
    result.holdout = [result.predict(t) for t in held]
    result.warnings = _warnings(result, added)
    return result


def _resolution_check(problem: _Problem, row: np.ndarray, currents: list[np.ndarray], cost: float) -> float:
    """RMS, in the fit's own loss, of the difference between the fit's fixed ramp resolution and
    the engine's adaptive refinement at the optimum, relative to the RMS of the fit's residuals
    (0 when the fit ran adaptively). Above RESOLUTION_LIMIT the discretisation is not negligible."""
    evaluator = problem.evaluator
    if evaluator.ramp_steps is None:
        return 0.0
    fine = dataclasses.replace(evaluator, ramp_steps=None, n_simulations=0)
    fine_currents, _ = fine(row)
    evaluator.n_simulations += fine.n_simulations
    gap = 0.0
    for prep, c, f, floor in zip(evaluator.traces, currents, fine_currents, problem.floors):
        if not np.all(np.isfinite(f)):
            return math.inf
        gap += 0.5 * float(np.sum(trace_residuals(c, f[:, 0], prep.weight, problem.loss, floor) ** 2))
    return math.sqrt(gap / cost) if cost > 0 else (0.0 if gap == 0 else math.inf)


def _warnings(result: FitResult, added: tuple[str, ...]) -> list[str]:
    """What a user must know before trusting or reusing the fit."""
    out = []
    if result.resolution_error > RESOLUTION_LIMIT:
        out.append(f"the fit's ramp resolution ({result._evaluator.ramp_steps} sub-intervals per sample) differs from the adaptive "
                   f"solution by {result.resolution_error:.2g} of the residual RMS: refit with ramp_steps=None "
                   "(or sample the trace more densely)")
    for p in result.free:
        lo, hi = p.x_bounds
        x = p.to_x(result.values[p.name])
        if min(x - lo, hi - x) <= 1e-6 * (hi - lo):
            out.append(f"{p.name} ended on a bound ({result.values[p.name]:.6g}): its standard error assumes an "
                       "interior optimum; widen the bounds")
    instrument = {k: v for k, v in result.nuisance.items() if (k == "polarity" and v != 1)
                  or (k in ("voltage_offset", "current_offset", "series_resistance") and v != 0)
                  or (k == "compliance" and math.isfinite(v))}
    if instrument:
        out.append(f"result.device and to_toml describe the bare device in the model's polarity; the fitted instrument "
                   f"{instrument} is in result.nuisance (result.predict applies it)")
    return out


@dataclass
class CrossValidation:
    """Leave-one-trace-out: each fold fits all traces but one and predicts that one."""

    folds: list[FitResult]
    predicted: list[TraceFit]

    def table(self) -> list[dict]:
        """One row per fold: ``held_out`` (the trace's name), ``fit_nrms`` (mean NRMS of the
        fitted traces), ``predicted_nrms`` and ``predicted_log_rms`` (of the held-out trace) and
        ``converged`` (the fold's fit)."""
        return [{"held_out": p.name, "fit_nrms": float(np.mean(list(f.nrms.values()))), "predicted_nrms": p.nrms,
                 "predicted_log_rms": p.log_rms, "converged": f.converged} for f, p in zip(self.folds, self.predicted)]

    def summary(self) -> str:
        rows = self.table()
        lines = [f"{'held out':24s} {'fit NRMS':>9s} {'predicted NRMS':>15s} {'pred. log-RMS':>14s}"]
        lines += [f"{r['held_out']:24s} {r['fit_nrms']:9.4f} {r['predicted_nrms']:15.4f} {r['predicted_log_rms']:14.4f}"
                  for r in rows]
        return "\n".join(lines)


def cross_validate(device, data, free, **options) -> CrossValidation:
    """Fit on all traces but one, predict the one left out, for each trace (>= 2 traces);
    ``options`` are those of :func:`fit`."""
    traces = as_traces(data)
    if len(traces) < 2:
        raise param_error("data", "cross_validate", "at least 2 traces (one is held out per fold)", len(traces))
    if "holdout" in options:
        raise param_error("holdout", "cross_validate", "left out (each fold holds out one trace)", options["holdout"])
    folds, predicted = [], []
    for k, t in enumerate(traces):
        res = fit(device, traces[:k] + traces[k + 1:], free, holdout=[t], **options)
        folds.append(res)
        predicted.append(res.holdout[0])
    return CrossValidation(folds, predicted)
