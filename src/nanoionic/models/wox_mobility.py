"""Second-order memristor with a short-term vacancy-mobility enhancement (WOx-like).

Physical picture (review, Sec. 3.2 and Fig. 6; Du, Ma, Zhang, Lu et al., Adv. Funct. Mater. 25,
4290 (2015)): a voltage pulse drives oxygen vacancies in the WOx film out of equilibrium; while
they relax they are more mobile, so a second pulse soon after the first moves more of them. The
first-order state is the V_O-doped fraction w of the film (its conductance); the second-order
state is the mobility enhancement μ (dimensionless, 0 at equilibrium):

    dw/dt = k_w·(1 + μ)·[s(V)₊·(1 - w) - s(V)₋·w] - w/τ_w
    dμ/dt = γ·k_w·[s(V)₊ + s(V)₋] - μ/τ_μ

with s(V) = sinh(V/V_w) the field-driven hop rate (Mott–Gurney), s₊/s₋ its positive/negative
parts (potentiation and depression windows; every hop rate saturates at the attempt frequency), τ_w the slow spontaneous relaxation of w and τ_μ
the short relaxation of the mobility. μ grows with the field-driven ionic activity itself, so
paired-pulse facilitation, rate dependence and a timing window all follow from τ_μ.

Conduction: I = (G_off + (G_on - G_off)·w)·V (the doped WOx conducts ohmically).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nanoionic.models.base import DeviceModel, field
from nanoionic.models.compact import CompactModel, CompactState, scalar_parameters


MAX_ENHANCEMENT = 1e16
"""Bound of μ: γ·ν·τ_μ at the parameter ranges' far end (it cannot grow past drive × relaxation)."""


@dataclass(frozen=True)
class WOxMobilityParams:
    """Parameters of the WOx mobility model (SI). Defaults: parameters/sets/WOx_DuLu2015.toml."""

    hop_rate: float = field(1.0, "1/s", 0.0, 1e12, "k_w: doping rate prefactor", low_open=True)
    hop_voltage: float = field(0.3, "V", 0.0, 100.0, "V_w of the sinh hop law", low_open=True)
    mobility_gain: float = field(20.0, "1", 0.0, 1e6, "γ: mobility enhancement per unit driven hop")
    mobility_relaxation: float = field(10e-3, "s", 0.0, 1e6, "τ_μ: relaxation time of the mobility", low_open=True)
    state_relaxation: float = field(100.0, "s", 0.0, 1e9, "τ_w: spontaneous relaxation time of w", low_open=True)
    off_conductance: float = field(1e-6, "S", 0.0, 1.0, "G_off (w = 0)")
    on_conductance: float = field(1e-4, "S", 0.0, 1.0, "G_on (w = 1)", low_open=True)
    initial_state: float = field(0.05, "1", 0.0, 1.0, "w of a fresh device")
    attempt_frequency: float = field(1e13, "Hz", 1.0, 1e16, "ν: ceiling of the hop rate k_w·s(V) (no hop beats the attempt frequency)")


def saturate(rate, p):
    """A hop rate [1/s] combined harmonically with the attempt frequency: no hop is faster than ν,
    so extreme voltages stay finite."""
    return rate / (1.0 + np.abs(rate) / p.attempt_frequency)


def drive(v, p):
    """(s₊, s₋): positive and negative parts of sinh(V/V_w) [1]."""
    s = np.sinh(np.clip(np.asarray(v, dtype=float) / p.hop_voltage, -700.0, 700.0))
    return np.maximum(s, 0.0), np.maximum(-s, 0.0)


class WOxMobilityModel(DeviceModel):
    """Doped fraction w with a short-term mobility enhancement μ (see module)."""

    name = "wox-mobility"
    state_names = ("doped_fraction", "mobility_enhancement")
    state_bounds = ((0.0, 1.0), (0.0, MAX_ENHANCEMENT))
    Params = WOxMobilityParams
    operating_voltage = 1.4
    time_scale = 0.001

    def initial_state(self, params, n_devices: int) -> np.ndarray:
        state = np.zeros((2, n_devices))
        state[0] = params.initial_state
        return state

    def rates(self, state, v, t, params):
        w, mu = state
        up, down = drive(v, params)
        k_up, k_down = (saturate(params.hop_rate * (1.0 + mu) * s, params) for s in (up, down))
        dw = k_up * (1.0 - w) - k_down * w - w / params.state_relaxation
        dmu = params.mobility_gain * saturate(params.hop_rate * (up + down), params) - mu / params.mobility_relaxation
        return np.stack([dw, dmu])

    def current(self, state, v, params):
        g = params.off_conductance + (params.on_conductance - params.off_conductance) * state[0]
        return g * np.asarray(v, dtype=float)

    def compact(self, params):
        """The model as formulas (the same equations as ``rates`` and ``current``)."""
        p = scalar_parameters(params, self.name)
        values = {"k_w": p["hop_rate"], "v_w": p["hop_voltage"], "gamma": p["mobility_gain"],
                  "tau_mu": p["mobility_relaxation"], "tau_w": p["state_relaxation"], "nu": p["attempt_frequency"],
                  "g_off": p["off_conductance"], "g_on": p["on_conductance"]}
        saturate = lambda r: f"({r}) / (1 + abs({r}) / nu)"  # noqa: E731 - harmonic ceiling at ν
        aux = (("s", "sinh(min(max(v / v_w, -700), 700))"), ("s_up", "max(s, 0)"), ("s_down", "max(-s, 0)"),
               ("k_up", saturate("k_w * (1 + mu) * s_up")), ("k_down", saturate("k_w * (1 + mu) * s_down")))
        return CompactModel(
            name=self.name, parameters=values, auxiliaries=aux,
            states=(CompactState("w", "k_up * (1 - w) - k_down * w - w / tau_w", p["initial_state"], 0.0, 1.0),
                    CompactState("mu", f"gamma * {saturate('k_w * (s_up + s_down)')} - mu / tau_mu", 0.0,
                                 0.0, MAX_ENHANCEMENT)),
            current="(g_off + (g_on - g_off) * w) * vd",
            source="Du, Ma, Zhang, Lu et al., Adv. Funct. Mater. 25, 4290 (2015); nanoionic wox-mobility model",
            notes=("w: V_O-doped fraction of the WOx film; mu: short-term mobility enhancement (0 at rest)",))
