"""VTEAM: threshold voltage-controlled memristor (Kvatinsky, Ramadan, Friedman & Kolodny, "VTEAM: A
General Model for Voltage-Controlled Memristors", IEEE TCAS-II 62(8), 786 (2015),
doi:10.1109/TCSII.2015.2433536), with the Kvatinsky window of the TEAM model.

Equations (docs/research/compact_models.md §2; state law and linear I–V as in coreylammie/MemTorch
``memtorch/bh/memristor/VTEAM.py`` [V-port], exponential I–V and window from the Technion report
"Verilog-A for Memristor Models" (Kvatinsky et al., 2011) [V]). The state is the normalised
boundary position x = (w - w_on)/(w_off - w_on) ∈ [0, 1] (x = 0: R_on, x = 1: R_off):

    dx/dt = k_off/D·s_off^α_off·f_off(x) + k_on/D·s_on^α_on·f_on(x),   D = w_off - w_on
    s_off = δ·softplus((V/v_off - 1)/δ),   s_on = δ·softplus((V/v_on - 1)/δ)
    f_off(x) = exp(-exp((x - a_off)/w_c)),  f_on(x) = exp(-exp(-(x - a_on)/w_c))   (Kvatinsky)
    linear I–V      ("vteam"):     I = V / (R_on + (R_off - R_on)·x)
    exponential I–V ("vteam-exp"): I = V·exp(-λ·x)/R_on,  λ = ln(R_off/R_on)

with k_off > 0, k_on < 0, v_on < 0 < v_off. The paper's piecewise law uses max(V/v_off - 1, 0)
(zero between the thresholds); here that max is a softplus of relative width δ (default 0.02,
i.e. 0.4 mV around v_off = 20 mV, 4 mV around v_on = -0.2 V). Far below a threshold the rate is
exactly zero in float64 (ln(1 + e^-z) rounds to 0 once z > 37, i.e. |V| < v·(1 - 37·δ)); within
a few δ of it the rate is tiny (δ·e^-k at k widths below). ngspice's step control otherwise
collapses at the kink. Both forms (numpy here, :meth:`compact`) use the same expression. The
arguments of the window's inner exponentials are capped at 50 (reached only outside [0, 1]).

Defaults. MemTorch's (from the asic2.group VTEAM Verilog-A: R_on = 50 Ω, R_off = 1 kΩ, D = 3 nm,
k_off = 5e-4 m/s, α_off = 1, α_on = 3, v_off = 0.02 V, v_on = -0.2 V) except:

* k_on = -5e-4 m/s instead of -10 m/s. With -10 m/s a -1 V drive moves x at 2e11 /s (the whole
  film in 5 ps) while +1 V moves it at 8e6 /s: a stiffness ratio of 1e4-1e5 against any drive
  slow enough to see RESET. With k_on = -k_off both polarities switch in ~0.1 µs at |V| = 1 V
  (rates 8e6 /s and 1.1e7 /s). The paper's own parameter table was not read (research doc).
* Kvatinsky window with a_on = 0.05, a_off = 0.95, w_c = 0.01 (normalised; MemTorch has no window
  but a hard clamp). w_c is chosen so that f is ~1e-64 at the bounds, i.e. the state stops
  inside [0, 1] by itself at any drive up to kV (it settles ~3-4 w_c beyond a_on/a_off).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nanoionic.models.base import DeviceModel, field
from nanoionic.models.compact import CompactModel, CompactState, scalar_parameters, softplus

SOURCE = ("Kvatinsky et al., IEEE TCAS-II 62, 786 (2015) (VTEAM); Kvatinsky window (TEAM, IEEE TCAS-I 60, "
          "211 (2013)); defaults after MemTorch/asic2 VTEAM with k_on = -k_off")

WINDOW_EXPONENT_CAP = 50.0
"""Cap of the window's inner exponent (x - a)/w_c: exp(-e^50) is already 0 in float64."""


@dataclass(frozen=True)
class VTEAMParams:
    """Parameters of the VTEAM model (SI; see module for the defaults' sources)."""

    on_resistance: float = field(50.0, "Ohm", 0.0, 1e12, "R_on (x = 0)", low_open=True)
    off_resistance: float = field(1e3, "Ohm", 0.0, 1e15, "R_off (x = 1); must exceed R_on", low_open=True)
    thickness: float = field(3e-9, "m", 1e-11, 1e-5, "D = w_off - w_on: range of the state variable w")
    k_off: float = field(5e-4, "m/s", 0.0, 1e3, "k_off: OFF (RESET, V > v_off) speed prefactor", low_open=True)
    k_on: float = field(-5e-4, "m/s", -1e3, 0.0, "k_on: ON (SET, V < v_on) speed prefactor, negative", high_open=True)
    alpha_off: float = field(1.0, "1", 0.0, 20.0, "α_off: exponent of the OFF overdrive", low_open=True)
    alpha_on: float = field(3.0, "1", 0.0, 20.0, "α_on: exponent of the ON overdrive", low_open=True)
    v_off: float = field(0.02, "V", 0.0, 100.0, "v_off: positive threshold", low_open=True)
    v_on: float = field(-0.2, "V", -100.0, 0.0, "v_on: negative threshold", high_open=True)
    threshold_width: float = field(0.02, "1", 0.0, 0.5, "δ: relative width of the softplus threshold", low_open=True)
    a_on: float = field(0.05, "1", 0.0, 1.0, "a_on: Kvatinsky window edge near x = 0 (normalised)")
    a_off: float = field(0.95, "1", 0.0, 1.0, "a_off: Kvatinsky window edge near x = 1 (normalised)")
    window_width: float = field(0.01, "1", 0.0, 0.1, "w_c: Kvatinsky window width (normalised)", low_open=True)
    initial_state: float = field(0.5, "1", 0.0, 1.0, "x0 of a fresh device")


