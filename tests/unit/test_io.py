"""Tests of nanoionic.io: result round trips, atomic writes, errors, measured waveform import."""

from __future__ import annotations

import os

import numpy as np
import pytest
import xarray as xr

from nanoionic import io
from nanoionic._core.errors import ParameterError
from nanoionic.io import (
    load_result,
    read_waveform_csv,
    save_result,
    write_json_atomic,
    write_text_atomic,
)

SUFFIXES = [".nc", ".csv"]


def _attrs():
    return {
        "model": "svdp",
        "params": {"E_a": 0.6, "nu": [1e13, 2e13]},
        "protocol": "sweep 0 V -> 10 V -> 0 V at 0.01 V/s\nwait 300 ms",
        "seed": 12345678901,  # beyond int32: NetCDF 3 cannot hold it natively
        "nanoionic_version": "0.1.0",
        "flag": True,
    }


def single_device() -> xr.Dataset:
    t = np.linspace(0.0, 2.0, 7)
    v = np.sin(t)
    g = 1e-6 * (1 + t)
    return xr.Dataset(
        {
            "voltage": ("time", v, {"units": "V"}),
            "current": ("time", g * v, {"units": "A"}),
            "conductance": ("time", g, {"units": "S"}),
            "w": ("time", np.clip(t / 2, 0, 1)),
        },
        coords={"time": ("time", t, {"units": "s"})},
        attrs=_attrs(),
    )


def multi_device() -> xr.Dataset:
    rng = np.random.default_rng(1)
    t = np.array([0.0, 0.1, 0.1, 0.25, 1.0])  # a repeated time point (a breakpoint) on purpose
    n = 3
    v = np.array([0.0, 1.0, 5.0, 5.0, 0.0])
    g = rng.uniform(1e-7, 1e-5, size=(t.size, n))
    return xr.Dataset(
        {
            "voltage": ("time", v, {"units": "V"}),
            "current": (("time", "device"), g * v[:, None], {"units": "A"}),
            "conductance": (("time", "device"), g, {"units": "S"}),
            "w": (("device", "time"), rng.uniform(size=(n, t.size))),
            "is_read": ("time", np.array([False, True, False, True, False])),
        },
        coords={"time": ("time", t, {"units": "s"}), "device": np.arange(n),
                "group": ("device", ["target", "noise", "noise"])},
        attrs=_attrs(),
    )


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("make", [single_device, multi_device])
def test_round_trip(tmp_path, suffix, make):
    ds = make()
    path = tmp_path / f"result{suffix}"
    assert save_result(ds, path) == path
    back = load_result(path)
    xr.testing.assert_identical(back, ds)
    assert back.attrs["params"] == {"E_a": 0.6, "nu": [1e13, 2e13]}
    assert back.attrs["seed"] == 12345678901
    assert back["current"].dims == ds["current"].dims
    assert sorted(os.listdir(tmp_path)) == [path.name]  # no temp files left behind


def test_round_trip_string_device_names(tmp_path):
    ds = multi_device().assign_coords(device=["d0", "d1", "d2"])
    for suffix in SUFFIXES:
        save_result(ds, tmp_path / f"r{suffix}")
        xr.testing.assert_identical(load_result(tmp_path / f"r{suffix}"), ds)


def test_csv_is_long_format_with_header(tmp_path):
    ds = multi_device()
    path = tmp_path / "r.csv"
    save_result(ds, path)
    lines = path.read_text().splitlines()
    assert lines[0].startswith("# nanoionic ")
    assert '# model: "svdp"' in lines
    table = [ln for ln in lines if not ln.startswith("#")]
    assert table[0].split(",")[:2] == ["time", "device"]
    assert len(table) == 1 + ds.sizes["time"] * ds.sizes["device"]
    # time varies slowest: the first n rows are the first time point
    assert [row.split(",")[1] for row in table[1:4]] == ["0", "1", "2"]


def test_netcdf_is_netcdf3(tmp_path):
    path = tmp_path / "r.nc"
    save_result(single_device(), path)
    assert path.read_bytes()[:3] == b"CDF"


