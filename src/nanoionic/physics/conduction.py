"""Electronic conduction laws (current densities; multiply by area for currents)."""

from __future__ import annotations

import numpy as np


def hopping_sinh(voltage, v_scale):
    """Field-assisted hopping conduction shape V_c·sinh(V/V_c) [V] (Mott & Gurney 1940).

    Linear (ohmic) for |V| ≪ V_c, exponential above. The argument is clipped at ±700 so the
    result stays finite for any input (it then saturates at ~1e304·V_c; no physical use reaches it).

    Parameters
    ----------
    voltage : applied voltage [V].
    v_scale : characteristic voltage V_c [V].
    """
    return v_scale * np.sinh(np.clip(np.asarray(voltage) / v_scale, -700.0, 700.0))


def injection_asymmetry(voltage, ratio, width):
    """Smooth polarity factor: 1 for V ≫ width, ``ratio`` for V ≪ -width [1].

    Models a contact that injects holes easily under positive bias (high-work-function ITO anode)
    and poorly under negative bias (Al anode): the reverse current is reduced by ``ratio`` < 1. A
    logistic blend keeps the law smooth for circuit simulators.

    Parameters
    ----------
    voltage : applied voltage [V].
    ratio : reverse/forward injection ratio [1].
    width : transition width [V].
    """
    s = 0.5 * (1.0 + np.tanh(0.5 * np.asarray(voltage) / width))
    return ratio + (1.0 - ratio) * s


def series_divided_voltage(voltage, device_current, series_resistance, iterations: int = 60):
    """Voltage [V] across a device in series with a resistance: V_d + R_s·I(V_d) = V.

    Solved by bisection on [min(0, V), max(0, V)] (the left side rises monotonically with V_d
    for any device whose current rises with its voltage), vectorised over arrays; 60 halvings
    reach double precision. ``device_current`` maps V_d [V] to the device current [A].

    Parameters
    ----------
    voltage : applied voltage [V].
    device_current : callable V_d → I [A].
    series_resistance : R_s [Ohm], ≥ 0.
    """
    v = np.asarray(voltage, dtype=float)
    lo, hi = np.minimum(v, 0.0), np.maximum(v, 0.0)
    lo, hi = np.broadcast_arrays(lo, hi)
    lo, hi = lo.copy(), hi.copy()
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        above = mid + series_resistance * device_current(mid) > v
        hi = np.where(above, mid, hi)
        lo = np.where(above, lo, mid)
    return 0.5 * (lo + hi)


def threshold_selector_current(voltage, threshold_voltage, on_conductance, off_conductance, transition_width):
    """Current [A] of a static threshold selector: I = V·G(|V|), with G rising smoothly from
    ``off_conductance`` to ``on_conductance`` [S] around ``threshold_voltage`` [V] over
    ``transition_width`` [V] (logistic in |V|). Odd in V and monotonic, so a crossbar with
    selectors keeps a unique operating point. A static stand-in for a volatile threshold switch
    (Burr et al., J. Vac. Sci. Technol. B 32, 040802 (2014), the 1S1R selector requirements).
    """
    v = np.asarray(voltage, dtype=float)
    on = 0.5 * (1.0 + np.tanh((np.abs(v) - threshold_voltage) / (2.0 * transition_width)))
    return v * (off_conductance + (on_conductance - off_conductance) * on)
