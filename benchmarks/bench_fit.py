"""Fitting: what a batch of parameter sets costs, and a 600-point measured sweep fitted from x3 off.

1. Batch cost: one trace simulated for 1 parameter set and for a batch of 64 (per-device
   parameter arrays, the same engine run; the free parameters of the recovery tests spread
   log-normally with sigma 1, as a multi-start batch is), with the method ``fit`` chooses; the ratio
   t(64)/t(1) must stay below 8 (issue "Fit any model to measured data").
2. A measured file: the Yakopcic compact model on a 600-point 100 Hz sine of 1 V, with 2 %
   multiplicative noise and a +2 uA ammeter offset, written as a CSV (time [s], V [V],
   I [uA]) and read back by ``read_measurement``; five model parameters from a start off by x3
   (x3 and /3 alternately; the threshold vp is bounded by the 1 V amplitude, as a user who
   sees switching in the data would bound it) plus the current offset are fitted. Targets: <= 300 simulations and
   < 2 minutes on 2 cores.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from pathlib import Path

import numpy as np

import nanoionic as ni
from nanoionic.data import Measurement
from nanoionic.fit.evaluate import Trace, prepare, simulate_batch
from nanoionic.fit.instrument import instrument_model, with_instrument
from nanoionic.fit.measured import FIT_RAMP_STEPS, choose_method

BATCH = 64
TRIANGLE = [0, 0.25, 0.5, 0.75, 1]


def _traces():
    """(preset, times [s], voltages [V], interpolation, free parameters) of the batch-cost cases
    (the recovery tests' free parameters)."""
    t = np.linspace(0, 0.02, 600)
    tri = np.linspace(0, 4.0, 600)
    pulses = np.array([x for level in (8.0, 12.0, 4.0, 10.0, 6.0, 14.0, 2.0) for _ in range(8) for x in (level, 1.0)])
    return [("Yakopcic/knowm-LTspice", t, np.sin(2 * np.pi * 100 * t), "linear", ["a1", "b", "vp", "ap", "alpha_p"]),
            ("Pt/Nb:SrTiO3", tri, np.interp(tri / 4.0, TRIANGLE, [0, 2, 0, -3, 0]), "linear",
             ["barrier_lowering", "series_resistance", "hop_distance", "interface_energy", "donor_density"]),
            ("W/WOx/Pd", np.linspace(0, 20, 600), np.interp(np.linspace(0, 1, 600), TRIANGLE, [0, 1.5, 0, -1.5, 0]),
             "linear", ["injection_distance", "outdiffusion_distance", "filament_conductance", "sinh_voltage"]),
            ("ZnTPP/AlOx", 0.1 * np.arange(1, pulses.size + 1), pulses, "step",
             ["release_distance", "migration_distance", "conductance_density", "sinh_voltage", "residual_fraction"])]


def batch_cost(repeats: int = 3) -> list[dict]:
    """Wall time of one trace for 1 and for 64 parameter sets (best of ``repeats``)."""
    rows = []
    rng = np.random.default_rng(0)
    for preset, t, v, interp, names in _traces():
        dev = ni.Device(preset)
        model = instrument_model(dev.model)
        params = with_instrument(dev.params, model.Params, polarity=1.0)
        prep = prepare(Trace(Measurement(t, v, np.zeros_like(t), interpolation=interp)))
        method, _, _ = choose_method(model, params, prep, 200_000)
        ramp = FIT_RAMP_STEPS if method == "exact" else None
        # a batch as the global stage sees it: every free parameter spread over a factor ~2.7 (1 sigma)
        spread = dataclasses.replace(params, **{n: getattr(params, n) * np.exp(rng.standard_normal(BATCH)) for n in names})
        times = {}
        for n, p in ((1, params), (BATCH, spread)):
            best = np.inf
            for _ in range(repeats):
                t0 = time.perf_counter()
                simulate_batch(model, p, prep, n, method=method, max_steps=200_000, ramp_steps=ramp)
                best = min(best, time.perf_counter() - t0)
            times[n] = best
        rows.append({"preset": preset, "method": method, "samples": int(t.size), "spread_on": names,
                     "t1_s": times[1], "t64_s": times[BATCH], "ratio": times[BATCH] / times[1]})
    return rows


def measured_sweep_fit(seed: int = 1) -> dict:
    """Write the noisy, offset sweep as a measured CSV, read it back and fit it from x3 off."""
    dev = ni.Device("Yakopcic/knowm-LTspice")
    t = np.linspace(0, 0.02, 600)
    v = np.sin(2 * np.pi * 100 * t)
    drive = Measurement(t, v, np.zeros_like(t))
    current = ni.simulate(dev, drive.waveform(), save=drive.sample_times()).current.values
    rng = np.random.default_rng(seed)
    offset = 2e-6
    measured = current * (1 + 0.02 * rng.standard_normal(t.size)) + offset
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sweep.csv"
        lines = ["# oscilloscope-free SMU-style export, current in uA", "time [s],V [V],I [uA]"]
        lines += [f"{float(a)!r},{float(b)!r},{float(c) * 1e6!r}" for a, b, c in zip(t, v, measured)]
        path.write_text("\n".join(lines) + "\n")
        meas = ni.read_measurement(path)
    names = ["a1", "vp", "b", "ap", "alpha_p"]
    truth = {n: getattr(dev.params, n) for n in names}
    start = {n: truth[n] * (3.0 if k % 2 == 0 else 1 / 3) for k, n in enumerate(names)}
    free = {n: (truth[n] / 30, truth[n] * 30, "log") for n in names}
    free["vp"] = (0.05, 1.0, "log")  # a switching threshold the 1 V sweep can reach (the data show switching)
    free["current_offset"] = (-1e-4, 1e-4)
    t0 = time.perf_counter()
    res = ni.fit(dev, meas, free, start=start, loss="mix", max_simulations=300, seed=0)
    wall = time.perf_counter() - t0
    return {"simulations": res.n_simulations, "wall_s": wall, "nrms": res.traces[0].nrms, "converged": res.converged,
            "method": res.method, "offset_fit_uA": res.values["current_offset"] * 1e6, "offset_true_uA": offset * 1e6,
            "max_abs_z": max(abs(z) for z in res.z_scores(truth).values())}


def run() -> dict:
    return {"batch": batch_cost(), "measured_sweep": measured_sweep_fit()}


def format_report(out: dict) -> str:
    lines = [f"{'preset':24s} {'method':8s} {'samples':>7s} {'t(1) s':>8s} {'t(64) s':>8s} {'t64/t1':>7s}  target < 8"]
    for r in out["batch"]:
        lines.append(f"{r['preset']:24s} {r['method']:8s} {r['samples']:7d} {r['t1_s']:8.3f} {r['t64_s']:8.3f} "
                     f"{r['ratio']:7.2f}  {'met' if r['ratio'] < 8 else 'MISSED'}")
    m = out["measured_sweep"]
    lines.append("")
    lines.append(f"600-point Yakopcic sweep from a measured CSV (x3-off start, 5 parameters + current offset, "
                 f"mix loss, method {m['method']}):")
    lines.append(f"  {m['simulations']} simulations (target <= 300: {'met' if m['simulations'] <= 300 else 'MISSED'}), "
                 f"{m['wall_s']:.1f} s (target < 120 s: {'met' if m['wall_s'] < 120 else 'MISSED'}), NRMS {m['nrms']:.4f}, "
                 f"converged {m['converged']}, offset {m['offset_fit_uA']:.3f} uA (true {m['offset_true_uA']:.3f}), "
                 f"max |z| of the model parameters {m['max_abs_z']:.2f}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(format_report(run()))
