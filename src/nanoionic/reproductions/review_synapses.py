"""Reproduction of the review's synaptic dynamics (Sec. 3.1–3.2, Figs. 5–7) from device models.

* STM → LTM (Fig. 5, ``vcm-filament``, preset "W/WOx/Pd"): 5 or 40 pulses, then the retention
  curve, fitted with a stretched exponential exp(-(t/τ)^β).
* Second-order memristors (Figs. 6–7): the mobility model ("WOx/mobility", 1.4 V / 1 ms pulses)
  and the thermal model ("TaOx/thermal", 1.2 V / 1 µs programming + 0.7 V / 5 µs heating):
  paired-pulse facilitation vs interval, SRDP (ΔG vs rate of 10 spikes) and STDP from
  non-overlapping pre/post spikes.
* A diffusive memristor in series with a drift memristor ("Ag:SiOxNy+drift", 2 V / 10 µs
  spikes, Fig. 7c,d): SRDP and STDP of the non-volatile drift memristor.
* Heterosynaptic coupling ("LixMoS2/4-channel", four channels sharing a conserved Li inventory):
  competition, cooperation, and a network where programming one channel changes the others.
* Modulatory terminal ("AgNP/Pt-3-terminal"): pre pulses (10 V) needed to SET and to RESET
  under a held modulatory voltage.
* Metaplasticity ("TaOx/metaplastic", complementary switching): states A and B of equal
  conductance (gap at the top or at the bottom) answer one identical pulse with opposite signs;
  the later plasticity (ΔG/G of one 1.15 V / 0.2 ms pulse, from the same conductance) grows with
  the SET voltage of the last programming and falls with the RESET amplitude.

Every behaviour comes out of the models' state equations; the protocols (written in the
protocol grammar, ``PROTOCOLS``) only place pulses in time. STDP spikes as the device sees them:
the pre-synaptic spike is a depressing pulse, the post-synaptic one a potentiating pulse (a
post spike applied to the bottom electrode with opposite sign); Δt = t_post - t_pre. The window
is measured from the state where far-apart pre and post spikes cancel (``balanced_state``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nanoionic._core.units import format_quantity
from nanoionic.analysis import fit_stretched_exponential
from nanoionic.reproductions._common import Reproduction, monotonic
from nanoionic.simulation import Device, read_conductance, simulate

RETENTION_PULSES = (5, 40)
PARTS = ("retention", "ppf", "srdp", "stdp", "metaplasticity", "coupling", "modulation")
"""Behaviours, each also a reproduction of its own (``review-<part>``)."""
STEPS = ("STM/LTM retention", "WOx mobility model", "TaOx thermal model", "diffusive + drift pair",
         "metaplastic filament", "coupled Li reservoir", "modulatory terminal")


def fmt(seconds: float) -> str:
    return format_quantity(seconds, "s")


class SecondOrder:
    """A second-order device and its spike shapes (device voltage), for PPF/SRDP/STDP."""

    def __init__(self, preset: str, potentiating: str, depressing: str, spike_length: float, read: str,
                 intervals, rates, delays):
        self.preset, self.potentiating, self.depressing = preset, potentiating, depressing
        self.spike_length, self.read = spike_length, read
        self.intervals, self.rates, self.delays = intervals, rates, delays

    def ppf_protocol(self, interval: float) -> str:
        return f"{self.potentiating}; wait {fmt(interval)}; {self.potentiating}"

    def srdp_protocol(self, rate: float, n: int = 10) -> str:
        gap = 1.0 / rate - self.spike_length
        return f"{self.read}; wait {fmt(10 / rate)}; repeat {n} {{ {self.potentiating}; wait {fmt(gap)} }}; {self.read}"

    def stdp_protocol(self, dt: float) -> str:
        first, second = (self.depressing, self.potentiating) if dt > 0 else (self.potentiating, self.depressing)
        settle = fmt(100 * self.spike_length)
        return (f"{self.read}; wait {settle}; {first}; wait {fmt(abs(dt) - self.spike_length)}; {second}; "
                f"wait {settle}; {self.read}")


WOX = SecondOrder("WOx/mobility", "pulse 1.4 V for 1 ms", "pulse -1.4 V for 1 ms", 1e-3, "read 0.1 V for 100 us",
                  intervals=(1e-3, 2e-3, 5e-3, 10e-3, 20e-3, 50e-3, 100e-3),
                  rates=(10.0, 20.0, 50.0, 100.0, 200.0, 500.0),
                  delays=(2e-3, 3e-3, 5e-3, 10e-3, 20e-3, 50e-3))
TAOX = SecondOrder("TaOx/thermal", "pulse 1.2 V for 1 us; pulse 0.7 V for 5 us",
                   "pulse -1.2 V for 1 us; pulse -0.7 V for 5 us", 6e-6, "read 0.1 V for 1 us",
                   intervals=(1e-6, 2e-6, 5e-6, 10e-6, 20e-6, 50e-6),
                   rates=(10e3, 20e3, 50e3, 100e3),
                   delays=(7e-6, 10e-6, 15e-6, 20e-6, 30e-6, 50e-6))


RETENTION_READS = np.logspace(-2, np.log10(300.0), 31)
"""Read times after the stimulus [s]: log-spaced, 10 ms to 300 s (the fast initial decay and the
slow tail both sampled)."""


def retention_protocol(n_pulses: int) -> str:
    """n 1.5 V / 1 ms pulses, then 1 ms reads at 0.2 V at ``RETENTION_READS`` after the last."""
    read = "read 0.2 V for 1 ms"
    gaps = np.diff(np.r_[0.0, RETENTION_READS]) - 1e-3
    waits = "; ".join(f"wait {fmt(float(f'{g:.4g}'))}; {read}" for g in gaps)
    return f"{read}; repeat {n_pulses} {{ pulse 1.5 V for 1 ms; wait 1 ms }}; {read}; {waits}"


def retention(device: Device, n_pulses: int) -> dict:
    """Normalised decay (G - G_before)/(G_after - G_before) over 300 s and its stretched fit."""
    res = simulate(device, retention_protocol(n_pulses), save="reads")
    g, t = read_conductance(res).values, res["time"].values[res["is_read"].values]
    y = (g[1:] - g[0]) / (g[1] - g[0])
    time = t[1:] - t[1]
    fit = fit_stretched_exponential(time, y)
    return {"n_pulses": n_pulses, "time_s": time.tolist(), "normalised": y.tolist(), "gain": float(g[1] / g[0]),
            "retained_after_300s": float(y[-1]), **fit}


def pulse_end_currents(res, voltage: float) -> np.ndarray:
    """Current [A] at the end of every saved segment held at ``voltage`` [V]."""
    seg, v, i = res["segment"].values, res["voltage"].values, res["current"].values
    ends = np.flatnonzero(np.r_[seg[1:] != seg[:-1], True])
    return i[ends][np.isclose(v[ends], voltage)]


def ppf(device: Device, so: SecondOrder) -> dict:
    """PPF ratio: current at the end of the 2nd programming pulse over the 1st, vs interval."""
    v = float(so.potentiating.split()[1])
    ratios = []
    for interval in so.intervals:
        i = pulse_end_currents(simulate(device, so.ppf_protocol(interval)), v)
        ratios.append(float(i[1] / i[0]))
    return {"interval_s": list(so.intervals), "ratio": ratios}


def relative_change(device: Device, protocol: str) -> float:
    """G_after/G_before - 1 of the protocol's first and last reads."""
    g = read_conductance(simulate(device, protocol, save="reads")).values
    return float(g[-1] / g[0] - 1.0)


