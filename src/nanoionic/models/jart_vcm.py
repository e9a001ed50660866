"""JART VCM v1b: filamentary valence-change (HfO2/TiOx) cell with the oxygen-vacancy concentration
N_disc of the disc next to the active electrode as the state (deterministic v1b; Cüppers et al.,
APL Mater. 7, 091105 (2019); Bengel et al., IEEE TCAS-I 67, 4618 (2020), doi:10.1109/TCSI.2020.3018502).

Equations (docs/research/compact_models.md §5). The original Verilog-A (emrl.de/JART.html) was
not readable here; the equations below were read in two independent re-implementations that
agree with each other and with the ionic part of the JART-TUD port: a C++ recreation of
"JART VCM v1b var" (stored text ids 41745277878 and 41631218366: ``ComputeSchottkyCurrent``,
``UpdateResistance``, ``UpdateTemperature``, ``ComputeIonCurrent``) [V-port]. V = V(AE, OE):
RESET at V > 0, SET at V < 0. A = π·r², all SI, φ and ΔW_A in volts inside the formulas:

    series:   V = V_S + I·(R_disc + R_plug + R_series(I))
              R_disc = l_disc/(z·q·N·μ_n·A),  R_plug = (l_cell - l_disc)/(z·q·N_plug·μ_n·A)
              R_series = R_TiOx + R0·(1 + R0·α_line·I²·R_th,line)            (line self-heating)
    Schottky: φ_B = φ_B0 - (q³·z·N·ψ/(8π²·ε_φB³))^(1/4), ψ = φ_B0 - φ_n - V_S (where ψ > 0), φ_B ≥ 0
              V_S ≥ 0 (RESET, thermionic emission): I = A·A*·T²·e^(-qφ_B/kT)·(e^(qV_S/kT) - 1)
              V_S < 0 (SET, thermionic-field emission):
                I = -A·(A*·T/k)·sqrt(π·W00·q·(|V_S| + φ_B/cosh²(W00/kT)))·e^(-qφ_B/W0)·(e^(q|V_S|/ε') - 1)
                W00 = (q·h/4π)·sqrt(z·N/(m*·ε)), W0 = W00/tanh(W00/kT), ε' = W00/(W00/kT - tanh(W00/kT))
    heat:     T = T0 + I·(V - I·R_series)·R_th,eff,  R_th,eff = R_th0·(0.27 for V > 0, 1 for V < 0)
    ions:     E = (V - I·R_series)/l_cell (V > 0),  E = I·R_disc/l_disc (V < 0)
              γ = z·a·E/(π·ΔW_A),  ΔW_min/max = ΔW_A·(sqrt(1 - γ²) ∓ γπ/2 + γ·asin γ)
              I_ion = z·q·c·a·ν0·A·(e^(-qΔW_min/kT) - e^(-qΔW_max/kT))·F_lim,  c = (N_plug + N)/2
              F_lim = 1 - (N_min/N)^10 (V > 0),  1 - (N/N_max)^10 (V < 0)
    state:    dN/dt = -I_ion/(z·q·A·l_disc)

**Why it is not exportable.** The device current is the root of the series equation: V_S, I and
T are coupled (I depends on V_S and T, V_S on I through R_series(I), T on I). The Verilog-A lets the
circuit simulator solve this with extra nodes; a compact description here is one explicit
expression for I, so :meth:`compact` raises NotExportableError naming that equation. In numpy
the current is solved per call by a safeguarded Newton iteration on ln|I| (``_cell_kernel``): with I as the unknown, T(I) and V_S(I) are explicit, and on
0 ≤ |I| ≤ I_max (I_max: all of V across the series resistors, a cubic solved in closed form) T ≥ T0
and the residual changes sign at the ends. Where the S-shaped (thermal runaway) characteristic
has several roots (found within a few e-folds of I_max, e.g. 3.83e-4, 4.01e-4 and 4.37e-4 A at
0.75 V, N = 4.3e26 m⁻³), the kernel returns the lowest one that a scan of ln|I| in steps of 0.01 over the 4 e-folds
below I_max resolves (two roots closer than 1 % near a fold can be missed together, so a
small jump remains there): a stateless rate function
must pick its branch by a rule, and a rule that depends on the iteration's path made the rates
jump back and forth between branches (the adaptive steppers then stalled). With this rule the
current jumps only where the low branch ends (the upper fold), as on a quasi-static up-sweep;
a circuit simulator, which continues from the previous time point, also follows the upper
branch down to the lower fold (hysteresis), which this model does not.

Departures from the Verilog-A (stated): (i) deterministic (no cycle-to-cycle variation of r and
l_disc); (ii) the hard cut-off of I_ion outside [N_min, N_max] and its re-arming on voltage
crossings ("trig") are replaced by F_lim clipped at 0, so N can only move back into the range;
(iii) exponents are capped at 300 and |γ| at 1 so extreme voltages stay finite;
(iv) CODATA constants instead of the rounded ones of the ports.

Defaults: JART v1b values as in both ports and IBM aihwkit ``rpu_JART_v1b_device.h`` (T0 = 293 K,
z = 2, ε = 17, ε_φB = 5.5, φ_B0 = 0.18 eV, φ_n = 0.1 eV, μ_n = 4e-6 m²/Vs, N_max = 20e26 m⁻³,
N_min = 0.008e26 m⁻³, N_plug = 20e26 m⁻³, a = 0.25 nm, ν0 = 2e13 Hz, ΔW_A = 1.35 eV,
R_th0 = 15.72 MK/W, r = 45 nm, l_cell = 3 nm, l_disc = 0.4 nm, R_th scaling 0.27, R_TiOx = 650 Ω,
R0 = 719.2437 Ω, R_th,line = 90471.47 K/W, α_line = 3.92e-3 /K, A* = 6.01e5 A/m²K², m* = m_e).
The JART-TUD port's N_max = 22e26 and N_min = 0.004e26 differ (research doc). One departure: a
fresh device starts in the LRS (N = N_max, as after electroforming) rather than at v1b's
Ninit = N_min, so that the first positive half-wave (RESET) switches it.

Speed: the per-device solve (typically 5-15 Newton steps, up to ~50 at |V| ≥ 10 V) runs in a
numba kernel, ~1 µs per device and call.
"""

