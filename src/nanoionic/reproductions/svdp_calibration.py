"""Calibration of the ZnTPP/AlOx material parameters (issue 2, item 6).

Fits the interface-hopping model jointly to the single-device targets S2, S3, S4 (trend), S6 and
to the single-pixel pulse responses behind S10/S12, with the pixel area as the only extra free
parameter (same material, own geometry). The paper's withheld values are not used.

Run ``python -m nanoionic.reproductions.svdp_calibration`` to reproduce the calibrated values in
``parameters/sets/ZnTPP-AlOx_WangSVDP.toml`` (it prints them as TOML lines), and
``python -m nanoionic.reproductions.svdp_calibration traps`` for the hole-trapping variant
``ZnTPP-AlOx_traps.toml``, which adds the trap parameters and the ITO-side reverse share and also
fits the S7 scan-rate trend.
"""

from __future__ import annotations

import sys

import numpy as np

from nanoionic._core.units import EV
from nanoionic.fit import Bound, FreeParameter, Target, calibrate
from nanoionic.reproductions import svdp_experiments as ex
from nanoionic.simulation import Device

PAPER = "Wang et al. SVDP paper"
_COMMON_FREE = [
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
    FreeParameter("return_barrier", 0.8 * EV, 2.0 * EV, "eV"),
    FreeParameter("conductance_density", 1.0, 1e5, "log"),
    FreeParameter("residual_fraction", 1e-3, 0.5, "log"),
    FreeParameter("interface_weight", 0.1, 20.0, "log"),
    FreeParameter("sinh_voltage", 0.5, 20.0, "log"),
    FreeParameter("reverse_ratio", 0.01, 0.9, "log"),
    FreeParameter("pristine_coordinated", 0.02, 0.8, "log"),
    FreeParameter("pixel.area", 1e-9, 1e-5, "log"),
]
"""Free parameters of both calibrations (the default set adds the return distance)."""

_COMMON_TARGETS = [
    Target("s2_first_uA", 270.0, 0.1, f"{PAPER}, Fig. 2b: ~270 uA at +10 V, cycle 1"),
    Target("s2_last_uA", 778.0, 0.1, f"{PAPER}, Fig. 2b: ~778 uA at +10 V, cycle 10"),
    Target("s3_first_uA", -80.0, 0.15, f"{PAPER}, Fig. 2b: ~-80 uA at -10 V, cycle 1"),
    Target("s3_last_uA", -10.0, 0.15, f"{PAPER}, Fig. 2b: ~-10 uA at -10 V, cycle 10"),
    Bound("s2_min_step", low=0.005, scale=0.005, source="S2: current rises every cycle"),
    Bound("s3_min_step", low=0.005, scale=0.005, source="S3: |current| falls every cycle"),
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
]
"""Targets of both calibrations (the default set adds the NDR)."""


def _insert_after(items: list, name: str, new: list) -> list:
    k = next(i for i, p in enumerate(items) if getattr(p, "name", getattr(p, "quantity", None)) == name) + 1
    return items[:k] + new + items[k:]


FREE = _insert_after([FreeParameter("return_barrier", 0.8 * EV, 3.0 * EV, "eV") if p.name == "return_barrier" else p
                      for p in _COMMON_FREE],
                     "return_barrier", [FreeParameter("return_distance", 3e-10, 1e-8, "log")])
TARGETS = _insert_after(_COMMON_TARGETS, "s3_min_step", [
    Bound("s3_ndr_drop", low=0.05, scale=0.01,
          source=f"{PAPER}, Fig. 2b: NDR in the first negative (RESET) sweep; its size is withheld (>= 5 %: our choice)")])


CALIBRATION_RAMP_STEPS = 400
"""Fixed midpoint sub-intervals per sweep leg during the fit (Richardson-extrapolated; the apex
currents agree with the adaptive default to ~0.3 %). The reproduction re-runs at the default."""

START = {
    # The previous calibration (fitted without the NDR target from an order-of-magnitude design of
    # the rates, README "How the ZnTPP set was calibrated"), with the return from the ITO interface
    # re-designed as a field-triggered RESET: a_ret = 4 nm and E_ret chosen so that the return
    # rate at -10 V is ~4e-3 /s, just above the rate 0.01 V/s·d ln(sinh)/dV ≈ 3e-3 /s at which
    # the hopping law raises the current near -10 V.
    "release_barrier": 1.56257 * EV, "release_distance": 1.01315e-08, "transfer_coefficient": 0.968044,
    "migration_barrier": 0.956457 * EV, "migration_distance": 5.8773e-10, "recapture_barrier": 0.793308 * EV,
    "coordination_barrier": 0.699174 * EV, "dissociation_barrier": 1.36948 * EV,
    "dissociation_distance": 4.17332e-09, "drift_barrier": 1.20822 * EV,
    "return_barrier": 2.372 * EV, "return_distance": 4e-9,
    "conductance_density": 140.699, "residual_fraction": 0.0272716, "interface_weight": 8.12072,
    "sinh_voltage": 3.34151, "reverse_ratio": 0.136202, "pristine_coordinated": 0.404967, "pixel.area": 3.73706e-07,
}


