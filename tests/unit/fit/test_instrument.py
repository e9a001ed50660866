"""fit.instrument: the measurement set-up around a device, checked against closed forms.

A stub device with no dynamics and a piecewise-ohmic current (I = G·V for V >= 0, I = r·G·V
for V < 0) makes every nuisance parameter a hand calculation:

* series resistance R_s: I = V/(1/G_eff + R_s), G_eff the conductance on V's side;
* compliance I_cc: |I| = min(G_eff·|V|, I_cc), and never more than I_cc;
* polarity -1: I(V) = -I_model(-V);
* voltage offset V_os: I(V) = I_model(V - V_os); current offset I_os: I(V) = I_model(V) + I_os.

The bisection of the device voltage brackets V_d to 2^-48 of the drive, so a current from it
is within 2^-48·(drive/V_d) ≈ 3.6e-15·(1 + G·R_s) relative of the closed form; the strategies
keep G·R_s <= 1e5 and the compliance ratio G·|V|/I_cc <= 1e5, which bounds the error by 4e-10,
below the 1e-9 checked. The same wrappers around shipped linear models stay linear and give
the unwrapped model's currents bit for bit when every nuisance parameter has its neutral value.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nanoionic as ni
from nanoionic.data import Measurement
from nanoionic.engine import integrate
from nanoionic.fit.instrument import NUISANCE_FIELDS, instrument_model, with_instrument
from nanoionic.models.base import DeviceModel, field


@dataclass(frozen=True)
class StubParams:
    conductance: float = field(1e-3, "S", 0.0, 1e6, "G: conductance under V >= 0", low_open=True)
    reverse_ratio: float = field(1.0, "1", 0.0, 1e3, "r: conductance under V < 0 over G", low_open=True)


class Stub(DeviceModel):
    """No dynamics; I = G·V for V >= 0 and r·G·V for V < 0 (monotonic in V, as the bisection needs)."""

    name = "stub"
    state_names = ("x",)
    state_bounds = ((0.0, 1.0),)
    Params = StubParams
    linear = True

    def initial_state(self, params, n_devices):
        return np.zeros((1, n_devices))

    def rates(self, state, v, t, params):
        return np.zeros_like(state)

    def current(self, state, v, params):
        v = np.broadcast_to(np.asarray(v, dtype=float), state.shape[1:])
        return params.conductance * np.where(v < 0, params.reverse_ratio, 1.0) * v

    def affine_map(self, v, dt, params):
        return np.eye(1), np.zeros(1)


STATE = np.zeros((1, 1))
conductances = st.floats(-9, 2).map(lambda e: 10.0**e)  # G [S], 1 nS .. 100 S
ratios = st.floats(-1, 1).map(lambda e: 10.0**e)  # r, 0.1 .. 10
voltages = st.tuples(st.sampled_from([-1.0, 1.0]), st.floats(1e-6, 10.0)).map(lambda s: s[0] * s[1])


def wrapped(solve: bool, g: float = 1e-3, r: float = 1.0, **nuisance):
    model = instrument_model(Stub(), solve=solve)
    return model, with_instrument(StubParams(g, r), model.Params, **nuisance)


def measured(model, params, v) -> float:
    return float(model.current(STATE, v, params)[0])


def g_eff(g, r, v):
    return g * (r if v < 0 else 1.0)


@settings(max_examples=200, deadline=None)
@given(conductances, ratios, st.floats(-6, 5), st.booleans(), voltages)
def test_series_resistance_divides_the_voltage(g, r, log_gr, zero_rs, v):
    """I = V/(1/G_eff + R_s) to 1e-9 relative, both signs; R_s = 0 gives G_eff·V."""
    r_s = 0.0 if zero_rs else 10.0**log_gr / g
    model, params = wrapped(True, g, r, series_resistance=r_s)
    expected = v / (1.0 / g_eff(g, r, v) + r_s)
    assert math.isclose(measured(model, params, v), expected, rel_tol=1e-9, abs_tol=0.0)


@settings(max_examples=200, deadline=None)
@given(conductances, ratios, voltages, st.floats(-5, 3))
def test_compliance_caps_the_current_and_never_exceeds_it(g, r, v, log_q):
    """|I| = min(G_eff·|V|, I_cc) to 1e-9 relative, and |I| <= I_cc with no tolerance."""
    i_free = g_eff(g, r, v) * abs(v)
    i_cc = 10.0**log_q * i_free  # I_cc from 1e-5 to 1e3 times the unlimited current
    model, params = wrapped(True, g, r, compliance=i_cc)
    i = measured(model, params, v)
    assert abs(i) <= i_cc
    assert math.copysign(1.0, i) == math.copysign(1.0, v)
    assert math.isclose(abs(i), min(i_free, i_cc), rel_tol=1e-9, abs_tol=0.0)


@settings(max_examples=100, deadline=None)
@given(conductances, ratios, voltages, st.floats(0, 1e4), st.floats(1e-9, 1.0), st.sampled_from([1.0, -1.0]))
def test_compliance_holds_with_series_resistance_and_either_polarity(g, r, v, r_s, i_cc, polarity):
    model, params = wrapped(True, g, r, series_resistance=r_s, compliance=i_cc, polarity=polarity)
    assert abs(measured(model, params, v)) <= i_cc


@settings(max_examples=100, deadline=None)
@given(conductances, st.floats(-1, 1).filter(lambda e: abs(e) > 0.05).map(lambda e: 10.0**e), voltages,
       st.floats(0, 1e3), st.booleans())
def test_polarity_minus_one_mirrors_the_iv(g, r, v, r_s, solve):
    """I(V) = -I_model(-V), bit for bit (the drive -V is the same float either way); r != 1, so
    a mirror that did nothing would fail."""
    mirror_model, mirror = wrapped(solve, g, r, polarity=-1.0, **({"series_resistance": r_s} if solve else {}))
    plain_model, plain = wrapped(solve, g, r, **({"series_resistance": r_s} if solve else {}))
    assert measured(mirror_model, mirror, v) == -measured(plain_model, plain, -v)
    if not solve:
        assert measured(mirror_model, mirror, v) == -g_eff(g, r, -v) * -v


@settings(max_examples=100, deadline=None)
@given(conductances, ratios, voltages, st.floats(-1.0, 1.0), st.floats(-1e-3, 1e-3))
def test_offsets_shift_the_voltage_and_add_to_the_current(g, r, v, v_os, i_os):
    base = Stub()
    p = StubParams(g, r)
    model, shifted = wrapped(False, g, r, voltage_offset=v_os)
    assert measured(model, shifted, v) == float(base.current(STATE, v - v_os, p)[0])
    model, offset = wrapped(False, g, r, current_offset=i_os)
    assert measured(model, offset, v) == float(base.current(STATE, v, p)[0]) + i_os


def test_series_resistance_on_a_shipped_ohmic_model():
    """VTEAM's linear I-V is I = V/(R_on + (R_off - R_on)·x): with R_s in series,
    I = V/(R_on + (R_off - R_on)·x + R_s). At x = 0.5 with the preset (50 Ω, 1 kΩ):
    R = 525 Ω, and with R_s = 475 Ω, I(1 V) = 1 mA."""
    dev = ni.Device("VTEAM/default")
    model = instrument_model(dev.model, solve=True)
    params = with_instrument(dev.params, model.Params, series_resistance=475.0)
    state = np.full((1, 3), 0.5)
    v = np.array([1.0, -0.3, 2e-3])
    assert np.allclose(model.current(state, v, params), v / 1000.0, rtol=1e-9, atol=0.0)
    assert model.current(state, 1.0, params)[0] == pytest.approx(1e-3, rel=1e-12)


def test_wrapper_adds_only_the_fields_the_model_lacks():
    """ZnTPP/AlOx solves its own series resistance: the wrapper must not add a second one."""
    zn = instrument_model(ni.Device("ZnTPP/AlOx").model)
    yak = instrument_model(ni.Device("Yakopcic/knowm-LTspice").model)
    assert zn.added == ("voltage_offset", "compliance", "current_offset", "polarity")
    assert yak.added == tuple(NUISANCE_FIELDS)
    defaults = with_instrument(ni.Device("Yakopcic/knowm-LTspice").params, yak.Params)
    assert [getattr(defaults, n) for n in yak.added] == [0.0, 0.0, math.inf, 0.0, 1.0]


def _pulses(levels) -> Measurement:
    v = np.array([x for level in levels for x in (level, 0.5 * level)])
    t = 0.05 * np.arange(1, v.size + 1)
    return Measurement(t, v, np.zeros_like(t), interpolation="step")


def _exact_currents(model, params, meas: Measurement) -> np.ndarray:
    traj = integrate(model, params, meas.waveform(), method="exact", save=meas.sample_times())
    return np.array([model.current(traj.state[k], traj.voltage[k], params)[0] for k in range(traj.time.size)])


@pytest.mark.parametrize("preset, levels", [("ZnTPP/AlOx", (8.0, 12.0, 4.0, 10.0)),  # affine_map path
                                            ("W/WOx/Pd", (1.2, -1.5, 0.8, -1.0))])  # compartment_generator path
def test_neutral_wrapper_keeps_a_linear_model_exact_and_unchanged(preset, levels):
    dev = ni.Device(preset)
    model = instrument_model(dev.model)
    assert dev.model.linear and model.linear
    assert not instrument_model(dev.model, solve=True).linear  # a bisection is not affine
    assert (type(model).compartment_generator is DeviceModel.compartment_generator) == (
        type(dev.model).compartment_generator is DeviceModel.compartment_generator)
    meas = _pulses(levels)
    plain = _exact_currents(dev.model, dev.params, meas)
    assert np.all(plain != 0.0)
    assert np.array_equal(_exact_currents(model, with_instrument(dev.params, model.Params), meas), plain)


def test_mirrored_exact_run_is_the_model_run_on_the_mirrored_drive():
    """Polarity -1 through the whole engine: the wrapped device on V(t) reads -I of the model on -V(t)."""
    dev = ni.Device("ZnTPP/AlOx")
    model = instrument_model(dev.model)
    meas = _pulses((8.0, 12.0, 4.0))
    mirrored = dataclasses.replace(meas, voltage=-meas.voltage)
    got = _exact_currents(model, with_instrument(dev.params, model.Params, polarity=-1.0), mirrored)
    assert np.array_equal(got, -_exact_currents(dev.model, dev.params, meas))
