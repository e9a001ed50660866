"""Crossbar transient in nanoionic vs ngspice (issue 5): 8×8, 16×16, 32×32 arrays of exported
cells, 1 Ω line segments, 10 Ω drivers and sense resistors, one sine per word line (0.8-1.5 V,
two periods at the cell model's own frequency: 1 Hz for linear drift, 250 kHz for VTEAM), 10⁴
time points; wall time of each, the ratio, and the largest current difference of the probed
cells relative to the largest probed current."""

from __future__ import annotations

import time

import numpy as np

from nanoionic.circuit.line_transient import line_transient
from nanoionic.circuit.nodal import Lines
from nanoionic.export.crossbar import ngspice_crossbar_transient
from nanoionic.models.registry import MODELS, get_model

SIZES = (8, 16, 32)
N_POINTS = 10_000
PERIODS = 2.0
FREQUENCY = {"linear-drift-biolek": 1.0, "vteam": 2.5e5}
"""Sine frequency per cell model [Hz]: the state swings across most of its range each half period."""
LINES = Lines(word_segment=1.0, bit_segment=1.0, driver_resistance=10.0, sense_resistance=10.0)
CELL_MODELS = ("linear-drift-biolek", "vteam")
"""Cell models benchmarked (those registered; VTEAM comes with the standard compact models)."""


def _probes(n: int) -> list[tuple[int, int]]:
    return [(0, 0), (n - 1, n - 1), (0, n - 1), (n - 1, 0), (n // 2, n // 3)]


def case(model_name: str, n: int, n_points: int = N_POINTS) -> dict:
    """One array size and cell model in both simulators."""
    model = get_model(model_name)
    params = model.Params()
    amplitudes = np.linspace(0.8, 1.5, n) * model.operating_voltage
    probes = _probes(n)
    frequency = FREQUENCY[model_name]
    stop = PERIODS / frequency
    times = np.linspace(0.0, stop, n_points + 1)
    v_rows = np.sin(2 * np.pi * frequency * times)[:, None] * amplitudes[None, :]
    t0 = time.perf_counter()
    ours = line_transient(model, params, LINES, times, v_rows, np.zeros((n_points + 1, n)),
                          model.initial_state(params, n * n), probes=[i * n + j for i, j in probes])
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    spice = ngspice_crossbar_transient(model.compact(params), LINES, stop, n_points,
                                       [f"SIN(0 {float(a)!r} {frequency!r})" for a in amplitudes], probes=probes)
    t_spice = time.perf_counter() - t0
    diff = max(float(np.max(np.abs(np.interp(spice["time"], times, ours.probe_current[:, k]) - spice[f"i(vm_{i}_{j})"])))
               for k, (i, j) in enumerate(probes))
    scale = float(np.abs(ours.probe_current).max())
    return {"model": model_name, "size": f"{n}x{n}", "points": n_points, "nanoionic_s": t_ours, "ngspice_s": t_spice,
            "ratio": t_spice / t_ours, "max_current_diff_A": diff, "max_current_diff_rel": diff / scale,
            "fast_path": ours.newton_solves == 0}


def run(sizes=SIZES) -> list[dict]:
    # compile the numba kernels first so they are not timed
    line_transient(get_model("linear-drift-biolek"), get_model("linear-drift-biolek").Params(), LINES,
                   np.linspace(0, 1e-3, 3), np.zeros((3, 2)), np.zeros((3, 2)), np.full((1, 4), 0.5))
    rows = []
    for name in CELL_MODELS:
        if name not in MODELS:
            print(f"  (model {name!r} not registered; skipped)")
            continue
        for n in sizes:
            rows.append(case(name, n))
            print("  " + format_row(rows[-1]), flush=True)
    return rows


def format_row(r: dict) -> str:
    return (f"{r['model']:22s} {r['size']:>6s} {r['points']:>6d} pts  nanoionic {r['nanoionic_s']:7.2f} s  "
            f"ngspice {r['ngspice_s']:8.1f} s  ratio {r['ratio']:7.1f}x  max |ΔI| {r['max_current_diff_A']:.2e} A "
            f"({r['max_current_diff_rel']:.1e} of max)  {'fast lines' if r['fast_path'] else 'Newton'}")


def format_table(rows: list[dict]) -> str:
    return "\n".join(format_row(r) for r in rows)


if __name__ == "__main__":
    run()
