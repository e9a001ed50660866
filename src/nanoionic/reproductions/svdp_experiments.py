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
* S7 (scan rate, Supplementary Fig. 4): one ±10 V loop (0 → +10 → 0 → -10 → 0 V) per rate,
  each on a pristine device; LRS current at +10 V, HRS current |I(-10 V)|, hysteresis area of
  both lobes.
* S9: after a 2-min rest, n pulses of 10 V for 100 ms with 100 ms gaps, then reads at 1 V for
  1 ms, T1 = 100 ms after the last pulse and every 5 s for 60 s; learning–forgetting–relearning:
  5 such pulses, 60 s of rest, the same pulses again until the learnt conductance is reached.
* Pixel (S10/S12): an input is a write pulse (W = 100 ms), a gap T1 = 100 ms, a read at 5 V of
  width W whose I/V is the conductance, and a gap T2 = 300 ms; the initial conductance is one read
  before the first input.
"""

from __future__ import annotations

import numpy as np

from nanoionic._core.errors import param_error
from nanoionic._core.units import format_quantity
from nanoionic.simulation import Device, read_conductance, simulate

S2_S3_PROTOCOL = ("repeat 10 { sweep 0 V -> 10 V -> 0 V at 0.01 V/s }\n"
                  "repeat 10 { sweep 0 V -> -10 V -> 0 V at 0.01 V/s }")
S4_PROTOCOL = ("repeat 10 { sweep 0 V -> 4 V -> 0 V at 0.01 V/s }\n"
               "repeat 10 { sweep 0 V -> -4 V -> 0 V at 0.01 V/s }")
SCAN_RATES = (0.01, 0.1, 1.0, 5.0)
"""The paper's scan-rate range [V/s] (0.01-5 V/s, S7)."""
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


def upbranch_overshoot(result, apex: float) -> float:
    """How far |I| on the first sweep leg rises above its value at ``apex`` [V]: max|I|/|I(apex)| - 1
    (0 when the branch rises all the way to the apex, as in Fig. 2b)."""
    v, i = result["voltage"].values, result["current"].values
    k = int(np.flatnonzero(np.isclose(v, apex, rtol=0, atol=1e-9))[0])
    return float(np.max(np.abs(i[: k + 1])) / abs(i[k]) - 1.0)


def lobe_area(v: np.ndarray, i: np.ndarray, sign: int) -> float:
    """Area [V·A] enclosed by the up and down branches of the lobe of polarity ``sign``."""
    lobe = sign * v >= 0
    vv, ii = v[lobe], i[lobe]
    k = int(np.argmax(sign * vv))
    up_v, up_i = sign * vv[: k + 1], ii[: k + 1]
    dn_v, dn_i = sign * vv[k:][::-1], ii[k:][::-1]
    grid = np.linspace(0, sign * vv[k], 401)
    diff = np.interp(grid, up_v, up_i) - np.interp(grid, dn_v, dn_i)
    return float(np.sum(0.5 * (np.abs(diff[1:]) + np.abs(diff[:-1])) * np.diff(grid)))


def bipolar_loop_protocol(rate: float, amplitude: float = 10.0) -> str:
    """One loop 0 → +A → 0 → -A → 0 V at ``rate`` [V/s] (S1, S7)."""
    a, r = format_quantity(amplitude, "V"), format_quantity(rate, "V/s")
    return f"sweep 0 V -> {a} -> 0 V -> -{a} -> 0 V at {r}"


def loop_response(result, amplitude: float = 10.0) -> dict[str, float]:
    """S7 quantities of one bipolar loop: LRS current I(+A) [A], HRS current |I(-A)| [A] and the
    hysteresis area of both lobes [W]."""
    v, i = result["voltage"].values, result["current"].values
    return {"lrs_current_A": float(apex_currents(result, amplitude)[0]),
            "hrs_current_A": float(abs(apex_currents(result, -amplitude)[0])),
            "hysteresis_area_W": lobe_area(v, i, +1) + lobe_area(v, i, -1)}


def scan_rate_response(device: Device, rates=SCAN_RATES, **engine_options) -> dict[str, np.ndarray]:
    """S7: loop_response of a pristine device at each scan rate [V/s], as arrays over the rates."""
    rows = [loop_response(simulate(device, bipolar_loop_protocol(r), **engine_options)) for r in rates]
    return {key: np.array([row[key] for row in rows]) for key in rows[0]}


def min_relative_rise(values) -> float:
    """Smallest relative rise x[k+1]/x[k] - 1 along a sequence (negative if it ever falls)."""
    x = np.asarray(values, dtype=float)
    return float(np.min(x[1:] / x[:-1] - 1.0))


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


