"""Calibration of the ZnTPP/AlOx material parameters (issue 2, item 6).

Fits the interface-hopping model jointly to the single-device targets S2, S3 (with its NDR), S4
(trend), S6, the S7 scan-rate trend (as bounds: the paper gives only its direction) and
to the single-pixel pulse responses behind S10/S12, with the pixel area as the only extra free
parameter (same material, own geometry). The paper's withheld values are not used.

Run ``python -m nanoionic.reproductions.svdp_calibration [BUDGET]`` to reproduce the calibrated
values in ``parameters/sets/ZnTPP-AlOx_WangSVDP.toml`` (it prints them as TOML lines).
"""

from __future__ import annotations

import sys

import numpy as np

from nanoionic._core.units import EV
from nanoionic.fit import Bound, FreeParameter, Target, calibrate
from nanoionic.reproductions import svdp_experiments as ex
from nanoionic.simulation import Device

PAPER = "Wang et al. SVDP paper"
FREE = [
    FreeParameter("release_barrier", 0.5 * EV, 2.5 * EV, "eV"),
    FreeParameter("release_distance", 1e-9, 3e-8, "log"),
    FreeParameter("transfer_coefficient", 0.5, 1.0),
    FreeParameter("migration_barrier", 0.5 * EV, 1.6 * EV, "eV"),
    FreeParameter("migration_distance", 1e-10, 3e-9, "log"),
    FreeParameter("recapture_barrier", 0.4 * EV, 1.2 * EV, "eV"),
    FreeParameter("coordination_barrier", 0.4 * EV, 1.2 * EV, "eV"),
    FreeParameter("dissociation_barrier", 0.8 * EV, 2.0 * EV, "eV"),
    FreeParameter("dissociation_distance", 5e-10, 1e-8, "log"),
    FreeParameter("drift_barrier", 0.8 * EV, 2.0 * EV, "eV"),
    FreeParameter("return_barrier", 0.8 * EV, 3.0 * EV, "eV"),
    FreeParameter("return_distance", 3e-10, 1e-8, "log"),
    FreeParameter("conductance_density", 1.0, 1e5, "log"),
    FreeParameter("residual_fraction", 1e-3, 0.5, "log"),
    FreeParameter("interface_weight", 0.1, 20.0, "log"),
    FreeParameter("interface_reverse_share", 0.01, 1.0, "log"),
    FreeParameter("sinh_voltage", 0.5, 20.0, "log"),
    FreeParameter("reverse_ratio", 0.01, 0.9, "log"),
    FreeParameter("pristine_coordinated", 0.02, 0.8, "log"),
    FreeParameter("trap_share", 0.0, 0.95),
    FreeParameter("trap_rate", 1e-4, 10.0, "log"),
    FreeParameter("trap_spread", 0.3, 1.5),
    FreeParameter("trap_voltage", 0.3, 20.0, "log"),
    FreeParameter("trap_release_ratio", 1e-4, 1e8, "log"),
    FreeParameter("trap_hold", 0.0, 3.0),
    FreeParameter("pixel.area", 1e-9, 1e-5, "log"),
]
"""Free parameters: the O2- kinetics, the conduction law, the hole traps and the pixel's area."""

