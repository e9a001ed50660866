"""ECM (cation) filament: Ag/Cu oxidised at the active electrode, drifting through the dielectric,
reduced and nucleated; a tunnelling gap between the filament tip and the far electrode.

Physical picture (review Sec. 2.1, Fig. 1; gap-type ECM model of Menzel, Tappertzhofen, Waser &
Valov, Phys. Chem. Chem. Phys. 15, 6945 (2013)): under positive bias on the active electrode,
Ag+ ions enter the film, drift in the field of the gap between the filament and the opposite
electrode and are reduced; the filament lengthens and the gap shrinks. The field in the gap is
the voltage across it over its width, concentrated by the tip (enhancement β):

    E = β·V_d/(gap + a)            (a: hop distance, keeps E finite as the gap closes)
    v = 2·a·ν·exp(-E_a/k_B T)·sinh(q·a·E/(2·k_B T))    (Mott–Gurney, ``physics.filament``)

As the gap closes E grows, the ions move exponentially faster and the gap closes faster still:
positive feedback, so SET is abrupt ("digital") — no threshold is written anywhere. Current
through the gap tunnels, G = G_off + G_c·exp(-gap/λ): closing a few nm changes G by > 10³.

Growth direction (review Sec. 2.1; Yang et al., Nat. Commun. 5, 4232 (2014)): of the ions
crossing the gap a share p_c = 1/(1 + Da), Da = k_red·gap/v, reaches the cathode side before it
is reduced. States h_c and h_a are the lengths (fractions of the film thickness L) grown from
the cathode and from the anode; gap = L·(1 - h_c - h_a). Mobile ions / slow reduction (Da ≪ 1):
growth from the cathode; slow ions / fast reduction (Da ≫ 1): from the anode.

RESET (V < 0): the tip atoms are oxidised and drift back in the reversed gap field at the same
velocity law; both parts shrink in proportion to their length. The gap field falls as the gap
reopens, so RESET stops by itself at a gap set by the RESET voltage and time.

Compliance (positive bias only, like a SET compliance of a source-measure unit): the device
sees V_d = V·c(G·V), c = (1 + (G·V/I_cc)^m)^(-1/m) (``physics.filament.compliance_factor``),
which caps the current at I_cc and, through the gap field, the growth.

    dh_c/dt =  (v(E)/L)·p_c·g/(g + a/L)          (V > 0)
    dh_a/dt =  (v(E)/L)·(1 - p_c)·g/(g + a/L)
    dh_x/dt = -(|v(E)|/L)·h_x/(h_c + h_a + a/L)  (V < 0),   g = max(1 - h_c - h_a, 0)
    I = (G_off + G_c·exp(-L·g/λ))·V_d

The factor g/(g + a/L) stops growth at contact (the last hop); values are illustrative unless a
preset says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nanoionic._core.errors import ParameterError, param_error
from nanoionic._core.validation import check_seed
from nanoionic._core.units import EV, K_B, Q_E
from nanoionic.models.base import DeviceModel, field, make_params
from nanoionic.models.compact import CompactModel, CompactState, scalar_parameters, softplus
from nanoionic.physics.filament import (cathode_growth_share, compliance_factor, drift_velocity,
                                        tunnel_gap_conductance)
from nanoionic.physics.variability import formation_draws


@dataclass(frozen=True)
class ECMFilamentParams:
    """Parameters of the ECM filament model (SI; energies in J). Defaults: Ag/SiO2/Pt-like,
    illustrative (parameters/sets/AgSiO2-Pt_ECM.toml)."""

    thickness: float = field(10e-9, "m", 1e-9, 1e-6, "L: dielectric thickness")
    initial_gap: float = field(2.5e-9, "m", 0.0, 1e-6, "gap of a fresh (formed, HRS) device; ≤ L")
    temperature: float = field(300.0, "K", 0.0, 2000.0, "T", low_open=True)
    attempt_frequency: float = field(1e13, "Hz", 1e6, 1e16, "ν")
    migration_barrier: float = field(0.75 * EV, "J", 0.0, 5 * EV, "E_a of Ag+ hopping (sets the mobility)")
    hop_distance: float = field(0.25e-9, "m", 1e-11, 1e-8, "a: hop distance", low_open=True)
    tip_enhancement: float = field(3.0, "1", 0.1, 100.0, "β: field concentration at the filament tip / site")
    reduction_rate: float = field(0.01, "1/s", 0.0, 1e15, "k_red: reduction rate of Ag+ inside the film")
    contact_conductance: float = field(1e-3, "S", 0.0, 1.0, "G_c: closed filament", low_open=True)
    decay_length: float = field(0.25e-9, "m", 1e-12, 1e-8, "λ: tunnelling decay length", low_open=True)
    off_conductance: float = field(1e-9, "S", 0.0, 1.0, "G_off: leakage through the dielectric", low_open=True)
    compliance_current: float = field(1e-4, "A", 0.0, 10.0, "I_cc: SET current compliance", low_open=True)


class ECMFilamentModel(DeviceModel):
    """Ag/Cu filament with a tunnelling gap, growth direction from Da (see module)."""

    name = "ecm-filament"
    state_names = ("cathode_length", "anode_length")
    state_bounds = ((0.0, 1.0), (0.0, 1.0))
    Params = ECMFilamentParams
    stiff = True
    operating_voltage = 1.0
    time_scale = 1e-3

    def initial_state(self, params, n_devices: int) -> np.ndarray:
        gap = np.asarray(params.initial_gap, dtype=float)
        if np.any(gap > params.thickness):
            raise param_error("initial_gap", "ecm-filament", f"<= thickness = {np.max(params.thickness):g} m",
                              float(np.max(gap)))
        grown = np.broadcast_to(1.0 - gap / params.thickness, (n_devices,))
        # the stub of a formed device sits where this device grows filaments (share at a SET-like gap field, 1e9 V/m)
        v_ref = self.velocity(1e9, params)
        share = np.broadcast_to(cathode_growth_share(params.reduction_rate, params.thickness, v_ref), (n_devices,))
        return np.stack([grown * share, grown * (1.0 - share)])

    # ------------------------------------------------------------------ pieces

    def velocity(self, field_v_per_m, params):
        """Ion drift velocity [m/s] at field [V/m]."""
        return drift_velocity(field_v_per_m, params.hop_distance, params.migration_barrier, params.temperature,
                              params.attempt_frequency)

    def gap(self, state, params):
        """Tip–electrode gap [m]."""
        return params.thickness * np.maximum(1.0 - state[0] - state[1], 0.0)

    def gap_conductance(self, state, params):
        """Low-field conductance G_off + G_c·exp(-gap/λ) [S]."""
        return params.off_conductance + tunnel_gap_conductance(self.gap(state, params), params.contact_conductance,
                                                               params.decay_length)

    def device_voltage(self, state, v, params):
        """Voltage across the device under the SET compliance [V] (= v for v ≤ 0)."""
        v = np.asarray(v, dtype=float)
        g = self.gap_conductance(state, params)
        return v * compliance_factor(g * np.maximum(v, 0.0), params.compliance_current, COMPLIANCE_SHARPNESS)

    def gap_field(self, state, v_d, params):
        """Field in the gap [V/m]: β·V_d/(gap + a)."""
        return params.tip_enhancement * v_d / (self.gap(state, params) + params.hop_distance)

    def growth_share(self, state, v, params):
        """p_c: share of the growth on the cathode side at voltage v [V] (1/(1 + Da))."""
        v_d = self.device_voltage(state, v, params)
        vel = self.velocity(self.gap_field(state, v_d, params), params)
        return cathode_growth_share(params.reduction_rate, self.gap(state, params) + params.hop_distance, vel)

    # ------------------------------------------------------------------ interface

    def rates(self, state, v, t, params):
        h_c, h_a = state
        v_d = self.device_voltage(state, v, params)
        vel = self.velocity(self.gap_field(state, v_d, params), params)
        a_rel = params.hop_distance / params.thickness
        g = np.maximum(1.0 - h_c - h_a, 0.0)
        grow = np.maximum(vel, 0.0) / params.thickness * g / (g + a_rel)
        share = cathode_growth_share(params.reduction_rate, params.thickness * g + params.hop_distance, vel)
        shrink = np.maximum(-vel, 0.0) / params.thickness / (h_c + h_a + a_rel)
        return np.stack([grow * share - shrink * h_c, grow * (1.0 - share) - shrink * h_a])

    def current(self, state, v, params):
        return self.gap_conductance(state, params) * self.device_voltage(state, v, params)

    def compact(self, params):
        """The model as formulas (the same equations as ``rates`` and ``current``). Lengths are in
        units of the hop distance a or the thickness L and energies over k_B·T beforehand, so no
        expression divides by a small number: the field work over k_B·T is
        s·V_d/(g·L/a + 1) with s = q·β/(2·k_B·T), and the drift velocity over L is
        (a/L)·(e₊ - e₋) with e± the two floored hop rates. The compliance is explicit (V_d = V·c);
        no series resistance."""
        p = scalar_parameters(params, self.name)
        kt = K_B * p["temperature"]
        values = {"ln_nu": float(np.log(p["attempt_frequency"])), "ea": p["migration_barrier"] / kt,
                  "s_w": 0.5 * Q_E * p["tip_enhancement"] / kt,  # field work per volt over (gap + a)/a [1/V]
                  "l_a": p["thickness"] / p["hop_distance"], "a_l": p["hop_distance"] / p["thickness"],
                  "l_lam": p["thickness"] / p["decay_length"], "k_red": p["reduction_rate"],
                  "g_off": p["off_conductance"], "g_c": p["contact_conductance"],
                  "inv_icc": 1.0 / p["compliance_current"], "m_cc": COMPLIANCE_SHARPNESS}
        aux = (("g", "max(1 - hc - ha, 0)"),  # gap / L
               ("gc", "g_off + g_c * exp(-l_lam * g)"),  # low-field conductance [S]
               # compliance factor (physics.filament.compliance_factor)
               ("r_cc", "min(gc * max(v, 0) * inv_icc, 1e30)"),
               ("vdev", f"v * exp(-{softplus('m_cc * ln(max(r_cc, 1e-300))')} / m_cc)"),
               ("f", "s_w * vdev / (g * l_a + 1)"),  # field work over k_B·T [1]
               ("u", f"exp(ln_nu - {softplus('ea - f')}) - exp(ln_nu - {softplus('ea + f')})"),  # velocity / a [1/s]
               ("transit", "abs(u) / (g * l_a + 1)"),  # |velocity| / (gap + a) [1/s]
               ("share", "transit / (transit + k_red)"),
               ("grow", "a_l * max(u, 0) * g / (g + a_l)"),
               ("shrink", "a_l * max(-u, 0) / (hc + ha + a_l)"))
        x0 = self.initial_state(params, 1)[:, 0]
        return CompactModel(
            name=self.name, parameters=values, auxiliaries=aux,
            states=(CompactState("hc", "grow * share - shrink * hc", float(x0[0]), 0.0, 1.0),
                    CompactState("ha", "grow * (1 - share) - shrink * ha", float(x0[1]), 0.0, 1.0)),
            current="gc * vdev",
            source="Menzel, Tappertzhofen, Waser & Valov, PCCP 15, 6945 (2013); Yang et al., Nat. Commun. 5, 4232 "
                   "(2014); nanoionic ecm-filament model",
            notes=("hc, ha: filament lengths grown from the cathode and the anode, fractions of L; gap = L·max(1 - hc - ha, 0)",
                   "the SET compliance is part of the device (V_d = V·c(G·V)); k_red > 0 keeps share = 0 at V = 0"))


COMPLIANCE_SHARPNESS = 4.0
"""m of ``physics.filament.compliance_factor`` as the model calls it (its default)."""


def ecm_params(**values):
    """Validated ECMFilamentParams from SI values (scalars or (n,) arrays)."""
    return make_params(ECMFilamentParams, "ecm-filament", values)


@dataclass(frozen=True)
class FormationVariability:
    """Spread of random filament formation (``physics.variability.formation_draws``): the
    confinement and the statistics of the sites. Illustrative defaults; ``site_spread`` sets the
    floor of the SET-voltage spread at full confinement."""

    confinement: float = field(0.0, "1", 0.0, 1.0, "c: field concentration at a defined site / path restriction")
    n_sites: float = field(10.0, "1", 1.0, 1000.0, "random nucleation sites per device")
    roughness: float = field(0.25, "1", 0.0, 2.0, "σ_r: log-normal spread of a random site's enhancement")
    site_gain: float = field(3.0, "1", 1.0, 100.0, "κ: defined-site enhancement at c = 1 over the median site")
    gap_spread: float = field(0.2, "1", 0.0, 2.0, "σ_g: log-normal spread of the residual gap, random path")
    site_spread: float = field(0.01, "1", 0.0, 2.0, "σ_s: spread of the defined site's enhancement and gap")


def _refuse_out_of_range(bad: np.ndarray, what: str, cause: str) -> None:
    """Draws outside the model's range are an error (never clipped silently)."""
    if np.any(bad):
        raise ParameterError(f"sample_formation: {int(bad.sum())} of {bad.size} drawn {what} ({cause}); "
                             "narrow the spread.")


