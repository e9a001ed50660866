"""MTPP/AlOx interface-hopping model: the SVDP memristor of Wang et al. from O2- hopping kinetics.

Physical picture (SVDP paper, Figs. 1d and 3d–e; ../shared/spec/svdp-metalloporphyrin-memristor.txt).
The device is ITO / MTPP (~25 nm) / AlOx (~7 nm) / Al. Oxygen ions of a fixed inventory sit in
populations, tracked as fractions of that inventory:

* bound O2- held in the Stern-like layer at the MTPP/AlOx interface by Coulomb attraction to
  oxygen vacancies (Al3+–O2- pairs), in RELEASE_CLASSES classes: the paper's "edge of the
  slipping plane" (implicit, the rest of the inventory), where freed ions are recaptured and
  from which "a limited number of O2- ions are freed" below the critical field, and the "main
  release area" (``bound_main_j``), each class a barrier ``release_spread`` deeper, released
  only above threshold and one class after the other (a gradual, continuing potentiation);
* ``mobile`` m: free O2- in the MTPP matrix (short-term, volatile population);
* ``coordinated`` c: O2- coordinated to metal centres (M–O bond; consolidated, long-term);
* ``interfacial`` d: O2- accumulated at the ITO/MTPP interface after drifting across the MTPP
  (the paper's EDX shows O enriched there after +7 V; it raises hole injection slowly).

Six thermally activated, field-lowered hops connect them (each the paper's Arrhenius law
ν = ν0·exp(-(E - q·ε·a/2)/k_B T), saturating at ν0):

1. release from class j → m over the Coulomb barrier E_rel + j·spread of the Al3+–O2- pair,
   lowered by q·a_rel·E_ox/2 (the field in the AlOx pulls O2- out of the double layer), in series
   with the first hop into the MTPP (see ``log_rates``); the bound O2- of an as-prepared device
   is spread evenly over the classes;
2. recapture m → edge over E_rec: the Coulomb return of a freed ion, field-independent (version 1
   blocked it weakly by the field with a fitted transfer coefficient of 0.98; version 2 fixes it
   at 1, which removes the parameter);
3. coordination m → c over E_coord (field-independent association with an M site);
4. dissociation c → m over the M–O barrier E_diss, lowered by the MTPP field in either direction
   (forward + backward escapes: ν·exp(-E/kT)·cosh(q·a·E_m/2kT));
5. drift m → d towards the ITO over E_drift, lowered by q·a_mig·E_m/2;
6. return d → m over E_return, raised by q·a_ret·E_m/2: the O2- leaves the ITO interface back
   into the MTPP. Like the escape from the Stern layer it is an interface step, with its own
   effective distance a_ret; a long a_ret makes the return a field-triggered RESET that sets in
   only near -10 V, so the ITO-side layer empties within the first negative sweep faster than
   the hopping law raises the current (the NDR of Fig. 2b) and then falls gradually (S3).

Memory (S9, the review's STM → LTM): a pulse above threshold frees O2- (m). At 0 V the free
ions either return to the Stern layer (recapture: the short-term memory fades within seconds)
or bind to an M site (coordination: consolidated, long-term). Repeated pulses keep m up for
longer, so more of it is coordinated: consolidation with pulse number, and a relearnt state that
needs fewer pulses. A read at 5 V frees coordinated ions (field-assisted dissociation), which
then relax at 0 V by themselves (the spontaneous decay of Fig. 4c's case 3); an as-prepared device
may also hold free ions above the 0-V equilibrium (``pristine_mobile``).

Every rate depends on V only, so dx/dt = A(V)·x + b(V) is affine in the state and each
constant-voltage interval is solved exactly (``affine_map``: the O2- block from the
population generator by ``physics.kinetics``, which stays accurate when the rates span
1e-12..1e13 /s; each trap class in closed form). Potentiation above ~6–7 V and
depression below it are the balance of release (steep in V) against dissociation + recapture
(which rises with V at low bias and falls at high bias as the field blocks the return); the
balance point depends on the populations, so the threshold is state-dependent.

Conduction: holes hop through the O2--doped stack; the low-field areal conductance is
σ·(g0 + m + c + w(V)·d), with a sinh field dependence (hopping) and an injection asymmetry (holes
enter easily from ITO under positive bias, poorly from Al under negative bias):
I = A·σ·(g0 + m + c + w(V_d)·d)·(1 - s·h̄)·V_c·sinh(V_d/V_c)·r(V_d), with V_d = V - I·R_s: a series
resistance R_s (electrodes, contacts) limits the current at extreme voltages. The ITO-side O2-
eases injection from the ITO, so its weight is w under positive bias and ρ·w under negative bias
(holes then enter from the Al). The ionic rates see the applied V (the drop across R_s is below
1 % at the paper's currents), which keeps the state equations affine.

Hole trapping (``physics.trapping``): four classes of deep hole states with log-spaced rate
constants fill under bias at k_j·sinh(|V|/V_t) and empty at k_j·r_t·e^(-β|V|); h̄ is their mean
occupancy and s the share of the current a full set removes (bias stress of organic films). The
hold β: holes trapped against the AlOx are held there by the field and flow back to the ITO when
it is removed, so a 100 ms pause at 0 V empties them while seconds of sweeping fill them. It is
volatile, does not touch the O2- populations, and makes slow sweeps carry less current than fast
ones (the paper's scan-rate trend, S7) without touching pulse trains read after a pause.

The metal enters through the M–O bond energy D_MO: literature bond energies (~1.6–4.5 eV) are
far too large to put into an exponent directly, so a scaled shift ΔE = λ·(D_MO - D_ref) is added
to the release and dissociation barriers (higher bond energy suppresses O2- concentration and
migration rate, as the paper states), and the pristine free and coordinated fractions scale with
the same Boltzmann factor exp(-ΔE/k_B T).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nanoionic._core.errors import param_error
from nanoionic._core.units import EV, K_B, Q_E
from nanoionic.models.base import DeviceModel, field
from nanoionic.models.compact import (CompactModel, CompactState, log_add_exp, log_cosh, scalar_parameters,
                                      smooth_step, softplus)
from nanoionic.physics.conduction import hopping_sinh, injection_asymmetry, series_divided_voltage
from nanoionic.physics.electrostatics import bilayer_fields
from nanoionic.physics.kinetics import compartment_affine_maps
from nanoionic.physics.trapping import class_rates, occupancy_maps, occupancy_rates
from nanoionic.physics.hopping import (field_work, log_hopping_rate,
                                       log_symmetric_hopping_rate)

ION_CHARGE = 2 * Q_E  # O2- [C]
TRAP_CLASSES = 4
"""Hole-trap classes with log-spaced rate constants (physics.trapping)."""
RELEASE_CLASSES = 3
"""Classes of Stern-bound O2-: the edge of the slipping plane (class 0, which recaptured ions
rejoin) and the main release area (classes 1.., each ``release_spread`` deeper)."""
N_IONS = 2 + RELEASE_CLASSES
"""Explicit O2- populations: m, c, d and the main-area classes (the edge is the rest)."""
MAIN = slice(3, N_IONS)
"""Rows of the main-area classes in the state."""


@dataclass(frozen=True)
class InterfaceHoppingParams:
    """Parameters of the MTPP/AlOx interface-hopping model (SI units; energies in J).

    Defaults are the ZnTPP/AlOx preset (parameters/sets/ZnTPP-AlOx_WangSVDP.toml, the source).
    """

    area: float = field(5e-08, "m^2", 0.0, 1.0, "device area", low_open=True)
    temperature: float = field(300.0, "K", 0.0, 2000.0, "temperature", low_open=True)
    attempt_frequency: float = field(1e13, "Hz", 1e6, 1e16, "attempt-to-escape frequency ν0")
    thickness_mtpp: float = field(2.5e-08, "m", 1e-10, 1e-5, "MTPP layer thickness")
    thickness_oxide: float = field(7e-09, "m", 1e-10, 1e-5, "AlOx layer thickness")
    permittivity_mtpp: float = field(3.0, "1", 1.0, 100.0, "relative permittivity of MTPP")
    permittivity_oxide: float = field(9.0, "1", 1.0, 100.0, "relative permittivity of AlOx")
    release_barrier: float = field(1.64613 * EV, "J", 0.0, 5 * EV, "Coulomb barrier E_rel of the Stern layer")
    release_spread: float = field(0.221416 * EV, "J", 0.0, 1 * EV, "extra Coulomb barrier of each deeper class of the main release area")
    release_distance: float = field(1.06102e-08, "m", 1e-11, 1e-7, "effective escape distance a_rel at the interface")
    migration_barrier: float = field(0.901897 * EV, "J", 0.0, 5 * EV, "M–O hopping barrier E_mig of migration through the MTPP")
    migration_distance: float = field(5.07795e-10, "m", 1e-11, 1e-7, "hop distance a_mig of migration through the MTPP")
    recapture_barrier: float = field(0.824872 * EV, "J", 0.0, 5 * EV, "barrier E_rec of recapture by a vacancy")
    coordination_barrier: float = field(0.775501 * EV, "J", 0.0, 5 * EV, "barrier E_coord of M–O association")
    dissociation_barrier: float = field(1.37681 * EV, "J", 0.0, 5 * EV, "effective M–O dissociation barrier E_diss")
    dissociation_distance: float = field(3.80062e-09, "m", 1e-11, 1e-7, "effective distance a_diss of field-assisted dissociation")
    drift_barrier: float = field(1.20219 * EV, "J", 0.0, 5 * EV, "barrier E_drift of drift to the ITO interface")
    return_barrier: float = field(2.32572 * EV, "J", 0.0, 5 * EV, "barrier E_return from the ITO interface")
    return_distance: float = field(4.04508e-09, "m", 1e-11, 1e-7, "effective distance a_ret of the field-lowered return from the ITO interface")
    bond_energy: float = field(1.648 * EV, "J", 0.0, 20 * EV, "M–O bond energy D_MO of the metal centre")
    reference_bond_energy: float = field(1.648 * EV, "J", 0.0, 20 * EV, "bond energy D_ref the barriers refer to")
    bond_energy_scale: float = field(0.02, "1", 0.0, 1.0, "λ: share of D_MO - D_ref added to the barriers")
    conductance_density: float = field(338.596, "S/m^2", 0.0, 1e12, "low-field areal conductance σ at full release", low_open=True)
    residual_fraction: float = field(0.049792, "1", 0.0, 1e3, "g0: conduction of the undoped stack, in inventory units")
    interface_weight: float = field(13.7007, "1", 0.0, 1e3, "w: conduction weight of O2- at the ITO interface")
    interface_reverse_share: float = field(0.31223, "1", 0.0, 1.0, "ρ: share of w left under negative bias (holes then enter from Al)")
    sinh_voltage: float = field(3.06144, "V", 0.0, 1e3, "V_c of the hopping sinh law", low_open=True)
    reverse_ratio: float = field(0.860729, "1", 0.0, 1.0, "r: reverse/forward hole-injection ratio", low_open=True)
    series_resistance: float = field(50.0, "Ohm", 0.0, 1e9, "series resistance R_s of electrodes and contacts")
    reverse_width: float = field(0.5, "V", 0.0, 100.0, "width of the polarity transition", low_open=True)
    pristine_coordinated: float = field(0.352821, "1", 0.0, 1.0, "coordinated fraction of a pristine device (D_MO = D_ref)")
    pristine_mobile: float = field(0.0318951, "1", 0.0, 1.0, "free (volatile) O2- fraction of an as-prepared device (D_MO = D_ref)")
    trap_share: float = field(0.732135, "1", 0.0, 1.0, "s: share of the hole current lost when every trap is filled", high_open=True)
    trap_rate: float = field(0.038131, "1/s", 0.0, 1e12, "k_0: rate constant of the fastest trap class", low_open=True)
    trap_spread: float = field(1.0, "1", 0.0, 10.0, "decades between the rate constants of successive trap classes")
    trap_voltage: float = field(1.90079, "V", 0.0, 1e3, "V_t of the free-hole drive sinh(|V|/V_t) of capture", low_open=True)
    trap_release_ratio: float = field(259.526, "1", 0.0, 1e12, "r_t: release/capture ratio at sinh(|V|/V_t) = 1", low_open=True)
    trap_hold: float = field(0.882779, "1/V", 0.0, 100.0, "β: the field holds trapped holes, release slowed by exp(-β|V|)")


def metal_shift(p) -> np.ndarray:
    """Barrier shift ΔE = λ·(D_MO - D_ref) [J] from the metal centre."""
    return p.bond_energy_scale * (p.bond_energy - p.reference_bond_energy)


def log_rates(v, p, release_class: int = 0) -> tuple[np.ndarray, ...]:
    """ln of the six population-changing rates [ln(1/s)] at voltage ``v`` [V]: release (from
    ``release_class``: 0 the edge, j a main-area class j·spread deeper), recapture, coordination,
    dissociation, drift, return.

    Release is two hops in series, escape from the Stern layer then migration into the MTPP, so
    its rate is the harmonic combination k_esc·k_mig/(k_esc + k_mig): steep at the threshold
    (escape-limited) and migration-limited above it.
    """
    e_ox, e_m = bilayer_fields(np.asarray(v, dtype=float), p.thickness_oxide, p.permittivity_oxide,
                               p.thickness_mtpp, p.permittivity_mtpp)
    w_rel = field_work(ION_CHARGE, p.release_distance, e_ox)
    w_mig = field_work(ION_CHARGE, p.migration_distance, e_m)
    w_diss = field_work(ION_CHARGE, p.dissociation_distance, e_m)
    w_ret = field_work(ION_CHARGE, p.return_distance, e_m)
    shift = metal_shift(p)
    T, nu = p.temperature, p.attempt_frequency
    log_escape = log_hopping_rate(p.release_barrier + release_class * p.release_spread, w_rel, T, nu)
    log_migrate = log_hopping_rate(p.migration_barrier + shift, w_mig, T, nu)
    log_release = log_escape + log_migrate - np.logaddexp(log_escape, log_migrate)
    return (
        log_release,
        log_hopping_rate(p.recapture_barrier, 0.0 * w_rel, T, nu),
        log_hopping_rate(p.coordination_barrier, 0.0 * w_mig, T, nu),
        log_symmetric_hopping_rate(p.dissociation_barrier + shift, w_diss, T, nu),
        log_hopping_rate(p.drift_barrier, w_mig, T, nu),
        log_hopping_rate(p.return_barrier, -w_ret, T, nu),
    )


def compartment_generator(v, p) -> np.ndarray:
    """Generator Q [1/s] of the O2- populations (m, c, d, main_1.., edge), shaped (n, n[, devices])
    with n = N_IONS + 1.

    q[i, j] is the rate from population j to i; the diagonal holds minus the column sums, so
    dp/dt = Q·p conserves the inventory. The edge class comes last (it is implicit). Every bound
    class releases into m (class j over a barrier j·spread higher); recapture returns to the edge.
    """
    k1, k2, k3, k4, k5, k6 = np.broadcast_arrays(*(np.exp(x) for x in log_rates(v, p)))
    n = N_IONS + 1
    q = np.zeros((n, n) + k1.shape)
    edge = n - 1
    q[0, 1], q[0, 2], q[1, 0], q[2, 0], q[edge, 0], q[0, edge] = k4, k6, k3, k5, k2, k1
    for j in range(1, RELEASE_CLASSES):
        q[0, 2 + j] = np.exp(log_rates(v, p, j)[0])
    q[np.arange(n), np.arange(n)] = -q.sum(axis=0)
    return q


class InterfaceHoppingModel(DeviceModel):
    """SVDP memristor: O2- release, hopping, coordination and interface accumulation, with
    dispersive hole trapping in the MTPP (see module)."""

    name = "interface-hopping"
    state_names = (("mobile", "coordinated", "interfacial") + tuple(f"bound_main_{j}" for j in range(1, RELEASE_CLASSES))
                   + tuple(f"trap_{j + 1}" for j in range(TRAP_CLASSES)))
    state_bounds = ((0.0, 1.0),) * (N_IONS + TRAP_CLASSES)
    inventory_states = tuple(range(N_IONS))  # m + c + d + main <= 1: the edge of the Stern layer holds the rest
    Params = InterfaceHoppingParams
    linear = True

    def initial_state(self, params, n_devices: int) -> np.ndarray:
        kt = K_B * params.temperature
        if np.any(np.asarray(params.pristine_mobile) + params.pristine_coordinated > 1.0):
            raise param_error("pristine_mobile + pristine_coordinated", self.name, "<= 1 (fractions of one O2- inventory)",
                              np.max(np.asarray(params.pristine_mobile) + params.pristine_coordinated))
        boltzmann = np.exp(-np.maximum(metal_shift(params), 0.0) / kt)
        state = np.zeros((self.n_states, n_devices))
        state[0] = params.pristine_mobile * boltzmann
        state[1] = params.pristine_coordinated * boltzmann
        state[MAIN] = (1.0 - state[0] - state[1]) / RELEASE_CLASSES  # bound O2- spread evenly over the classes
        return state

    def rates(self, state, v, t, params):
        q = compartment_generator(v, params)
        ions = state[:N_IONS]
        full = np.concatenate([ions, 1.0 - ions.sum(axis=0, keepdims=True)])
        ion_rates = (q @ full)[:N_IONS] if q.ndim == 2 else np.einsum("ijn,jn->in", q, full)[:N_IONS]
        traps = occupancy_rates(state[N_IONS:], v, trap_class_rates(params), params.trap_voltage, params.trap_release_ratio,
                                  params.trap_hold)
        return np.concatenate([ion_rates, traps])

    def current(self, state, v, params):
        untrapped = 1.0 - params.trap_share * np.mean(state[N_IONS:], axis=0)

        def device_current(vd):
            # O2- at the ITO interface eases hole injection from the ITO (V > 0); under negative
            # bias holes enter from the Al and that layer keeps only the share ρ of its weight
            itf = params.interface_weight * injection_asymmetry(vd, params.interface_reverse_share, params.reverse_width)
            doping = params.residual_fraction + state[0] + state[1] + itf * state[2]
            shape = hopping_sinh(vd, params.sinh_voltage) * injection_asymmetry(vd, params.reverse_ratio, params.reverse_width)
            return params.area * params.conductance_density * doping * untrapped * shape

        if np.all(np.asarray(params.series_resistance) == 0.0):
            return device_current(v)
        return device_current(series_divided_voltage(v, device_current, params.series_resistance))

    def compact(self, params):
        return compact_model(self, params)

    def affine_map(self, v, dt, params):
        """Exact map over ``dt`` [s] at ``v`` [V]: the O2- populations from their generator
        (``physics.kinetics``), each trap class in closed form; the two blocks do not couple."""
        phi_ion, psi_ion = ion_affine_map(v, dt, params)
        a, c = occupancy_maps(v, dt, trap_class_rates(params), params.trap_voltage, params.trap_release_ratio,
                              params.trap_hold)
        if phi_ion.ndim == 2 and a.shape[1] == 1:  # one map for every device
            phi_ion, psi_ion = phi_ion[..., None], psi_ion[..., None]
            squeeze = True
        else:
            phi_ion = phi_ion if phi_ion.ndim == 3 else phi_ion[..., None]
            psi_ion = psi_ion if psi_ion.ndim == 2 else psi_ion[..., None]
            squeeze = False
        n = max(phi_ion.shape[2], a.shape[1])
        n_s = self.n_states
        phi, psi = np.zeros((n_s, n_s, n)), np.empty((n_s, n))
        phi[:N_IONS, :N_IONS], psi[:N_IONS] = phi_ion, psi_ion
        phi[N_IONS + np.arange(TRAP_CLASSES), N_IONS + np.arange(TRAP_CLASSES)] = a
        psi[N_IONS:] = c
        return (phi[..., 0], psi[..., 0]) if squeeze else (phi, psi)


def trap_class_rates(params) -> np.ndarray:
    """Rate constants [1/s] of the trap classes, shaped (TRAP_CLASSES[, n])."""
    return class_rates(params.trap_rate, params.trap_spread, TRAP_CLASSES)


def ion_affine_map(v, dt, params) -> tuple[np.ndarray, np.ndarray]:
    """Exact map of the explicit O2- populations over ``dt`` [s] at ``v`` [V]: (N_IONS, N_IONS[, n]),
    (N_IONS[, n])."""
    q = compartment_generator(v, params)
    dt = np.asarray(dt, dtype=float)
    if q.ndim == 2 and dt.ndim == 0:
        phi, psi = compartment_affine_maps(q[None], dt)
        return phi[0], psi[0]
    n = max(q.shape[-1] if q.ndim == 3 else 1, dt.size)
    stack = np.moveaxis(np.broadcast_to(q if q.ndim == 3 else q[..., None], (N_IONS + 1, N_IONS + 1, n)), -1, 0)
    phi, psi = compartment_affine_maps(stack, np.broadcast_to(dt, (n,)))
    return np.moveaxis(phi, 0, -1), np.moveaxis(psi, 0, -1)


def compact_model(model, params) -> CompactModel:
    """The model as formulas for SPICE/Verilog-A: the six log-rates are auxiliaries (bounded
    numbers, exponentiated inside the state rates); barriers and field works are divided by
    k_B·T beforehand, so every coefficient is of order 1-100."""
    scalar_parameters(params, model.name)
    p = params
    kt = K_B * p.temperature
    per_volt = 1.0 / (p.thickness_oxide + p.thickness_mtpp * p.permittivity_oxide / p.permittivity_mtpp)  # E_ox/V [1/m]
    mtpp_per_volt = per_volt * p.permittivity_oxide / p.permittivity_mtpp  # E_m/V [1/m]
    shift = float(metal_shift(p)) / kt
    values = {
        "ln_nu": float(np.log(p.attempt_frequency)),
        "e_rel": p.release_barrier / kt, "e_spread": p.release_spread / kt, "e_mig": p.migration_barrier / kt + shift, "e_rec": p.recapture_barrier / kt,
        "e_coord": p.coordination_barrier / kt, "e_diss": p.dissociation_barrier / kt + shift,
        "e_drift": p.drift_barrier / kt, "e_ret": p.return_barrier / kt,
        # field works per volt, over k_B·T [1/V]
        "s_esc": field_work(ION_CHARGE, p.release_distance, per_volt) / kt,
        "s_mig": field_work(ION_CHARGE, p.migration_distance, mtpp_per_volt) / kt,
        "s_diss": field_work(ION_CHARGE, p.dissociation_distance, mtpp_per_volt) / kt,
        "s_ret": field_work(ION_CHARGE, p.return_distance, mtpp_per_volt) / kt,
        "g_area": p.area * p.conductance_density, "g0": p.residual_fraction, "w_itf": p.interface_weight,
        "rho_itf": p.interface_reverse_share,
        "v_c": p.sinh_voltage, "r_rev": p.reverse_ratio, "w2": 2.0 * p.reverse_width,
        "s_trap": p.trap_share, "v_t": p.trap_voltage, "r_trap": p.trap_release_ratio, "b_hold": p.trap_hold,
        **{f"k_trap{j + 1}": float(k) for j, k in enumerate(trap_class_rates(p)[:, 0])},
    }
    rate = lambda barrier: f"(ln_nu - {softplus(barrier)})"  # noqa: E731 - ln of a floored hop rate
    aux = (
        ("l_mig", rate("e_mig - s_mig * v")),
        *((f"l_esc{j}", rate(f"e_rel + {j} * e_spread - s_esc * v")) for j in range(RELEASE_CLASSES)),
        *((f"l_rel{j}", f"(l_esc{j} + l_mig - {log_add_exp(f'l_esc{j}', 'l_mig')})") for j in range(RELEASE_CLASSES)),
        ("l_rec", rate("e_rec")),
        ("l_coord", rate("e_coord")),
        ("l_diss", rate(f"e_diss - {log_cosh('s_diss * v')}")),
        ("l_drift", rate("e_drift - s_mig * v")),
        ("l_ret", rate("e_ret + s_ret * v")),
        ("u_trap", "sinh(min(abs(v) / v_t, 700))"),
    )
    main = [f"b{j}" for j in range(1, RELEASE_CLASSES)]
    edge = f"(1 - m - c - d - {' - '.join(main)})"
    release = " + ".join([f"exp(l_rel0) * {edge}"] + [f"exp(l_rel{j}) * b{j}" for j in range(1, RELEASE_CLASSES)])
    x0 = model.initial_state(p, 1)[:, 0]
    states = (
        CompactState("m", f"{release} + exp(l_diss) * c + exp(l_ret) * d"
                          " - (exp(l_rec) + exp(l_coord) + exp(l_drift)) * m", float(x0[0]), 0.0, 1.0),
        CompactState("c", "exp(l_coord) * m - exp(l_diss) * c", float(x0[1]), 0.0, 1.0),
        CompactState("d", "exp(l_drift) * m - exp(l_ret) * d", 0.0, 0.0, 1.0),
        *(CompactState(f"b{j}", f"-exp(l_rel{j}) * b{j}", float(x0[2 + j]), 0.0, 1.0) for j in range(1, RELEASE_CLASSES)),
        *(CompactState(f"h{j}", f"k_trap{j} * (u_trap * (1 - h{j}) - r_trap * exp(-b_hold * abs(v)) * h{j})", 0.0, 0.0, 1.0)
          for j in range(1, TRAP_CLASSES + 1)),
    )
    trapped = " + ".join(f"h{j}" for j in range(1, TRAP_CLASSES + 1))
    shape = f"v_c * sinh(min(max(vd / v_c, -700), 700)) * (r_rev + (1 - r_rev) * {smooth_step('vd', 'w2')})"
    return CompactModel(
        name=model.name, parameters=values, states=states, auxiliaries=aux,
        current=(f"g_area * (g0 + m + c + w_itf * (rho_itf + (1 - rho_itf) * {smooth_step('vd', 'w2')}) * d)"
                 f" * (1 - s_trap * ({trapped}) / {TRAP_CLASSES}) * {shape}"), series_resistance=float(p.series_resistance),
        source="Wang et al., SVDP metalloporphyrin/AlOx memristor (../shared/spec); nanoionic interface-hopping model",
        notes=("state fractions of the O2- inventory: m mobile, c coordinated, d at the ITO interface, b1.. the main "
               "release area; the edge of the Stern layer holds the rest",
               "h1..h4: filled fractions of the hole-trap classes"))
