"""Reproduction of the review's filament physics (Sec. 2, 4, 5; Figs. 1–3, 11–13) from device models.

* ECM vs VCM (Sec. 2.1–2.2): "Ag/SiO2/Pt" (``ecm-filament``) SETs abruptly under a 1 V/s sweep
  with a 100 µA compliance and RESETs under reverse bias; growth from the cathode or from the
  anode depending on k_red (Da = k_red·gap/v); "Ta2O5/VCM-gap" (``vcm-gap``) potentiates and
  depresses gradually pulse by pulse and turns metallic above n_c = 5e20 cm⁻³.
* Threshold switching (Sec. 2.2, 5.2): "NbO2/selector" (``threshold-switch``): quasi-static S-shaped
  I–V with NDR, a ramp through a series resistor (snap-back), a pulse and the spontaneous return
  to the HRS.
* Quantised conductance (Sec. 5.1, Fig. 13b): ``quantum-contact`` with integer steps (defaults) and
  "Nb/ZnO/Pt-QPC" (half-integer): G vs V of a SET sweep, and the channel count selected by the
  compliance.
* Variability (Sec. 4, Figs. 11–12): SET/RESET voltages of ``N_DEVICES`` ECM filaments per
  confinement level, formed at random (``models.ecm_filament.sample_formation``, seeded).
* 1S1R (Sec. 5.2): DC read of an N×N ECM crossbar, every other line floating, without and with the
  static selector built from "NbO2/selector" (``circuit.Selector.from_threshold_switch``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from nanoionic.circuit import Lines, Network, NodalSolver, Selector
from nanoionic.engine import integrate
from nanoionic.engine.integrate import trajectory_current
from nanoionic.models.ecm_filament import ECMFilamentModel, sample_formation
from nanoionic.models.quantum_contact import QuantumContactModel
from nanoionic.models.threshold_switch import ThresholdSwitchModel, quasi_static_iv, threshold_point
from nanoionic.models.vcm_gap import VCMGapModel
from nanoionic.parameters import load_parameter_set
from nanoionic.protocols import compile_protocol
from nanoionic.reproductions._common import Reproduction, compare, load_targets, monotonic

STEPS = ("ECM vs VCM", "threshold switch", "quantised contact", "variability", "1S1R crossbar")
ECM, VCM, SWITCH, QPC = "Ag/SiO2/Pt", "Ta2O5/VCM-gap", "NbO2/selector", "Nb/ZnO/Pt-QPC"
ECM_SWEEP = "sweep 0 V -> 1 V -> 0 V at 1 V/s; sweep 0 V -> -0.7 V -> 0 V at 1 V/s"
ECM_READ = 0.1
VCM_PULSES = ("read 0.1 V for 10 us; repeat 20 { pulse 1 V for 100 us; read 0.1 V for 10 us }; "
              "repeat 20 { pulse -1 V for 100 us; read 0.1 V for 10 us }")
SWITCH_PULSE = "read 0.1 V for 20 ns; pulse 3.5 V for 200 ns; wait 20 ns; read 0.1 V for 20 ns; wait 500 ns; read 0.1 V for 20 ns"
SWITCH_RAMP = "sweep 0 V -> 8 V -> 0 V at 10 MV/s"
SWITCH_LOAD = 1e3
"""Series load resistor of the ramp and the pulse [Ω] (limits the on-current; the load line is
steeper than the NDR branch, so the ramp traces the snap-back)."""
QPC_SWEEP = "sweep 0 V -> 1.5 V at 0.1 V/s"
QPC_COMPLIANCES = (20e-6, 50e-6, 100e-6, 200e-6)
CONFINEMENT = (0.0, 0.3, 0.6, 1.0)
N_DEVICES = 100
SEED = 2019
SET_SWEEP = "sweep 0 V -> 0.8 V at 1 V/s"
RESET_SWEEP = "sweep 0 V -> -0.8 V at 1 V/s"
SWITCHED = 1e-5
"""Conductance [S] that counts as switched (geometric middle of HRS ~1e-8 and LRS ~1e-3 S)."""
ARRAY_SIZES = (4, 8, 16)
ARRAY_READ = 3.5
"""Read voltage of the 1S1R study [V]: above the selector's threshold, below 3 thresholds."""


