"""Second-order memristor with Joule heating: the internal temperature as the short-term state
(Ta2O5−x/TaOy-like, programming + heating pulses).

Physical picture (review, Sec. 3.2 and Fig. 7a,b; Kim, Du, Sheridan, Lu et al., Nano Lett. 15,
2203 (2015)): ions in the filament region hop over a barrier E_a with a field-lowered Mott–Gurney
rate that depends steeply on the local temperature; a pulse heats the filament (Joule heating)
and the heat leaks away with a thermal time constant R_th·C_th. A second pulse that arrives
while the device is still warm moves more ions. First-order state: the filament fraction w;
second-order state: the temperature rise θ = T - T0 [K]:

    dw/dt = ν·exp(-E_a/k_B T)·[h₊(1 - w) - h₋·w],   h± = sinh(q·a·V±/(2·d·k_B T)),   T = T0 + θ
    C_th·dθ/dt = I·V - θ/R_th   (P·R_th saturating smoothly at θ_max, where the filament melts)

with V± the positive/negative parts of V (SET grows, RESET shrinks the filament). Weak "heating
pulses" raise θ without switching (E_a ≫ the field work at low V), which is how the review's
SRDP and STDP from non-overlapping pulses work.

Conduction: I = (G_off + (G_on - G_off)·w)·V (metallic TaOx filament, ohmic).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nanoionic._core.units import EV, K_B, Q_E
from nanoionic.models.base import DeviceModel, field
from nanoionic.models.compact import CompactModel, CompactState, scalar_parameters


@dataclass(frozen=True)
class TaOxThermalParams:
    """Parameters of the TaOx thermal model (SI; energies in J). Defaults:
    parameters/sets/TaOx_KimLu2015.toml."""

    ambient_temperature: float = field(300.0, "K", 0.0, 2000.0, "T0", low_open=True)
    attempt_frequency: float = field(1e13, "Hz", 1e6, 1e16, "ν")
    activation_energy: float = field(1.0 * EV, "J", 0.0, 5 * EV, "E_a of ion hopping in the filament")
    hop_distance: float = field(1.5e-9, "m", 1e-11, 1e-7, "a: hop distance")
    thickness: float = field(5e-9, "m", 1e-10, 1e-5, "d: switching-layer thickness")
    thermal_resistance: float = field(1e7, "K/W", 0.0, 1e12, "R_th", low_open=True)
    thermal_time: float = field(5e-6, "s", 0.0, 1.0, "τ_th = R_th·C_th", low_open=True)
    off_conductance: float = field(1e-6, "S", 0.0, 1.0, "G_off (w = 0)")
    on_conductance: float = field(1e-4, "S", 0.0, 1.0, "G_on (w = 1)", low_open=True)
    initial_state: float = field(0.5, "1", 0.0, 1.0, "w of a fresh device")
    max_temperature_rise: float = field(3000.0, "K", 0.0, 1e4, "θ_max: the filament melts/evaporates beyond; P·R_th saturates there", low_open=True)


class TaOxThermalModel(DeviceModel):
    """Filament fraction w with the internal temperature rise θ (see module)."""

    name = "taox-thermal"
    state_names = ("filament_fraction", "temperature_rise")
    state_bounds = ((0.0, 1.0), (0.0, 1e4))  # θ stays below max_temperature_rise <= 1e4 K
    Params = TaOxThermalParams
    operating_voltage = 1.2
    time_scale = 1e-06

    def initial_state(self, params, n_devices: int) -> np.ndarray:
        state = np.zeros((2, n_devices))
        state[0] = params.initial_state
        return state

    def conductance(self, w, params):
        return params.off_conductance + (params.on_conductance - params.off_conductance) * w

    def rates(self, state, v, t, params):
        w, theta = state
        v = np.asarray(v, dtype=float)
        kt = K_B * (params.ambient_temperature + np.maximum(theta, 0.0))
        rate = params.attempt_frequency * np.exp(-params.activation_energy / kt)
        x = np.clip(Q_E * params.hop_distance * v / (2.0 * params.thickness * kt), -700.0, 700.0)
        h = rate * np.sinh(x)
        h = h / (1.0 + np.abs(h) / params.attempt_frequency)  # no hop beats the attempt frequency
        dw = np.maximum(h, 0.0) * (1.0 - w) - np.maximum(-h, 0.0) * w
        heat = self.conductance(w, params) * v * v * params.thermal_resistance
        target = heat / (1.0 + heat / params.max_temperature_rise)  # saturates at θ_max
        dtheta = (target - theta) / params.thermal_time
        return np.stack([dw, dtheta])

    def current(self, state, v, params):
        return self.conductance(state[0], params) * np.asarray(v, dtype=float)

    def compact(self, params):
        """The model as formulas (the same equations as ``rates`` and ``current``). The activation
        energy and the field work per volt are divided by k_B beforehand (E_a/k_B and q·a/(2·d·k_B)
        in K and K/V), so the exponents are those numbers over the temperature T0 + θ."""
        p = scalar_parameters(params, self.name)
        values = {"t0": p["ambient_temperature"], "ln_nu": float(np.log(p["attempt_frequency"])),
                  "nu": p["attempt_frequency"], "ea_k": p["activation_energy"] / K_B,
                  "s_k": Q_E * p["hop_distance"] / (2.0 * p["thickness"] * K_B),
                  "g_off": p["off_conductance"], "g_on": p["on_conductance"], "r_th": p["thermal_resistance"],
                  "tau_th": p["thermal_time"], "th_max": p["max_temperature_rise"]}
        aux = (("temp", "t0 + max(theta, 0)"),  # filament temperature [K]
               ("h0", "exp(ln_nu - ea_k / temp) * sinh(min(max(s_k * v / temp, -700), 700))"),
               ("h", "h0 / (1 + abs(h0) / nu)"),  # no hop beats the attempt frequency
               ("heat", "(g_off + (g_on - g_off) * w) * v * v * r_th"))
        return CompactModel(
            name=self.name, parameters=values, auxiliaries=aux,
            states=(CompactState("w", "max(h, 0) * (1 - w) - max(-h, 0) * w", p["initial_state"], 0.0, 1.0),
                    CompactState("theta", "(heat / (1 + heat / th_max) - theta) / tau_th", 0.0,
                                 *self.state_bounds[1])),
            current="(g_off + (g_on - g_off) * w) * vd",
            source="Kim, Du, Sheridan, Lu et al., Nano Lett. 15, 2203 (2015); nanoionic taox-thermal model",
            notes=("w: filament fraction; theta: temperature rise of the filament above T0 [K] (node voltage)",))
