"""Interface-type (area-distributed) VCM: oxygen vacancies near a Schottky-like metal/oxide contact.

Physical picture (Sawa, Mater. Today 11, 28 (2008), interface-type switching; Yang et al., Nat.
Nanotechnol. 3, 429 (2008), Pt/TiO2): the metal (Pt) forms a Schottky barrier with an n-type
oxide (Nb:SrTiO3, TiOx). Oxygen vacancies V_O²⁺ are shallow donors: where they gather in the
region next to the contact they raise the donor density, which lowers and thins the barrier.
Their concentration there changes gradually, over the whole contact area (no filament), so the
conductance moves in analog steps.

State: ``n`` ∈ [0, 1], the V_O concentration of the interface region normalised to its maximum.

Electrostatics (SI; potentials in V, k_B·T/q = V_T):

    N_D(n) = N_D0 + n·N_V                       donors: dopant plus vacancies (N_V at n = 1)
    φ_B(n) = φ_B0 - Δφ·n                       V_O²⁺ at the contact lower the barrier
    ξ = V_T·ln(N_c/N_D),  N_c = 2·(2π·m*·k_B·T/h²)^(3/2)        (E_c - E_F in the bulk)
    ψ(V_j) = V_bi - V_j - V_T, V_bi = φ_B - ξ  (band bending; floored smoothly at 0)
    Δφ_if(ψ) = [q/(4π·ε_i·ε_0)]^(1/2)·[2q·N_D·ψ/(ε_s·ε_0)]^(1/4)  image-force lowering
                                               (Sze & Ng, Physics of Semiconductor Devices, 3rd ed.,
                                               Ch. 3: sqrt(q·E_max/(4π·ε_i·ε_0)))

Current: thermionic-field emission over the barrier (Padovani & Stratton, Solid-State Electron. 9,
695 (1966)). The tunnelling energy E_00 = (q·ħ/2)·sqrt(N_D/(m*·ε_s·ε_0)) grows with the donor
density (a thinner barrier, depletion width w ∝ 1/sqrt(N_D)); with x = E_00/(k_B·T):

    η_t = x·coth(x)     (E_0/k_B·T: 1 in the thermionic limit, > 1 with tunnelling)
    η = n_id·η_t        (n_id ≥ 1: ideality from barrier inhomogeneity, interface states)
    I_s = A·A**·T²·exp(-ξ/V_T - V_b/(η_t·V_T)),   V_b = φ_B - Δφ_if(ψ(0)) - ξ  (floored at 0)
    forward (V_j ≥ 0):  I = I_s·(exp(V_j/(η·V_T)) - 1)
    reverse (V_j < 0):  I = I_s·g(V_j)·(exp(V_j/(η·V_T)) - 1),
        ln g = [Δφ_if(ψ(V_j)) - Δφ_if(ψ(0))]/(η_t·V_T) + |V_j|/ε',   1/ε' = (1 - tanh(x)/x)/V_T

The forward exponent is Padovani–Stratton's TFE law exp(-ξ/k_BT - q(V_bi - V_j)/E_0), with the
thermionic prefactor A**·T² instead of theirs (at E_00 → 0 it is exact thermionic emission,
A**·T²·exp(-φ_B/V_T)); their reverse-bias TFE slope 1/ε' and the bias-dependent image-force
lowering make the reverse current grow softly (not saturate) and more so at high N_D. In forward
bias the image-force lowering is kept at its zero-bias value (its weak bias dependence is
absorbed in η), so the forward law is a pure exponential.

Series resistance: V = V_j + I·R_s. Forward, the junction voltage has the closed form (Lambert W,
via Wright's ω = W(e^x), scipy.special.wrightomega):
V_j = V + I_s·R_s - η·V_T·ω(ln(I_s·R_s/(η·V_T)) + (V + I_s·R_s)/(η·V_T)). In general ln|I| is
concave in u = |V_j| (for both polarities), and u + R_s·e^{L(u)} = |V| is solved by replacing
L with its tangent at the current iterate and solving that exactly with ω: a Newton-type
iteration that approaches the root monotonically from below and is exact in one step where L is
linear; safeguarded by a bracket (linear-divider and bisection steps). Where R_s takes most of V,
the current is the resistor drop over R_s (U - u would lose digits). Vectorised over devices and
samples; typically 1 (forward) to 3 (reverse) iterations, ~0.2 ms per call for 64 devices; the
current agrees with a bracketed root to ~1e-13 from 1 µV to 1 kV. I(0) = 0 exactly.

Kinetics: V_O²⁺ hop between a bulk reservoir and the interface region (Mott–Gurney field-lowered
hopping, ``physics.hopping``, rates saturating at ν):

    dn/dt = k_in(V)·(1 - n) - k_out(V)·n
    k_in  = ν·exp(-(E_a + ΔG - W)/k_B·T),  k_out = ν·exp(-(E_a + W)/k_B·T),
    W = p·z·q·a·(-V)/(2·d)

E_a: barrier of a V_O leaving the interface region; ΔG: free energy of a V_O in it relative to
the reservoir (ΔG > 0: at 0 V the vacancies relax out, equilibrium n_eq = 1/(1 + e^{ΔG/k_B T}),
time constant 1/(k_in + k_out): retention); a: hop distance, d: width of the interface region
across which the applied voltage drives the ions (the applied V is used, not the junction share,
so the rates depend on V only and the map is exact; documented departure: the I·R_s drop at high
current is not subtracted).

Sign convention: V is the potential of the Schottky metal against the ohmic back contact; V > 0
is forward bias. With p = +1 (V_O²⁺ drift), a negative V draws the vacancies to the contact: SET
(n rises, the current rises gradually over pulses); a positive V pushes them back: RESET. This
is the polarity V_O²⁺ drift implies (the mechanism Yang et al. 2008 proposed for Pt/TiO2). Note:
SrRuO3/Nb:SrTiO3 junctions were reported to switch the other way (LRS after forward bias, HRS
after reverse bias; Fujii et al., Appl. Phys. Lett. 86, 012107 (2005)), which V_O drift does not
give (for Pt/Nb:SrTiO3 it has been ascribed to electron trapping at interface defects, e.g. Li et
al., Phys. Status Solidi A 216, 1900125 (2019)); p = -1 describes that polarity effectively.

Rates are affine in n at fixed V (``linear``): each constant-voltage interval is mapped exactly,
n' = n·e^{-k·dt} + n_eq·(1 - e^{-k·dt}), k = k_in + k_out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, wrightomega

from nanoionic._core.units import EPS_0, EV, H_PLANCK, K_B, Q_E
from nanoionic.models.base import DeviceModel, field
from nanoionic.models.compact import CompactModel, CompactState, scalar_parameters, softplus
from nanoionic.physics.hopping import field_work

M_E = 9.1093837015e-31  # electron rest mass [kg] (CODATA 2018)
HBAR = H_PLANCK / (2.0 * np.pi)
EPS = float(np.finfo(float).eps)
EXP_CAP = 700.0
"""Cap of ln|I| (only reached without series resistance at extreme voltages: finite currents)."""
SERIES_TOL = 1e-14
"""Relative change of the current at which the series-resistance iteration stops."""
SERIES_ITERATIONS = 100
"""Most iterations of the series-resistance solve (typically 1-3 are used)."""
V_LINEAR = 1e-20
"""|V| [V] below which the junction is taken as linear, I = G_0·V_j (relative error |V|/(2η·V_T))."""
U_FLOOR = 1e-200
"""Smallest junction voltage of the iteration, relative to |V| (keeps 1/(e^y - 1) finite)."""
PS_SERIES_X = 1e-2
"""Below this x = E_00/k_B·T, 1 - tanh(x)/x is taken from its Taylor series (no cancellation)."""


@dataclass(frozen=True)
class InterfaceVCMParams:
    """Parameters of the interface-type VCM model (SI; energies in J). Defaults: Pt/Nb:SrTiO3
    (0.01 wt% Nb) as in parameters/sets/Pt-NbSrTiO3_interface.toml, which gives the sources."""

    area: float = field(1e-8, "m^2", 0.0, 1.0, "A: contact area", low_open=True)
    temperature: float = field(300.0, "K", 1.0, 2000.0, "T")
    richardson_constant: float = field(1.562e6, "A/(m^2 K^2)", 0.0, 1e8, "A**: effective Richardson constant",
                                       low_open=True)
    effective_mass_ratio: float = field(1.3, "1", 0.01, 100.0, "m*/m_e: conduction-band (tunnelling, DOS) mass")
    barrier_height: float = field(1.0 * EV, "J", 0.0, 3 * EV, "φ_B0: Schottky barrier at n = 0 (before image force)")
    barrier_lowering: float = field(0.1 * EV, "J", 0.0, 2 * EV, "Δφ: barrier lowering by the V_O at the contact at n = 1")
    donor_density: float = field(3.3e24, "1/m^3", 1e20, 1e28, "N_D0: donor density without interface V_O")
    vacancy_donor_density: float = field(5e25, "1/m^3", 0.0, 1e28, "N_V: donor density the V_O add at n = 1")
    permittivity: float = field(300.0, "1", 1.0, 1e4, "ε_s: static permittivity (depletion, E_00)")
    image_permittivity: float = field(5.6, "1", 1.0, 100.0, "ε_i: high-frequency permittivity of the image force")
    ideality_factor: float = field(1.0, "1", 1.0, 10.0, "n_id: ideality beyond thermionic-field emission")
    series_resistance: float = field(100.0, "Ohm", 0.0, 1e12, "R_s: contacts, leads and the neutral bulk")
    attempt_frequency: float = field(1e13, "Hz", 1e6, 1e16, "ν: attempt frequency of V_O hops")
    migration_barrier: float = field(0.95 * EV, "J", 0.0, 5 * EV, "E_a: barrier of a V_O leaving the interface region")
    interface_energy: float = field(0.1 * EV, "J", -2 * EV, 2 * EV, "ΔG: free energy of a V_O in the interface region "
                                    "relative to the reservoir (> 0: relaxes out at 0 V)")
    hop_distance: float = field(0.276e-9, "m", 1e-11, 1e-8, "a: V_O hop distance")
    interface_thickness: float = field(2e-9, "m", 1e-10, 1e-5, "d: width of the region across which V drives the V_O")
    charge_number: float = field(2.0, "1", 0.5, 4.0, "z: charge number of the mobile V_O")
    drift_polarity: float = field(1.0, "1", -1.0, 1.0, "p: +1 V_O drift (negative V sets), -1 the reverse polarity")
    initial_fraction: float = field(0.02, "1", 0.0, 1.0, "n of a fresh device (the 0-V equilibrium of the "
                                    "defaults is 0.0205)")


# ---------------------------------------------------------------------------- kinetics

def kinetic_constants(p) -> tuple:
    """(ln ν, (E_a + ΔG)/k_B·T, E_a/k_B·T, s_w [1/V]) of the hop rates; the field work over
    k_B·T is s_w·V with s_w = p·z·q·a/(2·d·k_B·T), and -s_w·V lowers the entry barrier."""
    kt = K_B * p.temperature
    s_w = field_work(p.charge_number * Q_E, p.hop_distance, p.drift_polarity / p.interface_thickness) / kt
    return (np.log(p.attempt_frequency), (p.migration_barrier + p.interface_energy) / kt, p.migration_barrier / kt,
            s_w)


def kinetic_log_rates(v, p, constants=None):
    """(ln k_in, ln k_out) [ln(1/s)] at voltage ``v`` [V]: ``physics.hopping.log_hopping_rate``
    (barrier floored smoothly at 0, so each rate saturates at ν) written with logaddexp(0, x) =
    ln(1 + e^x), one ufunc per rate."""
    ln_nu, e_in, e_out, s_w = kinetic_constants(p) if constants is None else constants
    w = s_w * np.asarray(v, dtype=float)
    return ln_nu - np.logaddexp(0.0, e_in + w), ln_nu - np.logaddexp(0.0, e_out - w)


def kinetic_coefficients(v, p, constants=None):
    """(k, n_eq) at voltage ``v`` [V]: total rate k = k_in + k_out [1/s] and the steady state
    n_eq = k_in/k [1] (from the log-rates, so it stays defined where both rates underflow)."""
    l_in, l_out = kinetic_log_rates(v, p, constants)
    return np.exp(l_in) + np.exp(l_out), expit(l_in - l_out)


# ---------------------------------------------------------------------------- conduction

def _softplus(x):
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def _ps_reverse_shape(x):
    """1 - tanh(x)/x [1] (Padovani–Stratton reverse slope times V_T), series below PS_SERIES_X."""
    x = np.asarray(x, dtype=float)
    x2 = x * x
    series = x2 * (1.0 / 3.0 - x2 * (2.0 / 15.0 - x2 * 17.0 / 315.0))
    safe = np.maximum(x, PS_SERIES_X)
    return np.where(x < PS_SERIES_X, series, 1.0 - np.tanh(safe) / safe)


def junction_coefficients(n, p) -> dict:
    """State-dependent constants of the junction law at normalised V_O concentration ``n`` [1]:
    V_T [V], ξ [V], zero-bias band bending ψ0 [V], image-force constant and lowering, η_t, η, the
    reverse slope 1/ε' [1/V] and ln I_s [ln A] (see module)."""
    n = np.clip(np.asarray(n, dtype=float), 0.0, 1.0)
    kt = K_B * p.temperature
    vt = kt / Q_E
    nd = p.donor_density + n * p.vacancy_donor_density
    phi_b = (p.barrier_height - p.barrier_lowering * n) / Q_E
    mass = p.effective_mass_ratio * M_E
    nc = 2.0 * (2.0 * np.pi * mass * kt / H_PLANCK**2) ** 1.5
    xi = vt * np.log(nc / nd)
    psi0 = vt * _softplus((phi_b - xi - vt) / vt)
    c_if = np.sqrt(Q_E / (4.0 * np.pi * p.image_permittivity * EPS_0)) * (2.0 * Q_E / (p.permittivity * EPS_0)) ** 0.25
    dphi0 = c_if * (nd * psi0) ** 0.25
    x = 0.5 * Q_E * HBAR * np.sqrt(nd / (mass * p.permittivity * EPS_0)) / kt
    eta_t = x / np.tanh(x)
    vb = vt * _softplus((phi_b - dphi0 - xi) / vt)
    ln_is = np.log(p.area * p.richardson_constant * p.temperature**2) - xi / vt - vb / (eta_t * vt)
    return {"vt": vt, "nd": nd, "xi": xi, "psi0": psi0, "c_if": c_if, "dphi0": dphi0, "eta_t": eta_t,
            "eta": p.ideality_factor * eta_t, "slope_rev": _ps_reverse_shape(x) / vt, "ln_is": ln_is}