def _ramp(model, params, protocol, steps=600, **options):
    return integrate(model, params, compile_protocol(protocol), ramp_steps=steps, **options)


def _crossing(voltage, g, level, rising: bool):
    """Voltage [V] where log G first crosses ``level`` (linear in log G between saved points);
    per device for g (n_t, n). NaN where it never crosses."""
    lg, ll = np.log(np.maximum(g, 1e-300)), np.log(level)
    above = lg >= ll if rising else lg <= ll
    k = np.argmax(above, axis=0)
    out = np.full(g.shape[1], np.nan)
    for d in range(g.shape[1]):
        if not above[k[d], d]:
            continue
        if k[d] == 0:
            out[d] = voltage[0]
            continue
        a, b = lg[k[d] - 1, d], lg[k[d], d]
        f = (ll - a) / (b - a) if b != a else 1.0
        out[d] = voltage[k[d] - 1] + f * (voltage[k[d]] - voltage[k[d] - 1])
    return out


# --------------------------------------------------------------------------- ECM vs VCM

def ecm_switching() -> dict:
    model = ECMFilamentModel()
    params = load_parameter_set(ECM).params
    traj = _ramp(model, params, ECM_SWEEP, steps=1000)
    t, v = traj.time, traj.voltage
    current = trajectory_current(model, params, traj)[:, 0]
    g = np.array([model.gap_conductance(s, params)[0] for s in traj.state])
    set_end = np.searchsorted(t, 2.0)
    g_hrs0 = float(model.current(traj.state[0], ECM_READ, params)[0] / ECM_READ)
    g_lrs = float(model.current(traj.state[set_end], ECM_READ, params)[0] / ECM_READ)
    g_hrs = float(model.current(traj.state[-1], ECM_READ, params)[0] / ECM_READ)
    window = 0.01 * 2.0  # 1 % of the SET sweep (0 -> 1 -> 0 V at 1 V/s)
    ratio = [g[(t >= tk) & (t <= tk + window)].max() / g[k] for k, tk in enumerate(t[:set_end])]
    k_best = int(np.argmax(ratio))
    growth = {}
    for label, k_red in (("cathode_regime", params.reduction_rate), ("anode_regime", 1e5)):
        p = dataclasses.replace(params, reduction_rate=k_red)
        s0 = np.zeros((2, 1))
        s0[0 if label == "cathode_regime" else 1] = 1.0 - p.initial_gap / p.thickness  # stub where it grows
        tr = _ramp(model, p, "sweep 0 V -> 1 V at 1 V/s", steps=400, state0=s0)
        d = tr.state[-1, :, 0] - s0[:, 0]
        growth[label] = {"reduction_rate_per_s": float(k_red), "cathode_growth_nm": float(d[0] * p.thickness * 1e9),
                         "anode_growth_nm": float(d[1] * p.thickness * 1e9),
                         "cathode_share": float(d[0] / (d[0] + d[1])), "cathode_nm_t": (tr.state[:, 0, 0] * p.thickness * 1e9).tolist(),
                         "anode_nm_t": (tr.state[:, 1, 0] * p.thickness * 1e9).tolist(), "voltage_V": tr.voltage.tolist()}
    return {"protocol": ECM_SWEEP, "voltage_V": v.tolist(), "current_A": current.tolist(),
            "g_hrs_initial_S": g_hrs0, "g_lrs_S": g_lrs, "g_hrs_after_reset_S": g_hrs,
            "on_off": g_lrs / g_hrs, "set_jump_in_1pct": float(ratio[k_best]), "set_jump_at_V": float(v[k_best]),
            "max_current_A": float(current.max()), "compliance_A": float(params.compliance_current),
            "gap_after_reset_nm": float(model.gap(traj.state[-1], params)[0] * 1e9), "growth": growth}


