"""Calibration of the ZnTPP/AlOx material parameters (version 2, issue 15).

Fits the interface-hopping model jointly to the single-device targets S2, S3 (with its NDR), S4
(trend), S6, the S7 scan-rate trend (as bounds: the paper gives only its direction), S9's
fading and consolidation (as bounds: the paper shows them, Supplementary Figs. 10-12, but gives
no number), and the single-pixel responses behind S10-S12 (with the pixel area as the only
geometric free parameter and the case-3 relaxation as a bound). The paper's withheld values are
not used. The targets come in groups; ``main`` refits with each group left out and records how
well the refit predicts it (``fit.cross_validate_targets``): that table, not the fitted errors,
measures the model.

Run ``python -m nanoionic.reproductions.svdp_calibration [BUDGET]`` to reproduce the calibrated
values in ``parameters/sets/ZnTPP-AlOx_WangSVDP.toml`` (it prints them and their standard errors
as TOML lines) and the record ``targets/svdp_calibration.json``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from nanoionic._core.units import EV
from nanoionic.fit import Bound, FreeParameter, Target, calibrate
from nanoionic.reproductions import svdp_experiments as ex
from nanoionic.simulation import Device

PAPER = "Wang et al. SVDP paper"
FREE = [
    FreeParameter("release_barrier", 0.5 * EV, 2.5 * EV, "eV"),
    FreeParameter("release_distance", 1e-9, 3e-8, "log"),
    FreeParameter("release_spread", 0.0, 0.3 * EV, "eV"),
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
    FreeParameter("pristine_mobile", 1e-3, 0.3, "log"),
    FreeParameter("trap_share", 0.0, 0.95),
    FreeParameter("trap_rate", 1e-4, 10.0, "log"),
    FreeParameter("trap_voltage", 0.3, 20.0, "log"),
    FreeParameter("trap_release_ratio", 1e-4, 1e8, "log"),
    FreeParameter("trap_hold", 0.0, 3.0),
    FreeParameter("pixel.area", 1e-9, 1e-5, "log"),
]
"""Free parameters: the O2- kinetics, the conduction law, the hole traps, the as-prepared state and
the pixel's area. Version 2 fits two fewer than version 1: the transfer coefficient is gone (1:
the field work of the interface step all lowers the escape, recapture is field-independent;
version 1 fitted 0.98) and the trap spread is fixed (FIXED: one decade between classes, the
classes sample a dispersive distribution once per decade; version 1 fitted 0.79)."""

FIXED = {"trap_spread": 1.0}
"""Values version 1 fitted and version 2 fixes (see FREE)."""

SWEEPS, RATES, BIAS, PIXEL, MEMORY, GEOMETRY = "S2-S4 sweeps", "S7 scan rate", "S6 bias", "S10/S12 pixel", "S9 memory", "pixel geometry"
"""Target groups: cross-validation leaves each out in turn (GEOMETRY, the pixel's initial
conductance that sets its area, is always fitted)."""

TARGETS = [
    Target("s2_first_uA", 270.0, 0.1, f"{PAPER}, Fig. 2b: ~270 uA at +10 V, cycle 1", SWEEPS),
    Target("s2_last_uA", 778.0, 0.1, f"{PAPER}, Fig. 2b: ~778 uA at +10 V, cycle 10", SWEEPS),
    Target("s3_first_uA", -80.0, 0.15, f"{PAPER}, Fig. 2b: ~-80 uA at -10 V, cycle 1", SWEEPS),
    Target("s3_last_uA", -10.0, 0.15, f"{PAPER}, Fig. 2b: ~-10 uA at -10 V, cycle 10", SWEEPS),
    Bound("s2_min_step", low=0.005, scale=0.005, source="S2: current rises every cycle", group=SWEEPS),
    Bound("s3_min_step", low=0.005, scale=0.005, source="S3: |current| falls every cycle", group=SWEEPS),
    Bound("s3_ndr_drop", low=0.05, scale=0.01, group=SWEEPS,
          source=f"{PAPER}, Fig. 2b: NDR in the first negative (RESET) sweep; its size is withheld (>= 5 %: our choice)"),
    Bound("s4_pos_min_step", low=0.002, scale=0.002, source="S4: current at +4 V falls every cycle", group=SWEEPS),
    Bound("s4_neg_min_step", low=0.002, scale=0.002, source="S4: |current| at -4 V falls every cycle", group=SWEEPS),
    Bound("s4_pos_drop", low=0.1, scale=0.02, source="S4: a visible fall over 10 cycles (our choice: >= 10 %)", group=SWEEPS),
    Bound("s4_neg_drop", low=0.1, scale=0.02, source="S4: a visible fall over 10 cycles (our choice: >= 10 %)", group=SWEEPS),
    Bound("s2_upbranch_overshoot", high=0.01, scale=0.01, source="Fig. 2b: the first up-sweep rises all the way to +10 V",
          group=SWEEPS),
    *[Bound(f"s6_response_{v:g}V", high=-1e-12, scale=1e-3, source=f"S6: {v:g} V depresses", group=BIAS) for v in (1, 2, 3, 5, 6)],
    *[Bound(f"s6_response_{v:g}V", low=0.01, scale=0.01, source=f"S6: {v:g} V potentiates", group=BIAS) for v in (7, 10, 12, 14)],
    Target("s6_critical_V", 6.5, 0.3 / 6.5, f"{PAPER}, Fig. 2f: critical value ~6-7 V", BIAS),
    *[Bound(f"s7_{q}_rise", low=0.03, scale=0.03, group=RATES,
            source=f"S7: {what} rises with scan rate 0.01 -> 5 V/s (>= 3 % per step: our choice)")
      for q, what in (("lrs", "current at +10 V"), ("hrs", "|current| at -10 V"), ("area", "hysteresis area"))],
    Target("word_initial_uS", 30.7, 0.05, f"{PAPER}, Fig. 4b (case 2): 30.7 uS", GEOMETRY),
    Target("word_initial_uS", 32.1, 0.05, f"{PAPER}, Fig. 4c (case 4, another array): 32.1 uS", GEOMETRY),
    Target("noise_initial_uS", 32.0, 0.05, f"{PAPER}, Fig. 4c (case 4): noise pixels start ~32 uS", GEOMETRY),
    Target("word_final_uS", 66.7, 0.05, f"{PAPER}, Fig. 4b (case 2): 66.7 uS after 30 inputs", PIXEL),
    Target("word_final_uS", 58.0, 0.05, f"{PAPER}, Fig. 4c (case 4, another array): 58.0 uS after 30 inputs", PIXEL),
    Target("noise_final_uS", 7.4, 0.05, f"{PAPER}, Fig. 4c (case 4): ~7.4 uS after 30 inputs of 6/5 V", PIXEL),
    Bound("word_first_share", high=0.45, scale=0.05, group=PIXEL,
          source="S9/S10: smooth, gradual change (the first of 30 inputs gives <= 45 % of the rise: our choice)"),
    Bound("word_last10_share", low=0.08, scale=0.02, group=PIXEL,
          source="S10: 'a continuous increase' (the last ten of 30 inputs give >= 8 % of the rise: our choice)"),
    Bound("word_min_step", low=0.0, scale=0.01, source="S10: the word pixel rises with every input", group=PIXEL),
    Bound("rest_relaxation", low=0.1, scale=0.02, group=PIXEL,
          source="S11: case-3 noise pixels 'spontaneously relaxed' (>= 10 % at 0 V over the 30 inputs' 18 s: our choice; "
                 "the value they relax to is withheld)"),
    Bound("s9_retained_1", high=0.75, scale=0.05, group=MEMORY,
          source="S9: short-term memory fades (<= 75 % of one pulse's gain left after 60 s: our choice)"),
    Bound("s9_consolidation_5", low=0.1, scale=0.02, group=MEMORY,
          source="S9: consolidation with repeated pulses (5 pulses retain >= 0.1 more of their gain than 1: our choice)"),
    Bound("s9_consolidation_20", low=0.07, scale=0.02, group=MEMORY,
          source="S9: consolidation with repeated pulses (20 pulses retain >= 0.07 more than 5: our choice)"),
]
"""The paper's numbers and trends the fit matches, in cross-validation groups (withheld values
are not used)."""


CALIBRATION_RAMP_STEPS = 400
"""Fixed midpoint sub-intervals per sweep leg during the fit (Richardson-extrapolated; the apex
currents agree with the adaptive default to ~0.3 %). The reproduction re-runs at the default."""

START = {
    # Where the recorded fit started: an exploratory fit of version 1's structure (no release
    # classes) to these targets, continued from version 1's calibration, then the main release
    # area switched on (release_spread 0.2 eV, release_barrier lowered 0.03 eV so that the edge
    # still releases at the threshold). Full precision, so that main() reproduces the record.
    "release_barrier": 1.5310785877733541 * EV,
    "release_distance": 9.440455379339209e-09,
    "release_spread": 0.2 * EV,
    "migration_barrier": 0.9396233592413132 * EV,
    "migration_distance": 5.65454445888824e-10,
    "recapture_barrier": 0.8180376087596897 * EV,
    "coordination_barrier": 0.7856895571077955 * EV,
    "dissociation_barrier": 1.3529327050424116 * EV,
    "dissociation_distance": 3.523850069150389e-09,
    "drift_barrier": 1.2153127206920158 * EV,
    "return_barrier": 2.363191325908571 * EV,
    "return_distance": 4.054846427689542e-09,
    "conductance_density": 386.8161306209988,
    "residual_fraction": 0.0631851173811811,
    "interface_weight": 12.561306522471504,
    "interface_reverse_share": 0.18233291846212013,
    "sinh_voltage": 2.650429900390823,
    "reverse_ratio": 0.719185440296598,
    "pristine_coordinated": 0.3456767302460027,
    "pristine_mobile": 0.037956253134015884,
    "trap_share": 0.8003698554327737,
    "trap_rate": 0.20158743616876296,
    "trap_voltage": 1.951484404963764,
    "trap_release_ratio": 295.4065409121532,
    "trap_hold": 1.1695029672709754,
    "pixel.area": 1.1172291656711664e-07,
}
EVALUATIONS = 500
"""Evaluation budget (the Jacobian's included); the recorded fit used all of it (~40 min on one core)."""


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
    device = base.replace(**{**FIXED, **material})
    pixel = device.replace(**{**base.parameter_set.pixel, **pixel_geometry})
    sweeps = ex.sweep_cycles(device, ramp_steps=CALIBRATION_RAMP_STEPS)
    rates = ex.scan_rate_response(device, ramp_steps=CALIBRATION_RAMP_STEPS)
    low = ex.low_voltage_cycles(device, ramp_steps=CALIBRATION_RAMP_STEPS)
    word = ex.pixel_response(pixel, 10.0)
    noise = ex.pixel_response(pixel, 6.0)
    retained = {n: ex.memory_retention(device, n)["retained_fraction"] for n in (1, 5, 20)}
    shares = ex.rise_shares(word)
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
        "word_first_share": shares["first_share"], "word_last10_share": shares["last10_share"],
        "rest_relaxation": ex.rest_relaxation(pixel)["rest_relaxation"],
        "s9_retained_1": retained[1], "s9_consolidation_5": retained[5] - retained[1],
        "s9_consolidation_20": retained[20] - retained[5],
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


CROSS_VALIDATION_EVALUATIONS = 100
"""Evaluation budget of each refit with a group of targets left out (it starts from the full fit)."""
RECORD = Path(__file__).parent / "targets" / "svdp_calibration.json"
"""What the last run of ``main`` measured: values, standard errors, identifiability, residuals and
the cross-validation table (read by the svdp-device reproduction and the README test)."""


def record(result, held_out) -> dict:
    """The calibration and its cross-validation as a JSON-ready dict (SI values)."""
    return {
        "source": "python -m nanoionic.reproductions.svdp_calibration",
        "cost": result.cost, "evaluations": result.n_evaluations, "message": result.message,
        "free": {p.name: {"value": result.values[p.name], "standard_error": result.standard_errors[p.name],
                          "scale": p.scale} for p in FREE},
        "fixed": FIXED,
        "identifiability": result.identifiability.describe(),
        "residuals": result.residuals,
        "cross_validation": [{"group": h.group, "rows": h.rows} for h in held_out],
    }


def main(max_evaluations: int = EVALUATIONS) -> None:  # pragma: no cover - long; run by hand
    """Calibrate the ZnTPP/AlOx set, cross-validate it by target group, write RECORD and print the
    values and standard errors as TOML lines for the parameter file."""
    from nanoionic.fit import cross_validate_targets
    from nanoionic.io import json_safe, write_json_atomic

    say = lambda n, c: print(f"evaluation {n}: cost {c:.4g}", file=sys.stderr)  # noqa: E731
    result = calibrate(evaluate, FREE, TARGETS, START, max_evaluations=max_evaluations, progress=say)
    held_out = cross_validate_targets(evaluate, FREE, TARGETS, result.values, keep=(GEOMETRY,),
                                      max_evaluations=CROSS_VALIDATION_EVALUATIONS,
                                      progress=lambda g, n, c: say(n, c) if n % 10 == 0 else None)
    write_json_atomic(RECORD, json_safe(record(result, held_out)))  # inf (undetermined, open bounds) -> null
    print(toml_lines(result.values))
    print("[standard_errors]")
    print(toml_lines(result.standard_errors))
    print(f"# cost {result.cost:.4g} after {result.n_evaluations} evaluations: {result.message}")


if __name__ == "__main__":  # pragma: no cover
    main(*(int(a) for a in sys.argv[1:2]))
