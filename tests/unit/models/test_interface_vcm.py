"""interface-vcm: the junction law against hand-computed thermionic emission, rectification, the
series-resistance limit and solve, barrier lowering with the V_O concentration, the exact map
against an independent ODE solution, bounds, gradual potentiation/depression over pulse trains,
retention at 0 V, per-device parameter arrays and parameter errors."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

import nanoionic as ni
from nanoionic._core.errors import ParameterError
from nanoionic.models.interface_vcm import InterfaceVCMModel, junction_current, solve_junction
from nanoionic.parameters import load_parameter_set

PRESET = "Pt/Nb:SrTiO3"
MODEL = InterfaceVCMModel()
# CODATA 2018 (exact where exact), written out so the hand computations below do not use the package
Q, KB, H, EPS0, ME = 1.602176634e-19, 1.380649e-23, 6.62607015e-34, 8.8541878128e-12, 9.1093837015e-31


@pytest.fixture(scope="module")
def params():
    return load_parameter_set(PRESET).params


def _state(n, size=1):
    return np.full((1, size), float(n))


# ------------------------------------------------------------------ current law

def test_pure_thermionic_emission_at_zero_series_resistance_matches_hand_computation(params):
    """R_s = 0, no vacancy donors and a low donor density (N_D = 1e21 m^-3: E_00/k_BT = 0.00115,
    tunnelling negligible): I = A·A**·T²·exp(-(φ_B - Δφ_if)/V_T)·(exp(V/(η·V_T)) - 1) with the
    Sze & Ng image-force lowering Δφ_if = sqrt(q·E_m/(4π·ε_i·ε_0)), E_m = sqrt(2q·N_D·ψ/(ε_s·ε_0)),
    ψ = φ_B - ξ - V_T, ξ = V_T·ln(N_c/N_D) and the Padovani-Stratton η = x·coth(x). Numbers: the
    Pt/Nb:SrTiO3 preset (A = 1e-8 m², A** = 156.2 A cm⁻² K⁻², φ_B = 1.0 eV, m* = 1.3 m_e,
    ε_s = 300, ε_i = 5.6, T = 300 K)."""
    # no vacancy donors and Δφ = 0: the state does not enter
    p = dataclasses.replace(params, series_resistance=0.0, vacancy_donor_density=0.0, donor_density=1e21,
                            barrier_lowering=0.0)
    T, vt = 300.0, KB * 300.0 / Q
    nc = 2 * (2 * math.pi * 1.3 * ME * KB * T / H**2) ** 1.5
    xi = vt * math.log(nc / 1e21)
    psi = 1.0 - xi - vt
    e_max = math.sqrt(2 * Q * 1e21 * psi / (300 * EPS0))
    lowering = math.sqrt(Q * e_max / (4 * math.pi * 5.6 * EPS0))
    x = (Q * H / (4 * math.pi)) * math.sqrt(1e21 / (1.3 * ME * 300 * EPS0)) / (KB * T)
    eta = x / math.tanh(x)
    i_s = 1e-8 * 1.562e6 * T**2 * math.exp(-xi / vt - (1.0 - lowering - xi) / (eta * vt))
    for v in (0.05, 0.3, 0.6, -0.2):
        expected = i_s * math.expm1(v / (eta * vt))
        if v < 0:  # reverse: the image-force lowering grows with the band bending, plus the PS slope 1/ε'
            lower_v = math.sqrt(Q * math.sqrt(2 * Q * 1e21 * (psi - v) / (300 * EPS0)) / (4 * math.pi * 5.6 * EPS0))
            expected *= math.exp((lower_v - lowering) / (eta * vt) - (1 - math.tanh(x) / x) / vt * v)
        for n in (0.0, 0.7):
            assert MODEL.current(_state(n), v, p)[0] == pytest.approx(expected, rel=1e-9)
    # the thermionic limit itself: η = 1 + 4.4e-7, I_s = A·A**·T²·exp(-(φ_B - Δφ_if)/V_T) to 1e-5
    assert eta - 1 < 1e-6
    assert i_s == pytest.approx(1e-8 * 1.562e6 * T**2 * math.exp(-(1.0 - lowering) / vt), rel=1e-5)
    assert lowering == pytest.approx(0.00865, abs=1e-5)  # 8.7 meV image-force lowering (E_m = 2.9e5 V/m)
    # A·A**·T² = 1405.8 A times exp(-(1 - 0.00865)/0.025852): I_s = 3.12e-14 A, I(0.3 V) = 3.42 nA
    assert i_s == pytest.approx(3.119e-14, rel=1e-3)
    assert MODEL.current(_state(0.0), 0.3, p)[0] == pytest.approx(3.418e-9, rel=1e-3)


def test_current_is_rectifying_and_spans_decades(params):
    """Forward/reverse ratio at ±0.5 V above 1e6; the reverse current is pA, the forward current
    reaches the series-resistance limit."""
    x = _state(params.initial_fraction)
    fwd, rev = MODEL.current(x, 0.5, params)[0], MODEL.current(x, -0.5, params)[0]
    assert fwd > 0 > rev
    assert fwd / -rev > 1e6
    assert 1e-14 < -rev < 1e-11
    v = np.linspace(-2.0, 2.0, 401)
    i = MODEL.current(np.full((1, v.size), params.initial_fraction), v, params)
    assert np.all(np.diff(i) > 0)  # monotonic in V
    nonzero = np.abs(i[v != 0])
    assert np.log10(nonzero.max() / nonzero.min()) > 9  # pA .. 10 mA


def test_current_is_zero_exactly_at_zero_volts_and_finite_everywhere(params):
    v = np.array([0.0, -0.0, 5e-324, -1e-310, 1e-25, 1e-3, -1e3, 1e3, -1e4, 1e4])
    for n in (0.0, 0.5, 1.0):
        i = MODEL.current(_state(n, v.size), v, params)
        assert i[0] == 0.0 and i[1] == 0.0
        assert np.all(np.isfinite(i))
        assert np.all(np.sign(i[v != 0][3:]) == np.sign(v[v != 0][3:]))


def test_large_voltage_is_limited_by_the_series_resistance(params):
    for r_s in (10.0, 100.0, 1e4):
        p = dataclasses.replace(params, series_resistance=r_s)
        for n in (0.0, 1.0):
            i = MODEL.current(_state(n), 50.0, p)[0]
            assert i == pytest.approx(50.0 / r_s, rel=0.03)
            assert i < 50.0 / r_s  # the junction keeps part of the voltage


@pytest.mark.parametrize("r_s", [1e-3, 100.0, 1e5, 1e9])
def test_series_solve_matches_a_bracketed_reference(params, r_s):
    """V = V_j + R_s·I(V_j): the vectorised solve against scipy brentq on the junction law,
    over 9 decades of |V| (1 µV .. 1 kV), both polarities, HRS and LRS."""
    p = dataclasses.replace(params, series_resistance=r_s)
    v = np.concatenate([-np.logspace(-6, 3, 28), np.logspace(-6, 3, 28)])
    for n in (0.0, 1.0):
        vj, i = solve_junction(np.full(v.size, n), v, p)
        for k in range(v.size):
            with np.errstate(over="ignore"):  # the reference's trial points far above the root
                root = brentq(lambda u, k=k: u + r_s * junction_current(n, u, p) - v[k], min(0.0, v[k]), max(0.0, v[k]),
                              xtol=1e-300, rtol=1e-15, maxiter=500)
            drop = v[k] - root
            ref = drop / r_s if abs(drop) > 1e-3 * abs(v[k]) else junction_current(n, root, p)
            assert i[k] == pytest.approx(ref, rel=1e-10), (n, v[k])
        # the returned junction voltage and current satisfy the divider
        np.testing.assert_allclose(vj + r_s * i, v, rtol=1e-12, atol=1e-300)


def test_more_vacancies_lower_the_barrier_and_raise_the_current(params):
    n = np.linspace(0.0, 1.0, 11)
    for v in (0.2, 0.4, -0.5, -2.0):
        i = np.abs(MODEL.current(n[None, :], v, params))
        assert np.all(np.diff(i) > 0), v
    hrs, lrs = (MODEL.current(_state(x), -1.0, params)[0] for x in (0.0, 1.0))
    assert 1e2 < lrs / hrs < 1e5  # contrast of the full range at a -1 V read


# ------------------------------------------------------------------ kinetics

def _independent_rates(v, p):
    """k_in, k_out [1/s] written out from the module equations (plain Arrhenius: no saturation at
    these voltages, where the barriers stay far above k_B·T)."""
    kt = KB * p.temperature
    w = p.drift_polarity * p.charge_number * Q * p.hop_distance * (-v) / (2 * p.interface_thickness)
    return (p.attempt_frequency * math.exp(-(p.migration_barrier + p.interface_energy - w) / kt),
            p.attempt_frequency * math.exp(-(p.migration_barrier + w) / kt))


@pytest.mark.parametrize("v,dt", [(0.0, 100.0), (-2.5, 0.01), (-1.5, 0.3), (1.5, 0.05), (2.5, 1e-4), (-3.0, 1.0)])
def test_exact_map_matches_an_independent_ode_solution(params, v, dt):
    k_in, k_out = _independent_rates(v, params)
    for n0 in (0.0, 0.3, 1.0):
        sol = solve_ivp(lambda t, y: k_in * (1 - y) - k_out * y, (0.0, dt), [n0], method="Radau",
                        rtol=1e-12, atol=1e-15, jac=lambda t, y: [[-(k_in + k_out)]])
        exact = MODEL.segment(_state(n0), v, dt, params)[0, 0]
        assert exact == pytest.approx(sol.y[0, -1], rel=1e-8, abs=1e-13)
        assert MODEL.rates(_state(n0), v, 0.0, params)[0, 0] == pytest.approx(k_in * (1 - n0) - k_out * n0, rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(v=st.floats(-1e3, 1e3), log_dt=st.floats(-12.0, 6.0), n0=st.floats(0.0, 1.0))
def test_segment_keeps_the_state_in_bounds(params, v, log_dt, n0):
    out = MODEL.segment(_state(n0), v, 10.0**log_dt, params)
    assert np.all(np.isfinite(out)) and 0.0 <= out[0, 0] <= 1.0


def test_pulse_trains_potentiate_and_depress_gradually():
    """30 pulses of -2.5 V raise the read conductance (at -0.5 V) step by step, 30 of +1.7 V lower
    it step by step; no single pulse moves the state by more than 15 % of its range."""
    write = "repeat 30 {{ pulse {v} V for 10 ms; wait 10 ms; read -0.5 V for 1 ms; wait 10 ms }}"
    ds = ni.simulate(PRESET, write.format(v=-2.5) + "; " + write.format(v=1.7), save="reads", method="exact")
    g, n = np.abs(ds["conductance"].values), ds["vacancy_fraction"].values
    up, down = g[:30], g[30:]
    assert np.all(np.diff(up) > 0) and np.all(np.diff(down) < 0)
    assert up[-1] / up[0] > 10 and down[0] / down[-1] > 10
    assert np.max(np.abs(np.diff(n))) < 0.15
    assert n[29] > 0.9 and n[-1] < 0.1


def test_set_polarity_follows_drift_polarity(params):
    for polarity, set_voltage in ((1.0, -2.5), (-1.0, 2.5)):
        p = dataclasses.replace(params, drift_polarity=polarity)
        x = MODEL.segment(_state(0.02), set_voltage, 0.1, p)
        y = MODEL.segment(_state(0.02), -set_voltage, 0.1, p)
        assert x[0, 0] > 0.5 and y[0, 0] < 0.02


def test_retention_relaxes_to_the_zero_volt_equilibrium(params):
    """After a SET, n relaxes at 0 V as n_eq + (n_0 - n_eq)·exp(-t/τ), τ = 1/(k_in(0) + k_out(0))
    (~15 min) and n_eq = 1/(1 + exp(ΔG/k_B T)) = 0.0205 for the preset."""
    k_in, k_out = _independent_rates(0.0, params)
    tau, n_eq = 1.0 / (k_in + k_out), 1.0 / (1.0 + math.exp(params.interface_energy / (KB * params.temperature)))
    assert 600 < tau < 1200 and n_eq == pytest.approx(0.0205, abs=1e-4)
    ds = ni.simulate(PRESET, "pulse -3 V for 100 ms; wait 100 s; wait 400 s; wait 1500 s; wait 3600 s", save="segments",
                     method="exact")
    n = ds["vacancy_fraction"].values
    t = ds["time"].values
    n0 = n[1]
    assert n0 > 0.9
    for k in range(2, n.size):
        assert n[k] == pytest.approx(n_eq + (n0 - n_eq) * math.exp(-(t[k] - t[1]) / tau), rel=1e-9)
    assert n[-1] < 0.1  # mostly forgotten after 1.6 h


# ------------------------------------------------------------------ batching and parameters

def test_per_device_parameter_arrays_equal_one_device_at_a_time(params):
    rng = np.random.default_rng(3)
    m = 6
    arrays = {"barrier_height": params.barrier_height * rng.uniform(0.9, 1.1, m),
              "series_resistance": rng.uniform(0.0, 1e3, m), "migration_barrier": params.migration_barrier * rng.uniform(0.95, 1.05, m),
              "donor_density": params.donor_density * rng.uniform(0.5, 2.0, m), "ideality_factor": rng.uniform(1.0, 1.5, m)}
    batch = dataclasses.replace(params, **arrays)
    n = rng.uniform(0.0, 1.0, m)
    for v in (-1.7, -0.01, 0.0, 0.35, 1.2):
        i = MODEL.current(n[None, :], v, batch)
        nxt = MODEL.segment(n[None, :], v, 0.05, batch)
        for j in range(m):
            one = dataclasses.replace(params, **{k: float(a[j]) for k, a in arrays.items()})
            assert i[j] == pytest.approx(MODEL.current(_state(n[j]), v, one)[0], rel=1e-13, abs=0.0)
            assert nxt[0, j] == pytest.approx(MODEL.segment(_state(n[j]), v, 0.05, one)[0, 0], rel=1e-13)


def test_sweep_with_per_device_parameters_runs_batched():
    dev = ni.Device(PRESET)
    times = np.linspace(0.0, 8.0, 50)
    ds = ni.simulate(dev.replace(barrier_height=np.array([0.95, 1.0, 1.05]) * 1.602176634e-19),
                     "sweep 0 V -> 2 V -> -2 V -> 0 V at 1 V/s", n_devices=3, save=times, method="exact")
    i = ds["current"].values
    assert i.shape == (50, 3) and np.all(np.isfinite(i))
    assert np.all(np.abs(i[25, :]) > 0)
    # lower barrier, more current at the same point of the sweep
    assert abs(i[5, 0]) > abs(i[5, 1]) > abs(i[5, 2])


@pytest.mark.parametrize("name,value,shown", [
    ("area", 0.0, "0.0"), ("temperature", 0.0, "0.0"), ("ideality_factor", 0.5, "0.5"),
    ("drift_polarity", 2.0, "2.0"), ("series_resistance", -1.0, "-1.0"), ("initial_fraction", 1.5, "1.5"),
    ("barrier_height", float("nan"), "nan"), ("permittivity", 0.5, "0.5"),
])
def test_bad_parameters_are_named(name, value, shown):
    with pytest.raises(ParameterError) as info:
        ni.Device(PRESET, **{name: value})
    msg = str(info.value)
    assert msg.startswith(f"The '{name}' parameter of ") and f"Got {shown}" in msg


def test_unknown_parameter_suggests_the_closest():
    with pytest.raises(ParameterError, match="Did you mean 'barrier_height'"):
        ni.Device(PRESET, barrier_heigth=1e-19)
