"""Generic calibration: fit free parameters so that measured quantities match targets.

The caller supplies ``evaluate(values) -> {quantity name: number}``, which runs whatever
simulations the data need (single devices, pulse trains, array pixels) for a dict of parameter
values. Targets are numbers to match (log residual, scaled by a relative tolerance); bounds are
one-sided constraints (hinge residual). The fit is scipy's trust-region-reflective least
squares from a given start with fixed finite-difference steps: deterministic, so the same call
gives the same parameters. Residuals are in tolerances, so the covariance at the optimum is
(JᵀJ)⁻¹ (``fit.uncertainty``, known scale): a target's tolerance is read as its standard deviation.
``cross_validate_targets`` refits with each group of targets left out and predicts that group.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import least_squares

from nanoionic._core.errors import ParameterError, param_error
from nanoionic._core.units import EV
from nanoionic.fit.uncertainty import Identifiability, covariance

SIGN_MISMATCH = 30.0
"""Residual (in tolerances) of a target whose simulated value has the wrong sign or is zero."""


@dataclass(frozen=True)
class FreeParameter:
    """A parameter to fit, searched in [low, high] (SI units).

    ``scale`` is how the optimiser sees it: "log" (positive quantities spanning decades),
    "linear", or "eV" (energies stored in J, searched in eV).
    """

    name: str
    low: float
    high: float
    scale: str = "linear"

    def __post_init__(self):
        if self.scale not in ("log", "linear", "eV"):
            raise param_error("scale", f"FreeParameter {self.name!r}", "'log', 'linear' or 'eV'", self.scale)
        if not (isinstance(self.name, str) and self.name):
            raise param_error("name", "FreeParameter", "a non-empty parameter name", self.name)
        if not (_is_real(self.low) and _is_real(self.high) and math.isfinite(self.low) and math.isfinite(self.high)
                and self.low < self.high):
            raise param_error("low/high", f"FreeParameter {self.name!r}", "finite with low < high",
                              (self.low, self.high))
        if self.scale == "log" and self.low <= 0:
            raise param_error("low", f"FreeParameter {self.name!r}", "> 0 for a log scale", self.low)

    def to_x(self, value: float) -> float:
        return math.log(value) if self.scale == "log" else value / EV if self.scale == "eV" else value

    def from_x(self, x: float) -> float:
        return math.exp(x) if self.scale == "log" else x * EV if self.scale == "eV" else x

    @property
    def x_bounds(self) -> tuple[float, float]:
        return self.to_x(self.low), self.to_x(self.high)


@dataclass(frozen=True)
class Target:
    """A measured quantity to match: residual ln(simulated/value)/tolerance."""

    quantity: str
    value: float
    tolerance: float
    source: str = ""
    group: str = ""
    """Name of the group the target belongs to (cross_validate_targets leaves groups out)."""

    def __post_init__(self):
        _check_quantity(self.quantity, "Target")
        if not (_is_real(self.value) and math.isfinite(self.value) and self.value != 0):
            raise param_error("value", f"Target {self.quantity!r}", "a finite, non-zero number (the residual is a log ratio)", self.value)
        if not (_is_real(self.tolerance) and math.isfinite(self.tolerance) and self.tolerance > 0):
            raise param_error("tolerance", f"Target {self.quantity!r}", "a finite relative tolerance > 0", self.tolerance)

    def residual(self, simulated: float) -> float:
        ratio = simulated / self.value
        if not (np.isfinite(ratio) and ratio > 0):
            return SIGN_MISMATCH
        return math.log(ratio) / self.tolerance


@dataclass(frozen=True)
class Bound:
    """A one-sided constraint low ≤ simulated ≤ high: hinge residual, zero when it holds."""

    quantity: str
    low: float = -math.inf
    high: float = math.inf
    scale: float = 1.0
    source: str = ""
    group: str = ""

    def __post_init__(self):
        _check_quantity(self.quantity, "Bound")
        for name in ("low", "high"):
            value = getattr(self, name)
            if not _is_real(value) or math.isnan(value):
                raise param_error(name, f"Bound {self.quantity!r}", "a number (-inf/inf for no limit)", value)
        if not self.low <= self.high:
            raise param_error("high", f"Bound {self.quantity!r}", f">= low = {self.low:g}", self.high)
        if math.isinf(self.low) and math.isinf(self.high):
            raise param_error("low", f"Bound {self.quantity!r}", "a finite low or high (both infinite constrain nothing)", self.low)
        if not (_is_real(self.scale) and math.isfinite(self.scale) and self.scale > 0):
            raise param_error("scale", f"Bound {self.quantity!r}", "a finite number > 0", self.scale)

    def residual(self, simulated: float) -> float:
        if not np.isfinite(simulated):
            return SIGN_MISMATCH
        return (max(0.0, self.low - simulated) + max(0.0, simulated - self.high)) / self.scale


@dataclass
class CalibrationResult:
    """Fitted values (SI), the final residuals per target and the optimiser's report."""

    values: dict[str, float]
    residuals: dict[str, float]
    measured: dict[str, float]
    cost: float
    n_evaluations: int
    message: str
    history: list[float] = field(default_factory=list)
    standard_errors: dict[str, float] = field(default_factory=dict)
    """One standard error per free parameter (SI; inf where the targets do not determine it), from
    the covariance (JᵀJ)⁻¹ of the tolerance-scaled residuals at the optimum."""
    identifiability: Identifiability | None = None


