"""Electro-thermal threshold switch: Poole–Frenkel conduction heated by its own current
(volatile; negative differential resistance; a selector).

Physical picture (review Sec. 2.2 and 5.2; Slesazeck et al., RSC Adv. 5, 102318 (2015); Gibson
et al., Appl. Phys. Lett. 108, 023505 (2016)): the film conducts by Poole–Frenkel emission,
whose conductance rises steeply with temperature; the Joule power I·V heats a small volume with
thermal capacitance C_th that loses heat through a thermal conductance 1/R_th. Above a threshold
the heating and the conductance feed each other (thermal runaway), a hot conducting channel
forms and the current jumps; as the resistance falls the voltage needed to keep it hot falls
too — a current-controlled (S-type) negative differential resistance. Remove the bias and the
channel cools with τ_th = R_th·C_th: the device returns to its HRS by itself (volatile). An
optional insulator–metal transition (NbO2 at ~1080 K, VO2 at ~340 K) adds a metallic
conductance above T_imt. State: the temperature rise θ = T - T0 [K]:

    C_th·dθ/dt = I·V_d - θ/R_th        (target saturating at θ_max, ``physics.thermal``)
    G(θ, V) = G_pf·exp(-q·(φ_B - sqrt(q·|V|/(π·ε0·ε_r·d)))/(k_B·T)) + G_m·σ((T - T_imt)/ΔT)
    I = G(θ, V_d)·V_d,   V_d + R_s·I = V   (optional series load resistor R_s)

Nothing in the equations knows about thresholds or pulses: the jump, NDR and the relaxation
are the positive thermal feedback and the cooling. ``quasi_static_iv`` gives the steady-state
I–V parametrised by θ, which covers the NDR branch that a voltage sweep jumps over.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nanoionic._core.units import EPS_0, EV, K_B, Q_E
from nanoionic.models.base import DeviceModel, field
from nanoionic.models.compact import CompactModel, CompactState, NotExportableError, scalar_parameters
from nanoionic.physics.conduction import series_divided_voltage
from nanoionic.physics.thermal import poole_frenkel_conductance, power_at_rise, thermal_rate


@dataclass(frozen=True)
class ThresholdSwitchParams:
    """Parameters of the electro-thermal threshold switch (SI; energies in J). Defaults:
    NbOx-like, illustrative (presets "NbO2/selector", "VO2/selector")."""

    ambient_temperature: float = field(300.0, "K", 0.0, 2000.0, "T0", low_open=True)
    pf_conductance: float = field(0.1, "S", 0.0, 1e3, "G_pf: Poole–Frenkel prefactor", low_open=True)
    trap_depth: float = field(0.50 * EV, "J", 0.0, 3 * EV, "φ_B: trap depth")
    permittivity: float = field(45.0, "1", 1.0, 1000.0, "ε_r (high-frequency) of the film")
    thickness: float = field(10e-9, "m", 1e-10, 1e-5, "d: film thickness")
    thermal_resistance: float = field(3e6, "K/W", 0.0, 1e12, "R_th", low_open=True)
    thermal_time: float = field(20e-9, "s", 0.0, 1.0, "τ_th = R_th·C_th", low_open=True)
    metallic_conductance: float = field(5e-3, "S", 0.0, 1e3, "G_m: conductance above the insulator–metal transition")
    transition_temperature: float = field(1080.0, "K", 0.0, 1e4, "T_imt (NbO2 1080 K, VO2 340 K)", low_open=True)
    transition_width: float = field(15.0, "K", 0.0, 1e3, "ΔT of the transition", low_open=True)
    max_temperature_rise: float = field(3000.0, "K", 0.0, 1e4, "θ_max: P·R_th saturates there", low_open=True)
    series_resistance: float = field(0.0, "Ohm", 0.0, 1e9, "R_s: load resistor in series (0: none)")


class ThresholdSwitchModel(DeviceModel):
    """Poole–Frenkel conduction with Joule heating; state = temperature rise (see module)."""

    name = "threshold-switch"
    state_names = ("temperature_rise",)
    state_bounds = ((0.0, 1e4),)  # θ stays below max_temperature_rise <= 1e4 K
    Params = ThresholdSwitchParams
    stiff = True
    operating_voltage = 3.0
    time_scale = 20e-9

    def initial_state(self, params, n_devices: int) -> np.ndarray:
        return np.zeros((1, n_devices))

    def conductance_law(self, theta, v_d, params):
        """Chord conductance G(θ, V_d) [S]."""
        temp = params.ambient_temperature + np.maximum(theta, 0.0)
        g = poole_frenkel_conductance(v_d, temp, params.pf_conductance, params.trap_depth, params.thickness,
                                      params.permittivity)
        x = np.clip((temp - params.transition_temperature) / params.transition_width, -700.0, 700.0)
        return g + params.metallic_conductance * 0.5 * (1.0 + np.tanh(0.5 * x))

    def device_voltage(self, state, v, params):
        """Voltage across the film [V] (the rest drops on R_s)."""
        v = np.asarray(v, dtype=float)
        if not np.any(np.asarray(params.series_resistance) > 0):
            return v
        theta = state[0]
        return series_divided_voltage(v, lambda vd: self.conductance_law(theta, vd, params) * vd,
                                      params.series_resistance)

    def rates(self, state, v, t, params):
        v_d = self.device_voltage(state, v, params)
        power = self.conductance_law(state[0], v_d, params) * v_d * v_d
        return thermal_rate(state[0], power, params.thermal_resistance, params.thermal_time,
                            params.max_temperature_rise)[None, :]

    def current(self, state, v, params):
        v_d = self.device_voltage(state, v, params)
        return self.conductance_law(state[0], v_d, params) * v_d

    def compact(self, params):
        """The film as formulas (the same equations as ``rates`` and ``current`` with R_s = 0). The
        trap depth and the Poole–Frenkel lowering are divided by k_B beforehand (φ_B/k_B in K,
        q·sqrt(q/(π·ε0·ε_r·d))/k_B in K/sqrt(V)), so the exponent is their difference over the
        temperature T0 + θ; 1/τ_th is a rate parameter.

        With a series resistance R_s > 0 the model is refused: the film's Joule power in
        dθ/dt needs V_d, the root of V_d + R_s·G(θ, V_d)·V_d = V, and compact state rates see only
        the terminal voltage (V_d is available to the current alone). Export the film with
        series_resistance = 0 and put R_s in the netlist as a resistor instead: that circuit is
        the same model."""
        p = scalar_parameters(params, self.name)
        if p["series_resistance"] > 0:
            raise NotExportableError(
                f"model {self.name!r} with series_resistance = {p['series_resistance']:g} Ohm: the Joule heating "
                "C_th·dθ/dt = G(θ, V_d)·V_d² - θ/R_th needs the film voltage V_d, the implicit root of "
                "V_d + R_s·G(θ, V_d)·V_d = V, and compact state rates see only the terminal voltage; export it "
                "with series_resistance = 0 and add R_s as a resistor in the netlist")
        values = {"t0": p["ambient_temperature"], "g_pf": p["pf_conductance"], "phi_k": p["trap_depth"] / K_B,
                  "b_k": Q_E * float(np.sqrt(Q_E / (np.pi * EPS_0 * p["permittivity"] * p["thickness"]))) / K_B,
                  "g_m": p["metallic_conductance"], "t_imt": p["transition_temperature"],
                  "inv_dt": 1.0 / p["transition_width"], "r_th": p["thermal_resistance"],
                  "inv_tau": 1.0 / p["thermal_time"], "th_max": p["max_temperature_rise"]}
        aux = (("temp", "t0 + max(theta, 0)"),  # film temperature [K]
               ("g", "g_pf * exp(-max(phi_k - b_k * sqrt(max(abs(v), 1e-300)), 0) / temp)"
                     " + g_m * 0.5 * (1 + tanh(0.5 * min(max((temp - t_imt) * inv_dt, -700), 700)))"),
               ("heat", "max(g * v * v, 0) * r_th"))
        return CompactModel(
            name=self.name, parameters=values, auxiliaries=aux,
            states=(CompactState("theta", "(heat / (1 + heat / th_max) - theta) * inv_tau", 0.0, *self.state_bounds[0]),),
            current="g * vd",
            source="Slesazeck et al., RSC Adv. 5, 102318 (2015); Gibson et al., Appl. Phys. Lett. 108, 023505 (2016); "
                   "nanoionic threshold-switch model",
            notes=("theta: temperature rise of the film above T0 [K] (node voltage)",
                   "a load resistor R_s goes in the netlist (the export refuses series_resistance > 0)"))


def quasi_static_iv(params, theta):
    """Steady states of the film alone (R_s excluded) parametrised by the temperature rise:
    (V_d [V], I [A]) at each θ [K] in ``theta`` (increasing θ walks from the HRS through the
    NDR branch to the hot on-state).

    At steady state P = I·V = θ/R_th (saturated form: ``physics.thermal.power_at_rise``) and
    I = G(θ, V)·V, so G(θ, V)·V² = P; G·V² rises monotonically with V, so V is found by
    bisection on ln V (80 halvings of [1e-9, 1e4] V: relative accuracy ~1e-16). This is the I–V
    under current drive (or a large series resistor): dV/dI < 0 on its middle branch is the
    negative differential resistance.
    """
    model = ThresholdSwitchModel()
    theta = np.asarray(theta, dtype=float)
    power = power_at_rise(theta, params.thermal_resistance, params.max_temperature_rise)
    lo, hi = np.full(theta.shape, np.log(1e-9)), np.full(theta.shape, np.log(1e4))
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        v = np.exp(mid)
        over = model.conductance_law(theta, v, params) * v * v > power
        hi, lo = np.where(over, mid, hi), np.where(over, lo, mid)
    v = np.exp(0.5 * (lo + hi))
    return v, np.where(v > 0, power / v, 0.0)


def threshold_point(params, n: int = 4000, max_rise: float | None = None):
    """(V_th, I_th, θ_th): the first turning point (dV/dI = 0, largest voltage of the lower
    branch) of the quasi-static I–V — the voltage beyond which a voltage-driven device runs away."""
    top = 0.95 * params.max_temperature_rise if max_rise is None else max_rise
    theta = np.geomspace(1e-3, top, n)
    v, i = quasi_static_iv(params, theta)
    k = int(np.argmax(np.diff(v) < 0))  # first fall of V
    return float(v[k]), float(i[k]), float(theta[k])


def hot_state(params, voltage, iterations: int = 400):
    """Temperature rise [K] of the hottest steady state of the film held at ``voltage`` [V] (the
    on-state a voltage-driven device reaches after the runaway): the fixed-point iteration
    θ ← θ*(G(θ, V)·V²) started at θ_max descends monotonically onto the largest fixed point."""
    from nanoionic.physics.thermal import saturating_heat_target
    model = ThresholdSwitchModel()
    v = np.asarray(voltage, dtype=float)
    theta = np.full(v.shape, float(params.max_temperature_rise))
    for _ in range(iterations):
        new = saturating_heat_target(model.conductance_law(theta, v, params) * v * v, params.thermal_resistance,
                                     params.max_temperature_rise)
        if np.all(np.abs(new - theta) <= 1e-9 * params.max_temperature_rise):
            return new
        theta = new
    return theta


def hot_branch_conductance(params, voltage: float) -> float:
    """Chord conductance [S] of the hottest steady state at ``voltage`` [V] (``hot_state``)."""
    theta = hot_state(params, voltage)
    return float(ThresholdSwitchModel().conductance_law(theta, voltage, params))


def holding_point(params, n: int = 4000):
    """(V_hold, I_hold): the lowest voltage of the quasi-static I–V beyond the threshold (the
    second turning point, where the NDR branch ends); a series-limited device stays on down to
    V_hold."""
    theta = np.geomspace(1e-3, 0.95 * params.max_temperature_rise, n)
    v, i = quasi_static_iv(params, theta)
    k0 = int(np.argmax(np.diff(v) < 0))
    k = k0 + int(np.argmin(v[k0:]))
    return float(v[k]), float(i[k])


def static_selector_values(params, width_fraction: float = 0.02) -> dict:
    """The four numbers of a static (logistic) threshold selector that stands in for this switch
    in a DC crossbar solve: V_th (``threshold_point``), G_off = cold chord conductance at V_th/2
    (a half-selected cell), G_on = chord conductance at the holding point (the on-state when the
    memory cell in series limits the current) and a transition width of ``width_fraction``·V_th
    (the quasi-static jump is a discontinuity; a DC Newton solve needs a finite width)."""
    v_th, _, _ = threshold_point(params)
    v_hold, i_hold = holding_point(params)
    model = ThresholdSwitchModel()
    g_off = float(model.conductance_law(np.zeros(1), 0.5 * v_th, params)[0])
    return {"threshold_voltage": v_th, "on_conductance": i_hold / v_hold, "off_conductance": g_off,
            "transition_width": width_fraction * v_th}