def _log_current(u, forward, c):
    """ln|I| [ln A] and d ln|I|/du [1/V] at junction voltage magnitude ``u`` > 0 [V]."""
    a = c["eta"] * c["vt"]
    y = u / a
    em = -np.expm1(-y)  # 1 - e^{-y} in (0, 1]
    log_em = np.log(em)
    d_em = np.exp(-y) / em / a  # d/du ln(1 - e^{-y}) = 1/(a·(e^y - 1))
    psi = c["psi0"] + u
    dphi = c["c_if"] * (c["nd"] * psi) ** 0.25
    etv = c["eta_t"] * c["vt"]
    extra = np.where(forward, y, (dphi - c["dphi0"]) / etv + c["slope_rev"] * u)
    d_extra = np.where(forward, 1.0 / a, dphi / (4.0 * psi * etv) + c["slope_rev"])
    return c["ln_is"] + extra + log_em, d_extra + d_em


def junction_current(n, vj, p):
    """Current [A] of the junction alone at junction voltage ``vj`` [V] (no series resistance)."""
    vj = np.asarray(vj, dtype=float)
    c = junction_coefficients(n, p)
    u = np.abs(vj)
    linear = u < V_LINEAR
    log_i, _ = _log_current(np.where(linear, 1.0, u), vj > 0, c)
    g0 = np.exp(c["ln_is"]) / (c["eta"] * c["vt"])  # zero-bias conductance [S]
    return np.where(linear, vj * g0, np.sign(vj) * np.exp(np.minimum(log_i, EXP_CAP)))


