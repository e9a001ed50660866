"""Residuals of simulated against measured currents, per trace, for a batch of parameter sets.

Each trace contributes its own normalised error, so a 20-sample trace counts as much as a
2,000-sample one and the units of the current do not matter:

* ``"linear"``: r_k = √w_k·(I_sim − I_meas)_k / √(Σ w·I_meas²); the trace's sum of squares is its
  squared NRMS (1 for a zero prediction).
* ``"log"``: r_k = √w_k·(asinh(I_sim/2f) − asinh(I_meas/2f))_k / √(Σ w), with f the noise floor
  [A]. Far above the floor asinh(I/2f) ≈ sign(I)·ln(|I|/f), so this is the error of ln|I|
  (a 2 % multiplicative noise is a residual of 0.02); near and below the floor it becomes
  linear, so zero current and sign changes are handled smoothly rather than refused.
* ``"mix"``: both, each with half the weight.
"""

from __future__ import annotations

import numpy as np

LOSSES = ("linear", "log", "mix")
DEFAULT_FLOOR_FRACTION = 1e-6
"""Default noise floor of the log loss: this fraction of the trace's largest |I|."""


def noise_floor(current: np.ndarray, floor: float | None) -> float:
    """The floor f [A] of the log loss: ``floor`` if given, else 1e-6 of max|I| (1e-15 A at least)."""
    if floor is not None:
        return float(floor)
    return max(DEFAULT_FLOOR_FRACTION * float(np.max(np.abs(current))), 1e-15)


def trace_residuals(sim: np.ndarray, meas: np.ndarray, weight: np.ndarray, loss: str, floor: float) -> np.ndarray:
    """Residuals (n_res, k) of simulated currents ``sim`` (n, k) [A] against ``meas`` (n,) [A]."""
    w = weight[:, None]
    parts = []
    if loss in ("linear", "mix"):
        scale = np.sqrt(np.sum(weight * meas**2))
        scale = scale if scale > 0 else 1.0
        parts.append(np.sqrt(w) * (sim - meas[:, None]) / scale)
    if loss in ("log", "mix"):
        g = lambda i: np.arcsinh(i / (2 * floor))  # noqa: E731
        parts.append(np.sqrt(w) * (g(sim) - g(meas)[:, None]) / np.sqrt(np.sum(weight)))
    r = np.concatenate(parts, axis=0)
    return r * np.sqrt(0.5) if loss == "mix" else r


def stacked_residuals(currents: list[np.ndarray], traces, loss: str, floors: list[float]) -> np.ndarray:
    """Residuals of every trace stacked (rows) for k parameter sets (columns): ``currents`` [(n_i, k)]
    [A], ``traces`` with ``.current`` and ``.weight`` (the measurements), one floor [A] per trace.
    A column whose simulation failed is non-finite."""
    return np.concatenate([trace_residuals(cur, t.current, t.weight, loss, floor)
                           for cur, t, floor in zip(currents, traces, floors)], axis=0)


def nrms(sim: np.ndarray, meas: np.ndarray, weight: np.ndarray | None = None) -> float:
    """Normalised RMS error √(Σ w·(I_sim − I_meas)²/Σ w·I_meas²) [1] of one trace."""
    w = np.ones_like(meas) if weight is None else weight
    denom = np.sum(w * meas**2)
    return float(np.sqrt(np.sum(w * (sim - meas) ** 2) / denom)) if denom > 0 else float("inf")


def log_rms(sim: np.ndarray, meas: np.ndarray, floor: float) -> float:
    """RMS of asinh(I/2f) differences [1] (≈ RMS error of ln|I| above the floor)."""
    g = lambda i: np.arcsinh(i / (2 * floor))  # noqa: E731
    return float(np.sqrt(np.mean((g(sim) - g(meas)) ** 2)))