def srdp(device: Device, so: SecondOrder) -> dict:
    return {"rate_hz": list(so.rates), "change": [relative_change(device, so.srdp_protocol(r)) for r in so.rates]}


def stdp(device: Device, so: SecondOrder) -> dict:
    dts = sorted([-d for d in so.delays] + list(so.delays))
    return {"dt_s": dts, "change": [relative_change(device, so.stdp_protocol(dt)) for dt in dts]}


def balanced_state(so: SecondOrder, tol: float = 1e-4) -> float:
    """Initial state where a pre and a post spike far apart in time (1000 spike lengths) cancel:
    the synapse's balance point, from which the STDP window is measured (bisection on w0)."""
    far = 1000 * so.spike_length
    low, high = 0.05, 0.95
    while high - low > tol:
        mid = 0.5 * (low + high)
        if relative_change(Device(so.preset, initial_state=mid), so.stdp_protocol(far)) > 0:
            low = mid
        else:
            high = mid
    return 0.5 * (low + high)


def second_order(so: SecondOrder, parts=PARTS) -> dict:
    device = Device(so.preset)
    out = {}
    if "ppf" in parts:
        out["ppf"] = ppf(device, so)
    if "srdp" in parts:
        out["srdp"] = srdp(device, so)
    if "stdp" in parts:
        w0 = balanced_state(so)
        out["stdp"] = {**stdp(Device(so.preset, initial_state=w0), so), "initial_state": w0}
    return out


