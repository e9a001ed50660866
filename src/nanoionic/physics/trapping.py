"""Dispersive hole trapping (bias stress) in an organic semiconductor film.

Under bias, holes in a disordered organic film fall into deep states and no longer conduct; at
0 V they are released again. Trapping and release run over a broad, roughly log-uniform spread
of times (a spread of barrier heights), which is why bias stress in organic devices follows a
stretched exponential over seconds to hours (Mathijssen et al., "Dynamics of threshold voltage
shifts in organic and amorphous silicon field-effect transistors", Adv. Mater. 19, 2785 (2007),
doi:10.1002/adma.200602798).

Here the spread is ``n`` trap classes whose rate constants are log-spaced,
``k_j = k_0·10^(-j·spread)``. Capture needs free holes, whose density follows the film's hopping
law: capture rate ``k_j·sinh(|V|/V_t)``; release is thermal, ``k_j·r_t`` (r_t sets how far the
traps fill at a given bias: occupancy ``u/(u + r_t)`` with ``u = sinh(|V|/V_t)``). The
occupancy ``h_j`` of class j obeys dh/dt = k_j·(u·(1 - h) - r_t·e^(-β|V|)·h): affine in h at
fixed V, solved exactly per constant-voltage interval.

The hold factor e^(-β|V|) (β [1/V], 0 = none) is for holes trapped against a blocking layer (the
AlOx): the applied field holds them there, and they flow back to the injecting electrode when it
is removed, as a charged capacitor discharges. β = q·a/(k_B T·L) for a back-flow barrier raised by
the field over a distance a in a film of effective thickness L.
"""

from __future__ import annotations

import numpy as np


def class_rates(rate, spread_decades, n_classes: int) -> np.ndarray:
    """Rate constants k_j = rate·10^(-j·spread) [1/s] of the trap classes, shaped (n_classes, 1)
    for scalar parameters or (n_classes, n) for per-device ones (so they broadcast over devices
    or intervals)."""
    j = np.arange(n_classes)[:, None]
    return np.atleast_1d(rate).astype(float) * 10.0 ** (-j * np.atleast_1d(spread_decades).astype(float))


def capture_drive(v, trap_voltage):
    """Free-hole drive u = sinh(|V|/V_t) (dimensionless) at voltage ``v`` [V], V_t [V]; finite for any V."""
    return np.sinh(np.minimum(np.abs(np.asarray(v, dtype=float)) / trap_voltage, 700.0))


def release_factor(v, release_ratio, hold=0.0):
    """Release/capture ratio r_t·e^(-β|V|) (dimensionless) at voltage ``v`` [V]; β = ``hold`` [1/V]."""
    return release_ratio * np.exp(-hold * np.abs(np.asarray(v, dtype=float)))


def occupancy_rates(h, v, rates, trap_voltage, release_ratio, hold=0.0):
    """dh/dt [1/s] of the trap occupancies ``h`` (n_classes, n) at voltage ``v`` [V]."""
    u = capture_drive(v, trap_voltage)
    return rates * (u * (1.0 - h) - release_factor(v, release_ratio, hold) * h)


def occupancy_maps(v, dt, rates, trap_voltage, release_ratio, hold=0.0) -> tuple[np.ndarray, np.ndarray]:
    """Exact maps h' = a·h + c over ``dt`` [s] at constant ``v`` [V], per class (elementwise).

    ``rates`` are the class rate constants (:func:`class_rates`); returns a and c broadcast
    together, shaped like ``rates`` (times any device axis of v or dt).
    """
    u = capture_drive(v, trap_voltage)
    r = release_factor(v, release_ratio, hold)
    decay = rates * (u + r) * np.asarray(dt, dtype=float)
    steady = u / (u + r)
    return np.exp(-decay), -steady * np.expm1(-decay)  # expm1: exact filling over tiny dt
