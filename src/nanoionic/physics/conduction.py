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


def series_divided_voltage(voltage, device_current, series_resistance, iterations: int = 200):
    """Voltage [V] across a device in series with a resistance: V_d + R_s·I(V_d) = V.

    Safeguarded Newton on h(V_d) = V_d + R_s·I(V_d) - V inside the bracket [min(0, V), max(0, V)]
    (h rises monotonically for any device whose current rises with its voltage), from the
    linear estimate V/(1 + R_s·G(0)): each step
    shrinks the bracket with the sign of h, takes the Newton step (forward-difference slope)
    when it lands inside the bracket (far from the root only every other step) and bisects
    otherwise; it stops when |h| is at round-off
    (4·eps·max(1, |V|)) or the step or bracket is (2·eps·|V_d|). Vectorised over arrays; typically 3–6 steps.

    Parameters
    ----------
    voltage : applied voltage [V].
    device_current : callable V_d → I [A].
    series_resistance : R_s [Ohm], ≥ 0.
    """
    v = np.asarray(voltage, dtype=float)
    r = np.broadcast_to(np.asarray(series_resistance, dtype=float), v.shape) if np.ndim(series_resistance) else series_resistance
    lo, hi = np.minimum(v, 0.0), np.maximum(v, 0.0)
    g0 = np.abs(device_current(np.full_like(v, 1e-3)) / 1e-3)  # low-field conductance: linear first guess
    x = v / (1.0 + r * g0)
    tol = 4 * np.finfo(float).eps * np.maximum(1.0, np.abs(v))
    for k in range(iterations):
        i_x = device_current(x)
        h = x + r * i_x - v
        # far from the root every other step bisects, so Newton cannot crawl (down an exponential)
        slow = (k % 2 == 1) & (np.abs(h) > 1e-2 * np.maximum(1.0, np.abs(v)))
        if np.all(np.abs(h) <= tol):
            break
        lo, hi = np.where(h < 0, x, lo), np.where(h > 0, x, hi)
        x_tol = 2 * np.finfo(float).eps * np.maximum(np.abs(x), 1e-300)
        if np.all((hi - lo <= x_tol) | (np.abs(h) <= tol)):
            break
        step = 1e-7 * np.maximum(1.0, np.abs(x))
        slope = 1.0 + r * (device_current(x + step) - i_x) / step
        newton = x - h / slope
        x_new = np.where((newton > lo) & (newton < hi) & ~slow, newton, 0.5 * (lo + hi))
        converged = np.all((np.abs(x_new - x) <= x_tol) | (np.abs(h) <= tol))
        x = x_new
        if converged:
            break
    return x


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
