"""End-to-end public API: ni.Device + ni.simulate -> xarray Result, errors, seeds, round trips."""

from __future__ import annotations

import json
import re

import numpy as np
import xarray as xr
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nanoionic as ni

SWEEPS = "repeat 2 { sweep 0 V -> 10 V -> 0 V at 1 V/s }"
PULSES = "pulse 10 V for 100 ms; read 5 V for 100 ms"


@pytest.fixture(scope="module")
def dev():
    return ni.Device("ZnTPP/AlOx", area=5e-9)


@pytest.fixture(scope="module")
def sweep_result(dev):
    return ni.simulate(dev, SWEEPS)


def test_single_device_result_shape_and_units(sweep_result):
    res = sweep_result
    assert res["current"].dims == ("time",)
    assert "device" not in res.dims
    for var, unit in (("voltage", "V"), ("current", "A"), ("conductance", "S"), ("time", "s")):
        assert res[var].attrs["units"] == unit
    for name in ("mobile", "coordinated", "interfacial"):
        assert res[name].dims == ("time",)
    assert res["time"].values[0] == 0.0
    assert res["time"].values[-1] == pytest.approx(40.0)  # 2 x 20 V / (1 V/s)
    assert np.all(np.diff(res["time"].values) > 0)
    assert set(np.unique(res["cycle"].values)) == {0, 1}


def test_pinched_current_at_zero_volts(sweep_result):
    v = sweep_result["voltage"].values
    i = sweep_result["current"].values
    zero = v == 0.0
    assert zero.sum() >= 3  # start, and the end of each cycle
    assert np.all(i[zero] == 0.0)
    assert np.all(i[v > 0] > 0)
    # the conductance at 0 V is the finite low-field limit, not 0/0
    assert np.all(np.isfinite(sweep_result["conductance"].values))
    assert np.all(sweep_result["conductance"].values[zero] > 0)


def test_second_cycle_holds_more_oxygen_at_the_ito_at_apex(sweep_result):
    """Potentiation at 10 V: the ITO-side O2- layer grows from cycle to cycle. (Back to back at
    1 V/s the apex current barely changes, -0.06 %: the slowest hole traps the first cycle filled
    are not yet empty.)"""
    at_apex = np.isclose(sweep_result["voltage"].values, 10.0, atol=1e-9)
    interfacial = sweep_result["interfacial"].values[at_apex]
    assert interfacial.size == 2
    assert interfacial[1] > 2 * interfacial[0]


def test_area_scales_current(dev):
    """Without series resistance the current is proportional to area; R_s makes it sublinear."""
    small = ni.simulate(dev.replace(series_resistance=0.0), PULSES)
    big = ni.simulate(dev.replace(area=1e-8, series_resistance=0.0), PULSES)
    np.testing.assert_allclose(big["current"].values, 2 * small["current"].values, rtol=1e-12)
    big_rs = ni.simulate(dev.replace(area=1e-8, series_resistance=1e3), PULSES)["current"].values
    on = np.abs(big["current"].values) > 0
    assert np.all(np.abs(big_rs[on]) < np.abs(big["current"].values[on]))


def test_many_identical_devices(dev):
    res = ni.simulate(dev, PULSES, n_devices=1000, seed=1)
    assert res["current"].dims == ("time", "device")
    assert res.sizes["device"] == 1000
    assert res["voltage"].dims == ("time",)
    cur = res["current"].values
    assert np.all(cur == cur[:, :1])  # no variability: bit-identical devices
    single = ni.simulate(dev, PULSES)
    np.testing.assert_allclose(cur[:, 0], single["current"].values, rtol=1e-12, atol=0)


@pytest.fixture(scope="module")
def varied():
    return ni.Device("ZnTPP/AlOx", area=5e-9, variability={"release_barrier": 0.01})