def protocols(parts=PARTS) -> dict[str, str]:
    """Every protocol of the reproduction by name (written beside the figures)."""
    out = {f"retention_{n}_pulses": retention_protocol(n) for n in RETENTION_PULSES} if "retention" in parts else {}
    for tag, so in (("wox", WOX), ("taox", TAOX), ("diffusive", DIFFUSIVE)):
        if "ppf" in parts and so.intervals:
            out[f"{tag}_ppf_shortest_interval"] = so.ppf_protocol(so.intervals[0])
        if "srdp" in parts:
            out[f"{tag}_srdp_fastest"] = so.srdp_protocol(so.rates[-1])
        if "stdp" in parts:
            out[f"{tag}_stdp_pre_then_post"] = so.stdp_protocol(so.delays[0])
            out[f"{tag}_stdp_post_then_pre"] = so.stdp_protocol(-so.delays[0])
    return out


def run(progress: Callable[[str], None] | None = None, parts=PARTS) -> Reproduction:
    """Simulate the behaviours in ``parts`` (default all of ``PARTS``)."""
    tick = progress or (lambda step: None)
    m: dict = {}
    if "retention" in parts:
        vcm = Device("W/WOx/Pd")
        m["retention"] = {str(n): retention(vcm, n) for n in RETENTION_PULSES}
    tick(STEPS[0])
    m["wox"] = second_order(WOX, parts)
    tick(STEPS[1])
    m["taox"] = second_order(TAOX, parts)
    tick(STEPS[2])
    if "srdp" in parts or "stdp" in parts:
        m["diffusive"] = diffusive_pair(parts)
    tick(STEPS[3])
    if "metaplasticity" in parts:
        m["metaplasticity"] = metaplasticity()
    tick(STEPS[4])
    if "coupling" in parts:
        m["coupling"] = coupling()
    tick(STEPS[5])
    if "modulation" in parts:
        m["modulation"] = modulation()
    tick(STEPS[6])
    used = protocols(parts)
    for key in ("metaplasticity", "coupling", "modulation"):
        if key in m:
            used.update(m[key].pop("protocols"))
    return Reproduction(metrics=m, data={"protocols": used}, comparison=[], checks=claim_checks(m))


def _window_checks(tag: str, name: str, r: dict) -> list[tuple]:
    unit, u = (1e3, "ms") if tag == "wox" else (1e6, "us")
    if tag == "diffusive":
        name = f"{name}, drift memristor"
    rows = []
    if "ppf" in r:
        rows.append(
        (name, "PPF: second pulse enhanced, less so at longer intervals",
         all(x > 1 for x in r["ppf"]["ratio"]) and monotonic(r["ppf"]["ratio"], -1),
         f"PPF {r['ppf']['ratio'][0]:.3f} at {r['ppf']['interval_s'][0] * unit:g} {u} -> {r['ppf']['ratio'][-1]:.3f} "
         f"at {r['ppf']['interval_s'][-1] * unit:g} {u}"))
    if "srdp" in r:
        rows.append((name, "SRDP: larger change at a higher rate", monotonic(r["srdp"]["change"], +1),
                     f"dG/G {r['srdp']['change'][0]:+.3g} at {r['srdp']['rate_hz'][0]:g} Hz -> "
                     f"{r['srdp']['change'][-1]:+.3g} at {r['srdp']['rate_hz'][-1]:g} Hz"))
    if "stdp" in r:
        dt, change = np.array(r["stdp"]["dt_s"]), np.array(r["stdp"]["change"])
        pos, neg = change[dt > 0], change[dt < 0][::-1]  # both ordered by increasing |Δt|
        rows += [
        (name, "STDP: pre before post potentiates, post before pre depresses",
         bool(np.all(pos > 0) and np.all(neg < 0)),
         f"dG/G {pos[0]:+.3g} at +{dt[dt > 0][0] * unit:g} {u}, {neg[0]:+.3g} at -{dt[dt > 0][0] * unit:g} {u}"),
        (name, "STDP: smaller change at larger |dt|", monotonic(pos, -1) and monotonic(-neg, -1),
         f"dG/G {pos[-1]:+.3g} / {neg[-1]:+.3g} at +-{dt[-1] * unit:g} {u}")]
    return rows


