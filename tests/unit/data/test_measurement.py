"""Tests of nanoionic.data.Measurement: validation, the drive it implies, helpers, CSV round trip."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nanoionic as ni
from nanoionic._core.errors import ParameterError
from nanoionic.data import Measurement, read_csv_trace
from nanoionic.protocols.steps import MAX_VOLTAGE
from nanoionic.protocols.waveform import KIND


def trace(n=11, interpolation="linear", **kw):
    t = 0.5 + 0.1 * np.arange(n)
    v = np.sin(np.arange(n))
    return Measurement(t, v, 1e-6 * v, interpolation=interpolation, **kw)


# ------------------------------------------------------------------------------ validation


def test_arrays_are_read_only_float64_copies():
    t = [0, 1, 2]
    v = np.array([0.0, 1.0, 0.0])
    m = Measurement(t, v, [0, 1e-6, 0], meta={"a": 1})
    v[1] = 5.0
    assert m.voltage[1] == 1.0 and m.time.dtype == np.float64 and m.n_samples == 3
    with pytest.raises(ValueError):
        m.current[0] = 1.0
    assert m.weight is None and m.interpolation == "linear" and m.meta == {"a": 1}
    assert "n_samples=3" in repr(m)


@pytest.mark.parametrize("kwargs, match", [
    ({"time": [0.0, 2.0, 1.0]}, r"'time' parameter of Measurement must be strictly increasing .*sample 2"),
    ({"time": [0.0]}, r"'time' parameter .*at least 2 samples"),
    ({"time": [[0.0, 1.0, 2.0]]}, r"'time' parameter .*1-D"),
    ({"time": [0.0, np.nan, 2.0]}, r"'time' parameter .*finite .*sample 1"),
    ({"voltage": [0.0, 1.0]}, r"'voltage' parameter .*3 values"),
    ({"voltage": [0.0, 2 * MAX_VOLTAGE, 0.0]}, r"'voltage' parameter .*\|V\| <= 1000 V.*sample 1"),
    ({"current": [0.0, np.inf, 0.0]}, r"'current' parameter .*finite .*sample 1"),
    ({"current": "abc"}, r"'current' parameter .*array of numbers"),
    ({"weight": [1.0, -1.0, 1.0]}, r"'weight' parameter .*>= 0"),
    ({"weight": [0.0, 0.0, 0.0]}, r"'weight' parameter .*not all zero"),
    ({"interpolation": "cubic"}, r"'interpolation' parameter .*'linear' or 'step'"),
    ({"meta": [1]}, r"'meta' parameter .*a dict"),
    ({"name": 3}, r"'name' parameter .*a string"),
])
def test_invalid_fields_are_named(kwargs, match):
    args = {"time": [0.0, 1.0, 2.0], "voltage": [0.0, 1.0, 0.0], "current": [0.0, 1e-6, 0.0], **kwargs}
    with pytest.raises(ParameterError, match=match):
        Measurement(**args)


# ------------------------------------------------------------------------------ the drive


def test_linear_waveform_passes_through_every_sample():
    m = Measurement([2.0, 2.1, 2.3, 2.35, 3.0], [0.0, 0.5, 0.5, -1.0, 0.25], np.zeros(5))
    wf, st_ = m.waveform(), m.sample_times()
    assert wf.t_start[0] == 0.0 and st_[0] == 0.0 and st_.size == m.n_samples
    np.testing.assert_allclose(st_, m.time - m.time[0], rtol=0, atol=1e-15)
    assert list(wf.kind) == [KIND["sweep"], KIND["hold"], KIND["sweep"], KIND["sweep"]]
    # right-continuous V(t) at each segment start, and each ramp ends exactly on the next sample
    np.testing.assert_array_equal(wf.voltage_at(st_[:-1]), m.voltage[:-1])
    np.testing.assert_array_equal(wf.v_end, m.voltage[1:])
    assert wf.voltage_at(st_[-1]) == pytest.approx(m.voltage[-1], abs=1e-15)
    assert "measured trace" in wf.text


def test_step_waveform_holds_each_sample_until_it_is_taken():
    m = Measurement([5.0, 5.01, 5.03, 5.04], [0.1, 0.2, 0.2, -0.3], np.zeros(4), interpolation="step")
    wf, st_ = m.waveform(), m.sample_times()
    assert wf.t_start[0] == 0.0 and np.all(wf.kind == KIND["hold"])
    np.testing.assert_allclose(wf.duration, [0.01, 0.01, 0.02, 0.01], rtol=1e-12)
    np.testing.assert_array_equal(st_, wf.t_start + wf.duration)  # sample k at the end of segment k
    np.testing.assert_array_equal(wf.voltage_at(st_ - 0.5 * wf.duration), m.voltage)  # the held voltage
    np.testing.assert_array_equal(wf.v_end, m.voltage)


@pytest.mark.parametrize("interpolation", ["linear", "step"])
def test_simulating_the_sample_times_gives_the_measured_voltage_exactly(interpolation):
    rng = np.random.default_rng(7)
    t = 1.0 + np.cumsum(rng.uniform(0.01, 0.05, 25))
    v = np.round(rng.uniform(-3.0, 3.0, 25), 3)
    m = Measurement(t, v, np.zeros(25), interpolation=interpolation)
    res = ni.simulate(ni.Device("ZnTPP/AlOx"), m.waveform(), save=m.sample_times())
    np.testing.assert_array_equal(res["time"].values, m.sample_times())  # one point per sample
    # step: the held voltage; linear: each ramp's end value (the engine returns v1 at a ramp's end)
    np.testing.assert_array_equal(res["voltage"].values, m.voltage)


# ------------------------------------------------------------------------------ helpers


def sweep(n_half=200, v_max=1.0):
    """A triangle sweep 0 -> v_max -> -v_max -> 0 V with samples exactly at 0 V and ±5 mV steps."""
    up = np.linspace(0, v_max, n_half + 1)
    v = np.concatenate((up, up[-2::-1], -up[1:], -up[-2::-1]))
    return np.arange(v.size) * 1e-3, v


def test_remove_offset_recovers_a_known_current_offset():
    t, v = sweep()
    m = Measurement(t, v, 1e-4 * v + 3.7e-9)  # G = 100 uS, offset 3.7 nA
    out = m.remove_offset()
    np.testing.assert_allclose(out.current, 1e-4 * v, rtol=0, atol=1e-20)
    assert out.meta["current_offset"] == pytest.approx(3.7e-9, rel=1e-12)
    assert out.meta["voltage_offset"] == 0.0
    np.testing.assert_array_equal(out.voltage, m.voltage)


def test_remove_offset_recovers_a_voltage_offset_from_the_current_zero_crossings():
    t, v = sweep()
    m = Measurement(t, v + 0.0123, 1e-4 * v)  # the instrument reads 12.3 mV too high
    out = m.remove_offset(current=False, voltage=True)
    assert out.meta["voltage_offset"] == pytest.approx(0.0123, abs=1e-12)
    np.testing.assert_allclose(out.voltage, v, atol=1e-12)


def test_remove_offset_errors():
    m = Measurement([0, 1, 2], [0.5, 1.0, 0.5], [1e-6, 2e-6, 1e-6])
    with pytest.raises(ParameterError, match=r"'v_window' parameter .*smallest \|V\| in the trace is 0.5 V"):
        m.remove_offset(v_window="10 mV")
    with pytest.raises(ParameterError, match=r"'voltage' parameter .*never changes sign"):
        m.remove_offset(current=False, voltage=True)
    with pytest.raises(ParameterError, match=r"'v_window' parameter"):
        m.remove_offset(v_window="1 s")
    assert m.remove_offset(v_window="0.6 V").meta["current_offset"] == pytest.approx(1e-6)


def periodic(n_periods=16, m=200, sigma=1e-6, seed=3):
    period = 1e-3
    t = np.arange(n_periods * m) * (period / m)
    v = np.sin(2 * np.pi * t / period)
    noise = np.random.default_rng(seed).normal(0.0, sigma, t.size)
    return Measurement(t, v, 1e-4 * v + noise), period


def test_average_periods_reduces_white_noise_by_sqrt_n():
    m, period = periodic()
    out = m.average_periods(period)
    assert out.n_samples == 200 and out.meta["n_periods"] == 16 and out.meta["period_aligned"]
    np.testing.assert_array_equal(out.time, m.time[:200])
    np.testing.assert_allclose(out.voltage, m.voltage[:200], atol=1e-12)
    residual = out.current - 1e-4 * out.voltage
    # 16 periods: the noise falls by sqrt(16) = 4. The std estimated from 200 independent
    # samples has a relative standard error of 1/sqrt(2*199) = 5 %, so ±15 % is a 3-sigma band.
    assert np.std(residual) / (1e-6 / 4) == pytest.approx(1.0, abs=0.15)
    assert np.median(out.meta["current_sem"]) == pytest.approx(1e-6 / 4, rel=0.15)


def test_average_periods_interpolates_when_the_period_is_not_a_whole_number_of_samples():
    m, period = periodic(sigma=0.0)
    out = m.average_periods("1.0013 ms")  # a period 1.3 samples longer than the drive's ...
    assert not out.meta["period_aligned"] and out.meta["n_periods"] == 15
    out = m.average_periods(period * (1 + 1e-7))  # ... while a drift of 1e-7 still aligns
    assert out.meta["period_aligned"]
    np.testing.assert_allclose(out.current, 1e-4 * out.voltage, atol=1e-12)


def test_average_periods_errors():
    m, _ = periodic(n_periods=3)
    with pytest.raises(ParameterError, match=r"'period' parameter .*two whole periods"):
        m.average_periods(2e-3)
    with pytest.raises(ParameterError, match=r"'period' parameter .*positive"):
        m.average_periods(-1e-3)
    assert m.average_periods("1.5 ms").meta["n_periods"] == 2


def test_resample_linear_and_step():
    m = Measurement([0.0, 1.0, 2.0, 4.0], [0.0, 2.0, 4.0, 8.0], [0.0, 3.0, 6.0, 12.0], weight=[1, 1, 2, 2])
    out = m.resample(9)
    np.testing.assert_allclose(out.time, np.linspace(0, 4, 9))
    np.testing.assert_allclose(out.voltage, 2 * out.time)
    np.testing.assert_allclose(out.current, 3 * out.time)
    assert out.meta["resampled_from"] == 4 and out.weight is not None
    s = Measurement([1.0, 2.0, 3.0], [0.1, 0.2, 0.3], [1.0, 2.0, 3.0], interpolation="step")
    out = s.resample(times=[1.0, 1.5, 2.0, 2.9])
    np.testing.assert_array_equal(out.voltage, [0.1, 0.2, 0.2, 0.3])  # the value of the segment held
    assert out.interpolation == "step"


@pytest.mark.parametrize("kwargs, match", [
    ({}, r"'n' parameter .*not both"),
    ({"n": 5, "times": [0, 1]}, r"'n' parameter .*not both"),
    ({"n": 1}, r"'n' parameter .*integer >= 2"),
    ({"times": [0.0, 5.0]}, r"'times' parameter .*within \[0, 4\] s"),
    ({"times": [2.0, 1.0]}, r"'times' parameter .*strictly increasing"),
])
def test_resample_errors(kwargs, match):
    m = Measurement([0.0, 1.0, 4.0], [0.0, 1.0, 0.0], [0.0, 1.0, 0.0])
    with pytest.raises(ParameterError, match=match):
        m.resample(**kwargs)


def test_select_a_time_window():
    m = trace()
    out = m.select("0.7 s", 1.0)
    np.testing.assert_array_equal(out.time, m.time[2:6])
    assert out.name == m.name
    with pytest.raises(ParameterError, match=r"'t_end' parameter .*at least 2 samples"):
        m.select(0.7, 0.75)


# ------------------------------------------------------------------------------ CSV round trip


finite = st.floats(allow_nan=False, allow_infinity=False)


@st.composite
def traces(draw):
    n = draw(st.integers(2, 40))
    times = sorted(draw(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=n, max_size=n, unique=True)))
    volts = draw(st.lists(st.floats(-MAX_VOLTAGE, MAX_VOLTAGE), min_size=n, max_size=n))
    amps = draw(st.lists(finite, min_size=n, max_size=n))
    weight = None
    if draw(st.booleans()):
        weight = draw(st.lists(st.floats(0, 1e300), min_size=n, max_size=n).filter(lambda w: max(w) > 0))
    interpolation = draw(st.sampled_from(["linear", "step"]))
    return Measurement(times, volts, amps, weight=weight, name="x", interpolation=interpolation)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(m=traces())
def test_to_csv_round_trip_is_exact(tmp_path, m):
    path = m.to_csv(tmp_path / "trace.csv")
    back = read_csv_trace(path)
    for name in ("time", "voltage", "current"):
        np.testing.assert_array_equal(getattr(back, name), getattr(m, name))
    if m.weight is None:
        assert back.weight is None
    else:
        np.testing.assert_array_equal(back.weight, m.weight)
    assert back.interpolation == m.interpolation and back.name == "trace"
    assert back.meta["assumed_si"] == []


def test_to_csv_header_and_atomic_errors(tmp_path):
    path = trace(weight=np.ones(11)).to_csv(tmp_path / "w.csv")
    lines = path.read_text().splitlines()
    assert "time [s],voltage [V],current [A],weight [1]" in lines
    with pytest.raises(ParameterError, match=r"'path' parameter of Measurement.to_csv must be a writable path"):
        trace().to_csv(tmp_path / "missing" / "x.csv")