from __future__ import annotations

from dataclasses import dataclass

import math

import numpy as np

from nanoionic._core.units import EPS_0, EV, H_PLANCK, K_B, Q_E
from nanoionic.models.base import DeviceModel, field
from nanoionic.models.compact import NotExportableError

try:  # numba is a dependency; without it the same scalar code runs as plain (slow) Python
    from numba import njit
except ImportError:  # pragma: no cover
    def njit(*args, **kwargs):
        return (lambda f: f) if not args or not callable(args[0]) else args[0]

M_E = 9.1093837015e-31  # electron rest mass [kg]
EXP_CAP = 300.0
"""Cap of the Schottky exponents (finite currents at any trial voltage of the iteration)."""
TINY_CURRENT = 1e-300
"""Lower end of the |I| bracket [A] (with |V|·1e-40)."""
SCAN_STEP = 0.01
"""Step in ln|I| of the downward scan below I_max that picks the lowest root."""
SCAN_POINTS = 400
"""Points of that scan (a window of 4 e-folds below I_max)."""


@dataclass(frozen=True)
class JARTVCMParams:
    """Parameters of the JART VCM v1b model (SI; energies in J)."""

    ambient_temperature: float = field(293.0, "K", 1.0, 2000.0, "T0")
    charge_number: float = field(2.0, "1", 0.5, 4.0, "z: charge number of an oxygen vacancy")
    permittivity: float = field(17.0, "1", 1.0, 100.0, "ε_r: static permittivity of the oxide")
    image_permittivity: float = field(5.5, "1", 1.0, 100.0, "ε_φB: permittivity of the image-force lowering")
    barrier_height: float = field(0.18 * EV, "J", 0.0, 2 * EV, "φ_B0: nominal Schottky barrier height")
    fermi_offset: float = field(0.1 * EV, "J", 0.0, 1 * EV, "φ_n: oxide conduction band edge above the Fermi level")
    electron_mobility: float = field(4e-6, "m^2/(V s)", 0.0, 1.0, "μ_n", low_open=True)
    max_concentration: float = field(20e26, "1/m^3", 1e22, 1e28, "N_max: oxygen-vacancy concentration of the disc, LRS bound")
    min_concentration: float = field(0.008e26, "1/m^3", 1e22, 1e28, "N_min: HRS bound (< N_max)")
    initial_concentration: float = field(20e26, "1/m^3", 1e22, 1e28, "N of a fresh device (in [N_min, N_max]; default: LRS, N_max)")
    plug_concentration: float = field(20e26, "1/m^3", 1e22, 1e29, "N_plug: concentration of the plug")
    hop_distance: float = field(0.25e-9, "m", 1e-11, 1e-8, "a: ion hopping distance")
    attempt_frequency: float = field(2e13, "Hz", 1e6, 1e16, "ν0")
    activation_energy: float = field(1.35 * EV, "J", 0.0, 5 * EV, "ΔW_A: migration barrier", low_open=True)
    thermal_resistance: float = field(15.72e6, "K/W", 0.0, 1e10, "R_th0: thermal resistance of the filament")
    reset_thermal_scaling: float = field(0.27, "1", 0.0, 1.0, "R_th,eff/R_th0 for V > 0 (RESET)")
    filament_radius: float = field(45e-9, "m", 1e-10, 1e-6, "r: filament radius, A = π·r²")
    cell_length: float = field(3e-9, "m", 1e-10, 1e-6, "l_cell: length of disc + plug")
    disc_length: float = field(0.4e-9, "m", 1e-11, 1e-6, "l_disc: length of the disc (< l_cell)")
    oxide_series_resistance: float = field(650.0, "Ohm", 0.0, 1e9, "R_TiOx: series resistance of the TiOx layer")
    line_resistance: float = field(719.2437, "Ohm", 0.0, 1e9, "R0: line resistance at T0")
    line_thermal_resistance: float = field(90471.47, "K/W", 0.0, 1e9, "R_th,line of the lines")
    line_temperature_coefficient: float = field(3.92e-3, "1/K", 0.0, 1.0, "α_line of the line resistance")
    richardson_constant: float = field(6.01e5, "A/(m^2 K^2)", 0.0, 1e8, "A*: effective Richardson constant", low_open=True)
    tunnelling_mass: float = field(M_E, "kg", 1e-32, 1e-29, "m*: electron mass in the TFE expression")


