"""Retention curves: the stretched-exponential fit used for short-term memory (review Fig. 5)."""

from __future__ import annotations

import numpy as np

from nanoionic._core.errors import param_error


def stretched_exponential(t, tau, beta):
    """exp(-(t/τ)^β) for t ≥ 0 [s], τ [s], 0 < β ≤ 1 (Kohlrausch–Williams–Watts)."""
    return np.exp(-(np.asarray(t, dtype=float) / tau) ** beta)


def fit_stretched_exponential(t, y) -> dict:
    """Fit y(t) = exp(-(t/τ)^β) to a normalised decay (y(0) = 1, decaying to 0).

    Returns {"tau_s", "beta", "rms"}; least squares in y over t > 0 [s].
    """
    from scipy.optimize import curve_fit

    t, y = np.asarray(t, dtype=float), np.asarray(y, dtype=float)
    for name, arr in (("t", t), ("y", y)):
        if arr.ndim != 1:
            raise param_error(name, "fit_stretched_exponential", "a 1-D array", arr.shape)
        if not np.all(np.isfinite(arr)):
            raise param_error(name, "fit_stretched_exponential", "finite values", float(arr[~np.isfinite(arr)][0]))
    if t.shape != y.shape or t.size < 3:
        raise param_error("t, y", "fit_stretched_exponential", "two arrays of one length >= 3", (t.shape, y.shape))
    if np.any(t < 0) or np.count_nonzero(t > 0) < 2:
        raise param_error("t", "fit_stretched_exponential", "times >= 0 s, at least two of them > 0", float(t.min()))
    scale = float(t.max())  # fit in units of the longest time, so any time scale fits the same way
    u = t / scale
    guess = float(u[np.argmin(np.abs(y - np.exp(-1)))]) or 1.0
    (tau, beta), _ = curve_fit(stretched_exponential, u, y, p0=(min(max(guess, 1e-6), 1e6), 0.5),
                               bounds=([1e-9, 0.02], [1e9, 1.0]), maxfev=20000)
    tau *= scale
    rms = float(np.sqrt(np.mean((stretched_exponential(t, tau, beta) - y) ** 2)))
    return {"tau_s": float(tau), "beta": float(beta), "rms": rms}