SETTLE = "wait 120 s"
"""Rest before the memory experiments: the as-prepared device's volatile O2- (``pristine_mobile``)
relaxes first, so the reads measure what the pulses did, not the relaxation of the preparation."""


RETENTION_READS = tuple(0.1 + 5.001 * k for k in range(13))
"""Read times [s] after the last pulse of ``memory_retention``: T1 = 100 ms, then every 5 s (1 ms
reads) to 60 s; the calibration's grid."""


def memory_retention(device: Device, n_pulses: int, read_times=RETENTION_READS) -> dict:
    """S9: conductance read at 1 V ``read_times`` [s] after n 10-V pulses (the first at the array
    scheme's write-read gap T1 = 100 ms), on a settled device (STM → LTM).

    The retained fraction is the share of the gain still there at the last read. Reading after
    T1, not at the pulse's end, lets the fast hole traps empty first."""
    times = np.asarray(read_times, dtype=float)
    if times.ndim != 1 or times.size < 2 or times[0] <= 0 or np.any(np.diff(times) <= 1e-3):
        raise param_error("read_times", "memory_retention", "increasing times > 0 [s], at least 1 ms apart", read_times)
    waits = np.round(np.diff(np.concatenate([[0.0], times - 0.001 * np.arange(times.size)])), 9)  # 1-ms reads between
    reads = "\n".join(f"wait {format_quantity(float(w), 's')}\nread 1 V for 1 ms" for w in waits)
    protocol = f"{SETTLE}\nread 1 V for 1 ms\nrepeat {n_pulses} {{ wait 100 ms; pulse 10 V for 100 ms }}\n{reads}"
    res = simulate(device, protocol, save="reads")
    g = res["conductance"].values
    return {"time_s": res["time"].values, "conductance_S": g, "read_times_s": times,
            "retained_fraction": float((g[-1] - g[0]) / (g[1] - g[0]))}


def learning_relearning(device: Device, n_learn: int = 5, rest: float = 60.0) -> dict:
    """S9 (Supp. Fig. 11): learn with ``n_learn`` 10-V pulses (100 ms, 100 ms apart, a 1-ms read at
    1 V after each), forget for ``rest`` [s] at 0 V (a read every 5 s), then relearn with the same
    pulses. Relearning counts the pulses until the conductance is back at the learnt level."""
    train = f"repeat {n_learn} {{ pulse 10 V for 100 ms; wait 100 ms; read 1 V for 1 ms }}"
    n_rest = max(int(round(rest / 5.0)), 1)
    protocol = (f"{SETTLE}\nread 1 V for 1 ms\n{train}\n"
                f"repeat {n_rest} {{ wait 5 s; read 1 V for 1 ms }}\n{train}")
    res = simulate(device, protocol, save="reads")
    g = res["conductance"].values
    learn, forget, relearn = g[1:1 + n_learn], g[1 + n_learn:1 + n_learn + n_rest], g[1 + n_learn + n_rest:]
    level = learn[-1]
    reached = np.flatnonzero(relearn >= level)
    return {"time_s": res["time"].values, "conductance_S": g, "initial_S": float(g[0]), "learnt_S": float(level),
            "forgotten_S": float(forget[-1]), "learn_pulses": n_learn,
            "relearn_pulses": int(reached[0]) + 1 if reached.size else None,
            "forgotten_share": float((level - forget[-1]) / (level - g[0]))}


def rest_relaxation(pixel: Device, n_inputs: int = N_INPUTS) -> dict:
    """Case 3's unstimulated pixel (Fig. 4c) under two readings: left at 0 V for the inputs'
    duration between its first and a last 5 V read (ours: no S_noise, so no pulse at all;
    ``rest_relaxation`` is its relative fall), and read at 5 V after every input instead
    (``read_every_input_S``, conductances [S])."""
    read = "read 5 V for 100 ms"
    with_reads = read_conductance(simulate(pixel, f"{read}\nrepeat {n_inputs} {{ wait 200 ms; {read}; wait 300 ms }}",
                                           save="reads")).values
    alone = read_conductance(simulate(pixel, f"{read}\nwait {n_inputs * 0.6 - 0.1:.6g} s\n{read}", save="reads")).values
    return {"read_every_input_S": with_reads, "rest_only_S": alone,
            "rest_relaxation": float(1.0 - alone[-1] / alone[0])}


def rise_shares(g) -> dict[str, float]:
    """How gradual a rising conductance series is: the first step's and the last ten steps' shares
    of the whole rise."""
    g = np.asarray(g, dtype=float)
    rise = g[-1] - g[0]
    return {"first_share": float((g[1] - g[0]) / rise), "last10_share": float((g[-1] - g[-11]) / rise)}