def solve_junction(n, v, p):
    """(junction voltage V_j [V], current I [A]) of the junction in series with R_s at applied
    voltage ``v`` [V]: the root of |V_j| + R_s·|I(V_j)| = |V| (see module), vectorised. Below
    V_LINEAR the junction is linear to round-off and the divider is solved directly."""
    c = junction_coefficients(n, p)
    v = np.asarray(v, dtype=float)
    shape = np.broadcast_shapes(np.shape(v), np.shape(c["ln_is"]), np.shape(p.series_resistance))
    v = np.broadcast_to(v, shape)
    big_u = np.abs(v)
    forward = v > 0
    r_s = np.broadcast_to(np.asarray(p.series_resistance, dtype=float), shape)
    linear = big_u < V_LINEAR
    u_full = np.where(linear, 1.0, big_u)
    pending = ~linear & (r_s > 0)
    u = u_full
    if np.any(pending):
        ln_rs = np.log(np.where(r_s > 0, r_s, 1.0))
        # forward start: the exact closed form of the pure exponential (Lambert W)
        a = c["eta"] * c["vt"]
        b_log = c["ln_is"] + ln_rs - np.log(a)  # ln(I_s·R_s/(η·V_T))
        b = np.exp(np.minimum(b_log, EXP_CAP))
        u_fw = u_full + a * b - a * wrightomega(b_log + u_full / a + b)
        step_floor = U_FLOOR * u_full
        u = np.where(forward & pending, np.clip(u_fw, step_floor, u_full), u_full)
        lo, hi = np.zeros(shape), u_full.copy()
        for _ in range(SERIES_ITERATIONS):
            log_i, dlog = _log_current(u, forward, c)
            gap = u_full - u
            above = (gap <= 0) | (ln_rs + log_i > np.log(np.where(gap > 0, gap, 1.0)))  # residual >= 0
            hi = np.where(above, np.minimum(hi, u), hi)
            lo = np.where(above, lo, np.maximum(lo, u))
            # tangent model ln|I| ≈ L + L'·(u' - u), solved exactly: L'·(U - u') = ω(x)
            cand = u_full - wrightomega(ln_rs + np.log(dlog) + log_i + dlog * gap) / dlog
            # where the tangent step leaves the bracket: the divider with the secant conductance,
            # else bisection (geometric across decades)
            divider = u_full * expit(-(ln_rs + log_i - np.log(u)))
            bisect = np.where((lo > 0) & (hi > 4.0 * lo), np.sqrt(lo * hi), 0.5 * (lo + hi))
            # the tangent step is taken inside the bracket, and also where it stays within round-off
            # of the current iterate (at the root the bracket test itself is at round-off)
            done = (np.abs(cand - u) * dlog <= SERIES_TOL) | (hi - lo <= 4 * EPS * hi)
            step = np.where(done | ((cand >= lo) & (cand <= hi)), cand,
                            np.where((divider > lo) & (divider < hi), divider, bisect))
            u = np.where(pending, np.clip(step, step_floor, u_full), u)
            pending &= ~done
            if not pending.any():
                break
    log_i, dlog = _log_current(u, forward, c)
    magnitude = np.exp(np.minimum(log_i, EXP_CAP))
    vj = u
    if np.any(r_s > 0):
        # where most of V drops across R_s, U - u loses digits: take the drop from one more tangent
        # step instead (I = drop/R_s, V_j = U - drop; both agree with the law to the tolerance)
        ln_rs = np.log(np.where(r_s > 0, r_s, 1.0))
        drop = wrightomega(ln_rs + np.log(dlog) + log_i + dlog * (u_full - u)) / dlog
        resistive = (r_s > 0) & (drop > u)
        magnitude = np.where(resistive, drop / np.where(r_s > 0, r_s, 1.0), magnitude)
        vj = np.where(resistive, u_full - drop, u)
    g0 = np.exp(c["ln_is"]) / (c["eta"] * c["vt"])  # zero-bias junction conductance [S]
    i_linear = v * g0 / (1.0 + r_s * g0)
    current = np.where(linear, i_linear, np.sign(v) * magnitude)
    return np.where(linear, v - r_s * i_linear, np.sign(v) * vj), current


