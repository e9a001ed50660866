"""Stanford–PKU RRAM model v1.0.0: filament tip–electrode gap g as the state (Guan, Yu & Wong, IEEE
EDL 33, 1405 (2012); Jiang, Yu, Wu, Engel, Guan & Wong, "Verilog-A compact model for oxide-based
resistive random access memory (RRAM)", SISPAD 2014; code: Jiang & Wong, Stanford RRAM model
v1.0.0, nanoHUB, doi:10.4231/D37H1DN48).

Equations (docs/research/compact_models.md §4a; the original .va was not readable, the two ports
read agree: coreylammie/MemTorch ``memtorch/bh/memristor/Stanford_PKU.py`` and M. Watfa's Python
port of the nanoHUB Verilog-A [V-port]):

    I = I0·exp(-g/g0)·sinh(V/V0)                                   (tunnelling through the gap)
    T = T0 + |V·I|·R_th                                            (Joule heating, instantaneous)
    γ = γ0 - β·(g/g1)^α,   γ := 0 where γ·|V|/t_ox < F_min           (field enhancement)
    dg/dt = -v0·exp(-E_a/(k_B·T))·sinh(γ·a0·q·V/(t_ox·k_B·T))       (V > 0: SET, the gap shrinks)
    g ∈ [g_min, g_max]

The temperature is explicit (the current does not depend on T), so it is included exactly as in
the Verilog-A. The stochastic term (model_switch = 1) is omitted (deterministic model), and so is
the ports' quirk γ0 := 16 for V < 0 (irrelevant for the default γ0 = 16).

Smoothing, identical in numpy and :meth:`compact`:

* F_min: γ_eff = γ·S with S = (1 + tanh((γ·|V| - F_min·t_ox)/(F_w·t_ox)))/2, F_w = 2.8e7 V/m (2 %
  of F_min, i.e. ~20 mV of |V| at γ = 16); the original switches γ from 0 to ~14 at once, a jump
  of the rate by a factor sinh(13.6) ≈ 4e5;
* bounds: the clamp of g becomes a window, tanh((g - g_min)/w_g) where the gap shrinks and
  tanh((g_max - g)/w_g) where it grows, w_g = 0.01 nm: zero at the bound and restoring beyond it;
* overflow guards: sinh(V/V0) takes its argument clipped to ±40 (|V| ≤ 10 V exact) and the rate's
  sinh to ±60; the current and γ take the gap clipped to [0, 10] nm (the state bounds), so
  that a wild Newton trial of a circuit simulator (observed: ngspice tried a gap of 5e278 nm and
  stopped on pow overflow) stays finite; inside the bounds nothing changes.

State unit: the gap is in **nm** (every parameter is SI). Circuit simulators judge a node
voltage with an absolute tolerance of 1 nV–1 µV; a gap of 2e-10 held as volts would sit below
it, so the exported state (which equals this one) is in nm.

Defaults: the v1.0.0 values of both ports (I0 = 1 mA, g0 = 0.25 nm, V0 = 0.25 V, v0 = 10 m/s,
E_a = 0.6 eV, a0 = 0.25 nm, t_ox = 12 nm, γ0 = 16, β = 0.8, α = 3, g1 = 1 nm, F_min = 1.4 GV/m,
R_th = 2.1 kK/W, T0 = 298 K, g_min = 0.2 nm, g_max = 1.7 nm), except the initial gap: the ports
start at g_ini = g_min (LRS), here a fresh device starts in HRS (g = g_max) so that a first
positive (SET) sweep switches it, as the harness's and users' first loops expect.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nanoionic._core.units import EV, K_B, Q_E
from nanoionic.models.base import DeviceModel, field
from nanoionic.models.compact import CompactModel, CompactState, scalar_parameters

SOURCE = ("Guan, Yu & Wong, IEEE EDL 33, 1405 (2012); Jiang et al., SISPAD 2014; Stanford RRAM model v1.0.0 "
          "(doi:10.4231/D37H1DN48)")

CURRENT_ARG_CAP = 40.0
"""|V/V0| cap inside the current's sinh."""
RATE_ARG_CAP = 60.0
"""Cap of the rate's sinh argument."""
NM = 1e-9
GAP_CAP = 10.0
"""Upper clip of the gap [nm] inside the formulas (the state's upper bound)."""


@dataclass(frozen=True)
class StanfordPKUParams:
    """Parameters of the Stanford–PKU model (SI; energies in J). The state (gap) is in nm."""

    i0: float = field(1e-3, "A", 0.0, 1e3, "I0: current prefactor", low_open=True)
    g0: float = field(0.25e-9, "m", 1e-12, 1e-8, "g0: tunnelling decay length of the current")
    v0: float = field(0.25, "V", 1e-3, 100.0, "V0: nonlinearity voltage of the current")
    velocity: float = field(10.0, "m/s", 0.0, 1e9, "v0 (Vel0): gap velocity prefactor", low_open=True)
    activation_energy: float = field(0.6 * EV, "J", 0.0, 5 * EV, "E_a: activation energy of the gap motion")
    hop_distance: float = field(0.25e-9, "m", 1e-12, 1e-8, "a0: atomic hop distance")
    oxide_thickness: float = field(12e-9, "m", 1e-10, 1e-6, "t_ox: oxide thickness")
    gamma0: float = field(16.0, "1", 0.0, 1e3, "γ0: field enhancement at g = 0")
    beta: float = field(0.8, "1", 0.0, 1e3, "β: fall of γ with the gap")
    alpha: float = field(3.0, "1", 0.0, 10.0, "α: exponent of the gap in γ", low_open=True)
    g1: float = field(1e-9, "m", 1e-12, 1e-7, "g1: gap normalisation in γ")
    min_field: float = field(1.4e9, "V/m", 0.0, 1e12, "F_min: γ·|V|/t_ox below which the gap does not move")
    field_width: float = field(2.8e7, "V/m", 0.0, 1e11, "F_w: tanh width of the F_min threshold", low_open=True)
    thermal_resistance: float = field(2.1e3, "K/W", 0.0, 1e9, "R_th: effective thermal resistance")
    ambient_temperature: float = field(298.0, "K", 1.0, 2000.0, "T0")
    min_gap: float = field(0.2e-9, "m", 0.0, 10e-9, "g_min")
    max_gap: float = field(1.7e-9, "m", 0.0, 10e-9, "g_max (> g_min)")
    initial_gap: float = field(1.7e-9, "m", 0.0, 10e-9, "g of a fresh device (in [g_min, g_max]; default: HRS)")
    boundary_width: float = field(0.01e-9, "m", 0.0, 1e-9, "w_g: tanh width of the gap bounds", low_open=True)