def _softplus(z):
    """max(z, 0) + ln(1 + e^-|z|): the same expression as ``compact.softplus`` (no log1p, so the
    two agree to round-off everywhere, also where the value is below 1e-16)."""
    return np.maximum(z, 0.0) + np.log(1.0 + np.exp(-np.abs(z)))


class VTEAMModel(DeviceModel):
    """VTEAM with the linear I–V (see module)."""

    name = "vteam"
    state_names = ("x",)
    state_bounds = ((0.0, 1.0),)
    Params = VTEAMParams
    stiff = True  # the Kvatinsky window's edges have slopes ~rate/w_c
    ohmic = True  # I = V/R(x) (and V·exp(-λx)/R_on for vteam-exp): linear in V at fixed state
    operating_voltage = 1.0
    time_scale = 1e-7

    def initial_state(self, params, n_devices: int) -> np.ndarray:
        return np.broadcast_to(np.asarray(params.initial_state, dtype=float), (n_devices,))[None].copy()

    def rates(self, state, v, t, params):
        x = state[0]
        v = np.asarray(v, dtype=float)
        d = params.threshold_width
        inv_d, inv_wc = 1.0 / d, 1.0 / params.window_width  # as in compact(): same bits
        s_off = d * _softplus((v * (1.0 / params.v_off) - 1.0) * inv_d)
        s_on = d * _softplus((v * (1.0 / params.v_on) - 1.0) * inv_d)
        f_off = np.exp(-np.exp(np.minimum((x - params.a_off) * inv_wc, WINDOW_EXPONENT_CAP)))
        f_on = np.exp(-np.exp(np.minimum(-(x - params.a_on) * inv_wc, WINDOW_EXPONENT_CAP)))
        rate = ((params.k_off / params.thickness) * s_off ** params.alpha_off * f_off
                + (params.k_on / params.thickness) * s_on ** params.alpha_on * f_on)
        return np.broadcast_to(rate, x.shape)[None].copy()

    def current(self, state, v, params):
        x = state[0]
        return np.asarray(v, dtype=float) / (params.on_resistance + (params.off_resistance - params.on_resistance) * x)

    def current_expression(self) -> str:
        return "vd / (r_on + dr * x)"

    def compact(self, params):
        p = scalar_parameters(params, self.name)
        d = p["threshold_width"]
        values = {
            "k_off_d": p["k_off"] / p["thickness"], "k_on_d": p["k_on"] / p["thickness"],
            "alpha_off": p["alpha_off"], "alpha_on": p["alpha_on"],
            "inv_v_off": 1.0 / p["v_off"], "inv_v_on": 1.0 / p["v_on"], "delta": d, "inv_delta": 1.0 / d,
            "a_on": p["a_on"], "a_off": p["a_off"], "inv_wc": 1.0 / p["window_width"], "zcap": WINDOW_EXPONENT_CAP,
            "r_on": p["on_resistance"], "dr": p["off_resistance"] - p["on_resistance"],
            "lam": float(np.log(p["off_resistance"] / p["on_resistance"])), "g_on": 1.0 / p["on_resistance"],
        }
        aux = (
            ("s_off", f"delta * {softplus('(v * inv_v_off - 1) * inv_delta')}"),
            ("s_on", f"delta * {softplus('(v * inv_v_on - 1) * inv_delta')}"),
            ("f_off", "exp(-exp(min((x - a_off) * inv_wc, zcap)))"),
            ("f_on", "exp(-exp(min(-(x - a_on) * inv_wc, zcap)))"),
        )
        rate = "k_off_d * s_off ** alpha_off * f_off + k_on_d * s_on ** alpha_on * f_on"
        return CompactModel(
            name=self.name, parameters=values, source=SOURCE, auxiliaries=aux,
            states=(CompactState("x", rate, p["initial_state"], 0.0, 1.0),),
            current=self.current_expression(),
            notes=("x = (w - w_on)/(w_off - w_on); thresholds smoothed by a softplus of relative width delta",))


class VTEAMExpModel(VTEAMModel):
    """VTEAM with the exponential I–V, I = V·exp(-λx)/R_on, λ = ln(R_off/R_on) (see module)."""

    name = "vteam-exp"

    def current(self, state, v, params):
        lam = np.log(params.off_resistance / params.on_resistance)
        return np.asarray(v, dtype=float) * np.exp(-lam * state[0]) / params.on_resistance

    def current_expression(self) -> str:
        return "vd * exp(-lam * x) * g_on"