def test_variability_gives_different_devices(varied):
    res = ni.simulate(varied, PULSES, n_devices=1000, seed=1)
    g = ni.read_conductance(res).values  # (n_reads, device)
    assert g.shape == (1, 1000)
    assert np.unique(g[0]).size > 990
    params = json.loads(res.attrs["parameters"])
    barrier = np.asarray(params["release_barrier"])
    assert barrier.shape == (1000,)
    # log-normal with sigma 0.01 around the preset value
    nominal = ni.load_parameter_set("ZnTPP/AlOx").params.release_barrier
    assert np.std(np.log(barrier / nominal)) == pytest.approx(0.01, rel=0.1)
    assert json.loads(res.attrs["variability"]) == {"release_barrier": 0.01}


def test_same_seed_same_numbers_different_seed_different(varied):
    a = ni.simulate(varied, PULSES, n_devices=50, seed=7)
    b = ni.simulate(varied, PULSES, n_devices=50, seed=7)
    c = ni.simulate(varied, PULSES, n_devices=50, seed=8)
    np.testing.assert_array_equal(a["current"].values, b["current"].values)
    assert not np.array_equal(a["current"].values, c["current"].values)
    assert a.attrs["seed"] == 7 and c.attrs["seed"] == 8


def test_attributes_allow_a_rerun(dev):
    res = ni.simulate(dev, PULSES, n_devices=3, seed=5)
    assert res.attrs["model"] == "interface-hopping"
    assert res.attrs["device"] == "ZnTPP/AlOx"
    assert res.attrs["seed"] == 5
    assert res.attrs["nanoionic_version"]
    assert "pulse 10 V for 100 ms" in res.attrs["protocol"]
    params = json.loads(res.attrs["parameters"])
    assert params["area"] == 5e-9
    # re-run from the attributes alone gives the same numbers
    again = ni.simulate(ni.Device(res.attrs["device"], **params), res.attrs["protocol"],
                        n_devices=3, seed=res.attrs["seed"])
    np.testing.assert_array_equal(again["current"].values, res["current"].values)
    assert ni.simulate(dev, PULSES).attrs["seed"] == -1  # no seed recorded as -1


def test_read_conductance_is_i_over_v_at_read_ends(dev):
    res = ni.simulate(dev, "repeat 3 { pulse 10 V for 100 ms; wait 100 ms; read 5 V for 100 ms }")
    g = ni.read_conductance(res)
    assert g.sizes["time"] == 3
    i = res["current"].values[res["is_read"].values]
    np.testing.assert_allclose(g.values, i / 5.0, rtol=1e-14)
    assert np.all(np.diff(g.values) > 0)  # 10 V writes potentiate


# ------------------------------------------------------------------ bad input

def test_malformed_protocol_reports_line_and_column(dev):
    with pytest.raises(ni.ProtocolSyntaxError) as info:
        ni.simulate(dev, "pulse 10 V for 100 ms\nread 5 Q for 100 ms")
    assert info.value.line == 2
    assert info.value.column == 8  # points at the bad unit
    msg = str(info.value)
    assert "line 2, column 8" in msg and "'Q'" in msg
    assert msg.splitlines()[-1] == "  " + " " * 7 + "^"  # caret under the 'Q'
    assert msg.splitlines()[-2] == "  read 5 Q for 100 ms"


def test_unterminated_protocol(dev):
    with pytest.raises(ni.ProtocolSyntaxError, match="line 1, column 15"):
        ni.simulate(dev, "pulse 10 V for")


def test_zero_sweep_rate_is_rejected(dev):
    with pytest.raises(ni.NanoionicError, match="'rate'") as info:
        ni.simulate(dev, "sweep 0 V -> 10 V at 0 V/s")
    assert "Got 0" in str(info.value)


@pytest.mark.parametrize("n", [0, -3, 2.5, "10"])
def test_bad_n_devices(dev, n):
    with pytest.raises(ni.ParameterError, match="'n_devices'") as info:
        ni.simulate(dev, PULSES, n_devices=n)
    assert f"Got {n!r}" in str(info.value)


def test_unknown_preset():
    with pytest.raises(ni.ParameterError, match="Did you mean 'NiTPP/AlOx'"):
        ni.Device("NiTPP/AIOx")
    with pytest.raises(ni.ParameterError, match="Did you mean 'ZnTPP/AlOx'"):
        ni.simulate("ZnTPP/AlOX", PULSES)