def claim_checks(m: dict) -> list[dict]:
    rows = []
    if "retention" in m:
        r5, r40 = m["retention"]["5"], m["retention"]["40"]
        rows.append(("Fig. 5", "STM -> LTM: 40 pulses decay much more slowly than 5 (tau x5 or more)",
                     r40["tau_s"] > 5 * r5["tau_s"] and r40["retained_after_300s"] > r5["retained_after_300s"],
                     f"tau {r5['tau_s']:.3g} s (beta {r5['beta']:.2f}) vs {r40['tau_s']:.3g} s (beta {r40['beta']:.2f}); "
                     f"retained after 300 s {r5['retained_after_300s']:.2f} vs {r40['retained_after_300s']:.2f}"))
    rows += _window_checks("wox", "Fig. 6 (WOx mobility)", m["wox"])
    rows += _window_checks("taox", "Fig. 7a,b (TaOx heat)", m["taox"])
    if "diffusive" in m:
        rows += _window_checks("diffusive", "Fig. 7c,d (diffusive + drift)", m["diffusive"])
    if "metaplasticity" in m:
        rows += _metaplastic_checks(m["metaplasticity"])
    if "coupling" in m:
        rows += _coupling_checks(m["coupling"])
    if "modulation" in m:
        rows += _modulation_checks(m["modulation"])
    return [{"id": i, "claim": c, "pass": bool(ok), "value": v, "role": "predicted"} for i, c, ok, v in rows]


# --------------------------------------------------------------------------- diffusive + drift

DIFFUSIVE = SecondOrder("Ag:SiOxNy+drift", "pulse 2 V for 10 us", "pulse -2 V for 10 us", 10e-6, "wait 1 us",
                        intervals=(), rates=(1e3, 3e3, 10e3, 30e3, 50e3, 80e3),
                        delays=(12e-6, 15e-6, 20e-6, 50e-6, 100e-6, 300e-6))
"""Spikes as the pair sees them; no reads in the protocols: the drift memristor's conductance is
taken from its state (in the experiment it is measured on its own, the diffusive element off)."""


def drift_change(device: Device, protocol: str) -> float:
    """Relative change of the drift memristor's conductance G_m over ``protocol``."""
    res = simulate(device, protocol, save="end")
    p = device.params
    g = lambda w: p.drift_min + (p.drift_max - p.drift_min) * w  # noqa: E731
    return float(g(res["filament_fraction"].values[-1]) / g(p.initial_state) - 1.0)


def diffusive_pair(parts=PARTS) -> dict:
    """SRDP and STDP of the drift memristor behind a diffusive one."""
    so = DIFFUSIVE
    device = Device(so.preset)
    out = {}
    if "srdp" in parts:
        out["srdp"] = {"rate_hz": list(so.rates), "change": [drift_change(device, so.srdp_protocol(r)) for r in so.rates]}
    if "stdp" not in parts:
        return out
    far = 1000 * so.spike_length
    low, high = 0.05, 0.95
    while high - low > 1e-4:  # balanced state: far-apart pre and post spikes cancel
        mid = 0.5 * (low + high)
        low, high = (mid, high) if drift_change(Device(so.preset, initial_state=mid), so.stdp_protocol(far)) > 0 else (low, mid)
    w0 = 0.5 * (low + high)
    dts = sorted([-d for d in so.delays] + list(so.delays))
    balanced = Device(so.preset, initial_state=w0)
    out["stdp"] = {"dt_s": dts, "change": [drift_change(balanced, so.stdp_protocol(dt)) for dt in dts],
                   "initial_state": w0}
    return out


# --------------------------------------------------------------------------- metaplasticity

META = "TaOx/metaplastic"
META_TEST_PULSE = "pulse 1.15 V for 0.2 ms"
META_TARGET = 2e-6
"""Conductance [S] every programmed state is brought to before its plasticity is measured."""
SET_VOLTAGES = (1.2, 1.3, 1.4, 1.5)
RESET_VOLTAGES = (-1.0, -1.2, -1.4, -1.6)


def read_after(device: Device, protocol: str) -> float:
    """Conductance [S] read at 0.1 V after ``protocol``."""
    return float(read_conductance(simulate(device, f"{protocol}; read 0.1 V for 10 us", save="reads")).values[-1])