TARGETS = [
    Target("s2_first_uA", 270.0, 0.1, f"{PAPER}, Fig. 2b: ~270 uA at +10 V, cycle 1"),
    Target("s2_last_uA", 778.0, 0.1, f"{PAPER}, Fig. 2b: ~778 uA at +10 V, cycle 10"),
    Target("s3_first_uA", -80.0, 0.15, f"{PAPER}, Fig. 2b: ~-80 uA at -10 V, cycle 1"),
    Target("s3_last_uA", -10.0, 0.15, f"{PAPER}, Fig. 2b: ~-10 uA at -10 V, cycle 10"),
    Bound("s2_min_step", low=0.005, scale=0.005, source="S2: current rises every cycle"),
    Bound("s3_min_step", low=0.005, scale=0.005, source="S3: |current| falls every cycle"),
    Bound("s3_ndr_drop", low=0.05, scale=0.01,
          source=f"{PAPER}, Fig. 2b: NDR in the first negative (RESET) sweep; its size is withheld (>= 5 %: our choice)"),
    Bound("s4_pos_min_step", low=0.002, scale=0.002, source="S4: current at +4 V falls every cycle"),
    Bound("s4_neg_min_step", low=0.002, scale=0.002, source="S4: |current| at -4 V falls every cycle"),
    Bound("s4_pos_drop", low=0.1, scale=0.02, source="S4: a visible fall over 10 cycles (our choice: >= 10 %)"),
    Bound("s4_neg_drop", low=0.1, scale=0.02, source="S4: a visible fall over 10 cycles (our choice: >= 10 %)"),
    *[Bound(f"s6_response_{v:g}V", high=-1e-12, scale=1e-3, source=f"S6: {v:g} V depresses") for v in (1, 2, 3, 5, 6)],
    *[Bound(f"s6_response_{v:g}V", low=0.01, scale=0.01, source=f"S6: {v:g} V potentiates") for v in (7, 10, 12, 14)],
    Target("s6_critical_V", 6.5, 0.3 / 6.5, f"{PAPER}, Fig. 2f: critical value ~6-7 V"),
    Target("word_initial_uS", 30.7, 0.05, f"{PAPER}, Fig. 4b (case 2): 30.7 uS"),
    Target("word_final_uS", 66.7, 0.05, f"{PAPER}, Fig. 4b (case 2): 66.7 uS after 30 inputs"),
    Target("word_initial_uS", 32.1, 0.05, f"{PAPER}, Fig. 4c (case 4, another array): 32.1 uS"),
    Target("word_final_uS", 58.0, 0.05, f"{PAPER}, Fig. 4c (case 4, another array): 58.0 uS after 30 inputs"),
    Target("noise_initial_uS", 32.0, 0.05, f"{PAPER}, Fig. 4c (case 4): noise pixels start ~32 uS"),
    Target("noise_final_uS", 7.4, 0.05, f"{PAPER}, Fig. 4c (case 4): ~7.4 uS after 30 inputs of 6/5 V"),
    *[Bound(f"s7_{q}_rise", low=0.03, scale=0.03, source=f"S7: {what} rises with scan rate 0.01 -> 5 V/s (>= 3 % per step: our choice)")
      for q, what in (("lrs", "current at +10 V"), ("hrs", "|current| at -10 V"), ("area", "hysteresis area"))],
    Bound("s2_upbranch_overshoot", high=0.01, scale=0.01, source="Fig. 2b: the first up-sweep rises all the way to +10 V"),
    Bound("word_first_share", high=0.45, scale=0.05,
          source="S9/S10: smooth, gradual change (the first of 30 inputs gives <= 45 % of the rise: our choice)"),
    Bound("word_min_step", low=0.0, scale=0.01, source="S10: the word pixel rises with every input"),
]
"""The paper's numbers and trends the fit matches (withheld values are not used)."""


CALIBRATION_RAMP_STEPS = 400
"""Fixed midpoint sub-intervals per sweep leg during the fit (Richardson-extrapolated; the apex
currents agree with the adaptive default to ~0.3 %). The reproduction re-runs at the default."""

START = {
    # The previous calibration (no hole traps, S7 missed; README "How the ZnTPP set was
    # calibrated"), the ITO-side reverse share just inside its bound, and hole traps designed by
    # order of magnitude: the fastest class fills in ~0.5 s at 10 V and the slowest in ~2 min, so
    # a 5 V/s loop barely fills them and a 0.01 V/s loop fills them all; r_t = 25,000 empties all
    # classes within ~50 ms at 0 V, and the hold 1.5 /V keeps them filled above ~6 V.
    "release_barrier": 1.56433 * EV, "release_distance": 1.02275e-08, "transfer_coefficient": 0.965724,
    "migration_barrier": 0.953842 * EV, "migration_distance": 5.99502e-10, "recapture_barrier": 0.78942 * EV,
    "coordination_barrier": 0.701805 * EV, "dissociation_barrier": 1.3813 * EV,
    "dissociation_distance": 4.06057e-09, "drift_barrier": 1.21007 * EV,
    "return_barrier": 2.35745 * EV, "return_distance": 3.98433e-09,
    "conductance_density": 167.712, "residual_fraction": 0.0343267, "interface_weight": 7.90137,
    "interface_reverse_share": 0.99, "sinh_voltage": 3.75219, "reverse_ratio": 0.152745,
    "pristine_coordinated": 0.411859, "trap_share": 0.6, "trap_rate": 0.2, "trap_spread": 0.8,
    "trap_voltage": 3.4, "trap_release_ratio": 25000.0, "trap_hold": 1.5, "pixel.area": 3.24443e-07,
}
EVALUATIONS = 400
"""Evaluation budget (the Jacobian's included); the fit from START stops earlier, at scipy's xtol
(387 evaluations, cost 3.67, ~20 min on one core)."""


def split_values(values: dict[str, float]) -> tuple[dict[str, float], dict[str, float]]:
    """Material values and pixel-geometry values ("pixel.<name>") of a free-parameter dict."""
    material = {k: v for k, v in values.items() if not k.startswith("pixel.")}
    pixel = {k.removeprefix("pixel."): v for k, v in values.items() if k.startswith("pixel.")}
    return material, pixel


