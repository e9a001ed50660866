"""Issue 6 'done when': ECM abrupt digital SET, NDR and volatility of the threshold switch, quantised
plateaus, σ/μ of the SET voltage falling with confinement, seeded draws, parameter errors."""

import dataclasses
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanoionic._core.errors import ParameterError
from nanoionic.circuit import Selector
from nanoionic.engine import integrate
from nanoionic.engine.integrate import trajectory_current
from nanoionic.models.ecm_filament import ECMFilamentModel, sample_formation
from nanoionic.models.quantum_contact import QuantumContactModel
from nanoionic.models.threshold_switch import (ThresholdSwitchModel, hot_state, quasi_static_iv,
                                               static_selector_values, threshold_point)
from nanoionic.models.vcm_gap import VCMGapModel
from nanoionic.parameters import load_parameter_set
from nanoionic.protocols import compile_protocol
from nanoionic.simulation import Device


@pytest.fixture(scope="module")
def ecm_cycle():
    model = ECMFilamentModel()
    params = load_parameter_set("Ag/SiO2/Pt").params
    traj = integrate(model, params, compile_protocol("sweep 0 V -> 1 V -> 0 V at 1 V/s; sweep 0 V -> -0.7 V -> 0 V at 1 V/s"),
                     ramp_steps=800)
    return model, params, traj


def test_ecm_on_off_above_1e3_and_compliance(ecm_cycle):
    model, params, traj = ecm_cycle
    set_end = np.searchsorted(traj.time, 2.0)
    g = lambda s: model.current(s, 0.1, params)[0] / 0.1  # noqa: E731
    assert g(traj.state[set_end]) / g(traj.state[-1]) > 1e3
    assert g(traj.state[set_end]) / g(traj.state[0]) > 1e3
    assert trajectory_current(model, params, traj).max() <= params.compliance_current


def test_ecm_set_is_abrupt(ecm_cycle):
    """>= 10x conductance within 1 % of the 2 s SET sweep."""
    model, params, traj = ecm_cycle
    t = traj.time
    g = np.array([model.gap_conductance(s, params)[0] for s in traj.state])
    ratios = [g[(t >= tk) & (t <= tk + 0.02)].max() / g[k] for k, tk in enumerate(t[t <= 2.0])]
    assert max(ratios) >= 10


def test_ecm_growth_direction_follows_damkohler():
    model = ECMFilamentModel()
    base = load_parameter_set("Ag/SiO2/Pt").params
    shares = []
    for k_red in (1e-2, 1e5):
        p = dataclasses.replace(base, reduction_rate=k_red)
        s0 = np.array([[0.5], [0.0]]) if k_red < 1 else np.array([[0.0], [0.5]])
        tr = integrate(model, p, compile_protocol("sweep 0 V -> 0.8 V at 1 V/s"), s0, ramp_steps=200)
        d = tr.state[-1, :, 0] - s0[:, 0]
        shares.append(d[0] / d.sum())
    assert shares[0] > 0.9 and shares[1] < 0.1


def test_vcm_gap_is_gradual_and_metallic_in_lrs():
    model = VCMGapModel()
    params = load_parameter_set("Ta2O5/VCM-gap").params
    tr = integrate(model, params, compile_protocol("read 0.1 V for 10 us; repeat 20 { pulse 1 V for 100 us; read 0.1 V for 10 us }"),
                   save="reads")
    g = trajectory_current(model, params, tr)[:, 0]
    assert np.all(np.diff(g) > 0) and np.max(g[6:] / g[5:-1]) < 1.5
    assert model.metallic_weight(tr.state[-1], params)[0] > 0.9 > 0.01 > model.metallic_weight(tr.state[0], params)[0]


def test_threshold_switch_has_ndr_on_quasi_static_iv():
    params = load_parameter_set("NbO2/selector").params
    v, i = quasi_static_iv(params, np.geomspace(1e-2, 2800.0, 400))
    assert np.all(np.diff(i) > 0)
    assert np.min(np.diff(v) / np.diff(i)) < 0  # dV/dI < 0 under current drive
    v_th, _, _ = threshold_point(params)
    assert 1.0 < v_th < 5.0 and hot_state(params, 1.2 * v_th) > 1000.0