def vcm_switching() -> dict:
    model = VCMGapModel()
    params = load_parameter_set(VCM).params
    traj = integrate(model, params, compile_protocol(VCM_PULSES), save="reads")
    g = trajectory_current(model, params, traj)[:, 0] / 0.1
    x = traj.state[:, 0, 0]
    steps = g[1:] / g[:-1]
    sweep = _ramp(model, params, "sweep 0 V -> 1.2 V -> 0 V -> -1.2 V -> 0 V at 1 kV/s", steps=200)
    metal = model.metallic_weight(traj.state[:, :, 0].T, params) if False else model.metallic_weight(traj.state[20], params)
    return {"read_conductance_S": g.tolist(), "density_cm3": (x * params.max_density * 1e-6).tolist(),
            "critical_density_cm3": params.critical_density * 1e-6,
            "max_step_ratio_after_5": float(np.max(steps[5:20])), "max_step_ratio_reset": float(1 / np.min(steps[20:])),
            "distinct_levels": int(np.unique(np.round(np.log10(g), 2)).size),
            "lrs_metallic_weight": float(metal[0]), "hrs_metallic_weight": float(model.metallic_weight(traj.state[0], params)[0]),
            "on_off": float(g.max() / g[0]),
            "sweep_voltage_V": sweep.voltage.tolist(),
            "sweep_current_A": trajectory_current(model, params, sweep)[:, 0].tolist()}


# --------------------------------------------------------------------------- threshold switch

def threshold_switching() -> dict:
    model = ThresholdSwitchModel()
    params = load_parameter_set(SWITCH).params
    theta = np.geomspace(1e-2, 0.95 * params.max_temperature_rise, 600)
    v_qs, i_qs = quasi_static_iv(params, theta)
    dvdi = np.diff(v_qs) / np.diff(i_qs)
    v_th, i_th, _ = threshold_point(params)
    loaded = dataclasses.replace(params, series_resistance=SWITCH_LOAD)
    pulse = integrate(model, loaded, compile_protocol(SWITCH_PULSE))
    i_p = trajectory_current(model, loaded, pulse)[:, 0]
    seg = pulse.segment_index
    ends = np.flatnonzero(np.r_[seg[1:] != seg[:-1], True])
    g_reads = [float(i_p[k] / 0.1) for k in ends if abs(pulse.voltage[k] - 0.1) < 1e-12]
    on_current = float(i_p[ends[np.flatnonzero(np.isclose(pulse.voltage[ends], 3.5))[0]]])
    ramp = _ramp(model, loaded, SWITCH_RAMP, steps=300, method="rk45", rtol=1e-6, atol=1e-6)
    i_r = trajectory_current(model, loaded, ramp)[:, 0]
    v_dev = np.array([model.device_voltage(s, v, loaded)[0] for s, v in zip(ramp.state, ramp.voltage)])
    up = np.arange(ramp.time.size) <= int(np.argmax(ramp.voltage))
    snap = np.diff(v_dev[up]) < 0
    return {"quasi_static_V": v_qs.tolist(), "quasi_static_I": i_qs.tolist(), "min_dV_dI_ohm": float(dvdi.min()),
            "ndr_points": int(np.sum(dvdi < 0)), "threshold_V": v_th, "threshold_I": i_th,
            "pulse_time_s": pulse.time.tolist(), "pulse_current_A": i_p.tolist(), "pulse_voltage_V": pulse.voltage.tolist(),
            "g_before_S": g_reads[0], "g_right_after_S": g_reads[1], "g_after_500ns_S": g_reads[2],
            "on_current_A": on_current, "return_ratio": g_reads[2] / g_reads[0],
            "load_ohm": SWITCH_LOAD, "ramp_device_V": v_dev.tolist(), "ramp_current_A": i_r.tolist(),
            "ramp_snapback_V": float(np.max(v_dev[up]) - np.min(v_dev[up][np.argmax(v_dev[up]):])),
            "ramp_ndr_steps": int(np.sum(snap & (np.diff(i_r[up]) > 0)))}


# --------------------------------------------------------------------------- quantised contact

