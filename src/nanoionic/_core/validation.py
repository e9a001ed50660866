"""Validation helpers used once, at the edge (DESIGN.md: one error format)."""

from __future__ import annotations

import numpy as np

from nanoionic._core.errors import param_error


def check_finite_array(name: str, owner: str, value) -> np.ndarray:
    """Return ``value`` as a float64 array, raising if any element is NaN or infinite."""
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)):
        bad = arr[~np.isfinite(arr)].ravel()[0]
        raise param_error(name, owner, "finite", float(bad))
    return arr


def check_range(name: str, owner: str, value, low: float, high: float, *,
                low_open: bool = False, high_open: bool = False) -> np.ndarray:
    """Check that every element of ``value`` lies in the interval [low, high] (ends open on request)."""
    arr = check_finite_array(name, owner, value)
    too_low = arr <= low if low_open else arr < low
    too_high = arr >= high if high_open else arr > high
    bad = too_low | too_high
    if np.any(bad):
        lo = "(" if low_open else "["
        hi = ")" if high_open else "]"
        raise param_error(name, owner, f"in {lo}{low:g}, {high:g}{hi}", float(arr[bad].ravel()[0]))
    return arr


def check_seed(seed, owner: str, *, required: bool = True) -> int | None:
    """A random seed: an integer >= 0 (None only where nothing random is drawn, ``required=False``).

    The contract: every random draw takes a seed, and the same seed gives the same numbers."""
    if seed is None and not required:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        need = "an integer >= 0 (every random draw takes a seed)" if required else "None or an integer >= 0"
        raise param_error("seed", owner, need, seed)
    return int(seed)