class StanfordPKUModel(DeviceModel):
    """Stanford–PKU RRAM v1.0.0 gap model (see module). State: gap [nm]."""

    name = "stanford-pku"
    state_names = ("gap",)
    state_bounds = ((0.0, 10.0),)  # nm; g_min, g_max <= 10 nm
    Params = StanfordPKUParams
    stiff = True  # the rate grows ~e^20 from read to write voltages and heats itself
    operating_voltage = 1.5
    time_scale = 1e-6

    def initial_state(self, params, n_devices: int) -> np.ndarray:
        g = np.asarray(params.initial_gap, dtype=float) / NM
        return np.broadcast_to(g, (n_devices,))[None].copy()

    def current(self, state, v, params):
        g = np.clip(state[0], 0.0, GAP_CAP)
        v = np.asarray(v, dtype=float)
        arg = np.clip(v * (1.0 / params.v0), -CURRENT_ARG_CAP, CURRENT_ARG_CAP)
        return params.i0 * np.exp(-g * (NM / params.g0)) * np.sinh(arg)

    def temperature(self, state, v, params):
        """T [K] = T0 + |V·I|·R_th."""
        v = np.asarray(v, dtype=float)
        return params.ambient_temperature + np.abs(v * self.current(state, v, params)) * params.thermal_resistance

    def rates(self, state, v, t, params):
        g = state[0]
        v = np.asarray(v, dtype=float)
        temp = self.temperature(state, v, params)
        gamma = params.gamma0 - params.beta * (np.clip(g, 0.0, GAP_CAP) * (NM / params.g1)) ** params.alpha
        tox = params.oxide_thickness
        on = 0.5 * (1.0 + np.tanh((gamma * np.abs(v) - params.min_field * tox) * (1.0 / (params.field_width * tox))))
        c = params.hop_distance * Q_E / (tox * K_B)
        arg = np.clip(gamma * on * c * v / temp, -RATE_ARG_CAP, RATE_ARG_CAP)
        drift = -(params.velocity / NM) * np.exp(-(params.activation_energy / K_B) / temp) * np.sinh(arg)
        w = params.boundary_width / NM
        window = np.where(drift < 0, np.tanh((g - params.min_gap / NM) * (1.0 / w)),
                          np.tanh((params.max_gap / NM - g) * (1.0 / w)))
        return np.broadcast_to(drift * window, g.shape)[None].copy()

    def compact(self, params):
        p = scalar_parameters(params, self.name)
        tox = p["oxide_thickness"]
        values = {
            "i0": p["i0"], "inv_g0": NM / p["g0"], "inv_v0": 1.0 / p["v0"], "icap": CURRENT_ARG_CAP,
            "t0": p["ambient_temperature"], "rth": p["thermal_resistance"],
            "gamma0": p["gamma0"], "beta": p["beta"], "alpha": p["alpha"], "inv_g1": NM / p["g1"],
            "gv_min": p["min_field"] * tox, "inv_gv_w": 1.0 / (p["field_width"] * tox),
            "c": p["hop_distance"] * Q_E / (tox * K_B), "rcap": RATE_ARG_CAP,
            "vel": p["velocity"] / NM, "ea_k": p["activation_energy"] / K_B,
            "g_min": p["min_gap"] / NM, "g_max": p["max_gap"] / NM, "inv_w": NM / p["boundary_width"],
            "gcap": GAP_CAP,
        }
        aux = (
            ("gc", "min(max(gap, 0), gcap)"),
            ("i_dev", "i0 * exp(-gc * inv_g0) * sinh(min(max(v * inv_v0, -icap), icap))"),
            ("temp", "t0 + abs(v * i_dev) * rth"),
            ("gamma", "gamma0 - beta * (gc * inv_g1) ** alpha"),
            ("on", "0.5 * (1 + tanh((gamma * abs(v) - gv_min) * inv_gv_w))"),
            ("drift", "-vel * exp(-ea_k / temp) * sinh(min(max(gamma * on * c * v / temp, -rcap), rcap))"),
        )
        rate = "drift * where(drift < 0, tanh((gap - g_min) * inv_w), tanh((g_max - gap) * inv_w))"
        return CompactModel(
            name=self.name, parameters=values, source=SOURCE, auxiliaries=aux,
            states=(CompactState("gap", rate, p["initial_gap"] / NM, 0.0, 10.0),),
            current="i0 * exp(-gc * inv_g0) * sinh(min(max(vd * inv_v0, -icap), icap))",
            notes=("state: gap in nm; F_min threshold and gap bounds smoothed by tanh",))