def quantised_contact() -> dict:
    model = QuantumContactModel()
    out = {}
    for tag, params in (("integer", model.Params()), ("half_integer", load_parameter_set(QPC).params)):
        tr = _ramp(model, params, QPC_SWEEP, steps=300)
        g = np.array([model.contact_conductance(s, params)[0] for s in tr.state])
        p = dataclasses.replace(params, compliance_current=np.array(QPC_COMPLIANCES))  # one device per compliance
        r = integrate(model, p, compile_protocol("sweep 0 V -> 1.5 V -> 0 V at 0.1 V/s; wait 1 s; read 10 mV for 1 ms"),
                      save="reads")
        levels = model.in_quanta(model.current(r.state[-1], 0.01, p) / 0.01, params)
        nearest = params.step_size * np.round(levels / params.step_size)
        errors = np.abs(levels - nearest) / np.maximum(nearest, params.step_size)
        levels, errors = levels.tolist(), errors.tolist()
        q_sweep = model.in_quanta(g, params)
        out[tag] = {"step_G0": params.step_size, "sweep_V": tr.voltage.tolist(), "sweep_G_over_G0": q_sweep.tolist(),
                    "compliance_A": list(QPC_COMPLIANCES), "levels_G0": levels, "level_errors": errors,
                    "max_level_error": float(max(errors)), "plateau_error_sweep": _plateau_error(q_sweep, params.step_size)}
    return out


def _plateau_error(q, step):
    """Largest relative distance of a flat stretch of the sweep's G/G0 from its nearest multiple of
    ``step``: points whose neighbours differ by < 0.1 % (on a plateau)."""
    flat = np.abs(np.gradient(q)) < 1e-3 * np.maximum(q, step)
    sel = flat & (q > 0.5 * step)
    if not np.any(sel):
        return float("nan")
    nearest = step * np.round(q[sel] / step)
    return float(np.max(np.abs(q[sel] - nearest) / np.maximum(nearest, step)))


# --------------------------------------------------------------------------- variability

def variability(seed: int = SEED) -> dict:
    model = ECMFilamentModel()
    base = load_parameter_set(ECM).params
    rng = np.random.default_rng(seed)
    levels = []
    for c in CONFINEMENT:
        p = sample_formation(base, N_DEVICES, rng, confinement=c)
        set_tr = _ramp(model, p, SET_SWEEP, steps=800, method="rk45", rtol=1e-6, atol=1e-9)
        g_set = np.stack([model.gap_conductance(s, p) for s in set_tr.state])
        v_set = _crossing(set_tr.voltage, g_set, SWITCHED, rising=True)
        reset_tr = _ramp(model, p, RESET_SWEEP, steps=800, method="rk45", rtol=1e-6, atol=1e-9,
                         state0=set_tr.state[-1])
        g_reset = np.stack([model.gap_conductance(s, p) for s in reset_tr.state])
        v_reset = -_crossing(reset_tr.voltage, g_reset, SWITCHED, rising=False)
        levels.append({"confinement": c, "set_V": v_set.tolist(), "reset_V": v_reset.tolist(),
                       "set_mean_V": float(np.nanmean(v_set)), "set_cv": float(np.nanstd(v_set) / np.nanmean(v_set)),
                       "reset_mean_V": float(np.nanmean(v_reset)),
                       "reset_cv": float(np.nanstd(v_reset) / np.nanmean(v_reset)),
                       "switched_fraction": float(np.mean(np.isfinite(v_set) & np.isfinite(v_reset)))})
    return {"seed": seed, "n_devices": N_DEVICES, "levels": levels,
            "set_cv": [lv["set_cv"] for lv in levels], "reset_cv": [lv["reset_cv"] for lv in levels],
            "set_cv_full_confinement": levels[-1]["set_cv"]}


# --------------------------------------------------------------------------- 1S1R