def _is_real(x) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


def _check_quantity(name, kind: str) -> None:
    if not (isinstance(name, str) and name):
        raise param_error("quantity", kind, "a non-empty name of a measured quantity", name)


def residual_vector(measured: dict[str, float], targets: list) -> np.ndarray:
    """Residuals of every target/bound for a dict of measured quantities (a non-finite measured
    value costs SIGN_MISMATCH, so the optimiser steers away from where the simulation fails)."""
    if not isinstance(measured, dict):
        raise param_error("evaluate", "calibrate", "a function returning a dict {quantity name: number}",
                          type(measured).__name__)
    missing = [t.quantity for t in targets if t.quantity not in measured]
    if missing:
        raise ParameterError(f"The evaluate function did not return the quantities {missing}.")
    for t in targets:
        if not _is_real(measured[t.quantity]):
            raise param_error(f"evaluate(...)[{t.quantity!r}]", "calibrate", "a real number", measured[t.quantity])
    return np.array([t.residual(float(measured[t.quantity])) for t in targets])


def _check_fit_inputs(free: list, targets: list, start: dict, max_evaluations, diff_step) -> None:
    """One clear error per bad argument of calibrate."""
    if not free or not all(isinstance(p, FreeParameter) for p in free):
        raise param_error("free", "calibrate", "a non-empty list of FreeParameter", free)
    names = [p.name for p in free]
    if len(set(names)) != len(names):
        raise param_error("free", "calibrate", "each parameter once", sorted(n for n in names if names.count(n) > 1))
    if not targets or not all(isinstance(t, (Target, Bound)) for t in targets):
        raise param_error("targets", "calibrate", "a non-empty list of Target and Bound", targets)
    if isinstance(max_evaluations, bool) or not isinstance(max_evaluations, (int, np.integer)) or max_evaluations < 1:
        raise param_error("max_evaluations", "calibrate", "an integer >= 1", max_evaluations)
    if not (_is_real(diff_step) and math.isfinite(diff_step) and 0 < diff_step < 1):
        raise param_error("diff_step", "calibrate", "a relative step in (0, 1)", diff_step)
    for p in free:
        if p.name not in start:
            raise param_error("start", "calibrate", f"a value for every free parameter (missing {p.name!r})", sorted(start))
        value = start[p.name]
        if not (_is_real(value) and p.low <= value <= p.high):
            raise param_error(f"start[{p.name!r}]", "calibrate", f"a number in [{p.low:g}, {p.high:g}]", value)


