"""Generic calibration: fit free parameters so that measured quantities match targets.

The caller supplies ``evaluate(values) -> {quantity name: number}``, which runs whatever
simulations the data need (single devices, pulse trains, array pixels) for a dict of parameter
values. Targets are numbers to match (log residual, scaled by a relative tolerance); bounds are
one-sided constraints (hinge residual). The fit is scipy's trust-region-reflective least
squares from a given start with fixed finite-difference steps: deterministic, so the same call
gives the same parameters.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import least_squares

from nanoionic._core.errors import ParameterError, param_error
from nanoionic._core.units import EV

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
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
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


def residual_vector(measured: dict[str, float], targets: list) -> np.ndarray:
    """Residuals of every target/bound for a dict of measured quantities."""
    missing = [t.quantity for t in targets if t.quantity not in measured]
    if missing:
        raise ParameterError(f"The evaluate function did not return the quantities {missing}.")
    return np.array([t.residual(float(measured[t.quantity])) for t in targets])


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
              diff_step: float = 1e-4, progress: Callable[[int, float], None] | None = None
              ) -> CalibrationResult:
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
    """
    for p in free:
        if p.name not in start:
            raise param_error("start", "calibrate", f"a value for every free parameter (missing {p.name!r})", sorted(start))
        if not p.low <= start[p.name] <= p.high:
            raise param_error(f"start[{p.name!r}]", "calibrate", f"in [{p.low:g}, {p.high:g}]", start[p.name])
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
    return CalibrationResult(values=values, residuals=_residual_table(targets, res),
                             measured={k: float(v) for k, v in measured.items()}, cost=float(0.5 * res @ res),
                             n_evaluations=len(history), message=message, history=history)


class _BudgetSpent(Exception):
    """Raised inside the objective when the evaluation budget is used up."""
