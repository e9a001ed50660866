"""Yakopcic generalised memristive device model (Yakopcic, Taha, Subramanyam, Pino & Rogers, IEEE
Electron Device Lett. 32, 1436 (2011); Yakopcic, Taha, Subramanyam & Pino, IEEE Trans. CAD 32,
1201 (2013)).

Equations as in the author's SPICE subcircuit (knowm/memristor-models-4-all
``Yakopcic/LTSpice/memristor_yakopcic.sub``, "Created by Chris Yakopcic, 8/9/2011"; read for
docs/research/compact_models.md §3 [V]); x ∈ [0, 1] is the state:

    I = a1·x·sinh(b·V) (V ≥ 0),   a2·x·sinh(b·V) (V < 0)
    g(V) = Ap·(e^V - e^Vp) (V > Vp),   -An·(e^-V - e^Vn) (V < -Vn),   0 otherwise
    f(x) = exp(-αp·(x - xp))·wp(x) for x ≥ xp, else 1;  wp = (xp - x)/(1 - xp) + 1   (η·V ≥ 0)
    f(x) = exp(αn·(x + xn - 1))·wn(x) for x ≤ 1 - xn, else 1;  wn = x/(1 - xn)        (η·V < 0)
    dx/dt = η·g(V)·f(x)

(V in volts inside the exponentials, as in the paper.) Smoothing, identical in numpy and in
:meth:`compact`:

* thresholds: with g written Ap·e^Vp·(e^(V-Vp) - 1), the max(V - Vp, 0) becomes
  δ_V·softplus((V - Vp)/δ_V), δ_V = 5 mV (likewise for -V - Vn). At V = 0 the rate is then 0 to
  float64 for the default thresholds (ln(1 + e^-130) rounds to 0) and ~1e-13 /s for Vp = 0.16 V;
  the exponent is capped at 40 (|V| > Vp + 40 V, far outside the model's range);
* windows: the switch at x = xp (1 - xn) is max(x - xp, 0) → u = δ_x·softplus((x - xp)/δ_x),
  δ_x = 0.01, and f = exp(-αp·u)·(1 - u/(1 - xp)). Because softplus ≥ max, f reaches 0 at or just
  below x = 1 (it is negative beyond, pushing the state back): the state stays in its bounds by
  itself;
* lower bound: the original wn = x/(1 - xn) vanishes at x = 0, where I ≡ 0 (an insulator). x = 0
  is never reached (x decays exponentially towards it), but a device close to it carries no
  current and the model's conductance range has no floor. Here wn's zero is moved to
  x_min = 1e-4 (wn = (x - x_min)/(1 - xn - x_min)), so the state lives in [1e-4, 1]; this changes
  the rates by O(1e-4) relative;
* a1/a2 switch at V = 0 where sinh(bV) = 0 (continuous; only dI/dV jumps when a1 ≠ a2).

Defaults: the active parameter line of the knowm .sub (a1 = a2 = 0.17 A, b = 0.05 /V, Vp = 0.65 V,
Vn = 0.56 V, Ap = An = 4000 /s, xp = 0.3, xn = 0.5, αp = 1, αn = 5, x0 = 0.11, η = 1). The preset
"Yakopcic/Xyce-level3" holds the file's commented line (Vp = 0.16 V, Vn = 0.15 V; also Xyce's
``memristor level=3`` test); which device of the papers each line fits is unverified.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nanoionic.models.base import DeviceModel, field
from nanoionic.models.compact import CompactModel, CompactState, scalar_parameters, softplus

SOURCE = ("Yakopcic et al., IEEE EDL 32, 1436 (2011); IEEE TCAD 32, 1201 (2013); equations of the author's "
          "SPICE subcircuit (knowm memristor_yakopcic.sub)")

X_MIN = 1e-4
"""Lower bound of the state (the zero of the shifted wn; see module)."""

EXP_CAP = 40.0
"""Cap of the threshold exponent (V - Vp) [V] (see module)."""


@dataclass(frozen=True)
class YakopcicParams:
    """Parameters of the Yakopcic model (SI; V inside the exponentials in volts)."""

    a1: float = field(0.17, "A", 0.0, 1e3, "a1: current prefactor for V ≥ 0", low_open=True)
    a2: float = field(0.17, "A", 0.0, 1e3, "a2: current prefactor for V < 0", low_open=True)
    b: float = field(0.05, "1/V", 0.0, 100.0, "b: sinh slope of the I–V", low_open=True)
    vp: float = field(0.65, "V", 0.0, 100.0, "Vp: positive threshold")
    vn: float = field(0.56, "V", 0.0, 100.0, "Vn: magnitude of the negative threshold")
    ap: float = field(4000.0, "1/s", 0.0, 1e15, "Ap: positive switching speed")
    an: float = field(4000.0, "1/s", 0.0, 1e15, "An: negative switching speed")
    xp: float = field(0.3, "1", 0.0, 0.99, "xp: where the positive-direction window starts to fall")
    xn: float = field(0.5, "1", 0.0, 0.99, "xn: 1 - xn is where the negative-direction window starts to fall")
    alpha_p: float = field(1.0, "1", 0.0, 100.0, "αp: decay of the positive window")
    alpha_n: float = field(5.0, "1", 0.0, 100.0, "αn: decay of the negative window")
    eta: float = field(1.0, "1", -1.0, 1.0, "η: direction of state motion (+1 or -1) times a scale")
    initial_state: float = field(0.11, "1", X_MIN, 1.0, "x0 of a fresh device")
    threshold_width: float = field(5e-3, "V", 0.0, 0.1, "δ_V: softplus width of the voltage thresholds", low_open=True)
    window_width: float = field(0.01, "1", 0.0, 0.1, "δ_x: softplus width of the window switches", low_open=True)


def _softplus(z):
    """The same expression as ``compact.softplus`` (see vteam._softplus)."""
    return np.maximum(z, 0.0) + np.log(1.0 + np.exp(-np.abs(z)))


class YakopcicModel(DeviceModel):
    """Yakopcic's generalised model (see module)."""

    name = "yakopcic"
    state_names = ("x",)
    state_bounds = ((X_MIN, 1.0),)
    Params = YakopcicParams
    operating_voltage = 1.0
    # 10 µs: a 1 V pulse of this length moves x by ~0.03 (defaults) to ~0.1 (Vp = 0.16 V); with
    # 1 ms the low-threshold preset saturates x = 1 before the sine's apex (no loop opening)
    time_scale = 1e-5

    def initial_state(self, params, n_devices: int) -> np.ndarray:
        return np.broadcast_to(np.asarray(params.initial_state, dtype=float), (n_devices,))[None].copy()

    @staticmethod
    def _drive(v, params):
        """(g₊, g₋) [1/s]: the smoothed positive- and negative-threshold parts of g(V). Written
        operation for operation as :meth:`compact` (multiplications by precomputed inverses), so
        the two agree to the last bit also in the cancelling tails e^s - 1 with s ~ 1e-16."""
        dv = params.threshold_width
        inv_dv = 1.0 / dv
        up = dv * _softplus((v - params.vp) * inv_dv)
        down = dv * _softplus((-v - params.vn) * inv_dv)
        g_pos = params.ap * np.exp(params.vp) * (np.exp(np.minimum(up, EXP_CAP)) - 1.0)
        g_neg = -(params.an * np.exp(params.vn)) * (np.exp(np.minimum(down, EXP_CAP)) - 1.0)
        return g_pos, g_neg

    @staticmethod
    def _windows(x, params):
        """(f₊, f₋): the smoothed windows for state motion towards x = 1 and towards x_min."""
        dx = params.window_width
        inv_dx = 1.0 / dx
        u_p = dx * _softplus((x - params.xp) * inv_dx)
        u_n = dx * _softplus((1.0 - params.xn - x) * inv_dx)
        f_p = np.exp(-params.alpha_p * u_p) * (1.0 - u_p * (1.0 / (1.0 - params.xp)))
        f_n = np.exp(-params.alpha_n * u_n) * (1.0 - u_n * (1.0 / (1.0 - params.xn - X_MIN)))
        return f_p, f_n

    def rates(self, state, v, t, params):
        x = state[0]
        v = np.asarray(v, dtype=float)
        g_pos, g_neg = self._drive(v, params)
        f_p, f_n = self._windows(x, params)
        # η·V ≥ 0 takes f₊: with η > 0 that is the V > 0 part of g, with η < 0 the V < 0 part
        forward = np.asarray(params.eta) >= 0
        rate = params.eta * (g_pos * np.where(forward, f_p, f_n) + g_neg * np.where(forward, f_n, f_p))
        return np.broadcast_to(rate, x.shape)[None].copy()

    def current(self, state, v, params):
        v = np.asarray(v, dtype=float)
        return np.where(v >= 0, params.a1, params.a2) * state[0] * np.sinh(params.b * v)

    def compact(self, params):
        p = scalar_parameters(params, self.name)
        dv, dx = p["threshold_width"], p["window_width"]
        values = {
            "a1": p["a1"], "a2": p["a2"], "b": p["b"], "vp": p["vp"], "vn": p["vn"],
            "gp0": p["ap"] * float(np.exp(p["vp"])), "gn0": p["an"] * float(np.exp(p["vn"])),
            "dv": dv, "inv_dv": 1.0 / dv, "dx": dx, "inv_dx": 1.0 / dx, "ecap": EXP_CAP,
            "xp": p["xp"], "one_m_xn": 1.0 - p["xn"], "inv_wp": 1.0 / (1.0 - p["xp"]),
            "inv_wn": 1.0 / (1.0 - p["xn"] - X_MIN), "alpha_p": p["alpha_p"], "alpha_n": p["alpha_n"],
            "eta": p["eta"],
        }
        aux = (
            ("g_pos", f"gp0 * (exp(min(dv * {softplus('(v - vp) * inv_dv')}, ecap)) - 1)"),
            ("g_neg", f"-gn0 * (exp(min(dv * {softplus('(-v - vn) * inv_dv')}, ecap)) - 1)"),
            ("u_p", f"dx * {softplus('(x - xp) * inv_dx')}"),
            ("u_n", f"dx * {softplus('(one_m_xn - x) * inv_dx')}"),
            ("f_p", "exp(-alpha_p * u_p) * (1 - u_p * inv_wp)"),
            ("f_n", "exp(-alpha_n * u_n) * (1 - u_n * inv_wn)"),
        )
        rate = "eta * (g_pos * f_p + g_neg * f_n)" if p["eta"] >= 0 else "eta * (g_pos * f_n + g_neg * f_p)"
        return CompactModel(
            name=self.name, parameters=values, source=SOURCE, auxiliaries=aux,
            states=(CompactState("x", rate, p["initial_state"], X_MIN, 1.0),),
            current="where(vd >= 0, a1, a2) * x * sinh(b * vd)",
            notes=("thresholds and window switches smoothed by softplus (widths dv [V], dx)",
                   f"wn's zero moved from x = 0 to x_min = {X_MIN:g} (state bounds [x_min, 1])"))