def reset_to_target(device: Device, history: str, v_reset: float) -> str:
    """``history`` plus a RESET pulse at ``v_reset`` [V] whose length (bisection on log t) brings
    the conductance to META_TARGET: states compared at one conductance."""
    lo, hi = np.log(1e-7), np.log(0.1)
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        g = read_after(device, f"{history}; pulse {v_reset:g} V for {fmt(float(f'{np.exp(mid):.9g}'))}")
        lo, hi = (mid, hi) if g > META_TARGET else (lo, mid)
    return f"{history}; pulse {v_reset:g} V for {fmt(float(f'{np.exp(0.5 * (lo + hi)):.9g}'))}"


def plasticity_after(device: Device, protocol: str) -> dict:
    g = read_conductance(simulate(device, f"{protocol}; read 0.1 V for 10 us; {META_TEST_PULSE}; wait 1 ms; "
                                          "read 0.1 V for 10 us", save="reads")).values
    return {"conductance_S": float(g[0]), "change": float(g[-1] / g[0] - 1.0)}


def metaplasticity() -> dict:
    device = Device(META)
    ab = {}
    for state, history in (("A", "pulse 1.2 V for 2 ms"), ("B", "pulse -1.2 V for 2 ms")):
        g = read_conductance(simulate(device, f"{history}; wait 1 ms; read 0.1 V for 10 us; repeat 10 {{ pulse 1 V for 1 ms; "
                                              "wait 1 ms; read 0.1 V for 10 us }", save="reads")).values
        ab[state] = {"history": history, "conductance_S": float(g[0]), "change": float(g[1] / g[0] - 1.0),
                     "curve_S": g.tolist()}
    set_programs = [reset_to_target(device, f"pulse -1.4 V for 5 ms; pulse {v:g} V for 0.3 ms", -1.2) for v in SET_VOLTAGES]
    reset_programs = [reset_to_target(device, "wait 1 us", v) for v in RESET_VOLTAGES]
    set_runs = [plasticity_after(device, prog) for prog in set_programs]
    reset_runs = [plasticity_after(device, prog) for prog in reset_programs]
    used = {f"meta_state_{k}": f"{v['history']}; wait 1 ms; read 0.1 V for 10 us; repeat 10 {{ pulse 1 V for 1 ms; "
                               "wait 1 ms; read 0.1 V for 10 us }" for k, v in ab.items()}
    used.update({f"meta_set_{v:g}V": f"{prog}; read 0.1 V for 10 us; {META_TEST_PULSE}" for v, prog in zip(SET_VOLTAGES, set_programs)})
    used.update({f"meta_reset_{v:g}V": f"{prog}; read 0.1 V for 10 us; {META_TEST_PULSE}"
                 for v, prog in zip(RESET_VOLTAGES, reset_programs)})
    return {"protocols": used, "states": ab, "identical_pulse": "pulse 1 V for 1 ms", "test_pulse": META_TEST_PULSE,
            "set_voltage_V": list(SET_VOLTAGES), "set_plasticity": [r["change"] for r in set_runs],
            "reset_voltage_V": list(RESET_VOLTAGES), "reset_plasticity": [r["change"] for r in reset_runs],
            "compared_at_S": [r["conductance_S"] for r in set_runs + reset_runs]}


def _metaplastic_checks(r: dict) -> list[tuple]:
    a, b = r["states"]["A"], r["states"]["B"]
    same = abs(a["conductance_S"] / b["conductance_S"] - 1.0) < 1e-6
    return [
        ("metaplasticity", "states A and B of equal conductance respond to one pulse with opposite signs",
         same and a["change"] * b["change"] < 0,
         f"G {a['conductance_S']:.3g} / {b['conductance_S']:.3g} S; dG/G {a['change']:+.3g} (A) vs {b['change']:+.3g} (B)"),
        ("metaplasticity", "higher pre-programming SET voltage -> larger later plasticity",
         monotonic(r["set_plasticity"], +1),
         ", ".join(f"{v:g} V: {c:+.3g}" for v, c in zip(r["set_voltage_V"], r["set_plasticity"]))),
        ("metaplasticity", "stronger RESET -> fewer residual vacancies -> smaller later plasticity",
         monotonic(r["reset_plasticity"], -1),
         ", ".join(f"{v:g} V: {c:+.3g}" for v, c in zip(r["reset_voltage_V"], r["reset_plasticity"]))),
    ]


# --------------------------------------------------------------------------- coupled reservoir