class JARTVCMModel(DeviceModel):
    """JART VCM v1b (deterministic; see module). State: N_disc [1/m³]."""

    name = "jart-vcm-v1b"
    state_names = ("n_disc",)
    state_bounds = ((1e22, 1e28),)  # 1/m^3; [N_min, N_max] inside
    Params = JARTVCMParams
    stiff = True
    operating_voltage = 1.5
    time_scale = 1e-3

    def initial_state(self, params, n_devices: int) -> np.ndarray:
        return np.broadcast_to(np.asarray(params.initial_concentration, dtype=float), (n_devices,))[None].copy()

    def current(self, state, v, params):
        return evaluate_cell(state[0], v, params)[0]

    def temperature(self, state, v, params):
        """Filament temperature T [K] at voltage v [V]."""
        return evaluate_cell(state[0], v, params)[1]

    def rates(self, state, v, t, params):
        return evaluate_cell(state[0], v, params)[2][None]

    def compact(self, params):
        raise NotExportableError(
            f"model {self.name!r}: the device current is the root of the implicit series equation "
            "V = V_S + I·(R_disc + R_plug + R_series(I)) with the Schottky current I(V_S, T) and T = T0 + "
            "I·(V - I·R_series)·R_th (JART VCM v1b, Bengel et al. 2020); it has no closed form for I")