def one_selector_one_resistor() -> dict:
    model = ECMFilamentModel()
    params = dataclasses.replace(load_parameter_set(ECM).params, compliance_current=10.0)  # no SMU in the array
    lrs = np.array([1.0, 0.0])  # closed filament (gap 0)
    hrs = model.initial_state(params, 1)[:, 0]
    selector = Selector.from_threshold_switch(SWITCH)
    out = {"read_V": ARRAY_READ, "size": list(ARRAY_SIZES), "selector": dataclasses.asdict(selector),
           "without_selector": [], "with_selector": []}
    for n in ARRAY_SIZES:
        for key, sel in (("without_selector", None), ("with_selector", selector)):
            sensed = {}
            for target, state in (("lrs", lrs), ("hrs", hrs)):
                states = np.repeat(lrs[:, None], n * n, axis=1)  # every other cell LRS: worst case
                states[:, 0] = state

                def cell_current(v, states=states):
                    return model.current(states, v, params)

                rows = np.full(n, np.nan)
                cols = np.full(n, np.nan)
                rows[0], cols[0] = ARRAY_READ, 0.0
                op = NodalSolver(Network(n, n, Lines(2.0, 2.0), sel)).solve(cell_current, rows, cols)
                sensed[target] = {"sensed_A": float(op.sense_current[0]), "cell_A": float(op.cell_current[0, 0])}
            out[key].append({"sensed_lrs_A": sensed["lrs"]["sensed_A"], "sensed_hrs_A": sensed["hrs"]["sensed_A"],
                             "cell_hrs_A": sensed["hrs"]["cell_A"],
                             "sneak_A": sensed["hrs"]["sensed_A"] - sensed["hrs"]["cell_A"],
                             "read_margin": sensed["lrs"]["sensed_A"] / sensed["hrs"]["sensed_A"]})
    return out


# --------------------------------------------------------------------------- run

def run(progress: Callable[[str], None] | None = None) -> Reproduction:
    tick = progress or (lambda step: None)
    m: dict = {"ecm": ecm_switching(), "vcm": vcm_switching()}
    tick(STEPS[0])
    m["threshold"] = threshold_switching()
    tick(STEPS[1])
    m["quantised"] = quantised_contact()
    tick(STEPS[2])
    m["variability"] = variability()
    tick(STEPS[3])
    m["one_s_one_r"] = one_selector_one_resistor()
    tick(STEPS[4])
    protocols = {"ecm_sweep": ECM_SWEEP, "vcm_pulses": VCM_PULSES, "switch_pulse": SWITCH_PULSE,
                 "switch_ramp_with_load": SWITCH_RAMP + f"  # through {SWITCH_LOAD:g} Ohm", "qpc_sweep": QPC_SWEEP,
                 "variability_set": SET_SWEEP, "variability_reset": RESET_SWEEP}
    rows = compare(m, load_targets("review_filaments"))
    return Reproduction(metrics=m, data={"protocols": protocols}, comparison=rows, checks=claim_checks(m))


