"""Atomic-scale filament contact with quantised conductance (multiples of G0 = 2e²/h, half-integer
steps allowed), the channel count selected by the stop voltage or the compliance.

Physical picture (review Sec. 5.1, Fig. 13a,b; Zhu et al., Adv. Mater. 24, 3941 (2012) for
Nb/ZnO/Pt; Landauer conductance G = n·G0): at the narrowest point of a filament only a few atoms
bridge the electrodes; each atom adds one conduction channel. State: the atom count n at the
constriction, continuous but pinned to whole atoms by the atomic potential (discrete stable
configurations; a tilted-washboard equation):

    dn/dt = k_g·sinh(V_d₊/V_g)·(N - n)·e^(-α·n) - k_d·sinh(V_d₋/V_g)·n - (k_p/2π)·sin(2π·n)
    G(n) = G_off + s·G0·Σ_{k=1..N} σ((n - k + 1/2)/w)          (``physics.filament.quantised_staircase``)
    I = G(n)·V_d,   V_d = V·c(G·V₊)   (SET compliance, ``physics.filament.compliance_factor``)

An atom is added when the field drive beats the pinning k_p/2π; the drive falls as the contact
fills ((N - n) sites left, and e^(-α·n): a wider constriction concentrates the field less, each atom
makes the next harder to add, by α in ln-rate units), so each further atom needs a higher voltage,
~α·V_g more — the staircase of G vs V of Fig. 13b
— and a sweep stopped at V_stop keeps the atoms reached. Under a compliance the device voltage
falls to I_cc/G as G grows, the drive with it, and the contact stops at the channel count where
the drive at V_d = I_cc/G no longer beats the pinning. At rest the pinning relaxes n onto a whole
atom count, the middle of a plateau, where G is within ~e^(-1/(2w)) of k·s·G0. s = 1 gives integer,
s = 1/2 half-integer multiples of G0. Rates are illustrative.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nanoionic._core.units import G0
from nanoionic.models.base import DeviceModel, field
from nanoionic.models.compact import CompactModel, CompactState, scalar_parameters, softplus
from nanoionic.physics.filament import compliance_factor, quantised_staircase

MAX_CHANNELS = 12
"""Largest atom count N the model's state can reach (the staircase has N steps)."""
COMPLIANCE_SHARPNESS = 4.0
"""m of ``physics.filament.compliance_factor`` as the model calls it (its default)."""
MAX_HOP_RATE = 1e13
"""Ceiling of the atom addition/removal rates [1/s] (an atomic vibration)."""


@dataclass(frozen=True)
class QuantumContactParams:
    """Parameters of the quantised point contact (SI). Defaults: Nb/ZnO/Pt-like, illustrative
    (the "Nb/ZnO/Pt-QPC" preset has half-integer steps)."""

    step_size: float = field(1.0, "G0", 0.1, 1.0, "s: conductance per atom/channel (1 integer, 0.5 half-integer)")
    step_width: float = field(0.04, "1", 1e-3, 0.2, "w: smoothing of each conductance step [atoms]")
    off_conductance: float = field(1e-6, "S", 0.0, 1e-3, "G_off: tunnelling across the open contact", low_open=True)
    growth_rate: float = field(1.0, "1/s", 0.0, 1e12, "k_g: atom addition rate prefactor", low_open=True)
    dissolution_rate: float = field(1.0, "1/s", 0.0, 1e12, "k_d: atom removal rate prefactor", low_open=True)
    drive_voltage: float = field(0.1, "V", 1e-4, 100.0, "V_g: sinh voltage scale of the field drive")
    atom_cost: float = field(1.0, "1", 0.0, 20.0, "α: ln-rate penalty per atom already in the constriction")
    pinning_rate: float = field(200.0, "1/s", 0.0, 1e12, "k_p: strength of the atomic (integer-count) pinning")
    compliance_current: float = field(1.0, "A", 0.0, 10.0, "I_cc: SET current compliance", low_open=True)
    initial_atoms: float = field(0.0, "1", 0.0, MAX_CHANNELS, "n of a fresh device")
    max_atoms: float = field(8.0, "1", 1.0, MAX_CHANNELS, "N: atoms at the constriction when fully grown")