# ---- the hole-trapping variant (ZnTPP-AlOx_traps.toml) ------------------------------------------

TRAPS_FREE = _insert_after(_insert_after(_COMMON_FREE, "interface_weight", [FreeParameter("interface_reverse_share", 0.01, 1.0, "log")]),
                           "pristine_coordinated", [
    FreeParameter("trap_share", 0.0, 0.95), FreeParameter("trap_rate", 1e-4, 10.0, "log"),
    FreeParameter("trap_spread", 0.3, 1.5), FreeParameter("trap_voltage", 0.3, 20.0, "log"),
    FreeParameter("trap_release_ratio", 1e-4, 100.0, "log")])

TRAPS_TARGETS = [
    *[Bound(t.quantity, low=t.low, scale=0.001, source=t.source) if t.quantity in ("s2_min_step", "s3_min_step") else t
      for t in _COMMON_TARGETS[:6]],
    Bound("s2_upbranch_overshoot", high=0.01, scale=0.01, source="Fig. 2b: the first up-sweep rises all the way to +10 V"),
    *_COMMON_TARGETS[6:-7],
    *[Bound(f"s7_{q}_rise", low=0.03, scale=0.03, source=f"S7: {what} rises with scan rate 0.01 -> 5 V/s (>= 3 % per step: our choice)")
      for q, what in (("lrs", "current at +10 V"), ("hrs", "|current| at -10 V"), ("area", "hysteresis area"))],
    *_COMMON_TARGETS[-7:],
]
"""The default targets (S2/S3 steps weighted 5x) plus S7 and the up-sweep shape."""

TRAPS_START = {
    # Where the shipped variant fit began (full precision, so `main("traps")` retraces it): the
    # default calibration, moved by exploratory fits with trapping, reverse share started at 0.5.
    "release_barrier": 2.5631040982104097e-19, "release_distance": 9.763374598979477e-09,
    "transfer_coefficient": 0.9854905966257698, "migration_barrier": 1.477005631794053e-19,
    "migration_distance": 6.236625988296215e-10, "recapture_barrier": 1.256096775299669e-19,
    "coordination_barrier": 1.140974262745924e-19, "dissociation_barrier": 2.203751999835199e-19,
    "dissociation_distance": 3.9326176473497845e-09, "drift_barrier": 1.9961793029179798e-19,
    "return_barrier": 1.8507218964037317e-19, "conductance_density": 175.8261042518724,
    "residual_fraction": 0.14405032809817722, "interface_weight": 8.944761072664386,
    "interface_reverse_share": 0.5, "sinh_voltage": 2.538626399284503, "reverse_ratio":
    0.2591405054602998, "pristine_coordinated": 0.34929365784842964, "trap_share":
    0.6168036592391115, "trap_rate": 0.08581745309641871, "trap_spread": 0.8870293013158735,
    "trap_voltage": 4.079506686064252, "trap_release_ratio": 0.5017569718109837, "pixel.area":
    2.0661781756407307e-07,
}
TRAPS_EVALUATIONS = 777
"""Evaluation budget (the Jacobian's included) at which the variant fit from TRAPS_START reached
its best point (cost 3.28; ~30 min on one core). That run predates the expm1 form of the trap
maps (a round-off-level change); its start cost, 33.198, is reproduced exactly."""


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
    scales = {p.name: p.scale for p in (*FREE, *TRAPS_FREE)}
    lines = []
    for name, v in values.items():
        key = name.removeprefix("pixel.")
        text = f'"{v / EV:.6g} eV"' if scales[name] == "eV" else f"{v:.6g}"
        lines.append(f"{key} = {text}" + ("   # [pixel]" if name.startswith("pixel.") else ""))
    return "\n".join(lines)


def main(variant: str = "default", max_evaluations: int | None = None) -> None:  # pragma: no cover - long; run by hand
    """Run the calibration of the default set or, with ``variant="traps"``, of the trapping variant."""
    if variant == "traps":
        free, targets, start, budget = TRAPS_FREE, TRAPS_TARGETS, TRAPS_START, TRAPS_EVALUATIONS
    else:
        free, targets, start, budget = FREE, TARGETS, START, 200
    result = calibrate(evaluate, free, targets, start, max_evaluations=max_evaluations or budget,
                       progress=lambda n, c: print(f"evaluation {n}: cost {c:.4g}", file=sys.stderr))
    print(toml_lines(result.values))
    for name, r in result.residuals.items():
        print(f"# {name}: simulated {result.measured[name.split(' [')[0]]:.4g}, residual {r:+.2f}")
    print(f"# cost {result.cost:.4g} after {result.n_evaluations} evaluations: {result.message}")


if __name__ == "__main__":  # pragma: no cover
    args = sys.argv[1:]
    main(args[0] if args and not args[0].isdigit() else "default",
         int(args[-1]) if args and args[-1].isdigit() else None)