def min_relative_step(currents: np.ndarray, direction: int) -> float:
    """Smallest relative cycle-to-cycle change of |I| in ``direction`` (+1 rising, -1 falling)."""
    mags = np.abs(currents)
    return float(np.min(direction * np.diff(mags) / mags[0]))


def evaluate(values: dict[str, float], base: Device | None = None) -> dict[str, float]:
    """Every calibrated quantity for a dict of free-parameter values (SI)."""
    base = base or Device("ZnTPP/AlOx")
    material, pixel_geometry = split_values(values)
    device = base.replace(**material)
    pixel = device.replace(**{**base.parameter_set.pixel, **pixel_geometry})
    sweeps = ex.sweep_cycles(device, ramp_steps=CALIBRATION_RAMP_STEPS)
    rates = ex.scan_rate_response(device, ramp_steps=CALIBRATION_RAMP_STEPS)
    low = ex.low_voltage_cycles(device, ramp_steps=CALIBRATION_RAMP_STEPS)
    word = ex.pixel_response(pixel, 10.0)
    noise = ex.pixel_response(pixel, 6.0)
    out = {
        "s2_first_uA": sweeps["positive"][0] * 1e6, "s2_last_uA": sweeps["positive"][-1] * 1e6,
        "s3_first_uA": sweeps["negative"][0] * 1e6, "s3_last_uA": sweeps["negative"][-1] * 1e6,
        "s2_min_step": min_relative_step(sweeps["positive"], +1),
        "s3_min_step": min_relative_step(sweeps["negative"], -1),
        "s2_upbranch_overshoot": ex.upbranch_overshoot(sweeps["result"], 10.0),
        "s3_ndr_drop": ex.ndr_drop(sweeps["result"]),
        "s7_lrs_rise": ex.min_relative_rise(rates["lrs_current_A"]),
        "s7_hrs_rise": ex.min_relative_rise(rates["hrs_current_A"]),
        "s7_area_rise": ex.min_relative_rise(rates["hysteresis_area_W"]),
        "s4_pos_min_step": min_relative_step(low["positive"], -1),
        "s4_neg_min_step": min_relative_step(low["negative"], -1),
        "s4_pos_drop": 1 - abs(low["positive"][-1] / low["positive"][0]),
        "s4_neg_drop": 1 - abs(low["negative"][-1] / low["negative"][0]),
        "s6_critical_V": ex.critical_voltage(device, 5.0, 8.0, tol=0.02),
        "word_initial_uS": word[0] * 1e6, "word_final_uS": word[-1] * 1e6,
        "noise_initial_uS": noise[0] * 1e6, "noise_final_uS": noise[-1] * 1e6,
        "word_min_step": float(np.min(np.diff(word)) / word[0]),
        "word_first_share": float((word[1] - word[0]) / (word[-1] - word[0])),
    }
    for v in (1, 2, 3, 5, 6, 7, 10, 12, 14):
        out[f"s6_response_{v:g}V"] = ex.bias_response(device, float(v))
    return out


def current_values(base: Device | None = None) -> dict[str, float]:
    """The free parameters' values in the shipped preset."""
    base = base or Device("ZnTPP/AlOx")
    out = {}
    for p in FREE:
        if p.name.startswith("pixel."):
            out[p.name] = base.parameter_set.pixel[p.name.removeprefix("pixel.")]
        else:
            out[p.name] = getattr(base.params, p.name)
    return out


def toml_lines(values: dict[str, float]) -> str:
    """The fitted values as TOML lines for the parameter file (energies in eV)."""
    scales = {p.name: p.scale for p in FREE}
    lines = []
    for name, v in values.items():
        key = name.removeprefix("pixel.")
        text = f'"{v / EV:.6g} eV"' if scales[name] == "eV" else f"{v:.6g}"
        lines.append(f"{key} = {text}" + ("   # [pixel]" if name.startswith("pixel.") else ""))
    return "\n".join(lines)


def main(max_evaluations: int = EVALUATIONS) -> None:  # pragma: no cover - long; run by hand
    """Run the calibration of the ZnTPP/AlOx set and print its values as TOML lines."""
    result = calibrate(evaluate, FREE, TARGETS, START, max_evaluations=max_evaluations,
                       progress=lambda n, c: print(f"evaluation {n}: cost {c:.4g}", file=sys.stderr))
    print(toml_lines(result.values))
    for name, r in result.residuals.items():
        print(f"# {name}: simulated {result.measured[name.split(' [')[0]]:.4g}, residual {r:+.2f}")
    print(f"# cost {result.cost:.4g} after {result.n_evaluations} evaluations: {result.message}")


if __name__ == "__main__":  # pragma: no cover
    main(*(int(a) for a in sys.argv[1:2]))
