"""Ag nanoparticle bridge between two Pt electrodes with a third, modulatory electrode.

Physical picture (review, Sec. 3.2, heterosynaptic/modulatory plasticity): Ag nanoparticles in
the gap between a pre-synaptic Pt electrode and a grounded Pt electrode form a conducting bridge
when Ag+ is driven along the gap (SET) and break it up when driven back (RESET). A third
electrode beside the gap adds its own field along the bridging direction: the field the Ag+ ions
feel is that of u = V_pre + β·V_mod, β the share of the modulatory field along the gap. A
positive V_mod therefore lowers the number of pre pulses needed to SET and a negative one
raises it; for RESET (V_pre < 0) the signs reverse.

State: the bridge completeness x ∈ [0, 1]. With the field work W = q·a·|u|/(2d):

    dx/dt = k_g·(1 - x) - k_r·x,  k_g = ν·exp(-(E_g - W)/k_B T) for u > 0,  k_r = ν·exp(-(E_r - W)/k_B T) for u < 0

(no motion at u = 0: the bridge is non-volatile). Conductance between pre and ground
G = G_off·(G_on/G_off)^x (tunnelling across the remaining gaps). Terminals: "pre" and "mod";
the modulatory electrode draws no current (an insulated gate).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nanoionic._core.units import EV, Q_E
from nanoionic.models.base import DeviceModel, field
from nanoionic.physics.hopping import field_work, log_hopping_rate


@dataclass(frozen=True)
class ModulatedBridgeParams:
    """Parameters of the three-terminal Ag bridge (SI; energies in J). Defaults:
    parameters/sets/AgNP-Pt_modulatory.toml."""

    temperature: float = field(300.0, "K", 0.0, 2000.0, "T", low_open=True)
    attempt_frequency: float = field(1e13, "Hz", 1e6, 1e16, "ν")
    growth_barrier: float = field(1.19 * EV, "J", 0.0, 5 * EV, "E_g: Ag+ hop that extends the bridge")
    rupture_barrier: float = field(1.19 * EV, "J", 0.0, 5 * EV, "E_r: Ag+ hop that breaks it up")
    hop_distance: float = field(5e-9, "m", 1e-11, 1e-6, "a: hop distance")
    gap: float = field(50e-9, "m", 1e-9, 1e-3, "d: electrode gap")
    modulation_share: float = field(0.15, "1", 0.0, 1.0, "β: share of V_mod's field along the gap")
    off_conductance: float = field(1e-9, "S", 0.0, 1.0, "G_off (x = 0)", low_open=True)
    on_conductance: float = field(1e-4, "S", 0.0, 1.0, "G_on (x = 1)", low_open=True)
    initial_state: float = field(0.0, "1", 0.0, 1.0, "x of a fresh device")


class ModulatedBridgeModel(DeviceModel):
    """Ag bridge driven by the pre electrode and modulated by a third one (see module)."""

    name = "modulated-ag-bridge"
    state_names = ("bridge",)
    state_bounds = ((0.0, 1.0),)
    Params = ModulatedBridgeParams
    terminals = ("pre", "mod")
    operating_voltage = 10.0
    time_scale = 1e-3

    def initial_state(self, params, n_devices: int) -> np.ndarray:
        return np.full((1, n_devices), float(params.initial_state))

    def drive(self, v, params):
        """u = V_pre + β·V_mod [V]: the voltage whose field acts along the gap."""
        v = np.asarray(v, dtype=float)
        return v[0] + params.modulation_share * v[1]

    def rates(self, state, v, t, params):
        u = self.drive(v, params)
        work = field_work(Q_E, params.hop_distance, np.abs(u) / params.gap)
        T, nu = params.temperature, params.attempt_frequency
        k_g = np.where(u > 0, np.exp(log_hopping_rate(params.growth_barrier, work, T, nu)), 0.0)
        k_r = np.where(u < 0, np.exp(log_hopping_rate(params.rupture_barrier, work, T, nu)), 0.0)
        x = state[0]
        return (k_g * (1.0 - x) - k_r * x)[None]

    def conductance(self, state, params):
        return params.off_conductance * (params.on_conductance / params.off_conductance) ** state[0]

    def current(self, state, v, params):
        v = np.asarray(v, dtype=float)
        g = self.conductance(state, params)
        return np.stack([g * v[0], np.zeros_like(g) * v[1]])