def _constants(p, n_devices: int) -> np.ndarray:
    """Per-device constants of the kernel, (21, n) (combinations of the parameters, SI, V)."""
    area = np.pi * p.filament_radius ** 2
    zq_mu_a = p.charge_number * Q_E * p.electron_mobility * area
    barrier = p.activation_energy / Q_E
    rows = [
        p.disc_length / zq_mu_a,                                              # 0: R_disc·N
        (p.cell_length - p.disc_length) / (zq_mu_a * p.plug_concentration),   # 1: R_plug
        p.oxide_series_resistance, p.line_resistance,                         # 2, 3
        p.line_resistance ** 2 * p.line_temperature_coefficient * p.line_thermal_resistance,  # 4: k3
        p.barrier_height / Q_E, p.fermi_offset / Q_E,                          # 5, 6: φ_B0, φ_n [V]
        Q_E ** 3 * p.charge_number / (8 * np.pi ** 2 * (p.image_permittivity * EPS_0) ** 3),  # 7: image force
        area * p.richardson_constant,                                          # 8
        Q_E * H_PLANCK / (4 * np.pi) * np.sqrt(p.charge_number / (p.tunnelling_mass * p.permittivity * EPS_0)),  # 9: W00/sqrt(N)
        p.ambient_temperature, p.thermal_resistance,                           # 10, 11
        p.thermal_resistance * p.reset_thermal_scaling,                        # 12
        p.cell_length, p.disc_length,                                          # 13, 14
        p.charge_number * p.hop_distance / (np.pi * barrier), barrier,         # 15, 16: γ/E, ΔW_A [V]
        p.hop_distance * p.attempt_frequency / p.disc_length,                  # 17
        p.plug_concentration, p.min_concentration, p.max_concentration,       # 18, 19, 20
    ]
    return np.array([np.broadcast_to(np.asarray(r, dtype=float), (n_devices,)) for r in rows])


_CACHE: dict = {}
"""Kernel constants of recently used Params, keyed by (id, n) and holding the Params object
itself (so the id cannot be reused while the entry lives); at most 8 entries."""


def _cached_constants(params, n_devices: int) -> np.ndarray:
    key = (id(params), n_devices)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is params:
        return hit[1]
    if len(_CACHE) >= 8:
        _CACHE.pop(next(iter(_CACHE)))
    consts = np.ascontiguousarray(_constants(params, n_devices))
    consts.flags.writeable = False
    _CACHE[key] = (params, consts)
    return consts


def evaluate_cell(n, v, params):
    """(I [A], T [K], dN/dt [1/(m³ s)]) at disc concentration n [1/m³] and voltage v [V], each (n,)."""
    n = np.ascontiguousarray(n, dtype=float)
    v = np.ascontiguousarray(np.broadcast_to(np.asarray(v, dtype=float), n.shape))
    c = _cached_constants(params, n.size)
    out = np.empty((3, n.size))
    _cell_kernel(n, v, c, out)
    return out[0], out[1], out[2]


def solve_current(n, v, params):
    """(I [A], T [K]) of the cell (see :func:`evaluate_cell`)."""
    i, temp, _ = evaluate_cell(n, v, params)
    return i, temp


@njit(cache=True)
def _series(i, c):
    """R_series(I) [Ohm] = R_TiOx + R0·(1 + R0·α_line·I²·R_th,line)."""
    return c[2] + c[3] + c[4] * i * i


@njit(cache=True)
def _schottky(v_s, n, temp, c):
    """Current [A] of the Schottky contact at v_s [V]: thermionic emission for v_s ≥ 0 (RESET
    direction), thermionic-field emission below (SET direction)."""
    psi = max(c[5] - c[6] - v_s, 0.0)
    phi = max(c[5] - (c[7] * n * psi) ** 0.25, 0.0)
    kt = K_B * temp
    if v_s >= 0:
        return c[8] * temp * temp * math.exp(-phi * Q_E / kt) * math.expm1(min(Q_E * v_s / kt, EXP_CAP))
    w00 = c[9] * math.sqrt(n)
    ratio = w00 / kt
    th = math.tanh(ratio)
    w0 = w00 / th
    eps_prime = w00 / (ratio - th)
    ch = math.cosh(min(ratio, EXP_CAP))
    mag = -v_s
    return -(c[8] * temp / K_B) * math.sqrt(math.pi * w00 * Q_E * (mag + phi / (ch * ch))) * math.exp(
        -Q_E * phi / w0) * math.expm1(min(Q_E * mag / eps_prime, EXP_CAP))


@njit(cache=True)
def _residual(u, sign, v, n, r_cell, rth, c):
    """(ρ(u), T) with I = sign·e^u: ρ = sign·I_S(V_S(I), T(I)) - |I|."""
    i_abs = math.exp(u)
    i = sign * i_abs
    rs = _series(i, c)
    temp = max(c[10] + i * (v - i * rs) * rth, c[10])  # max: round-off at I_max only
    v_s = v - i * (r_cell + rs)
    return sign * _schottky(v_s, n, temp, c) - i_abs, temp