class QuantumContactModel(DeviceModel):
    """Atom count at a filament constriction; staircase conductance in units of G0 (see module)."""

    name = "quantum-contact"
    state_names = ("atoms",)
    state_bounds = ((0.0, float(MAX_CHANNELS)),)
    Params = QuantumContactParams
    stiff = True
    operating_voltage = 1.0
    time_scale = 1e-3

    def initial_state(self, params, n_devices: int) -> np.ndarray:
        n0 = np.minimum(np.asarray(params.initial_atoms, dtype=float), params.max_atoms)
        return np.broadcast_to(n0, (1, n_devices)).copy()

    def contact_conductance(self, state, params):
        """G(n) [S]."""
        n = np.minimum(state[0], params.max_atoms)
        return params.off_conductance + quantised_staircase(n, params.step_size, params.step_width, MAX_CHANNELS)

    def device_voltage(self, state, v, params):
        v = np.asarray(v, dtype=float)
        g = self.contact_conductance(state, params)
        return v * compliance_factor(g * np.maximum(v, 0.0), params.compliance_current, COMPLIANCE_SHARPNESS)

    def rates(self, state, v, t, params):
        n = state[0]
        v_d = self.device_voltage(state, v, params)
        x = np.clip(v_d / params.drive_voltage, -700.0, 700.0)
        grow = params.growth_rate * np.sinh(np.maximum(x, 0.0))
        shrink = params.dissolution_rate * np.sinh(np.maximum(-x, 0.0))
        grow, shrink = (r / (1.0 + r / MAX_HOP_RATE) for r in (grow, shrink))  # no faster than an atomic vibration
        room = np.maximum(params.max_atoms - n, 0.0)
        pin = params.pinning_rate / (2 * np.pi) * np.sin(2 * np.pi * n)
        pin = np.where(n > params.max_atoms, 0.0, pin)  # above N (a preset changed N): only removal
        return (grow * room * np.exp(-params.atom_cost * np.minimum(n, params.max_atoms)) - shrink * n - pin)[None, :]

    def current(self, state, v, params):
        return self.contact_conductance(state, params) * self.device_voltage(state, v, params)

    def compact(self, params):
        """The model as formulas (the same equations as ``rates`` and ``current``): the staircase
        is written out as its ``MAX_CHANNELS`` logistic steps, the compliance is explicit
        (V_d = V·c(G·V₊)), the pinning is the periodic sin(2π·n); no series resistance."""
        p = scalar_parameters(params, self.name)
        values = {"g_off": p["off_conductance"], "g_step": p["step_size"] * G0, "inv_w": 1.0 / p["step_width"],
                  "k_g": p["growth_rate"], "k_d": p["dissolution_rate"], "inv_vg": 1.0 / p["drive_voltage"],
                  "alpha": p["atom_cost"], "k_pin": p["pinning_rate"] / (2 * np.pi), "two_pi": 2 * np.pi, "n_max": p["max_atoms"],
                  "inv_icc": 1.0 / p["compliance_current"], "m_cc": COMPLIANCE_SHARPNESS, "r_max": MAX_HOP_RATE}
        steps = " + ".join(f"tanh(0.5 * min(max((nc - {k - 0.5!r}) * inv_w, -700), 700))"
                           for k in range(1, MAX_CHANNELS + 1))
        aux = (("nc", "min(n, n_max)"),
               ("gq", f"g_off + g_step * 0.5 * ({MAX_CHANNELS} + {steps})"),  # staircase conductance [S]
               ("r_cc", "min(gq * max(v, 0) * inv_icc, 1e30)"),
               ("vdev", f"v * exp(-{softplus('m_cc * ln(max(r_cc, 1e-300))')} / m_cc)"),
               ("xg", "min(max(vdev * inv_vg, -700), 700)"),
               ("s_g", "k_g * sinh(max(xg, 0))"), ("s_d", "k_d * sinh(max(-xg, 0))"),
               ("grow", "s_g / (1 + s_g / r_max)"), ("shrink", "s_d / (1 + s_d / r_max)"))
        rate = ("grow * max(n_max - n, 0) * exp(-alpha * nc) - shrink * n"
                " - where(n > n_max, 0, k_pin * sin(two_pi * n))")
        return CompactModel(
            name=self.name, parameters=values, auxiliaries=aux,
            states=(CompactState("n", rate, float(self.initial_state(params, 1)[0, 0]), *self.state_bounds[0]),),
            current="gq * vdev",
            source="Zhu et al., Adv. Mater. 24, 3941 (2012); van Wees et al., PRL 60, 848 (1988); "
                   "nanoionic quantum-contact model",
            notes=("n: atom count at the constriction (continuous, pinned to whole atoms); G in steps of s·G0",
                   "the SET compliance is part of the device (V_d = V·c(G·V+))"))

    @staticmethod
    def in_quanta(conductance, params):
        """Conductance in units of G0 (the open-contact leakage removed) [1]."""
        return (np.asarray(conductance) - params.off_conductance) / G0