@pytest.mark.parametrize("suffix,writer", [(".nc", "_write_netcdf"), (".csv", "_write_csv")])
def test_failed_write_leaves_nothing(tmp_path, monkeypatch, suffix, writer):
    def broken(ds, tmp):
        with open(tmp, "w") as fh:
            fh.write("half a file")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(io, writer, broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        save_result(single_device(), tmp_path / f"r{suffix}")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("suffix,writer", [(".nc", "_write_netcdf"), (".csv", "_write_csv")])
def test_failed_write_keeps_existing_file(tmp_path, monkeypatch, suffix, writer):
    path = tmp_path / f"r{suffix}"
    save_result(single_device(), path)
    before = path.read_bytes()

    def broken(ds, tmp):
        with open(tmp, "wb") as fh:
            fh.write(b"garbage")
        raise KeyboardInterrupt

    monkeypatch.setattr(io, writer, broken)
    with pytest.raises(KeyboardInterrupt):
        save_result(multi_device(), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == [path.name]


def test_overwrite_replaces_file(tmp_path):
    path = tmp_path / "r.nc"
    save_result(single_device(), path)
    save_result(multi_device(), path)
    xr.testing.assert_identical(load_result(path), multi_device())


@pytest.mark.parametrize("name", ["r.txt", "r", "r.zarr", "r.nc.bak"])
def test_bad_suffix_names_out(tmp_path, name):
    with pytest.raises(ParameterError, match=r"The 'out' parameter .*'\.nc' or '\.csv'"):
        save_result(single_device(), tmp_path / name)
    assert os.listdir(tmp_path) == []


def test_missing_directory_names_out():
    with pytest.raises(ParameterError) as err:
        save_result(single_device(), "/nonexistent/x.nc")
    assert str(err.value) == ("The 'out' parameter of save_result must be a writable path. "
                              "Got '/nonexistent/x.nc' instead.")


def test_parent_is_a_file(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ParameterError, match="'out' parameter .* writable path"):
        save_result(single_device(), tmp_path / "file" / "x.csv")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores permissions")
def test_read_only_directory(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(ParameterError, match="writable path"):
            save_result(single_device(), ro / "x.nc")
    finally:
        ro.chmod(0o700)


def test_save_rejects_non_dataset(tmp_path):
    with pytest.raises(ParameterError, match="'ds' parameter"):
        save_result({"a": 1}, tmp_path / "x.nc")


def test_load_missing_file(tmp_path):
    with pytest.raises(ParameterError, match="existing file"):
        load_result(tmp_path / "nope.nc")


def test_load_foreign_csv(tmp_path):
    path = tmp_path / "foreign.csv"
    path.write_text("time,voltage\n0,1\n")
    with pytest.raises(ParameterError, match="written by save_result"):
        load_result(path)


def test_text_and_json_helpers(tmp_path):
    p = write_text_atomic(tmp_path / "a.txt", "héllo\n")
    assert p.read_text(encoding="utf-8") == "héllo\n"
    q = write_json_atomic(tmp_path / "m.json", {"g": np.float64(1.5), "a": np.arange(3)})
    import json

    assert json.loads(q.read_text()) == {"g": 1.5, "a": [0, 1, 2]}
    assert sorted(os.listdir(tmp_path)) == ["a.txt", "m.json"]
    with pytest.raises(ParameterError, match="'path' parameter of write_text_atomic .* writable path"):
        write_text_atomic("/nonexistent/a.txt", "x")


def test_json_helper_failure_keeps_old_file(tmp_path):
    p = write_json_atomic(tmp_path / "m.json", {"a": 1})
    with pytest.raises(TypeError):
        write_json_atomic(p, {"a": object()})
    assert p.read_text().strip().startswith("{")
    assert os.listdir(tmp_path) == ["m.json"]


# ---- measured waveforms ----------------------------------------------------------------------


def _write(tmp_path, text, name="wave.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize("text", [
    "time [s],voltage [V]\n0,0\n0.5,1.5\n1.0,-2e-1\n",
    "0,0\n0.5,1.5\n1.0,-0.2\n",
    "# measured on bench 3\n\ntime;voltage\n0;0\n0.5;1.5\n1.0;-0.2\n",
    "\ufefftime\tvoltage\n0\t0\n0.5\t1.5\n1\t-0.2\n",
    "t (s) V (V)\n0 0\n0.5 1.5\n1 -0.2\n",
])
def test_read_waveform_good(tmp_path, text):
    t, v = read_waveform_csv(_write(tmp_path, text))
    np.testing.assert_array_equal(t, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(v, [0.0, 1.5, -0.2])
    assert t.dtype == np.float64 and v.dtype == np.float64


@pytest.mark.parametrize("text,match", [
    ("time,voltage\n0,0\n0.5,abc\n", r"row 3"),
    ("time,voltage\n0,0\n0.5,nan\n1,0\n", r"finite values \(row 3"),
    ("0,0\n1,inf\n", r"finite values \(row 2"),
    ("0,0\n1,1\n1,2\n", r"strictly increasing time .*row 3"),
    ("0,0\n2,1\n1,2\n", r"strictly increasing time .*row 3"),
    ("time,voltage\n0,0\n", r"at least 2 data rows"),
    ("time,voltage\n", r"at least 2 data rows"),
    ("", r"at least 2 data rows"),
    ("0,0,1\n1,1,1\n", r"two columns, .*row 1"),
    ("0,0\n1\n", r"two columns, .*row 2"),
    ("time [ms],voltage [V]\n0,0\n1,1\n", r"unit 's'"),
])
def test_read_waveform_bad(tmp_path, text, match):
    with pytest.raises(ParameterError, match=match) as err:
        read_waveform_csv(_write(tmp_path, text))
    assert "The 'path' parameter of read_waveform_csv" in str(err.value)


def test_read_waveform_missing_file(tmp_path):
    with pytest.raises(ParameterError, match=r"existing file \(a waveform CSV.*nope.csv \(missing\)"):
        read_waveform_csv(tmp_path / "nope.csv")