class InterfaceVCMModel(DeviceModel):
    """Schottky-like contact whose barrier the interface V_O concentration sets (see module)."""

    name = "interface-vcm"
    state_names = ("vacancy_fraction",)
    state_bounds = ((0.0, 1.0),)
    Params = InterfaceVCMParams
    linear = True
    operating_voltage = 2.5
    time_scale = 0.01

    def initial_state(self, params, n_devices: int) -> np.ndarray:
        return np.broadcast_to(np.asarray(params.initial_fraction, dtype=float), (1, n_devices)).copy()

    def rates(self, state, v, t, params):
        k, n_eq = kinetic_coefficients(v, params)
        return k * (n_eq - state)

    def current(self, state, v, params):
        """I [A] at applied voltage ``v`` [V] (junction in series with R_s; see module)."""
        return solve_junction(state[0], v, params)[1]

    def affine_map(self, v, dt, params):
        k, n_eq = kinetic_coefficients(v, params)
        growth = -np.expm1(-k * np.asarray(dt, dtype=float))  # 1 - e^{-k·dt}, exact for small k·dt
        decay = 1.0 - growth
        psi = n_eq * growth
        if np.ndim(decay) == 0:
            return np.array([[float(decay)]]), np.array([float(psi)])
        return decay[None, None, :], psi[None, :]

    def compact(self, params):
        return compact_model(self, params)