@njit(cache=True)
def _cell_kernel(n_arr, v_arr, c_all, out):  # pragma: no cover - compiled
    for k in range(n_arr.size):
        n, v, c = n_arr[k], v_arr[k], c_all[:, k]
        if v == 0.0:
            out[0, k], out[1, k], out[2, k] = 0.0, c[10], 0.0
            continue
        sign = 1.0 if v > 0 else -1.0
        mag = abs(v)
        r_cell = c[0] / n + c[1]
        rth = c[12] if v > 0 else c[11]
        # I_max: k3·I³ + k1·I = |V| (all of V across the resistors; hyperbolic Cardano)
        k1 = r_cell + c[2] + c[3]
        lin = mag / k1
        if c[4] * lin * lin < 1e-12 * k1:
            i_max = lin
        else:
            s = math.sqrt(k1 / (3 * c[4]))
            i_max = 2 * s * math.sinh(math.asinh(mag / (2 * c[4] * s ** 3)) / 3)
        lo = math.log(max(mag * 1e-40, TINY_CURRENT))
        hi = math.log(i_max)
        # branch choice: the lowest root. Several roots (S-shaped thermal runaway) exist only
        # where heating matters, i.e. within a few e-folds of I_max: scan that window downwards
        # and keep the lowest sign change; below it the iteration brackets the rest.
        u_prev, rho_prev = hi, -1.0
        bracket_lo, bracket_hi, rho_at_lo = lo, hi, 1.0
        found = False
        for j in range(1, SCAN_POINTS + 1):
            u_j = hi - j * SCAN_STEP
            if u_j <= lo:
                break
            rho_j, _ = _residual(u_j, sign, v, n, r_cell, rth, c)
            if (rho_j > 0) != (rho_prev > 0):  # a root between u_j and u_prev (the lowest so far)
                bracket_lo, bracket_hi, rho_at_lo, found = u_j, u_prev, rho_j, True
            u_prev, rho_prev = u_j, rho_j
        if rho_prev <= 0 or not found:  # (also) a root below the window: the lowest lies there
            bracket_lo, bracket_hi, rho_at_lo = lo, u_prev, 1.0
        lo, hi = bracket_lo, bracket_hi
        up = rho_at_lo > 0  # orientation: ρ > 0 at lo (else ρ ≤ 0 at lo)
        u = 0.5 * (lo + hi) if hi - lo <= 2.0 else hi - 1.0
        for it in range(200):
            rho, temp = _residual(u, sign, v, n, r_cell, rth, c)
            i_abs = math.exp(u)
            if abs(rho) <= 1e-13 * i_abs or hi - lo <= 4e-16 * max(1.0, abs(u)):
                break
            if (rho > 0) == up:
                lo = u
            else:
                hi = u
            rho_h, _ = _residual(u + 1e-7, sign, v, n, r_cell, rth, c)
            slope = (rho_h - rho) / 1e-7
            newton = u - rho / slope if slope != 0 else lo - 1.0
            slow = (it % 2 == 1) and abs(rho) > 1e-2 * i_abs
            u = newton if (lo < newton < hi and not slow) else 0.5 * (lo + hi)
        rho, temp = _residual(u, sign, v, n, r_cell, rth, c)
        i = sign * math.exp(u)
        out[0, k], out[1, k] = i, temp
        # ionic motion: E field, barrier lowering, limiter (see module)
        if v > 0:
            e_field = (v - i * _series(i, c)) / c[13]
            limiter = 1.0 - (c[19] / n) ** 10
        else:
            e_field = i * (c[0] / n) / c[14]
            limiter = 1.0 - (n / c[20]) ** 10
        gamma = min(max(c[15] * e_field, -1.0), 1.0)
        root = math.sqrt(1.0 - gamma * gamma) + gamma * math.asin(gamma)
        beta = Q_E / (K_B * temp)
        w_min = c[16] * (root - gamma * math.pi / 2)
        w_max = c[16] * (root + gamma * math.pi / 2)
        conc = 0.5 * (c[18] + n)
        out[2, k] = -conc * c[17] * (math.exp(-w_min * beta) - math.exp(-w_max * beta)) * max(limiter, 0.0)
