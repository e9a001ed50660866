"""Linear ion drift memristor (HP TiO2, Strukov et al.) with the Joglekar or Biolek window.

Equations (Strukov, Snider, Stewart & Williams, Nature 453, 80 (2008); windows: Joglekar & Wolf,
Eur. J. Phys. 30, 661 (2009); Biolek, Biolek & Biolková, Radioengineering 18, 210 (2009); as
implemented in Biolek's SPICE model and the Technion Verilog-A report, see
docs/research/compact_models.md §1):

    V = [R_on·x + R_off·(1 - x)]·I,   x = w/D ∈ [0, 1] the doped fraction
    dx/dt = μ_v·R_on/D²·I·f(x, I)

    Joglekar: f = 1 - |2x - 1|^(2p)
    Biolek:   f = 1 - |x - stp(-I)|^(2p), stp(z) = 1 for z ≥ 0, else 0

|·| keeps non-integer p defined (for integer p it changes nothing). Biolek's step is smoothed,
stp(z) = (1 + tanh(z/I_s))/2 with I_s = 1 nA, so circuit simulators converge; the rate is
k·I·f and vanishes where the step switches, so the smoothing changes the state by < I_s/I.

Defaults: Biolek's SPICE model (R_on = 100 Ω, R_off = 16 kΩ, D = 10 nm, μ_v = 1e-14 m²/(V·s),
p = 1, R_init = 11 kΩ, i.e. x0 = 0.3145). The Joglekar window is zero at x = 0 and 1, so a
device driven there stays (the known boundary lock); Biolek's releases it when I reverses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nanoionic.models.base import DeviceModel, field
from nanoionic.models.compact import CompactModel, CompactState, scalar_parameters, smooth_step

SOURCE = ("Strukov et al., Nature 453, 80 (2008); Joglekar & Wolf, Eur. J. Phys. 30, 661 (2009); "
          "Biolek et al., Radioengineering 18, 210 (2009)")


@dataclass(frozen=True)
class LinearDriftParams:
    """Parameters of the linear ion drift model (SI)."""

    on_resistance: float = field(100.0, "Ohm", 0.0, 1e12, "R_on (fully doped)", low_open=True)
    off_resistance: float = field(16e3, "Ohm", 0.0, 1e15, "R_off (undoped)", low_open=True)
    thickness: float = field(10e-9, "m", 1e-10, 1e-5, "D: film thickness")
    mobility: float = field(1e-14, "m^2/(V s)", 0.0, 1e-6, "μ_v: dopant mobility")
    window_exponent: float = field(1.0, "1", 1.0, 50.0, "p of the window")
    initial_state: float = field(0.3145, "1", 0.0, 1.0, "x0 (R_init = 11 kOhm with the defaults)")
    step_current: float = field(1e-9, "A", 0.0, 1.0, "I_s: width of Biolek's smoothed current-sign step", low_open=True)


class _LinearDrift(DeviceModel):
    state_names = ("doped_fraction",)
    state_bounds = ((0.0, 1.0),)
    Params = LinearDriftParams
    operating_voltage = 1.0
    time_scale = 0.01
    ohmic = True

    def initial_state(self, params, n_devices: int) -> np.ndarray:
        return np.full((1, n_devices), float(params.initial_state))

    def resistance(self, x, params):
        return params.on_resistance * x + params.off_resistance * (1.0 - x)

    def current(self, state, v, params):
        return np.asarray(v, dtype=float) / self.resistance(state[0], params)

    def window(self, x, i, params):
        raise NotImplementedError

    def window_expression(self) -> str:
        """The window f as a compact expression of x, i and the parameters."""
        raise NotImplementedError

    def rates(self, state, v, t, params):
        x = state[0]
        i = self.current(state, v, params)
        return (drift_coefficient(params) * i * self.window(x, i, params))[None]

    def compact(self, params):
        p = scalar_parameters(params, self.name)
        values = {"r_on": p["on_resistance"], "r_off": p["off_resistance"], "p2": 2.0 * p["window_exponent"],
                  "k": float(drift_coefficient(params)), "i_s": p["step_current"]}
        return CompactModel(
            name=self.name, parameters=values, source=SOURCE,
            states=(CompactState("x", f"k * i * {self.window_expression()}", p["initial_state"], 0.0, 1.0),),
            auxiliaries=(("i", "v / (r_on * x + r_off * (1 - x))"),),
            current="vd / (r_on * x + r_off * (1 - x))")


def drift_coefficient(params):
    """k = μ_v·R_on/D² [1/C]: dx/dt = k·I·f."""
    return params.mobility * params.on_resistance / params.thickness ** 2


class JoglekarDriftModel(_LinearDrift):
    """Linear ion drift with the Joglekar window (see module)."""

    name = "linear-drift-joglekar"

    def window(self, x, i, params):
        return 1.0 - np.abs(2.0 * x - 1.0) ** (2.0 * params.window_exponent)

    def window_expression(self):
        return "(1 - abs(2 * x - 1) ** p2)"


class BiolekDriftModel(_LinearDrift):
    """Linear ion drift with the Biolek window (see module)."""

    name = "linear-drift-biolek"

    def window(self, x, i, params):
        step = 0.5 * (1.0 + np.tanh(-i / params.step_current))
        return 1.0 - np.abs(x - step) ** (2.0 * params.window_exponent)

    def window_expression(self):
        return f"(1 - abs(x - {smooth_step('-i', 'i_s')}) ** p2)"