def compact_model(model, params) -> CompactModel:
    """The model as formulas for SPICE/Verilog-A: the same equations as ``junction_coefficients``
    and ``_log_current`` with R_s as the explicit series resistor (the circuit simulator solves the
    divider). Densities are written relative to N_D0 and the barrier terms in V, so every
    coefficient is of order 1e-3..1e3."""
    p = scalar_parameters(params, model.name)
    T = p["temperature"]
    kt = K_B * T
    vt = kt / Q_E
    mass = p["effective_mass_ratio"] * M_E
    nd0 = p["donor_density"]
    c_if = np.sqrt(Q_E / (4.0 * np.pi * p["image_permittivity"] * EPS_0)) * (2.0 * Q_E / (p["permittivity"] * EPS_0)) ** 0.25
    values = {
        "vt": vt, "phib0": p["barrier_height"] / Q_E, "dphib": p["barrier_lowering"] / Q_E,
        "nv_rel": p["vacancy_donor_density"] / nd0,
        "ln_nc_rel": float(np.log(2.0 * (2.0 * np.pi * mass * kt / H_PLANCK**2) ** 1.5 / nd0)),
        "c_if_rel": float(c_if * nd0**0.25), "x0": float(0.5 * Q_E * HBAR * np.sqrt(nd0 / (mass * p["permittivity"] * EPS_0)) / kt),
        "n_id": p["ideality_factor"], "ln_ajt": float(np.log(p["area"] * p["richardson_constant"] * T**2)),
        "ln_nu": float(np.log(p["attempt_frequency"])),
        "e_in": (p["migration_barrier"] + p["interface_energy"]) / kt, "e_out": p["migration_barrier"] / kt,
        # field work per volt over k_B·T [1/V]; W = -s_w·V draws V_O in (p = +1)
        "s_w": float(field_work(p["charge_number"] * Q_E, p["hop_distance"], p["drift_polarity"] / p["interface_thickness"]) / kt),
        "ps_x": PS_SERIES_X, "ps1": 1.0 / 3.0, "ps2": 2.0 / 15.0, "ps3": 17.0 / 315.0, "cap": EXP_CAP,
    }
    sp = lambda x: f"(vt * {softplus(f'({x}) / vt')})"  # noqa: E731 - V_T-wide smooth max(x, 0) [V]
    aux = (
        ("nd_rel", "1 + nv_rel * n"),
        ("phib", "phib0 - dphib * n"),
        ("xi", "vt * (ln_nc_rel - ln(nd_rel))"),
        ("psi0", sp("phib - xi - vt")),
        ("dphi0", "c_if_rel * (nd_rel * psi0) ** 0.25"),
        ("xt", "x0 * sqrt(nd_rel)"),
        ("eta_t", "xt / tanh(xt)"),
        ("eta", "n_id * eta_t"),
        ("xs", "max(xt, ps_x)"),
        ("slope_rev", "where(xt < ps_x, xt * xt * (ps1 - xt * xt * (ps2 - xt * xt * ps3)), 1 - tanh(xs) / xs) / vt"),
        ("ln_is", f"ln_ajt - xi / vt - {sp('phib - dphi0 - xi')} / (eta_t * vt)"),
        ("l_in", f"(ln_nu - {softplus('e_in + s_w * v')})"),
        ("l_out", f"(ln_nu - {softplus('e_out - s_w * v')})"),
    )
    reverse = "(c_if_rel * (nd_rel * (psi0 - min(vd, 0))) ** 0.25 - dphi0) / (eta_t * vt) - slope_rev * min(vd, 0)"
    current = (f"exp(min(ln_is + where(vd < 0, {reverse}, 0), cap))"
               " * (exp(min(vd / (eta * vt), cap)) - 1)")
    return CompactModel(
        name=model.name, parameters=values, auxiliaries=aux,
        states=(CompactState("n", "exp(l_in) * (1 - n) - exp(l_out) * n", float(p["initial_fraction"]), 0.0, 1.0),),
        current=current, series_resistance=float(p["series_resistance"]),
        source="Padovani & Stratton, Solid-State Electron. 9, 695 (1966); Sze & Ng, Physics of Semiconductor Devices "
               "(2007), Ch. 3; Sawa, Mater. Today 11, 28 (2008); nanoionic interface-vcm model",
        notes=("n: oxygen-vacancy concentration of the interface region, normalised (the model's vacancy_fraction)",))
