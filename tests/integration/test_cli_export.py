"""`nanoionic export spice|verilog-a` and replaying an ngspice waveform with `nanoionic run`."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from typer.testing import CliRunner

import nanoionic as ni
from nanoionic.cli import app
from nanoionic.export.ngspice import find_ngspice
from nanoionic.io import load_result

RUNNER = CliRunner()


def invoke(*args):
    return RUNNER.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_export_spice_writes_a_library_ngspice_runs(tmp_path):
    lib = tmp_path / "svdp.lib"
    res = invoke("export", "spice", "--device", "ZnTPP/AlOx", "--out", lib)
    assert res.exit_code == 0, res.output
    text = lib.read_text()
    assert ".subckt ni_interface_hopping p n params:" in text and text.rstrip().endswith(".ends")
    deck = tmp_path / "deck.cir"
    deck.write_text(f"* deck\n.include {lib}\nV1 a 0 PULSE(0 10 0 1m 1m 0.1 0.2)\nX1 a 0 ni_interface_hopping\n"
                    f".tran 1m 0.3 uic\n.control\nrun\nwrdata {tmp_path / 'out.txt'} i(v1)\nquit\n.endc\n.end\n")
    subprocess.run([find_ngspice(), "-b", str(deck)], capture_output=True, timeout=120)
    current = np.loadtxt(tmp_path / "out.txt")[:, 1]
    assert np.all(np.isfinite(current)) and np.abs(current).max() > 1e-5


def test_export_spice_with_overrides_and_frozen_states(tmp_path):
    lib = tmp_path / "x.lib"
    res = invoke("export", "spice", "--device", "ZnTPP/AlOx", "--set", "area=1e-9", "--frozen", "--out", lib)
    assert res.exit_code == 0, res.output
    text = lib.read_text()
    dev = ni.Device("ZnTPP/AlOx")
    c0 = f"{dev.model.initial_state(dev.params, 1)[1, 0]:.6g}"  # the pristine coordinated fraction
    assert "ni_interface_hopping_frozen" in text and f"x_c={c0}" in text and "Cx_" not in text


def test_export_verilog_a(tmp_path):
    va = tmp_path / "biolek.va"
    res = invoke("export", "verilog-a", "--params", _biolek_toml(tmp_path), "--out", va)
    assert res.exit_code == 0, res.output
    assert "module ni_linear_drift_biolek(p, n);" in va.read_text()


def test_export_crossbar_netlist_runs_in_ngspice(tmp_path):
    net = tmp_path / "xb.cir"
    res = invoke("export", "spice", "--crossbar", "4x3", "--line-resistance", "1", "--driver-resistance", "10",
                 "--sense-resistance", "10", "--row-voltage", "5", "--pixel", "--out", net)
    assert res.exit_code == 0, res.output
    text = net.read_text()
    assert text.count("\nXc_") == 12 and ".op" in text
    proc = subprocess.run([find_ngspice(), "-b", str(net)], capture_output=True, text=True, timeout=120)
    assert "vm_0_0#branch" in proc.stdout


def test_export_refuses_multi_terminal_models_naming_why(tmp_path):
    res = invoke("export", "spice", "--device", "LixMoS2/4-channel", "--out", tmp_path / "x.lib")
    assert res.exit_code == 2
    assert "couples the terminals D0, D1, D2, D3" in _flat(res.output)
    assert not (tmp_path / "x.lib").exists()


def test_export_bad_crossbar_size_and_unwritable_path(tmp_path):
    res = invoke("export", "spice", "--crossbar", "8by8", "--out", tmp_path / "x.cir")
    assert res.exit_code == 2 and "ROWSxCOLS" in _flat(res.output)
    res = invoke("export", "spice", "--out", tmp_path / "missing" / "dir" / "x.lib")
    assert res.exit_code == 2 and "path" in _flat(res.output)


@pytest.mark.parametrize("args, name", [
    (("--crossbar", "2x2", "--row-voltage", "nan"), "row_voltage"),
    (("--crossbar", "2x2", "--row-voltage", "inf"), "row_voltage"),
    (("--crossbar", "100000x100000"), "rows x cols"),  # refused up front, not days of writing
])
def test_export_crossbar_refuses_non_finite_voltages_and_huge_arrays(tmp_path, args, name):
    res = invoke("export", "spice", "--device", "VTEAM/default", *args, "--out", tmp_path / "x.cir")
    assert res.exit_code != 0 and f"'{name}' parameter" in _flat(res.output)
    assert not (tmp_path / "x.cir").exists()


def test_run_replays_an_ngspice_waveform(tmp_path):
    """A waveform written by ngspice's wrdata (header "time v(in)") is a protocol for `run`."""
    deck = tmp_path / "w.cir"
    wave = tmp_path / "wave.csv"
    deck.write_text(f"* w\nV1 in 0 PWL(0 0 1m 10 0.1 10 0.101 0 0.2 0)\nR1 in 0 1k\n.tran 1m 0.2\n.control\n"
                    f"set wr_singlescale\nset wr_vecnames\nrun\nwrdata {wave} v(in)\nquit\n.endc\n.end\n")
    subprocess.run([find_ngspice(), "-b", str(deck)], capture_output=True, timeout=120)
    out = tmp_path / "replay.nc"
    res = invoke("run", "--device", "ZnTPP/AlOx", "--protocol", wave, "--out", out)
    assert res.exit_code == 0, res.output
    ds = load_result(out)
    assert abs(float(ds["voltage"].max()) - 10.0) < 1e-9 and float(ds["current"].max()) > 1e-5


def _biolek_toml(tmp_path):
    path = tmp_path / "biolek.toml"
    path.write_text('[meta]\nmodel = "linear-drift-biolek"\nsource = "Biolek et al. 2009 SPICE defaults"\n\n'
                    "[values]\non_resistance = 100.0\noff_resistance = 16000.0\n")
    return path


def test_export_errors_name_the_options(tmp_path):
    res = invoke("export", "spice", "--out", tmp_path / "x.lib", "--crossbar", "8x8", "--line-resistance", "-1")
    assert res.exit_code != 0 and "'line_resistance' parameter" in _flat(res.output)
    res = invoke("export", "spice", "--out", tmp_path / "missing" / "x.lib")
    assert res.exit_code != 0 and "'out' parameter of export spice" in _flat(res.output)
