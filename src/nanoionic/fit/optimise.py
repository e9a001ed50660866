"""Global then local least squares on batched residuals.

1. A seeded scrambled Sobol design over the box of free parameters (in the optimiser's
   coordinates: log, linear or eV), plus the start, is evaluated as *one* batch.
2. From the best points, scipy's trust-region-reflective ``least_squares`` refines; its
   forward-difference Jacobian (p columns) is also one batch.
3. At the optimum a central-difference Jacobian (2p parameter sets, one batch) gives the
   standard errors (``fit.result``).

Budgets: a cap on the parameter sets evaluated and on wall time; when one is spent the best
point seen so far is returned and the message says why.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import least_squares
from scipy.stats import qmc


class BudgetSpent(Exception):
    """Raised inside the objective when the evaluation or time budget is used up."""


@dataclass
class Outcome:
    """Best point (optimiser coordinates), its residuals, and what the optimiser did."""

    x: np.ndarray
    residuals: np.ndarray
    cost: float
    converged: bool
    message: str
    n_evaluations: int
    history: list[tuple[int, float]] = field(default_factory=list)


@dataclass
class Search:
    """The objective with its budget: ``residuals(X (k, p)) → R (m, k)``."""

    residuals: Callable[[np.ndarray], np.ndarray]
    lo: np.ndarray
    hi: np.ndarray
    typical: np.ndarray
    max_evaluations: int
    max_seconds: float
    progress: Callable[[int, float], None] | None = None
    n_evaluations: int = 0
    best_x: np.ndarray | None = None
    best_r: np.ndarray | None = None
    best_cost: float = math.inf
    history: list[tuple[int, float]] = field(default_factory=list)
    t0: float = field(default_factory=time.perf_counter)

    def batch(self, xs: np.ndarray, *, strict: bool = True) -> np.ndarray:
        """Residuals of a batch; raises BudgetSpent first if it does not fit in the budget
        (``strict=False`` evaluates what fits). The time budget never stops the first batch:
        a fit always has a best point to return."""
        xs = np.atleast_2d(xs)
        room = self.max_evaluations - self.n_evaluations
        late = time.perf_counter() - self.t0 > self.max_seconds and self.best_x is not None  # the first batch always runs
        if late or room <= 0 or (strict and xs.shape[0] > room):
            raise BudgetSpent
        xs = xs[:room]
        r = self.residuals(xs)
        self.n_evaluations += xs.shape[0]
        costs = 0.5 * np.sum(r**2, axis=0)
        j = int(np.argmin(costs))
        if costs[j] < self.best_cost:
            self.best_cost, self.best_x, self.best_r = float(costs[j]), xs[j].copy(), r[:, j].copy()
        self.history.append((self.n_evaluations, self.best_cost))
        if self.progress:
            self.progress(self.n_evaluations, self.best_cost)
        return r


def sobol_starts(lo: np.ndarray, hi: np.ndarray, n: int, seed: int) -> np.ndarray:
    """``n`` scrambled Sobol points in the box [lo, hi] (seeded)."""
    if n <= 0:
        return np.empty((0, lo.size))
    sampler = qmc.Sobol(d=lo.size, scramble=True, rng=np.random.default_rng(seed))
    m = max(0, math.ceil(math.log2(n)))
    return qmc.scale(sampler.random_base2(m)[:n], lo, hi)


def difference_steps(x: np.ndarray, hi: np.ndarray, step: float, typical: np.ndarray) -> np.ndarray:
    """Signed finite-difference steps ``step``·``typical`` per coordinate, towards the side with
    room. ``typical`` is the coordinate's natural unit: 1 for log (a step of 1e-3 is a 0.1 %
    change of the value) and eV coordinates, the value's magnitude for linear ones."""
    h = step * typical
    return np.where(x + h <= hi, h, -h)


def typical_scale(x0: np.ndarray, lo: np.ndarray, hi: np.ndarray, scales: list[str]) -> np.ndarray:
    """Natural unit of each coordinate (see :func:`difference_steps`)."""
    linear = np.maximum(np.abs(x0), 1e-2 * (hi - lo))
    return np.array([1.0 if s in ("log", "eV") else lin for s, lin in zip(scales, linear)])


def local_fit(search: Search, x0: np.ndarray, diff_step: float, max_local: int | None = None) -> tuple[np.ndarray, str, bool]:
    """Trust-region-reflective least squares from ``x0``; the Jacobian is one batch."""
    cache: dict[bytes, np.ndarray] = {}

    def fun(x):
        key = np.asarray(x, dtype=float).tobytes()
        if key not in cache:
            cache.clear()
            cache[key] = search.batch(x[None, :])[:, 0]
        return cache[key]

    def jac(x):
        f0 = fun(x)
        h = difference_steps(x, search.hi, diff_step, search.typical)
        xs = x[None, :] + np.diag(h)
        r = search.batch(xs)
        return (r - f0[:, None]) / h[None, :]

    budget_left = search.max_evaluations - search.n_evaluations
    try:
        sol = least_squares(fun, x0, jac=jac, bounds=(search.lo, search.hi), x_scale="jac", method="trf",
                            max_nfev=max(1, max_local or budget_left), xtol=1e-10, ftol=1e-10, gtol=1e-10)
    except BudgetSpent:
        return search.best_x, "stopped: the evaluation or time budget was spent (the best point so far is returned)", False
    return sol.x, str(sol.message), bool(sol.status > 0)


def optimise(search: Search, starts: np.ndarray, *, n_local: int, diff_step: float,
             start_costs: np.ndarray | None = None) -> Outcome:
    """Local least squares from the best of ``starts`` (k, p); their costs are evaluated as one
    batch unless given."""
    if start_costs is None:
        r = search.batch(starts, strict=False)
        start_costs = 0.5 * np.sum(r**2, axis=0)
        starts = starts[: start_costs.size]
    order = np.argsort(start_costs)
    converged, message = False, "no local fit ran"
    for rank, j in enumerate(order[:n_local]):
        if not np.isfinite(start_costs[j]):  # not evaluated (budget) or failed
            break
        _, msg, ok = local_fit(search, starts[j], diff_step)
        if rank == 0 or ok:
            message, converged = msg, converged or ok
        if msg.startswith("stopped"):
            message = msg
            break
    return Outcome(x=search.best_x, residuals=search.best_r, cost=search.best_cost, converged=converged,
                   message=message, n_evaluations=search.n_evaluations, history=search.history)
