"""The SVDP paper's single-device and single-pixel experiments as protocols + measurements.

Shared by the calibration (``svdp_calibration``) and the Fig. 2 reproduction (``svdp_device``), so
both use exactly the same protocol text and the same definition of every measured number.

Readings of the paper's protocols (it does not spell them out):
* S2/S3 (Fig. 2b): 10 sweeps 0 → +10 V → 0 at 0.01 V/s, then 10 sweeps 0 → -10 V → 0, on a
  pristine device; the "ultimate current" of a cycle is the current at the apex.
* S4 (Fig. 2c): 10 sweeps 0 ↔ 4 V then 10 sweeps 0 ↔ -4 V at 0.01 V/s on a pristine device.
* S6 (Fig. 2f): a bias stimulus is 10 pulses of V for 100 ms with 100 ms gaps (the array's pulse
  scheme); the response is the relative change of the conductance read at 1 V for 10 ms (short and
  weak, so the read does not disturb) before and 1 s after the stimulus.
* Pixel (S10/S12): an input is a write pulse (W = 100 ms), a gap T1 = 100 ms, a read at 5 V of
  width W whose I/V is the conductance, and a gap T2 = 300 ms; the initial conductance is one read
  before the first input.
"""

from __future__ import annotations

import numpy as np

from nanoionic._core.units import format_quantity
from nanoionic.simulation import Device, read_conductance, simulate

S2_S3_PROTOCOL = ("repeat 10 { sweep 0 V -> 10 V -> 0 V at 0.01 V/s }\n"
                  "repeat 10 { sweep 0 V -> -10 V -> 0 V at 0.01 V/s }")
S4_PROTOCOL = ("repeat 10 { sweep 0 V -> 4 V -> 0 V at 0.01 V/s }\n"
               "repeat 10 { sweep 0 V -> -4 V -> 0 V at 0.01 V/s }")
S6_BIASES = (1.0, 2.0, 3.0, 5.0, 10.0, 12.0, 13.0, 14.0)
"""The paper's bias stimuli [V]: 1, 2, 3, 5 V depress; 10, 12, 13, 14 V potentiate."""
N_INPUTS = 30


def apex_currents(result, apex: float) -> np.ndarray:
    """Current [A] at every time the voltage equals ``apex`` [V] (one per sweep cycle)."""
    at_apex = np.isclose(result["voltage"].values, apex, rtol=0, atol=1e-9)
    return result["current"].values[at_apex]


def sweep_cycles(device: Device, **engine_options) -> dict[str, np.ndarray]:
    """S2/S3: apex currents [A] of the 10 positive and the 10 following negative cycles."""
    res = simulate(device, S2_S3_PROTOCOL, **engine_options)
    return {"positive": apex_currents(res, 10.0), "negative": apex_currents(res, -10.0), "result": res}


def first_negative_leg(result) -> tuple[np.ndarray, np.ndarray]:
    """Voltage [V] and current [A] of the first sweep leg from 0 V down to its negative apex."""
    v, i = result["voltage"].values, result["current"].values
    start = int(np.flatnonzero(v < 0)[0]) - 1
    rising = np.flatnonzero(np.diff(v[start:]) > 0)
    stop = start + (int(rising[0]) if rising.size else len(v) - 1 - start)
    return v[start:stop + 1], i[start:stop + 1]


def ndr_drop(result) -> float:
    """Negative differential resistance of the first negative leg: 1 - |I(apex)| / max |I|."""
    _, i = first_negative_leg(result)
    return float(1.0 - abs(i[-1]) / np.max(np.abs(i)))


def low_voltage_cycles(device: Device, **engine_options) -> dict[str, np.ndarray]:
    """S4: apex currents [A] of 10 cycles 0 ↔ 4 V then 10 cycles 0 ↔ -4 V."""
    res = simulate(device, S4_PROTOCOL, **engine_options)
    return {"positive": apex_currents(res, 4.0), "negative": apex_currents(res, -4.0), "result": res}


def bias_protocol(voltage: float) -> str:
    """S6 stimulus at ``voltage`` [V] between two weak reads."""
    v = format_quantity(voltage, "V")
    return f"read 1 V for 10 ms; wait 1 s; repeat 10 {{ pulse {v} for 100 ms; wait 100 ms }}; wait 1 s; read 1 V for 10 ms"


def bias_response(device: Device, voltage: float) -> float:
    """S6: relative conductance change G_after/G_before - 1 for a stimulus at ``voltage`` [V]."""
    g = read_conductance(simulate(device, bias_protocol(voltage), save="reads")).values
    return float(g[-1] / g[0] - 1.0)


def critical_voltage(device: Device, low: float = 3.0, high: float = 10.0, tol: float = 0.01) -> float:
    """S6: the bias [V] where the stimulus response changes sign (bisection; nan if it does not)."""
    if not (bias_response(device, low) < 0 < bias_response(device, high)):
        return float("nan")
    while high - low > tol:
        mid = 0.5 * (low + high)
        if bias_response(device, mid) < 0:
            low = mid
        else:
            high = mid
    return 0.5 * (low + high)


def pixel_protocol(write_voltage: float, n_inputs: int = N_INPUTS, read_voltage: float = 5.0) -> str:
    """One pixel's inputs: write W = 100 ms, T1 = 100 ms, read W at 5 V, T2 = 300 ms."""
    w = format_quantity(write_voltage, "V")
    r = format_quantity(read_voltage, "V")
    return (f"read {r} for 100 ms\n"
            f"repeat {n_inputs} {{ pulse {w} for 100 ms; wait 100 ms; read {r} for 100 ms; wait 300 ms }}")


def pixel_response(pixel: Device, write_voltage: float, n_inputs: int = N_INPUTS) -> np.ndarray:
    """Read conductance [S] before the first input and after each of ``n_inputs`` inputs."""
    return read_conductance(simulate(pixel, pixel_protocol(write_voltage, n_inputs), save="reads")).values
