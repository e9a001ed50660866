"""Linear ion drift memristor (HP TiO2, Strukov et al.) with the Joglekar or Biolek window.

Equations (Strukov, Snider, Stewart & Williams, Nature 453, 80 (2008); windows: Joglekar & Wolf,
Eur. J. Phys. 30, 661 (2009); Biolek, Biolek & Biolková, Radioengineering 18, 210 (2009); as
implemented in Biolek's SPICE model and the Technion Verilog-A report, see
docs/research/compact_models.md §1):

    V = [R_on·x + R_off·(1 - x)]·I,   x = w/D ∈ [0, 1] the doped fraction
    dx/dt = μ_v·R_on/D²·I·f(x, I)

    Joglekar: f = 1 - (2x - 1)^(2p)
    Biolek:   f = 1 - (x - stp(-I))^(2p), stp(z) = 1 for z ≥ 0, else 0

Defaults: Biolek's SPICE model (R_on = 100 Ω, R_off = 16 kΩ, D = 10 nm, μ_v = 1e-14 m²/(V·s),
p = 1, R_init = 11 kΩ, i.e. x0 = 0.3145). The Joglekar window is zero at x = 0 and 1, so a
device driven there stays (the known boundary lock); Biolek's releases it when I reverses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nanoionic.models.base import DeviceModel, field


@dataclass(frozen=True)
class LinearDriftParams:
    """Parameters of the linear ion drift model (SI)."""

    on_resistance: float = field(100.0, "Ohm", 0.0, 1e12, "R_on (fully doped)", low_open=True)
    off_resistance: float = field(16e3, "Ohm", 0.0, 1e15, "R_off (undoped)", low_open=True)
    thickness: float = field(10e-9, "m", 1e-10, 1e-5, "D: film thickness")
    mobility: float = field(1e-14, "m^2/(V s)", 0.0, 1e-6, "μ_v: dopant mobility")
    window_exponent: float = field(1.0, "1", 1.0, 50.0, "p of the window")
    initial_state: float = field(0.3145, "1", 0.0, 1.0, "x0 (R_init = 11 kOhm with the defaults)")


class _LinearDrift(DeviceModel):
    state_names = ("doped_fraction",)
    state_bounds = ((0.0, 1.0),)
    Params = LinearDriftParams
    operating_voltage = 1.0
    time_scale = 0.01

    def initial_state(self, params, n_devices: int) -> np.ndarray:
        return np.full((1, n_devices), float(params.initial_state))

    def resistance(self, x, params):
        return params.on_resistance * x + params.off_resistance * (1.0 - x)

    def current(self, state, v, params):
        return np.asarray(v, dtype=float) / self.resistance(state[0], params)

    def window(self, x, i, params):
        raise NotImplementedError

    def rates(self, state, v, t, params):
        x = state[0]
        i = self.current(state, v, params)
        k = params.mobility * params.on_resistance / params.thickness ** 2
        return (k * i * self.window(x, i, params))[None]


class JoglekarDriftModel(_LinearDrift):
    """Linear ion drift with the Joglekar window (see module)."""

    name = "linear-drift-joglekar"

    def window(self, x, i, params):
        return 1.0 - (2.0 * x - 1.0) ** (2.0 * params.window_exponent)


class BiolekDriftModel(_LinearDrift):
    """Linear ion drift with the Biolek window (see module)."""

    name = "linear-drift-biolek"

    def window(self, x, i, params):
        step = np.where(-i >= 0.0, 1.0, 0.0)
        return 1.0 - (x - step) ** (2.0 * params.window_exponent)