def test_threshold_switch_is_volatile():
    model = ThresholdSwitchModel()
    params = dataclasses.replace(load_parameter_set("NbO2/selector").params, series_resistance=1e3)
    tr = integrate(model, params, compile_protocol("read 0.1 V for 20 ns; pulse 3.5 V for 200 ns; wait 500 ns; read 0.1 V for 20 ns"),
                   save="segments")
    i = trajectory_current(model, params, tr)[:, 0]
    on = i[np.isclose(tr.voltage, 3.5)].max()
    reads = i[np.isclose(tr.voltage, 0.1)]
    assert on > 1e3 * 3.5 * reads[0] / 0.1  # switched on during the pulse
    assert reads[-1] == pytest.approx(reads[0], rel=1e-3)  # back in the HRS by itself


def test_selector_from_threshold_switch_preset():
    sel = Selector.from_threshold_switch("NbO2/selector")
    vals = static_selector_values(load_parameter_set("NbO2/selector").params)
    assert sel.threshold_voltage == pytest.approx(vals["threshold_voltage"])
    assert sel.on_conductance / sel.off_conductance > 1e4
    v = np.linspace(-5, 5, 201)
    assert np.all(np.diff(sel.current(v)) > 0)
    with pytest.raises(ParameterError, match="'params'"):
        Selector.from_threshold_switch("Ag/SiO2/Pt")


@pytest.mark.parametrize("preset,step", [(None, 1.0), ("Nb/ZnO/Pt-QPC", 0.5)])
def test_quantised_plateaus_selected_by_compliance(preset, step):
    model = QuantumContactModel()
    params = model.Params() if preset is None else load_parameter_set(preset).params
    p = dataclasses.replace(params, compliance_current=np.array([20e-6, 50e-6, 100e-6, 200e-6]))
    tr = integrate(model, p, compile_protocol("sweep 0 V -> 1.5 V -> 0 V at 0.1 V/s; wait 1 s; read 10 mV for 1 ms"),
                   save="reads")
    q = model.in_quanta(model.current(tr.state[-1], 0.01, p) / 0.01, params)
    nearest = step * np.round(q / step)
    assert np.all(nearest >= step) and np.all(np.diff(nearest) > 0)  # compliance selects the count
    assert np.all(np.abs(q - nearest) <= 0.02 * nearest)


def _set_cv(confinement, seed=3, n=40):
    model = ECMFilamentModel()
    p = sample_formation(load_parameter_set("Ag/SiO2/Pt").params, n, seed, confinement=confinement)
    tr = integrate(model, p, compile_protocol("sweep 0 V -> 0.8 V at 1 V/s"), ramp_steps=400, method="rk45",
                   rtol=1e-6, atol=1e-9)
    g = np.stack([model.gap_conductance(s, p) for s in tr.state])
    assert np.all(g.max(axis=0) > 1e-5)
    v_set = tr.voltage[np.argmax(g > 1e-5, axis=0)]
    return v_set.std() / v_set.mean()


def test_set_voltage_spread_falls_with_confinement():
    cv = [_set_cv(c) for c in (0.0, 0.3, 1.0)]
    assert cv[0] > cv[1] > cv[2]
    assert cv[2] < 0.03 < 0.1 < cv[0]


def test_formation_draws_are_seeded():
    base = load_parameter_set("Ag/SiO2/Pt").params
    a, b = sample_formation(base, 20, 5, confinement=0.3), sample_formation(base, 20, 5, confinement=0.3)
    c = sample_formation(base, 20, 6, confinement=0.3)
    np.testing.assert_array_equal(a.tip_enhancement, b.tip_enhancement)
    np.testing.assert_array_equal(a.initial_gap, b.initial_gap)
    assert not np.array_equal(a.initial_gap, c.initial_gap)
    assert a.initial_gap.shape == (20,) and np.all(a.initial_gap <= base.thickness)


@settings(max_examples=20, deadline=None)
@given(c=st.one_of(st.floats(-10, -1e-6), st.floats(1.000001, 10)))
def test_bad_confinement_names_parameter_value_and_range(c):
    with pytest.raises(ParameterError, match=r"'confinement' parameter of sample_formation must be in \[0, 1\]"):
        sample_formation(load_parameter_set("Ag/SiO2/Pt").params, 5, 0, confinement=c)


