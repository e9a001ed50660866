"""The typer CLI (nanoionic.cli.app) through typer's CliRunner."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import nanoionic as ni
from nanoionic.cli import app

RUNNER = CliRunner()
PROTOCOL = "pulse 10 V for 100 ms; read 5 V for 100 ms"


def invoke(*args):
    return RUNNER.invoke(app, list(args), env={"COLUMNS": "200"})


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_models_lists_registered_models_and_presets():
    res = invoke("models")
    assert res.exit_code == 0, res.output
    out = _flat(res.output)
    assert "interface-hopping" in out
    assert "mobile" in out and "coordinated" in out and "interfacial" in out
    for preset in ni.preset_names():
        assert preset in out


def test_params_shows_values_and_source():
    res = invoke("params", "ZnTPP/AlOx")
    assert res.exit_code == 0, res.output
    out = _flat(res.output)
    assert "source:" in out
    assert "Wang" in out  # the paper the set was calibrated to
    assert "release_barrier" in out and "eV" in out
    assert "1.648 eV" in out  # Zn-O bond energy shown in eV, not J
    assert "array pixel" in out


def test_params_prints_meta_text_verbatim():
    res = invoke("params", "ZnTPP/AlOx")
    assert "in [provenance]" in _flat(res.output)  # square brackets are not eaten as markup


def test_params_shows_provenance_and_standard_errors():
    out = _flat(invoke("params", "ZnTPP/AlOx").output)
    assert "provenance" in out and "standard error" in out
    assert "literature: Zn-O 159 kJ/mol" in out and "not determined" in out


def test_run_writes_a_loadable_file(tmp_path):
    out = tmp_path / "x.nc"
    res = invoke("run", "--device", "ZnTPP/AlOx", "--protocol", PROTOCOL, "--out", str(out))
    assert res.exit_code == 0, res.output
    assert "wrote" in res.output
    ds = ni.load_result(out)
    assert ds.attrs["device"] == "ZnTPP/AlOx"
    assert ds.attrs["protocol"].split() == PROTOCOL.replace(";", "").split()  # one step a line
    expected = ni.simulate(ni.Device("ZnTPP/AlOx"), PROTOCOL)
    np.testing.assert_array_equal(ds["current"].values, expected["current"].values)
    assert ds["current"].dims == ("time",)


def test_run_with_devices_seed_and_set(tmp_path):
    out = tmp_path / "x.csv"
    res = invoke("run", "--protocol", PROTOCOL, "--out", str(out), "--n-devices", "3", "--seed", "4",
                 "--set", "area=5e-9", "--set", "release_barrier=1.5 eV")
    assert res.exit_code == 0, res.output
    ds = ni.load_result(out)
    assert ds.sizes["device"] == 3
    assert ds.attrs["seed"] == 4
    params = json.loads(ds.attrs["parameters"])
    assert params["area"] == 5e-9
    assert params["release_barrier"] == pytest.approx(1.5 * 1.602176634e-19)


def test_run_to_missing_directory_fails_cleanly():
    res = invoke("run", "--device", "ZnTPP/AlOx", "--protocol", PROTOCOL,
                 "--out", "/nonexistent/dir/x.nc")
    assert res.exit_code != 0
    assert "'out'" in res.output
    assert "/nonexistent/dir/x.nc" in _flat(res.output)
    assert "Traceback" not in res.output
    assert isinstance(res.exception, SystemExit)


def test_unknown_preset_exits_2_with_suggestion(tmp_path):
    res = invoke("run", "--device", "ZnTPP/AlOX", "--protocol", PROTOCOL, "--out", str(tmp_path / "x.nc"))
    assert res.exit_code == 2
    assert "Did you mean 'ZnTPP/AlOx'?" in _flat(res.output)
    assert not (tmp_path / "x.nc").exists()
    res = invoke("params", "NiTPP/AIOx")
    assert res.exit_code == 2
    assert "Did you mean 'NiTPP/AlOx'?" in _flat(res.output)


def test_bad_protocol_exits_2_with_position(tmp_path):
    res = invoke("run", "--protocol", "pulse 10 V for", "--out", str(tmp_path / "x.nc"))
    assert res.exit_code == 2
    assert "line 1, column 15" in res.output
    assert "Traceback" not in res.output


def test_bad_set_option_exits_2(tmp_path):
    res = invoke("run", "--protocol", PROTOCOL, "--out", str(tmp_path / "x.nc"), "--set", "area")
    assert res.exit_code == 2
    assert "name=value" in res.output
    res = invoke("run", "--protocol", PROTOCOL, "--out", str(tmp_path / "x.nc"), "--set", "area=-1")
    assert res.exit_code == 2
    assert "'area'" in res.output


def test_csv_waveform_as_protocol(tmp_path):
    wave = tmp_path / "wave.csv"
    wave.write_text("time (s),voltage (V)\n0,0\n1,10\n2,10\n3,0\n")
    out = tmp_path / "w.nc"
    res = invoke("run", "--protocol", str(wave), "--out", str(out))
    assert res.exit_code == 0, res.output
    ds = ni.load_result(out)
    assert ds["time"].values[-1] == pytest.approx(3.0)
    assert ds["voltage"].values.max() == pytest.approx(10.0)
    assert np.all(np.isfinite(ds["current"].values))
    assert ds["current"].values[-1] == 0.0  # ends at 0 V: pinched
    assert str(wave) in ds.attrs["protocol"]


def test_protocol_file_as_protocol(tmp_path):
    text = tmp_path / "p.txt"
    text.write_text("# a comment\nrepeat 2 { pulse 10 V for 100 ms; read 5 V for 100 ms }\n")
    out = tmp_path / "p.nc"
    res = invoke("run", "--protocol", str(text), "--out", str(out))
    assert res.exit_code == 0, res.output
    assert int(ni.load_result(out)["is_read"].sum()) == 2


def test_bad_csv_waveform_is_reported(tmp_path):
    wave = tmp_path / "bad.csv"
    wave.write_text("0,0\n1,10\n0.5,0\n")
    res = invoke("run", "--protocol", str(wave), "--out", str(tmp_path / "w.nc"))
    assert res.exit_code == 2
    assert "strictly increasing" in _flat(res.output)
    assert "Traceback" not in res.output


def test_protocol_files_without_suffix_are_read(tmp_path):
    bare = tmp_path / "myproto"
    bare.write_text("pulse 10 V for 100 ms; read 5 V for 100 ms\n")
    res = invoke("run", "--protocol", str(bare), "--out", str(tmp_path / "b.nc"))
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize("make, expected", [
    (lambda d: str(d / "nonexist.txt"), "nonexist.txt (missing)"),
    (lambda d: (d / "adir.txt").mkdir() or str(d / "adir.txt"), "adir.txt (a directory)"),
    (lambda d: (d / "bin.txt").write_bytes(bytes(range(128, 256))) and str(d / "bin.txt"), "is not UTF-8"),
    (lambda d: (d / "bin.csv").write_bytes(b"\xff\xfe garbage") and str(d / "bin.csv"), "is not UTF-8"),
    (lambda d: (d / "v.csv").write_text("t,v\n0,0\n1e-3,5000\n") and str(d / "v.csv"), "|voltage| <= 1000 V"),
])
def test_missing_binary_and_out_of_range_protocol_files_get_one_line(tmp_path, make, expected):
    res = invoke("run", "--protocol", make(tmp_path), "--out", str(tmp_path / "x.nc"))
    squeeze = lambda text: "".join(text.split())  # noqa: E731 - rich wraps long paths mid-word
    assert res.exit_code == 2 and squeeze(expected) in squeeze(res.output), res.output
    assert "Traceback" not in res.output and not (tmp_path / "x.nc").exists()


def test_missing_required_option():
    res = invoke("run", "--protocol", PROTOCOL)
    assert res.exit_code == 2
    assert "--out" in res.output


def test_reproduce_device_option_is_refused_where_it_does_not_apply(tmp_path):
    res = invoke("reproduce", "review-filaments", "--device", "NiTPP/AlOx", "--out", tmp_path)
    assert res.exit_code != 0
    assert "device" in res.output and "svdp-device" in res.output


def test_reproduce_device_option_names_unknown_presets(tmp_path):
    res = invoke("reproduce", "svdp-device", "--device", "NiTPP/AlO", "--out", tmp_path)
    assert res.exit_code != 0 and "NiTPP/AlOx" in res.output  # the suggestion


def test_reproduce_refuses_a_non_svdp_device_before_writing_anything(tmp_path):
    out = tmp_path / "rb"
    res = invoke("reproduce", "svdp-device", "--device", "W/WOx/Pd", "--out", out)
    assert res.exit_code != 0 and "an SVDP (interface-hopping) preset" in _flat(res.output)
    assert not out.exists()