def _residual_table(targets: list, res: np.ndarray) -> dict[str, float]:
    """Residual per target, keyed by quantity ("quantity [k]" for a quantity's k-th repeat)."""
    table: dict[str, float] = {}
    for t, r in zip(targets, res):
        key, k = t.quantity, 1
        while key in table:
            k += 1
            key = f"{t.quantity} [{k}]"
        table[key] = float(r)
    return table


def calibrate(evaluate: Callable[[dict[str, float]], dict[str, float]], free: list[FreeParameter],
              targets: list, start: dict[str, float], *, max_evaluations: int = 200,
              diff_step: float = 1e-4, progress: Callable[[int, float], None] | None = None,
              uncertainty: bool = True) -> CalibrationResult:
    """Fit ``free`` parameters from ``start`` so that ``evaluate`` meets ``targets``.

    Parameters
    ----------
    evaluate : values dict (SI) → measured quantities dict.
    free : the parameters to fit, with their search ranges.
    targets : Target and Bound objects.
    start : starting value (SI) of every free parameter; must lie inside its range.
    max_evaluations : cap on evaluate calls, the finite-difference Jacobian's included; when it is
        reached the best point seen so far is returned (deterministic: the same call stops at the
        same point).
    diff_step : relative finite-difference step in the optimiser's coordinates.
    progress : optional callback (evaluation count, cost).
    uncertainty : compute standard errors and identifiability at the optimum (one more Jacobian:
        len(free) evaluations beyond the budget).
    """
    _check_fit_inputs(free, targets, start, max_evaluations, diff_step)
    lo, hi = np.array([p.x_bounds for p in free]).T
    x0 = np.clip([p.to_x(start[p.name]) for p in free], lo, hi)
    history: list[float] = []
    best: dict = {"cost": math.inf, "x": x0, "measured": None}

    def values_of(x) -> dict[str, float]:
        return {p.name: p.from_x(float(xi)) for p, xi in zip(free, x)}

    def fun(x):
        if len(history) >= max_evaluations:
            raise _BudgetSpent
        measured = evaluate(values_of(x))
        r = residual_vector(measured, targets)
        history.append(0.5 * float(r @ r))
        if history[-1] < best["cost"]:
            best.update(cost=history[-1], x=np.array(x, dtype=float), measured=measured)
        if progress:
            progress(len(history), history[-1])
        return r

    try:
        sol = least_squares(fun, x0, bounds=(lo, hi), x_scale="jac", diff_step=diff_step,
                            max_nfev=max_evaluations, method="trf")
        message = str(sol.message)
    except _BudgetSpent:
        message = f"stopped after {max_evaluations} evaluations (the best point so far is returned)"
    values = values_of(best["x"])
    measured = best["measured"] if best["measured"] is not None else evaluate(values)
    res = residual_vector(measured, targets)
    failed = sorted({t.quantity for t in targets if not math.isfinite(float(measured[t.quantity]))})
    if failed:
        raise ParameterError(f"calibrate: evaluate returned non-finite values for {failed} at every point tried "
                             f"(best point {values}); nothing was fitted. Check the simulation behind these quantities.")
    errors, report = {}, None
    if uncertainty:
        jac = jacobian(lambda x: residual_vector(evaluate(values_of(x)), targets), best["x"], res, lo, hi, diff_step)
        errors, report = standard_errors(free, best["x"], jac, res)
    return CalibrationResult(values=values, residuals=_residual_table(targets, res),
                             measured={k: float(v) for k, v in measured.items()}, cost=float(0.5 * res @ res),
                             n_evaluations=len(history), message=message, history=history,
                             standard_errors=errors, identifiability=report)