LI = "LixMoS2/4-channel"
LI_TRAIN = "repeat 10 { pulse 5 V for 10 ms; wait 10 ms }"
LI_READ = "read 0.1 V for 1 ms"


def li_run(device: Device, drives: dict[str, str], state0=None):
    """Run {terminal: protocol} on the coupled device; return the final state (n_states,)."""
    res = simulate(device, drives, state0=state0, save="end", rtol=1e-10, atol=1e-13)
    return np.array([res[k].values[-1] for k in device.model.state_names])


def li_conductance(device: Device, state) -> np.ndarray:
    """(4,) channel conductances [S] of a state."""
    return device.model.conductance(np.asarray(state)[:, None], device.params)[:, 0]


def coupling() -> dict:
    """Competition, cooperation and a four-device network, with the Li inventory checked."""
    from nanoionic.models.li_reservoir import total_li

    out, drift = {}, []
    limited = Device(LI, initial_region=1, initial_inventory=0.5)  # Li only between channels 0 and 1
    s0 = limited.model.initial_state(limited.params, 1)[:, 0]
    alone = li_run(limited, {"D1": LI_TRAIN})
    first = li_run(limited, {"D0": LI_TRAIN})
    after = li_run(limited, {"D1": LI_TRAIN}, state0=first)
    g0 = li_conductance(limited, s0)[1]
    out["competition"] = {"channel1_alone_uS": li_conductance(limited, alone)[1] * 1e6,
                          "channel1_after_channel0_uS": li_conductance(limited, after)[1] * 1e6, "initial_uS": g0 * 1e6}
    drift += [total_li(x[:, None])[0] / total_li(s0[:, None])[0] - 1 for x in (alone, first, after)]
    remote = Device(LI, initial_region=0, initial_inventory=1.0)  # Li only beyond channel 0
    s0 = remote.model.initial_state(remote.params, 1)[:, 0]
    alone = li_run(remote, {"D1": "wait 1 s; " + LI_TRAIN})
    first = li_run(remote, {"D0": LI_TRAIN + "; wait 1 s"})
    after = li_run(remote, {"D1": LI_TRAIN}, state0=first)
    out["cooperation"] = {"channel1_alone_uS": li_conductance(remote, alone)[1] * 1e6,
                          "channel1_after_channel0_uS": li_conductance(remote, after)[1] * 1e6,
                          "initial_uS": li_conductance(remote, s0)[1] * 1e6}
    drift += [total_li(x[:, None])[0] / total_li(s0[:, None])[0] - 1 for x in (alone, first, after)]
    network = Device(LI)
    spread = np.zeros(len(network.model.state_names))
    spread[4:] = 0.3  # 0.3 channel capacities in every film region, channels empty
    rested = li_run(network, {"D0": "wait 2 s"}, state0=spread)  # settle the exchange at 0 V
    programmed = li_run(network, {"D1": LI_TRAIN + "; wait 1 s"}, state0=rested)
    before, after = li_conductance(network, rested), li_conductance(network, programmed)
    out["network"] = {"programmed": "D1", "before_uS": (before * 1e6).tolist(), "after_uS": (after * 1e6).tolist(),
                      "relative_change": (after / before - 1).tolist()}
    drift += [total_li(x[:, None])[0] / total_li(spread[:, None])[0] - 1 for x in (rested, programmed)]
    out["max_inventory_drift"] = float(np.max(np.abs(drift)))
    out["protocols"] = {"coupling_train_D1": terminal_text({"D1": LI_TRAIN}),
                        "coupling_cooperation_D0_then_D1": terminal_text({"D0": LI_TRAIN + "; wait 1 s"}) + "# then\n"
                        + terminal_text({"D1": LI_TRAIN})}
    return out


def terminal_text(drives: dict[str, str]) -> str:
    """A multi-terminal protocol as text: one [terminal] block per driven terminal."""
    return "".join(f"[{k}]\n{v}\n" for k, v in drives.items())