def sample_formation(params: ECMFilamentParams, n_devices: int, seed, **variability) -> ECMFilamentParams:
    """Params with per-device ``tip_enhancement`` and ``initial_gap`` arrays drawn from random
    filament formation (device to device; for cycle to cycle draw once per cycle: each RESET
    leaves a new residual gap and each SET re-nucleates).

    The model's ``tip_enhancement`` is the median site enhancement β0 and ``initial_gap`` the
    median gap. ``seed`` is an int or a numpy Generator: the same seed gives the same draws.
    ``variability`` : fields of ``FormationVariability`` (validated; errors name the field).
    """
    spread = make_params(FormationVariability, "sample_formation", variability)
    if not isinstance(n_devices, (int, np.integer)) or isinstance(n_devices, bool) or n_devices < 1:
        raise param_error("n_devices", "sample_formation", "an integer >= 1", n_devices)
    if np.ndim(params.tip_enhancement) or np.ndim(params.initial_gap):
        raise param_error("params", "sample_formation", "scalar tip_enhancement and initial_gap (the medians)",
                          (params.tip_enhancement, params.initial_gap))
    if spread.n_sites != int(spread.n_sites):
        raise param_error("n_sites", "sample_formation", "a whole number of sites", spread.n_sites)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(check_seed(seed, "sample_formation"))
    draws = formation_draws(rng, int(n_devices), confinement=spread.confinement, n_sites=int(spread.n_sites),
                            roughness=spread.roughness, base_enhancement=params.tip_enhancement,
                            site_gain=spread.site_gain, gap=params.initial_gap, gap_spread=spread.gap_spread,
                            site_spread=spread.site_spread)
    gap, beta = draws["initial_gap"], draws["tip_enhancement"]
    _refuse_out_of_range(gap > params.thickness, "residual gaps exceed the film thickness "
                         f"{params.thickness:g} m", f"gap_spread = {spread.gap_spread:g}")
    _refuse_out_of_range((beta < 0.1) | (beta > 100.0), "tip enhancements leave the model's range [0.1, 100]",
                         f"roughness = {spread.roughness:g}, site_gain = {spread.site_gain:g}, "
                         f"confinement = {spread.confinement:g}")
    values = {**{k: getattr(params, k) for k in ECMFilamentParams.__dataclass_fields__},
              "tip_enhancement": beta, "initial_gap": gap}
    return make_params(ECMFilamentParams, "ecm-filament", values)