def test_bad_variability():
    with pytest.raises(ni.ParameterError, match="Did you mean 'release_barrier'"):
        ni.Device("ZnTPP/AlOx", variability={"release_barier": 0.01})
    with pytest.raises(ni.ParameterError, match="variability"):
        ni.Device("ZnTPP/AlOx", variability={"release_barrier": -0.1})


@pytest.mark.parametrize("seed", [-1, 1.5, "7", True])
def test_bad_seeds_are_named(varied, seed):
    with pytest.raises(ni.ParameterError, match="'seed' parameter"):
        ni.simulate(varied, PULSES, n_devices=3, seed=seed)
    with pytest.raises(ni.ParameterError, match="'seed' parameter"):
        ni.simulate("ZnTPP/AlOx", PULSES, seed=seed)  # checked even when nothing is drawn


def test_a_random_draw_without_a_seed_is_refused(varied):
    """Every random draw takes a seed: a device with a variability spec needs one."""
    with pytest.raises(ni.ParameterError, match="every random draw takes a seed"):
        ni.simulate(varied, PULSES, n_devices=3)
    with pytest.raises(ni.ParameterError, match="every random draw takes a seed"):
        ni.simulate(ni.Crossbar(varied.pixel(), 2, 2), np.ones((1, 2, 2)))


def test_misspelt_engine_option(dev):
    with pytest.raises(ni.ParameterError, match="Unknown engine option of simulate 'rtoll'. Did you mean 'rtol'"):
        ni.simulate(dev, PULSES, rtoll=1e-6)


@pytest.mark.parametrize("make, name", [
    (lambda: ni.Device(None), "preset"),
    (lambda: ni.Device("/tmp/no/such/set.toml"), "preset"),
    (lambda: ni.Device("ZnTPP/AlOx", variability=[("area", 0.1)]), "variability"),
    (lambda: ni.Device("ZnTPP/AlOx", variability={"area": True}), "variability['area']"),
    (lambda: ni.Device("ZnTPP/AlOx", area=True), "area"),
    (lambda: ni.simulate(ni.Device("ZnTPP/AlOx", area=[5e-9, 6e-9], variability={"area": 0.1}), PULSES,
                         n_devices=3, seed=1), "variability['area']"),
    (lambda: ni.simulate(None, PULSES), "device"),
    (lambda: ni.simulate("ZnTPP/AlOx", PULSES, n_devices=True), "n_devices"),
    (lambda: ni.simulate("ZnTPP/AlOx", PULSES, state0="abc"), "state0"),
    (lambda: ni.save_result(xr.Dataset(), None), "out"),
])
def test_wrong_types_get_one_error_naming_the_argument(make, name):
    with pytest.raises(ni.ParameterError, match=re.escape(f"'{name}' parameter")):
        make()


# ------------------------------------------------------------------ random protocols

def _step():
    v = st.integers(-15, 15)
    t = st.sampled_from(["1 ms", "10 ms", "100 ms", "1 s"])
    return st.one_of(
        st.builds(lambda a, d: f"pulse {a} V for {d}", v, t),
        st.builds(lambda a, d: f"read {a} V for {d}", v.filter(lambda x: x != 0), t),
        st.builds(lambda d: f"wait {d}", t),
        st.builds(lambda a, b, r: f"sweep 0 V -> {a} V -> {b} V at {r} V/s", v.filter(bool),
                  v, st.sampled_from([1, 10, 100])),
    )


@settings(max_examples=25, deadline=None)
@given(steps=st.lists(_step(), min_size=1, max_size=4), repeat=st.integers(1, 3))
def test_random_protocol_gives_no_nan(steps, repeat):
    text = f"repeat {repeat} {{ {'; '.join(steps)} }}"
    try:
        res = ni.simulate(_DEV, text, n_devices=2)
    except ni.ProtocolSyntaxError as exc:  # e.g. a sweep leg with equal ends
        assert "differ" in str(exc)
        return
    for name in ("voltage", "current", "conductance", "mobile", "coordinated", "interfacial"):
        assert np.all(np.isfinite(res[name].values)), name
    for name in ("mobile", "coordinated", "interfacial"):
        assert np.all((res[name].values >= 0) & (res[name].values <= 1))
    assert np.all(res["current"].values[res["voltage"].values == 0.0] == 0.0)