def claim_checks(m: dict) -> list[dict]:
    e, vc, th, q, var, xb = m["ecm"], m["vcm"], m["threshold"], m["quantised"], m["variability"], m["one_s_one_r"]
    gr = e["growth"]
    rows = [
        ("ECM", "digital SET/RESET: on/off > 1e3 at 0.1 V", e["on_off"] > 1e3, f"on/off {e['on_off']:.3g}"),
        ("ECM", "abrupt SET: > 10x conductance within 1 % of the sweep", e["set_jump_in_1pct"] >= 10,
         f"x{e['set_jump_in_1pct']:.3g} at {e['set_jump_at_V']:.3f} V"),
        ("ECM", "compliance caps the SET current", e["max_current_A"] <= e["compliance_A"],
         f"max {e['max_current_A'] * 1e6:.4g} uA vs I_cc {e['compliance_A'] * 1e6:g} uA"),
        ("ECM", "mobile ions / slow reduction grow the filament from the cathode, slow ions / fast reduction from the anode",
         gr["cathode_regime"]["cathode_share"] > 0.9 and gr["anode_regime"]["cathode_share"] < 0.1,
         f"cathode share {gr['cathode_regime']['cathode_share']:.3f} (k_red {gr['cathode_regime']['reduction_rate_per_s']:g}/s) vs "
         f"{gr['anode_regime']['cathode_share']:.3f} (k_red {gr['anode_regime']['reduction_rate_per_s']:g}/s)"),
        ("VCM", "analog: > 10 distinct levels, no pulse after the 5th changes G by > 1.5x",
         vc["distinct_levels"] > 10 and vc["max_step_ratio_after_5"] < 1.5 and vc["max_step_ratio_reset"] < 1.5,
         f"{vc['distinct_levels']} levels, max step x{vc['max_step_ratio_after_5']:.3f} (SET), x{vc['max_step_ratio_reset']:.3f} (RESET)"),
        ("VCM", "metallic LRS above n_c = 5e20 cm^-3, hopping HRS below",
         vc["lrs_metallic_weight"] > 0.9 and vc["hrs_metallic_weight"] < 0.01,
         f"metallic weight {vc['lrs_metallic_weight']:.3f} (LRS) vs {vc['hrs_metallic_weight']:.2g} (HRS)"),
        ("threshold", "negative differential resistance on the quasi-static I-V (current drive)", th["min_dV_dI_ohm"] < 0,
         f"min dV/dI {th['min_dV_dI_ohm']:.3g} Ohm over {th['ndr_points']} points; V_th {th['threshold_V']:.3f} V"),
        ("threshold", "snap-back through a series resistor: device voltage falls while the current rises",
         th["ramp_ndr_steps"] > 0 and th["ramp_snapback_V"] > 0.1,
         f"snap-back {th['ramp_snapback_V']:.3f} V through {th['load_ohm']:g} Ohm"),
        ("threshold", "volatile: back in the HRS (within 1 %) 500 ns after the pulse",
         abs(th["return_ratio"] - 1) < 0.01 and th["on_current_A"] > 100 * th["g_before_S"] * 3.5,
         f"G after/before {th['return_ratio']:.4f}; on-current {th['on_current_A'] * 1e3:.3g} mA"),
        ("quantised", "compliance-selected conductances within 2 % of integer multiples of G0",
         q["integer"]["max_level_error"] < 0.02,
         ", ".join(f"{x:.4f}" for x in q["integer"]["levels_G0"]) + " G0"),
        ("quantised", "half-integer multiples of G0 (Nb/ZnO/Pt-QPC) within 2 %", q["half_integer"]["max_level_error"] < 0.02,
         ", ".join(f"{x:.4f}" for x in q["half_integer"]["levels_G0"]) + " G0"),
        ("quantised", "the SET sweep's plateaus are flat to < 2 % of their multiple",
         q["integer"]["plateau_error_sweep"] < 0.02 and q["half_integer"]["plateau_error_sweep"] < 0.02,
         f"{q['integer']['plateau_error_sweep']:.2g} (integer), {q['half_integer']['plateau_error_sweep']:.2g} (half)"),
        ("variability", "sigma/mu of the SET voltage falls monotonically with confinement", monotonic(var["set_cv"], -1),
         ", ".join(f"c={lv['confinement']:g}: {lv['set_cv']:.2%}" for lv in var["levels"])),
        ("variability", "sigma/mu of the RESET voltage falls with confinement (first to last level)",
         var["reset_cv"][-1] < var["reset_cv"][0],
         ", ".join(f"c={lv['confinement']:g}: {lv['reset_cv']:.2%}" for lv in var["levels"])),
        ("1S1R", "the selector cuts the sneak current of a floating-line read by > 100x (N >= 8)",
         all(w["sneak_A"] > 100 * s["sneak_A"] for n, w, s in zip(xb["size"], xb["without_selector"], xb["with_selector"]) if n >= 8),
         ", ".join(f"N={n}: x{w['sneak_A'] / s['sneak_A']:.3g}" for n, w, s in zip(xb["size"], xb["without_selector"], xb["with_selector"]))),
        ("1S1R", "read margin (LRS/HRS sensed) > 10 with selectors, < 2 without (N = 16)",
         xb["with_selector"][-1]["read_margin"] > 10 and xb["without_selector"][-1]["read_margin"] < 2,
         f"{xb['with_selector'][-1]['read_margin']:.3g} with vs {xb['without_selector'][-1]['read_margin']:.3g} without"),
    ]
    return [{"id": i, "claim": c, "pass": bool(ok), "value": val, "role": "predicted"} for i, c, ok, val in rows]
