"""VCM (anion) gap: the oxygen-vacancy density in the gap between a V_O-rich reservoir and the
electrode, with analog, gradual switching and a metallic LRS above the Mott density.

Physical picture (review Sec. 2.2): positively charged oxygen vacancies drift from the
V_O-rich suboxide into the switching layer (SET) or back (RESET); in Ta2O5 the V_O density can
be tuned continuously (no metastable phases), so the resistance changes gradually ("analog").
Above ~5e20 cm⁻³ the vacancies' wavefunctions overlap and the LRS turns metallic (review refs.
42–43). The state is the vacancy density N in the gap (disc) region as a fraction x = N/N_max,
as in the JART VCM compact model's N_disc (Bengel et al., IEEE TCAS-I 67, 4618 (2020)).

Kinetics (Mott–Gurney hopping over E_a, field q·a·V/(2·d), no thermal feedback — hence
gradual rather than abrupt):

    dx/dt = k₊(V)·(1 - x) - k₋(V)·(x - x_min),   k± = ν·exp(-E_a/k_B T)·sinh(q·a·V±/(2·d·k_B T))

(V± the positive and negative parts of V; each rate saturates at ν). The rates depend on V only,
so the model is linear in x and stepped exactly.

Conduction: a smooth crossover (``physics.filament.mott_crossover``) from defect-to-defect
hopping, nonlinear in V, to ohmic metallic conduction:

    I = (1 - w)·(G_min + G_hop(N))·V_c·sinh(V/V_c) + w·G_c·(N/n_c)·V
    G_hop = G_c·exp(-2·(N^(-1/3) - n_c^(-1/3))/ξ),   w = logistic(ln(N/n_c)/width)

Values are illustrative (TaOx-like) unless a preset says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nanoionic._core.units import EV, K_B, Q_E
from nanoionic.models.base import DeviceModel, field
from nanoionic.models.compact import CompactModel, CompactState, scalar_parameters, softplus
from nanoionic.physics.conduction import hopping_sinh
from nanoionic.physics.filament import hopping_conductance, mott_crossover
from nanoionic.physics.hopping import field_work, log_hopping_rate


@dataclass(frozen=True)
class VCMGapParams:
    """Parameters of the VCM gap model (SI; energies in J). Defaults: Ta/Ta2O5/Pt-like,
    illustrative (parameters/sets/TaOx_VCMgap.toml)."""

    thickness: float = field(5e-9, "m", 1e-10, 1e-5, "d: gap (switching-layer) thickness")
    temperature: float = field(300.0, "K", 0.0, 2000.0, "T", low_open=True)
    attempt_frequency: float = field(1e13, "Hz", 1e6, 1e16, "ν")
    migration_barrier: float = field(0.8 * EV, "J", 0.0, 5 * EV, "E_a of V_O hopping")
    hop_distance: float = field(1.0e-9, "m", 1e-11, 1e-7, "a: effective hop distance")
    max_density: float = field(2e27, "m^-3", 1e24, 1e30, "N_max: V_O density of the reservoir", low_open=True)
    min_fraction: float = field(0.01, "1", 0.0, 1.0, "x_min = N_min/N_max reached by a full RESET")
    initial_fraction: float = field(0.02, "1", 0.0, 1.0, "x of a fresh device")
    critical_density: float = field(5e26, "m^-3", 1e22, 1e30, "n_c: Mott density (metallic above)", low_open=True)
    crossover_width: float = field(0.15, "1", 1e-3, 10.0, "width of the hopping→metallic crossover in ln(N/n_c)")
    critical_conductance: float = field(1e-4, "S", 0.0, 1.0, "G_c: conductance at n_c", low_open=True)
    localisation_length: float = field(0.4e-9, "m", 1e-11, 1e-7, "ξ: V_O localisation length", low_open=True)
    min_conductance: float = field(1e-8, "S", 0.0, 1.0, "G_min: leakage of the empty gap", low_open=True)
    sinh_voltage: float = field(0.3, "V", 0.0, 1e3, "V_c of the hopping I–V", low_open=True)


class VCMGapModel(DeviceModel):
    """Oxygen-vacancy density in the gap; gradual switching, metallic LRS (see module)."""

    name = "vcm-gap"
    state_names = ("vacancy_fraction",)
    state_bounds = ((0.0, 1.0),)
    Params = VCMGapParams
    linear = True
    operating_voltage = 1.5
    time_scale = 1e-4

    def initial_state(self, params, n_devices: int) -> np.ndarray:
        return np.broadcast_to(np.asarray(params.initial_fraction, dtype=float), (1, n_devices)).copy()

    def coefficients(self, v, params):
        """(k, b) [1/s] with dx/dt = -k·x + b at voltage ``v`` [V]."""
        v = np.asarray(v, dtype=float)
        e = v / params.thickness
        w = field_work(2 * Q_E, params.hop_distance, e)  # V_O2+
        up = np.exp(log_hopping_rate(params.migration_barrier, np.maximum(w, 0.0), params.temperature,
                                     params.attempt_frequency))
        up_back = np.exp(log_hopping_rate(params.migration_barrier, -np.maximum(w, 0.0), params.temperature,
                                          params.attempt_frequency))
        down = np.exp(log_hopping_rate(params.migration_barrier, np.maximum(-w, 0.0), params.temperature,
                                       params.attempt_frequency))
        down_back = np.exp(log_hopping_rate(params.migration_barrier, -np.maximum(-w, 0.0), params.temperature,
                                            params.attempt_frequency))
        k_set, k_reset = up - up_back, down - down_back  # ν·e^{-E_a/kT}·2·sinh(...) of V±, ≥ 0
        return k_set + k_reset, k_set + k_reset * params.min_fraction

    def rates(self, state, v, t, params):
        k, b = self.coefficients(v, params)
        return (-k * state[0] + b)[None, :] if np.ndim(k) else -k * state + b

    def affine_map(self, v, dt, params):
        k, b = self.coefficients(v, params)
        dt = np.asarray(dt, dtype=float)
        kdt = k * dt
        phi = np.exp(-kdt)
        # psi = b·(1 - e^{-k dt})/k, written with expm1 so that k → 0 gives b·dt
        psi = b * np.where(kdt > 1e-300, -np.expm1(-kdt) / np.where(k > 0, k, 1.0), dt)
        psi = np.minimum(psi, 1.0)
        if np.ndim(phi) == 0:
            return np.array([[float(phi)]]), np.array([float(psi)])
        return phi[None, None, :], psi[None, :]

    def density(self, state, params):
        """V_O density N [m⁻³]."""
        return state[0] * params.max_density

    def metallic_weight(self, state, params):
        """w ∈ (0, 1): share of metallic conduction."""
        return mott_crossover(self.density(state, params), params.critical_density, params.crossover_width)

    def current(self, state, v, params):
        n = self.density(state, params)
        w = mott_crossover(n, params.critical_density, params.crossover_width)
        g_hop = params.min_conductance + hopping_conductance(n, params.critical_density, params.critical_conductance,
                                                             params.localisation_length)
        g_met = params.critical_conductance * n / params.critical_density
        v = np.asarray(v, dtype=float)
        return (1.0 - w) * g_hop * hopping_sinh(v, params.sinh_voltage) + w * g_met * v

    def compact(self, params):
        """The model as formulas (the same equations as ``coefficients`` and ``current``). Barrier
        and field work per volt are divided by k_B·T, the defect spacing N^(-1/3) over ξ/2 is
        written as c_hop·x^(-1/3) with c_hop = 2/(ξ·N_max^(1/3)) (order 1), so no expression
        divides by a small number; x is floored at 1e-30 under the cube root, where the hopping
        term has long underflowed to 0 (as in ``physics.filament.hopping_conductance``)."""
        p = scalar_parameters(params, self.name)
        kt = K_B * p["temperature"]
        values = {"ln_nu": float(np.log(p["attempt_frequency"])), "ea": p["migration_barrier"] / kt,
                  "s_w": field_work(2 * Q_E, p["hop_distance"], 1.0 / p["thickness"]) / kt,  # [1/V]
                  "x_min": p["min_fraction"], "n_max": p["max_density"], "ln_nc": float(np.log(p["critical_density"])),
                  "inv_width": 1.0 / p["crossover_width"],
                  "c_hop": 2.0 / (p["localisation_length"] * p["max_density"] ** (1.0 / 3.0)),
                  "c_crit": 2.0 * p["critical_density"] ** (-1.0 / 3.0) / p["localisation_length"],
                  "g_c": p["critical_conductance"], "g_min": p["min_conductance"],
                  "g_met": p["critical_conductance"] * p["max_density"] / p["critical_density"],
                  "v_c": p["sinh_voltage"]}
        rate = lambda work: f"exp(ln_nu - {softplus(f'ea - ({work})')})"  # noqa: E731 - floored hop rate [1/s]
        aux = (("wp", "max(s_w * v, 0)"), ("wm", "max(-s_w * v, 0)"),  # field work of V+ and V- over k_B·T
               ("k_set", f"{rate('wp')} - {rate('-wp')}"),
               ("k_reset", f"{rate('wm')} - {rate('-wm')}"),
               # Mott crossover weight and hopping conductance (physics.filament)
               ("w_met", "0.5 * (1 + tanh(0.5 * min(max((ln(max(x * n_max, 1e-300)) - ln_nc) * inv_width, -700), 700)))"),
               ("g_hop", "g_min + g_c * exp(min(max(c_crit - c_hop * max(x, 1e-30) ** (-1 / 3), -700), 700))"))
        return CompactModel(
            name=self.name, parameters=values, auxiliaries=aux,
            states=(CompactState("x", "-(k_set + k_reset) * x + k_set + k_reset * x_min", p["initial_fraction"], 0.0, 1.0),),
            current="(1 - w_met) * g_hop * v_c * sinh(min(max(vd / v_c, -700), 700)) + w_met * g_met * x * vd",
            source="Bengel et al., IEEE TCAS-I 67, 4618 (2020) (JART VCM N_disc); Mott, Metal-Insulator Transitions "
                   "(1990); Miller & Abrahams, Phys. Rev. 120, 745 (1960); nanoionic vcm-gap model",
            notes=("x: oxygen-vacancy density in the gap over N_max; metallic above n_c",))
