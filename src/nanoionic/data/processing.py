"""Array helpers behind :class:`~nanoionic.data.Measurement`'s offset removal, period averaging
and resampling. Plain functions of 1-D float64 arrays; validation of options happens in the
methods that call them."""

from __future__ import annotations

import numpy as np

from nanoionic._core.errors import param_error

ALIGN_TOL = 1e-3
"""Sample times of two periods count as the same phase when they differ by less than this
fraction of the shortest sampling interval; otherwise the periods are interpolated."""


def current_offset(voltage: np.ndarray, current: np.ndarray, v_window: float, owner: str) -> float:
    """The instrument's current offset [A]: the median current of the samples with
    ``|voltage| <= v_window`` [V].

    A memristive device carries no current at 0 V (its hysteresis is pinched there), so near
    0 V the measured current is the offset plus a device current ~ G·V that is small and, over
    the up and down branches of a sweep, of both signs; the median keeps single spikes out.
    """
    near = np.abs(voltage) <= v_window
    if not near.any():
        raise param_error("v_window", owner, f"wide enough to hold samples near 0 V (the smallest |V| "
                          f"in the trace is {np.min(np.abs(voltage)):g} V)", v_window)
    return float(np.median(current[near]))


def voltage_offset(voltage: np.ndarray, current: np.ndarray, owner: str) -> float:
    """The voltage offset [V]: the median voltage at which the current changes sign.

    Each sign change between samples k and k+1 gives a zero-crossing voltage by linear
    interpolation (a sample with I = 0 exactly gives its own voltage). Without an offset a
    memristive device crosses zero current at 0 V, so the crossings estimate the offset.
    """
    zero = current == 0
    change = np.signbit(current[:-1]) != np.signbit(current[1:])
    change &= ~zero[:-1] & ~zero[1:]
    k = np.flatnonzero(change)
    di = current[k + 1] - current[k]
    crossings = voltage[k] - current[k] * (voltage[k + 1] - voltage[k]) / di
    crossings = np.concatenate((crossings, voltage[zero]))
    if crossings.size == 0:
        raise param_error("voltage", owner, "False for a trace whose current never changes sign (the voltage "
                          "offset is estimated from the zero crossings of the current)", True)
    return float(np.median(crossings))


def at_times(time: np.ndarray, values: np.ndarray, targets: np.ndarray, interpolation: str) -> np.ndarray:
    """``values`` sampled at ``time`` [s], evaluated at ``targets`` [s] within the span.

    ``"linear"``: linear interpolation. ``"step"``: the value of the segment that holds the
    target, i.e. sample k with ``time[k-1] < t <= time[k]`` (zero-order hold of the staircase).
    """
    if interpolation == "linear":
        return np.interp(targets, time, values)
    idx = np.clip(np.searchsorted(time, targets, side="left"), 0, time.size - 1)
    return values[idx]


def period_targets(time: np.ndarray, period: float, owner: str) -> tuple[np.ndarray, bool]:
    """The sample times of every whole period, (n_periods, m) [s], on period 0's grid
    (``time[:m]`` + p·period), and whether every target is a sample (within ``ALIGN_TOL``)."""
    tol = ALIGN_TOL * float(np.min(np.diff(time)))
    t0 = time[0]
    m = int(np.count_nonzero(time - t0 < period - tol))
    n_periods = int(np.floor((time[-1] - time[m - 1] + tol) / period)) + 1 if m else 0
    if n_periods < 2:
        raise param_error("period", owner, f"positive and at most half of the trace's span "
                          f"({time[-1] - t0:g} s; two whole periods are needed)", period)
    targets = time[None, :m] + period * np.arange(n_periods)[:, None]
    idx = np.clip(np.searchsorted(time, targets), 1, time.size - 1)
    nearest = np.minimum(np.abs(time[idx - 1] - targets), np.abs(time[idx] - targets))
    return targets, bool(np.all(nearest <= tol))


def average_periods(time, values: dict, period: float, interpolation: str, owner: str) -> tuple[np.ndarray, dict, dict]:
    """Average each array of ``values`` over the whole periods of ``period`` [s].

    Returns period 0's sample times [s], the averaged arrays, and facts for the metadata
    (number of periods, whether the samples were aligned, the standard error of the mean of
    each averaged array).
    """
    targets, aligned = period_targets(time, period, owner)
    if aligned:
        idx = np.searchsorted(time, targets - ALIGN_TOL * float(np.min(np.diff(time))))
        stacks = {k: v[idx] for k, v in values.items()}
    else:
        stacks = {k: at_times(time, v, targets, interpolation) for k, v in values.items()}
    n = targets.shape[0]
    means = {k: s.mean(axis=0) for k, s in stacks.items()}
    sem = {k: s.std(axis=0, ddof=1) / np.sqrt(n) for k, s in stacks.items()}
    facts = {"n_periods": n, "aligned": aligned, "sem": sem}
    return time[: targets.shape[1]].copy(), means, facts
