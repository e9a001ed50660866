"""Coupled ion reservoir: Li+ shared by four MoS2 channels through a common film (Au/LixMoS2).

Physical picture (review, Sec. 3.2, heterosynaptic plasticity; Zhu, Li, Lu et al., Nat. Mater.
18, 141 (2019)): four MoS2 channels sit in a row in a Li-containing film. A positive bias on a
channel's electrode intercalates Li+ from the film beside it (the Li-rich 1T' phase conducts
better: potentiation), a negative one pushes Li+ back out. The film regions between channels
hold the Li that is not intercalated; a region can only be reached through the channels next to
it, so Li moves between devices by passing through them. The devices are coupled only through
this conserved inventory: competition (one device's potentiation leaves less for its
neighbour) and cooperation (a potentiated device releases Li on its far side, feeding the next)
follow, and programming one device changes the others.

State: channel fillings c_k (k = 0…3, fraction of a channel's Li capacity) and film regions r_j
(j = 0…4, region j left of channel j, region 4 right of channel 3), in units of one channel's
capacity. Channel k exchanges with regions k and k+1:

    intercalation  r_j → c_k:  k_in(V_k)·r_j·(1 - c_k)
    release        c_k → r_j:  k_out(V_k)·c_k / 2 to each side

with k_in = ν·exp(-(E_in - q·a·V/2d)/k_B T) and k_out = ν·exp(-(E_out + q·a·V/2d)/k_B T)
(saturating at ν). Every term moves Li from one compartment to another, so Σ c_k + Σ r_j is
conserved by the equations themselves; the model declares it (``conserved_weights``) and the
adaptive integrators hold it to round-off after each step (tested to 1e-12 over random
protocols; without that projection rk45 drifts by up to ~4e-11 over 10⁴ stiff steps).

Terminals D0…D3: the bias of each channel's electrode. Currents: I_k = G_k·V_k with
G_k = G_2H + (G_1T' - G_2H)·c_k.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nanoionic._core.units import EV, Q_E
from nanoionic.models.base import DeviceModel, field
from nanoionic.physics.hopping import field_work, log_hopping_rate

N_CHANNELS = 4
N_REGIONS = N_CHANNELS + 1


@dataclass(frozen=True)
class LiReservoirParams:
    """Parameters of the coupled Li reservoir (SI; energies in J). Defaults:
    parameters/sets/LixMoS2_ZhuLu2019.toml."""

    temperature: float = field(300.0, "K", 0.0, 2000.0, "T", low_open=True)
    attempt_frequency: float = field(1e13, "Hz", 1e6, 1e16, "ν")
    intercalation_barrier: float = field(0.9 * EV, "J", 0.0, 5 * EV, "E_in: Li+ entering MoS2")
    release_barrier: float = field(0.8 * EV, "J", 0.0, 5 * EV, "E_out: Li+ leaving MoS2")
    hop_distance: float = field(1.2e-9, "m", 1e-11, 1e-7, "a: hop distance")
    thickness: float = field(10e-9, "m", 1e-10, 1e-5, "d: distance over which the electrode bias drops")
    conductance_2h: float = field(1e-7, "S", 0.0, 1.0, "G_2H: channel without Li")
    conductance_1t: float = field(1e-5, "S", 0.0, 1.0, "G_1T': channel full of Li", low_open=True)
    initial_region: int = field(1, "1", 0, N_REGIONS - 1, "film region holding the Li at the start")
    initial_inventory: float = field(0.5, "1", 0.0, 10.0, "Li at the start, in channel capacities")


class LiReservoirModel(DeviceModel):
    """Four MoS2 channels coupled by a conserved Li inventory (see module)."""

    name = "li-reservoir"
    state_names = tuple(f"channel_{k}" for k in range(N_CHANNELS)) + tuple(f"region_{j}" for j in range(N_REGIONS))
    state_bounds = ((0.0, 1.0),) * N_CHANNELS + ((0.0, 10.0),) * N_REGIONS
    Params = LiReservoirParams
    terminals = tuple(f"D{k}" for k in range(N_CHANNELS))
    conserved_weights = (1.0,) * (N_CHANNELS + N_REGIONS)
    operating_voltage = 5.0
    time_scale = 10e-3

    def initial_state(self, params, n_devices: int) -> np.ndarray:
        state = np.zeros((len(self.state_names), n_devices))
        state[N_CHANNELS + int(params.initial_region)] = params.initial_inventory
        return state

    def _rates(self, v, p):
        """(k_in, k_out) per channel [1/s] for terminal voltages ``v`` (n_terminals,)."""
        work = field_work(Q_E, p.hop_distance, np.asarray(v, dtype=float) / p.thickness)
        k_in = np.exp(log_hopping_rate(p.intercalation_barrier, work, p.temperature, p.attempt_frequency))
        k_out = np.exp(log_hopping_rate(p.release_barrier, -work, p.temperature, p.attempt_frequency))
        return k_in, k_out

    def rates(self, state, v, t, params):
        c, r = state[:N_CHANNELS], state[N_CHANNELS:]
        k_in, k_out = (x[:, None] for x in self._rates(v, params))
        into_from_left = k_in * r[:-1] * (1.0 - c)
        into_from_right = k_in * r[1:] * (1.0 - c)
        release = 0.5 * k_out * c
        dc = into_from_left + into_from_right - 2.0 * release
        dr = np.zeros_like(r)
        dr[:-1] += release - into_from_left   # region k is left of channel k
        dr[1:] += release - into_from_right   # region k+1 is right of channel k
        return np.concatenate([dc, dr])

    def conductance(self, state, params):
        """(n_channels, n) channel conductances [S]."""
        return params.conductance_2h + (params.conductance_1t - params.conductance_2h) * state[:N_CHANNELS]

    def current(self, state, v, params):
        return self.conductance(state, params) * np.asarray(v, dtype=float)[:, None]


def total_li(state) -> np.ndarray:
    """Σ c_k + Σ r_j: the conserved Li inventory [channel capacities], per device."""
    return np.sum(state, axis=0)
