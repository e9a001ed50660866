"""Crossbar benchmarks: a 1024×1024 ideal array under 30 Fig. 4 inputs, and resistive arrays
(time per solved time point of the nodal Newton solve)."""

from __future__ import annotations

import resource
import time
import tracemalloc

import numpy as np

from nanoionic.circuit import FIG4_CASES, HI_PATTERN, LineDrive
from nanoionic.simulation import Crossbar, Device, simulate

IDEAL_SIZE = 1024
N_INPUTS = 30
RESISTIVE_SIZES = (64, 128)
LINE_RESISTANCE = 2.0
"""Word/bit-line resistance per cell pitch [Ω] of the resistive runs."""


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ideal_case(size: int = IDEAL_SIZE, n_inputs: int = N_INPUTS) -> dict:
    """The "Hi" of case 4 tiled over a size×size array, 30 inputs, conductance maps only."""
    pattern = np.tile(HI_PATTERN, (size // 8, size // 8))
    frames = FIG4_CASES["case4"].with_inputs(n_inputs).frames(pattern, seed=0)
    xb = Crossbar(Device("ZnTPP/AlOx").pixel(), size, size)
    rss0 = _maxrss_mb()
    t0 = time.perf_counter()
    res = simulate(xb, frames, energy=False, full_reads=False)
    wall = time.perf_counter() - t0
    g = res["conductance"].values[-1]
    contrast = g[pattern].mean() / g[~pattern].mean()
    tracemalloc.start()
    simulate(Crossbar(Device("ZnTPP/AlOx").pixel(), size // 4, size // 4),
             FIG4_CASES["case4"].with_inputs(n_inputs).frames(pattern[: size // 4, : size // 4], seed=0),
             energy=False, full_reads=False)
    traced = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    n_seg = 1 + 4 * n_inputs
    return {"size": size, "inputs": n_inputs, "segments": n_seg, "wall_s": wall,
            "cell_updates_per_s": size * size * n_seg / wall, "maxrss_delta_MB": _maxrss_mb() - rss0,
            "traced_peak_MB_quarter_size": traced, "contrast": float(contrast)}


def resistive_case(size: int) -> dict:
    """A 1 ms read of row 0 at 5 V (others grounded) on a size×size resistive array."""
    xb = Crossbar(Device("ZnTPP/AlOx").pixel(), size, size, mode="resistive", line_resistance=LINE_RESISTANCE)
    rows = np.zeros((1, size))
    rows[0, 0] = 5.0
    drive = LineDrive.build([1e-3], rows, np.zeros((1, size)), [2], [0])
    t0 = time.perf_counter()
    res = simulate(xb, drive, energy=False)
    wall = time.perf_counter() - t0
    solves = res.attrs["n_nodal_solves"]
    return {"size": size, "nodes": 2 * size * size, "solves": solves, "wall_s": wall, "s_per_solve": wall / solves,
            "max_kcl_residual": res.attrs["max_kcl_residual"]}


def run() -> dict:
    return {"ideal": ideal_case(), "resistive": [resistive_case(n) for n in RESISTIVE_SIZES]}


def format_table(rows: dict) -> str:
    i = rows["ideal"]
    lines = [f"ideal {i['size']}x{i['size']} x {i['inputs']} inputs ({i['segments']} segments): {i['wall_s']:.1f} s, "
             f"{i['cell_updates_per_s']:.3g} cell-segment updates/s, peak RSS +{i['maxrss_delta_MB']:.0f} MB "
             f"(traced peak at 1/16 of the cells: {i['traced_peak_MB_quarter_size']:.0f} MB), contrast {i['contrast']:.2f}"]
    for r in rows["resistive"]:
        lines.append(f"resistive {r['size']}x{r['size']} ({r['nodes']} nodes): {r['s_per_solve'] * 1e3:.0f} ms per solved "
                     f"time point ({r['solves']} solves, {r['wall_s']:.1f} s), max KCL residual {r['max_kcl_residual']:.1e}")
    return "\n".join(lines)
