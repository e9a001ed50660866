"""VCM filament with volatile and stable parts: STM, LTM and their transition (W/WOx/Pd-like).

Physical picture (review, Sec. 3.1 and Fig. 5; Chang, Jo & Lu, ACS Nano 5, 7669 (2011)): oxygen
vacancies V_O drifted into a conduction channel form a filament. A filament made of few V_O is
loose: its vacancies diffuse back out (the conductance relaxes, short-term memory). Repeated
stimulation packs more V_O into the channel and moves them into more strongly bound sites
(denser, more stable filament): the relaxation slows down (long-term memory, consolidation).

State: the V_O inventory of the channel region, as fractions of a fixed reservoir, in
``N_CLASSES`` binding classes k = 0 (loosest) … N-1 (most stable); the reservoir outside the
channel is the implicit last compartment. Thermally activated, field-lowered hops (rates
ν·exp(-(E - q·a·E_field/2)/k_B T), saturating at ν, ``physics.hopping``):

* injection reservoir → class 0 over E_in, lowered by the field (positive bias);
* consolidation class k → k+1 over E_up, lowered by the field in either direction (the pulse's
  field and heat rearrange the filament; cosh law);
* out-diffusion class k → reservoir over E_out + k·Δ (deeper classes bind more strongly),
  raised by the field under positive bias and lowered under negative bias (RESET).

The out-diffusion times are spaced by exp(Δ/k_B T): their sum is the stretched-exponential
relaxation of disordered systems (β < 1), and moving the inventory deeper lengthens it.
All rates depend on V only, so the model is linear and stepped exactly (compartment maps,
``physics.kinetics``).

Conduction: I = (G_min + G_f·Σ n_k)·V_c·sinh(V/V_c): the filament's V_O add conduction paths.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nanoionic._core.units import EV, K_B, Q_E
from nanoionic.models.base import DeviceModel, field
from nanoionic.models.compact import CompactModel, CompactState, log_cosh, scalar_parameters, softplus
from nanoionic.physics.conduction import hopping_sinh, series_divided_voltage
from nanoionic.physics.hopping import field_work, log_hopping_rate, log_symmetric_hopping_rate
from nanoionic.physics.kinetics import compartment_affine_maps

N_CLASSES = 4
ION_CHARGE = 2 * Q_E  # V_O2+ [C]


@dataclass(frozen=True)
class VCMFilamentParams:
    """Parameters of the VCM filament model (SI; energies in J). Defaults: W/WOx/Pd-like
    (parameters/sets/WOx_ChangLu2011.toml)."""

    thickness: float = field(1e-8, "m", 1e-10, 1e-5, "switching-layer thickness")
    temperature: float = field(300.0, "K", 0.0, 2000.0, "temperature", low_open=True)
    attempt_frequency: float = field(1e13, "Hz", 1e6, 1e16, "attempt frequency ν")
    injection_barrier: float = field(0.95 * EV, "J", 0.0, 5 * EV, "E_in: V_O entering the channel")
    injection_distance: float = field(1.5e-9, "m", 1e-11, 1e-8, "hop distance of injection (at most a 10 nm film)")
    consolidation_barrier: float = field(1.0 * EV, "J", 0.0, 5 * EV, "E_up: V_O moving to a more stable class")
    consolidation_distance: float = field(2.3e-9, "m", 1e-11, 1e-8, "hop distance of consolidation (at most a 10 nm film)")
    outdiffusion_barrier: float = field(0.80 * EV, "J", 0.0, 5 * EV, "E_out of the loosest class")
    outdiffusion_distance: float = field(1.0e-9, "m", 1e-11, 1e-8, "hop distance of out-diffusion (at most a 10 nm film)")
    class_spacing: float = field(0.10 * EV, "J", 0.0, 2 * EV, "Δ: extra binding per class")
    min_conductance: float = field(1e-6, "S", 0.0, 1.0, "G_min: conductance without filament")
    filament_conductance: float = field(1e-4, "S", 0.0, 1.0, "G_f: conductance of a full channel", low_open=True)
    sinh_voltage: float = field(0.5, "V", 0.0, 1e3, "V_c of the sinh conduction law", low_open=True)
    series_resistance: float = field(0.0, "Ohm", 0.0, 1e9, "series resistance R_s of electrodes and contacts")


def log_rates(v, p):
    """ln of injection, consolidation and out-diffusion (per class) rates [ln(1/s)] at ``v`` [V]."""
    e = np.asarray(v, dtype=float) / p.thickness
    T, nu = p.temperature, p.attempt_frequency
    w_in = field_work(ION_CHARGE, p.injection_distance, e)
    w_up = field_work(ION_CHARGE, p.consolidation_distance, e)
    w_out = field_work(ION_CHARGE, p.outdiffusion_distance, e)
    # class index on a leading axis, broadcast against V and per-device parameters alike
    k = np.arange(N_CLASSES).reshape((-1,) + (1,) * max(np.ndim(e), np.ndim(w_out), np.ndim(p.outdiffusion_barrier),
                                                        np.ndim(p.class_spacing)))
    return (log_hopping_rate(p.injection_barrier, w_in, T, nu),
            log_symmetric_hopping_rate(p.consolidation_barrier, w_up, T, nu),
            log_hopping_rate(p.outdiffusion_barrier + k * p.class_spacing, -w_out, T, nu))


def compartment_generator(v, p) -> np.ndarray:
    """Generator Q [1/s] over (n_0 … n_{N-1}, reservoir), shaped (N+1, N+1[, n])."""
    l_in, l_up, l_out = log_rates(v, p)
    k_in, k_up = np.exp(l_in), np.exp(l_up)
    k_out = np.exp(l_out)
    shape = (N_CLASSES + 1, N_CLASSES + 1) + np.broadcast_shapes(np.shape(k_in), np.shape(k_up), np.shape(k_out)[1:])
    q = np.zeros(shape)
    res = N_CLASSES
    q[0, res] = k_in
    for k in range(N_CLASSES):
        q[res, k] = k_out[k]
        if k + 1 < N_CLASSES:
            q[k + 1, k] = k_up
    q[np.arange(res + 1), np.arange(res + 1)] = -q.sum(axis=0)
    return q


class VCMFilamentModel(DeviceModel):
    """V_O filament with binding classes: STM → LTM by consolidation (see module)."""

    name = "vcm-filament"
    state_names = tuple(f"vacancies_{k}" for k in range(N_CLASSES))
    state_bounds = ((0.0, 1.0),) * N_CLASSES
    inventory_states = tuple(range(N_CLASSES))  # the reservoir is the rest
    Params = VCMFilamentParams
    linear = True
    operating_voltage = 1.5
    time_scale = 0.001

    def initial_state(self, params, n_devices: int) -> np.ndarray:
        return np.zeros((N_CLASSES, n_devices))

    def rates(self, state, v, t, params):
        q = compartment_generator(v, params)
        full = np.concatenate([state, 1.0 - state.sum(axis=0, keepdims=True)])
        out = (q @ full) if q.ndim == 2 else np.einsum("ijn,jn->in", q, full)
        return out[:N_CLASSES]

    def current(self, state, v, params):
        """I [A] = G·V_c·sinh(V_d/V_c) with V_d = V - I·R_s (R_s limits the current at extreme
        voltages; the ionic rates see the applied V, which keeps the state equations affine)."""
        g = params.min_conductance + params.filament_conductance * state.sum(axis=0)

        def device_current(vd):
            return g * hopping_sinh(vd, params.sinh_voltage)

        if np.all(np.asarray(params.series_resistance) == 0.0):
            return device_current(v)
        return device_current(series_divided_voltage(v, device_current, params.series_resistance))

    def compartment_generator(self, v, params):
        return compartment_generator(v, params)

    def compact(self, params):
        return compact_model(self, params)

    def affine_map(self, v, dt, params):
        q = compartment_generator(v, params)
        dt = np.asarray(dt, dtype=float)
        n_c = N_CLASSES + 1
        if q.ndim == 2 and dt.ndim == 0:
            phi, psi = compartment_affine_maps(q[None], dt)
            return phi[0], psi[0]
        n = max(q.shape[-1] if q.ndim == 3 else 1, dt.size)
        stack = np.moveaxis(np.broadcast_to(q if q.ndim == 3 else q[..., None], (n_c, n_c, n)), -1, 0)
        phi, psi = compartment_affine_maps(stack, np.broadcast_to(dt, (n,)))
        return np.moveaxis(phi, 0, -1), np.moveaxis(psi, 0, -1)


def compact_model(model, params) -> CompactModel:
    """The model as formulas for SPICE/Verilog-A: the log-rates are auxiliaries (bounded by ln ν,
    exponentiated inside the state rates), barriers and field works are divided by k_B·T
    beforehand (coefficients of order 1-100); the channel's reservoir is 1 - Σ n_k."""
    scalar_parameters(params, model.name)
    p = params
    kt = K_B * p.temperature
    per_volt = 1.0 / p.thickness  # field per volt [1/m]
    values = {
        "ln_nu": float(np.log(p.attempt_frequency)),
        "e_in": p.injection_barrier / kt, "e_up": p.consolidation_barrier / kt,
        **{f"e_out{k}": (p.outdiffusion_barrier + k * p.class_spacing) / kt for k in range(N_CLASSES)},
        # field works per volt, over k_B·T [1/V]
        "s_in": field_work(ION_CHARGE, p.injection_distance, per_volt) / kt,
        "s_up": field_work(ION_CHARGE, p.consolidation_distance, per_volt) / kt,
        "s_out": field_work(ION_CHARGE, p.outdiffusion_distance, per_volt) / kt,
        "g_min": p.min_conductance, "g_f": p.filament_conductance, "v_c": p.sinh_voltage,
    }
    rate = lambda barrier: f"(ln_nu - {softplus(barrier)})"  # noqa: E731 - ln of a floored hop rate
    aux = (("l_in", rate("e_in - s_in * v")),
           ("l_up", rate(f"e_up - {log_cosh('s_up * v')}")),
           *((f"l_out{k}", rate(f"e_out{k} + s_out * v")) for k in range(N_CLASSES)))
    n = [f"n{k}" for k in range(N_CLASSES)]
    reservoir = f"(1 - ({' + '.join(n)}))"
    rates = []
    for k in range(N_CLASSES):
        gain = f"exp(l_in) * {reservoir}" if k == 0 else f"exp(l_up) * n{k - 1}"
        loss = f"(exp(l_up) + exp(l_out{k}))" if k + 1 < N_CLASSES else f"exp(l_out{k})"
        rates.append(f"{gain} - {loss} * n{k}")
    x0 = model.initial_state(p, 1)[:, 0]
    return CompactModel(
        name=model.name, parameters=values, auxiliaries=aux,
        states=tuple(CompactState(n[k], rates[k], float(x0[k]), 0.0, 1.0) for k in range(N_CLASSES)),
        current=f"(g_min + g_f * ({' + '.join(n)})) * v_c * sinh(min(max(vd / v_c, -700), 700))",
        series_resistance=float(p.series_resistance),
        source="Chang, Jo & Lu, ACS Nano 5, 7669 (2011); nanoionic vcm-filament model (V_O binding classes)",
        notes=("n_k: V_O fraction in binding class k (0 loosest); the reservoir outside the channel is 1 - sum(n_k)",))