def jacobian(residuals: Callable[[np.ndarray], np.ndarray], x: np.ndarray, r0: np.ndarray, lo: np.ndarray,
             hi: np.ndarray, diff_step: float) -> np.ndarray:
    """Forward-difference Jacobian of ``residuals`` at ``x`` (steps turned inwards at a bound)."""
    jac = np.empty((r0.size, x.size))
    for k in range(x.size):
        h = diff_step * max(abs(x[k]), 1.0)
        h = -h if x[k] + h > hi[k] else h
        step = x.copy()
        step[k] += h
        jac[:, k] = (residuals(step) - r0) / h
    return jac


def standard_errors(free: list[FreeParameter], x: np.ndarray, jac: np.ndarray,
                    res: np.ndarray) -> tuple[dict[str, float], Identifiability]:
    """Standard errors in SI (first order through each parameter's scale) and the identifiability
    report, from the Jacobian of the tolerance-scaled residuals."""
    cov, report = covariance(jac, res, [p.name for p in free], known_scale=True)
    sd_x = np.sqrt(np.clip(np.diag(cov), 0.0, np.inf))
    errors = {}
    for p, xi, sd in zip(free, x, sd_x):
        slope = p.from_x(float(xi)) if p.scale == "log" else EV if p.scale == "eV" else 1.0
        errors[p.name] = float(abs(slope) * sd)
    return errors, report


@dataclass
class HeldOut:
    """One group of targets left out of a calibration and predicted by it."""

    group: str
    values: dict[str, float]
    rows: list[dict]
    """Per left-out target: quantity, target (value or low/high), predicted, residual, within."""


def cross_validate_targets(evaluate: Callable[[dict[str, float]], dict[str, float]], free: list[FreeParameter],
                           targets: list, start: dict[str, float], *, keep: tuple[str, ...] = (),
                           leave_out: tuple[str, ...] | None = None, max_evaluations: int = 200,
                           diff_step: float = 1e-4,
                           progress: Callable[[str, int, float], None] | None = None) -> list[HeldOut]:
    """For each group of ``targets`` (their ``group``; groups in ``keep`` are always fitted),
    calibrate on the other targets from ``start`` and predict the group left out. ``leave_out``
    restricts which groups are left out in turn (e.g. one per process)."""
    all_groups = sorted({t.group for t in targets} - set(keep))
    if len(all_groups) < 2:
        raise param_error("targets", "cross_validate_targets", "targets in at least two groups (besides keep)", all_groups)
    groups = all_groups if leave_out is None else list(leave_out)
    unknown = [g for g in groups if g not in all_groups]
    if unknown:
        raise param_error("leave_out", "cross_validate_targets", f"groups among {all_groups}", unknown)
    out = []
    for g in groups:
        fitted = [t for t in targets if t.group != g]
        held = [t for t in targets if t.group == g]
        tick = (lambda n, c, g=g: progress(g, n, c)) if progress else None
        result = calibrate(evaluate, free, fitted, start, max_evaluations=max_evaluations, diff_step=diff_step,
                           progress=tick, uncertainty=False)
        measured = evaluate(result.values)
        rows = [prediction_row(t, float(measured[t.quantity])) for t in held]
        out.append(HeldOut(group=g, values=result.values, rows=rows))
    return out


def prediction_row(target, predicted: float) -> dict:
    """A held-out target against its prediction."""
    residual = target.residual(predicted)
    if isinstance(target, Target):
        return {"quantity": target.quantity, "target": target.value, "predicted": predicted,
                "error": predicted / target.value - 1.0, "residual": residual, "within": abs(residual) <= 1.0,
                "source": target.source}
    return {"quantity": target.quantity, "target": [target.low, target.high], "predicted": predicted,
            "error": None, "residual": residual, "within": residual == 0.0, "source": target.source}


class _BudgetSpent(Exception):
    """Raised inside the objective when the evaluation budget is used up."""
