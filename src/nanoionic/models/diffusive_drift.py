"""A diffusive memristor (Ag:SiOxNy) in series with a non-volatile drift memristor, solved as a
two-element circuit.

Physical picture (review, Sec. 3.2 and Fig. 7c,d; Wang, Joshi, Savel'ev, Yang et al., Nat. Mater.
16, 101 (2017)): in the diffusive element, Ag ions driven by the field bridge the SiOxNy gap
(volatile threshold switching); when the field is removed the Ag filament breaks up into
nanoparticles to minimise its surface energy and the element relaxes to its insulating state.
In series with a drift memristor (oxygen-vacancy filament, non-volatile), the diffusive element
decides how much of a spike reaches the drift memristor: while it is off it takes almost all
the voltage, once on it hands the voltage over. A spike that arrives before the previous one
has relaxed finds it partly on, so the drift memristor switches more: the diffusive element's
short-term state is the second-order variable of the pair.

States: s, the completeness of the Ag bridge (0 = nanoparticles, 1 = bridged), and w, the
drift memristor's filament fraction. Conductances: G_d = G_off·(G_on/G_off)^s (the tunnelling
gap closes linearly with s) and G_m = G_min + (G_max - G_min)·w. Both are ohmic at fixed state,
so the internal node is exact: V_d = V·G_m/(G_d + G_m), V_m = V - V_d, I = V·G_d·G_m/(G_d + G_m).

    ds/dt = k_g(V_d)·(1 - s) - s/τ_r,  k_g = ν·exp(-(E_g - q·a·|V_d|/(2d))/k_B T)  (either polarity)
    dw/dt = k_w·[sinh(V_m₊/V_0)·(1 - w) - sinh(V_m₋/V_0)·w]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nanoionic._core.units import EV, K_B, Q_E
from nanoionic.models.base import DeviceModel, field
from nanoionic.models.compact import CompactModel, CompactState, scalar_parameters, softplus
from nanoionic.physics.hopping import field_work, log_hopping_rate


@dataclass(frozen=True)
class DiffusiveDriftParams:
    """Parameters of the diffusive + drift pair (SI; energies in J). Defaults:
    parameters/sets/AgSiOxNy-TaOx_WangYang2017.toml."""

    temperature: float = field(300.0, "K", 0.0, 2000.0, "T", low_open=True)
    attempt_frequency: float = field(1e13, "Hz", 1e6, 1e16, "ν")
    growth_barrier: float = field(0.95 * EV, "J", 0.0, 5 * EV, "E_g: Ag+ hop that extends the bridge")
    hop_distance: float = field(5e-9, "m", 1e-11, 1e-7, "a: Ag+ hop distance (field work q·a·V_d/2d)")
    thickness: float = field(10e-9, "m", 1e-10, 1e-5, "d: SiOxNy thickness")
    relaxation_time: float = field(200e-6, "s", 0.0, 1e3, "τ_r: break-up of the Ag bridge at rest", low_open=True)
    diffusive_off: float = field(1e-9, "S", 0.0, 1.0, "G_off of the diffusive element", low_open=True)
    diffusive_on: float = field(1e-3, "S", 0.0, 1.0, "G_on of the diffusive element (bridged)", low_open=True)
    drift_rate: float = field(20.0, "1/s", 0.0, 1e12, "k_w of the drift memristor")
    drift_voltage: float = field(0.15, "V", 0.0, 100.0, "V_0 of the drift memristor's sinh law", low_open=True)
    drift_min: float = field(1e-6, "S", 0.0, 1.0, "G_min of the drift memristor", low_open=True)
    drift_max: float = field(1e-4, "S", 0.0, 1.0, "G_max of the drift memristor", low_open=True)
    initial_state: float = field(0.2, "1", 0.0, 1.0, "w of a fresh drift memristor")


class DiffusiveDriftModel(DeviceModel):
    """Diffusive (volatile) + drift (non-volatile) memristors in series (see module)."""

    name = "diffusive-drift"
    state_names = ("bridge", "filament_fraction")
    state_bounds = ((0.0, 1.0), (0.0, 1.0))
    Params = DiffusiveDriftParams
    operating_voltage = 2.0
    time_scale = 1e-5

    def initial_state(self, params, n_devices: int) -> np.ndarray:
        state = np.zeros((2, n_devices))
        state[1] = params.initial_state
        return state

    def split(self, state, v, params):
        """(V_d, V_m, I): voltages across the diffusive and drift elements [V] and the current [A]."""
        s, w = state
        g_d = params.diffusive_off * (params.diffusive_on / params.diffusive_off) ** s
        g_m = params.drift_min + (params.drift_max - params.drift_min) * w
        v = np.asarray(v, dtype=float)
        v_d = v * g_m / (g_d + g_m)
        return v_d, v - v_d, v * g_d * g_m / (g_d + g_m)

    def rates(self, state, v, t, params):
        s, w = state
        v_d, v_m, _ = self.split(state, v, params)
        e = np.abs(v_d) / params.thickness
        growth = np.exp(log_hopping_rate(params.growth_barrier, field_work(Q_E, params.hop_distance, e),
                                         params.temperature, params.attempt_frequency))
        ds = growth * (1.0 - s) - s / params.relaxation_time
        x = np.clip(v_m / params.drift_voltage, -700.0, 700.0)
        k = params.drift_rate
        k_up = k * np.sinh(np.maximum(x, 0.0))
        k_down = k * np.sinh(np.maximum(-x, 0.0))
        k_up, k_down = (r / (1.0 + r / params.attempt_frequency) for r in (k_up, k_down))  # ≤ ν
        dw = k_up * (1.0 - w) - k_down * w
        return np.stack([ds, dw])

    def current(self, state, v, params):
        return self.split(state, v, params)[2]

    def compact(self, params):
        """The pair as formulas: the internal node is explicit (both elements are ohmic at fixed
        state), so the divider is written out; the growth barrier and its field work per volt are
        divided by k_B·T beforehand."""
        p = scalar_parameters(params, self.name)
        kt = K_B * p["temperature"]
        values = {"ln_nu": float(np.log(p["attempt_frequency"])), "nu": p["attempt_frequency"],
                  "e_g": p["growth_barrier"] / kt,
                  "s_g": field_work(Q_E, p["hop_distance"], 1.0 / p["thickness"]) / kt,  # [1/V]
                  "tau_r": p["relaxation_time"], "g_off": p["diffusive_off"],
                  "g_ratio": p["diffusive_on"] / p["diffusive_off"], "k_w": p["drift_rate"], "v_0": p["drift_voltage"],
                  "g_min": p["drift_min"], "g_max": p["drift_max"]}
        saturate = lambda r: f"({r}) / (1 + ({r}) / nu)"  # noqa: E731 - harmonic ceiling at ν (r >= 0)
        aux = (("g_d", "g_off * g_ratio ** s"), ("g_m", "g_min + (g_max - g_min) * w"),
               ("v_d", "v * g_m / (g_d + g_m)"), ("v_m", "v - v_d"),
               ("growth", f"exp(ln_nu - {softplus('e_g - s_g * abs(v_d)')})"),
               ("x", "min(max(v_m / v_0, -700), 700)"),
               ("k_up", saturate("k_w * sinh(max(x, 0))")), ("k_down", saturate("k_w * sinh(max(-x, 0))")))
        return CompactModel(
            name=self.name, parameters=values, auxiliaries=aux,
            states=(CompactState("s", "growth * (1 - s) - s / tau_r", 0.0, 0.0, 1.0),
                    CompactState("w", "k_up * (1 - w) - k_down * w", p["initial_state"], 0.0, 1.0)),
            current="vd * g_d * g_m / (g_d + g_m)",
            source="Wang, Joshi, Savel'ev, Yang et al., Nat. Mater. 16, 101 (2017); nanoionic diffusive-drift model",
            notes=("s: completeness of the Ag bridge of the diffusive element; w: filament fraction of the drift memristor",
                   "the two elements in series share one current; their internal node is solved in closed form"))