_DEV = ni.Device("ZnTPP/AlOx", area=5e-9)


# ------------------------------------------------------------------ save / load

@pytest.mark.parametrize("suffix", [".nc", ".csv"])
@pytest.mark.parametrize("n_devices", [None, 4])
def test_result_round_trip(tmp_path, varied, suffix, n_devices):
    res = ni.simulate(varied, "repeat 2 { pulse 10 V for 100 ms; wait 100 ms; read 5 V for 100 ms }",
                      n_devices=n_devices, seed=3)
    path = ni.save_result(res, tmp_path / f"r{suffix}")
    assert path.is_file()
    back = ni.load_result(path)
    for name in ("voltage", "current", "conductance", "mobile", "coordinated", "interfacial"):
        assert back[name].dims == res[name].dims
        np.testing.assert_array_equal(back[name].values, res[name].values)
    np.testing.assert_array_equal(back["time"].values, res["time"].values)
    np.testing.assert_array_equal(back["is_read"].values, res["is_read"].values)
    for key in ("model", "device", "protocol", "seed", "parameters", "nanoionic_version"):
        assert back.attrs[key] == res.attrs[key], key
    assert back["current"].attrs["units"] == "A"
    np.testing.assert_array_equal(ni.read_conductance(back).values, ni.read_conductance(res).values)


def test_save_to_missing_directory_names_out(tmp_path, dev):
    res = ni.simulate(dev, PULSES)
    with pytest.raises(ni.ParameterError, match="'out'"):
        ni.save_result(res, tmp_path / "missing" / "x.nc")
    with pytest.raises(ni.ParameterError, match="'out'"):
        ni.save_result(res, tmp_path / "x.txt")


def test_a_chunk_of_a_population_draws_the_same_devices(varied):
    """Device j of a seed is one fixed draw: devices 4000-4199 of a 5000-device run (crossing a
    4096-device draw block) equal a 200-device run starting at first_device=4000."""
    from nanoionic.simulation import DRAW_BLOCK, device_normals
    whole = device_normals(7, 2, 0, 5000)
    np.testing.assert_array_equal(device_normals(7, 2, 4000, 200), whole[:, 4000:4200])
    assert 4000 < DRAW_BLOCK < 4200
    assert not np.array_equal(device_normals(8, 2, 0, 5000), whole)
    part = ni.simulate(varied, PULSES, n_devices=3, seed=7, first_device=2, save="end")
    full = ni.simulate(varied, PULSES, n_devices=5, seed=7, save="end")
    np.testing.assert_array_equal(part["current"].values, full["current"].values[..., 2:])
    with pytest.raises(ni.ParameterError, match="'first_device' parameter"):
        ni.simulate(varied, PULSES, n_devices=3, seed=7, first_device=-1)
    with pytest.raises(ni.ParameterError, match="'first_device' parameter of simulate must be left out for a Crossbar"):
        ni.simulate(ni.Crossbar(varied.pixel(), 2, 2), np.ones((1, 2, 2)), seed=7, first_device=2)


@pytest.mark.parametrize("preset, moderate_drive", [("TaOx/thermal", "pulse 1 V for 10 us"),
                                                    ("WOx/mobility", "pulse 1 V for 10 ms")])
def test_auto_switches_to_implicit_when_a_drive_makes_the_model_stiff(preset, moderate_drive):
    """These models are not stiff under moderate drives (auto runs rk45 there), but at -100 V rk45
    would need ~1e7 steps per 10 ms: auto notices within one segment and reruns with the implicit
    method (the result says which method ran)."""
    moderate = ni.simulate(preset, moderate_drive)
    extreme = ni.simulate(preset, "pulse -100 V for 10 ms")
    assert moderate.attrs["method"] == "rk45" and extreme.attrs["method"] == "implicit"
    assert np.all(np.isfinite(extreme["current"].values)) and extreme["current"].values[-1] < 0
