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
    if t.shape != y.shape or t.size < 3 or not (np.all(np.isfinite(t)) and np.all(np.isfinite(y))):
        raise param_error("retention curve", "fit_stretched_exponential", "finite t and y of one length >= 3", t.shape)
    guess_tau = float(t[np.argmin(np.abs(y - np.exp(-1)))]) or float(t[-1])
    (tau, beta), _ = curve_fit(stretched_exponential, t, y, p0=(max(guess_tau, 1e-9), 0.5),
                               bounds=([1e-12, 0.02], [1e12, 1.0]), maxfev=20000)
    rms = float(np.sqrt(np.mean((stretched_exponential(t, tau, beta) - y) ** 2)))
    return {"tau_s": float(tau), "beta": float(beta), "rms": rms}