@pytest.mark.parametrize("spread, message", [
    ({"roughness": 2.0, "site_gain": 100.0, "confinement": 1.0}, "tip enhancements leave the model's range"),
    ({"gap_spread": 2.0}, "residual gaps exceed the film thickness"),
])
def test_draws_outside_the_model_range_are_refused_not_clipped(spread, message):
    with pytest.raises(ParameterError, match=message):
        sample_formation(load_parameter_set("Ag/SiO2/Pt").params, 2000, 0, **spread)


def test_a_fractional_site_count_is_refused():
    with pytest.raises(ParameterError, match="'n_sites' parameter of sample_formation must be a whole number"):
        sample_formation(load_parameter_set("Ag/SiO2/Pt").params, 5, 1, n_sites=1.4)


@pytest.mark.parametrize("seed", [None, -1, "abc"])
def test_formation_draws_need_a_seed(seed):
    with pytest.raises(ParameterError, match="'seed' parameter of sample_formation"):
        sample_formation(load_parameter_set("Ag/SiO2/Pt").params, 5, seed)


@pytest.mark.parametrize("preset,name,value", [("Ag/SiO2/Pt", "compliance_current", 0.0),
                                               ("Ag/SiO2/Pt", "decay_length", -1e-10),
                                               ("NbO2/selector", "thermal_time", 0.0),
                                               ("Nb/ZnO/Pt-QPC", "step_size", 2.0),
                                               ("Ta2O5/VCM-gap", "critical_density", -5e26)])
def test_bad_values_name_parameter_value_and_range(preset, name, value):
    with pytest.raises(ParameterError, match=rf"'{name}' parameter of device .* must be in .* Got {re.escape(repr(value))}"):
        Device(preset, **{name: value})


def test_initial_gap_beyond_thickness_is_an_error():
    model = ECMFilamentModel()
    params = dataclasses.replace(model.Params(), initial_gap=20e-9)
    with pytest.raises(ParameterError, match="'initial_gap' parameter of ecm-filament"):
        model.initial_state(params, 1)


def test_vcm_filament_series_resistance_limits_extreme_voltages_only():
    """W/WOx/Pd has 100 Ohm of contacts: at ±100 V the current is ohmically limited (it was 1.8e82 A
    from the sinh law alone); at its 1.5 V operating point the drop is negligible."""
    import nanoionic as ni

    dev = ni.Device("W/WOx/Pd")
    bare = dev.replace(series_resistance=0.0)
    for v in (100.0, -100.0):
        i = ni.simulate(dev, f"pulse {v:g} V for 10 ms")["current"].values[-1]
        assert 0.5 < abs(i) < abs(v) / 100.0 and np.sign(i) == np.sign(v)
    i_r = ni.simulate(dev, "pulse 1.5 V for 10 ms")["current"].values[-1]
    i_0 = ni.simulate(bare, "pulse 1.5 V for 10 ms")["current"].values[-1]
    assert i_r == pytest.approx(i_0, rel=1e-2)


@pytest.mark.parametrize("name", ["outdiffusion_distance", "injection_distance", "class_spacing"])
def test_vcm_filament_one_parameter_per_device_matches_single_devices(name):
    """A per-device array of one parameter (the others shared, as a fit's batch has) runs, and each
    device ends where its own run ends (within the ramp refinement tolerance, 1e-4)."""
    import nanoionic as ni
    dev = ni.Device("W/WOx/Pd")
    values = getattr(dev.params, name) * np.linspace(0.5, 2.0, 4)
    wf = ni.compile_protocol("sweep 0 V -> 1.5 V -> -1.5 V -> 0 V at 1 V/s")
    batch = integrate(dev.model, dataclasses.replace(dev.params, **{name: values}), wf, n_devices=4,
                      method="exact", save="end").state[-1]
    single = np.column_stack([integrate(dev.model, dataclasses.replace(dev.params, **{name: float(v)}), wf,
                                        method="exact", save="end").state[-1][:, 0] for v in values])
    np.testing.assert_allclose(batch, single, atol=1e-4, rtol=0)