def _coupling_checks(r: dict) -> list[tuple]:
    comp, coop, net = r["competition"], r["cooperation"], r["network"]
    others = [c for k, c in enumerate(net["relative_change"]) if k != 1]
    return [
        ("coupling", "competition: a neighbour's potentiation leaves less Li (smaller gain)",
         comp["channel1_after_channel0_uS"] - comp["initial_uS"] < 0.5 * (comp["channel1_alone_uS"] - comp["initial_uS"]),
         f"channel 1: {comp['channel1_alone_uS']:.3g} uS alone vs {comp['channel1_after_channel0_uS']:.3g} uS after channel 0"),
        ("coupling", "cooperation: potentiating channel 0 brings Li to channel 1",
         coop["channel1_after_channel0_uS"] - coop["initial_uS"] > 10 * (coop["channel1_alone_uS"] - coop["initial_uS"]),
         f"channel 1: {coop['channel1_alone_uS']:.3g} uS alone vs {coop['channel1_after_channel0_uS']:.3g} uS after channel 0"),
        ("coupling", "network: programming channel 1 changes the other three",
         all(abs(c) > 1e-3 for c in others) and net["relative_change"][1] > 1,
         ", ".join(f"D{k} {c:+.3g}" for k, c in enumerate(net["relative_change"]))),
        ("coupling", "Li conserved to 1e-12 (relative)", r["max_inventory_drift"] < 1e-12,
         f"max drift {r['max_inventory_drift']:.2g}"),
    ]


# --------------------------------------------------------------------------- modulatory terminal

MOD = "AgNP/Pt-3-terminal"
MOD_VOLTAGES = (-4.0, -2.0, 0.0, 2.0, 4.0, 6.0, 8.0)
MOD_MAX_PULSES = 60


def pulses_to_switch(device: Device, v_pre: float, v_mod: float) -> int | None:
    """Pre pulses (v_pre [V], 1 ms, 1 ms apart) under a held v_mod [V] until the bridge crosses
    x = 0.5 (SET from x = 0 for v_pre > 0, RESET from x = 1 for v_pre < 0); None if not within
    MOD_MAX_PULSES."""
    setting = v_pre > 0
    res = simulate(device, modulation_drives(v_pre, v_mod), state0=None if setting else np.array([1.0]), save="reads")
    x = res["bridge"].values
    hit = np.flatnonzero(x >= 0.5) if setting else np.flatnonzero(x < 0.5)
    return int(hit[0]) if hit.size else None


def modulation_drives(v_pre: float, v_mod: float) -> dict[str, str]:
    """The pre and mod protocols of one pulses-to-switch run."""
    n = MOD_MAX_PULSES
    pre = f"read 0.1 V for 10 us; repeat {n} {{ pulse {v_pre:g} V for 1 ms; wait 1 ms; read 0.1 V for 10 us }}"
    return {"pre": pre, "mod": f"hold {v_mod:g} V for {fmt(n * 2.01e-3 + 1e-3)}" if v_mod else "wait 1 us"}


def modulation() -> dict:
    device = Device(MOD)
    used = {f"modulation_{kind}_Vmod_{v:g}V": terminal_text(modulation_drives(vp, v))
            for kind, vp in (("set", 10.0), ("reset", -10.0)) for v in (0.0, 8.0, -8.0 if kind == "reset" else 8.0)}
    return {"protocols": used, "v_mod_V": list(MOD_VOLTAGES), "max_pulses": MOD_MAX_PULSES,
            "set_pulses": [pulses_to_switch(device, 10.0, v) for v in MOD_VOLTAGES],
            "reset_pulses": [pulses_to_switch(device, -10.0, v) for v in MOD_VOLTAGES]}


def _modulation_checks(r: dict) -> list[tuple]:
    big = r["max_pulses"] + 1
    count = lambda seq: [big if x is None else x for x in seq]  # noqa: E731 (None: not within the limit)
    sets, resets = count(r["set_pulses"]), count(r["reset_pulses"])
    v = r["v_mod_V"]
    zero = v.index(0.0)
    return [
        ("modulation", "V_mod > 0 lowers the pulses needed to SET (0, 2, 4, 6, 8 V); V_mod < 0 suppresses SET",
         monotonic(sets[zero:], -1) and all(s > sets[zero] for s in sets[:zero]),
         ", ".join(f"{m:g} V: {'>' + str(r['max_pulses']) if p is None else p}" for m, p in zip(v, r["set_pulses"]))),
        ("modulation", "for RESET the signs reverse: V_mod < 0 speeds rupture, V_mod > 0 slows it",
         monotonic(resets[:zero + 1], +1) and all(s > resets[zero] for s in resets[zero + 1:]),
         ", ".join(f"{m:g} V: {'>' + str(r['max_pulses']) if p is None else p}" for m, p in zip(v, r["reset_pulses"]))),
    ]
