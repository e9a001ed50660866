"""`nanoionic fit`: a small synthetic fit end to end through typer's CliRunner (outputs written
and readable, the TOML a device that runs and exports), exit status 3 when the fit does not
converge, and one clear error (exit status 2, no traceback) for each kind of bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import nanoionic as ni
from nanoionic.cli import app
from nanoionic.data import Measurement, read_csv_trace

RUNNER = CliRunner()
DEVICE = "Yakopcic/knowm-LTspice"
TRUTH = {"a1": 0.17, "b": 0.05}  # the preset's values: the data are simulated with them


def invoke(*args):
    return RUNNER.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def _flat(text: str) -> str:
    return " ".join(text.split())


def _strict_json(path):
    def no_constant(name):
        raise AssertionError(f"{name} in JSON")
    return json.loads(path.read_text(), parse_constant=no_constant)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Three 200-sample sine sweeps (1.0, 0.8 and 1.2 V at 100 Hz) with 2 % noise, as CSV files."""
    root = tmp_path_factory.mktemp("data")
    dev = ni.Device(DEVICE)
    paths = {}
    for name, amp, seed in (("sweep_1V", 1.0, 1), ("sweep_0.8V", 0.8, 2), ("sweep_1.2V", 1.2, 3)):
        t = np.linspace(0, 0.02, 200)
        v = amp * np.sin(2 * np.pi * 100 * t)
        i = ni.simulate(dev, Measurement(t, v, np.zeros_like(t)).waveform(), save=t).current.values
        noisy = i * (1 + 0.02 * np.random.default_rng(seed).standard_normal(t.size))
        paths[name] = Measurement(t, v, noisy).to_csv(root / f"{name}.csv")
    return paths


def _fit(data, out, *extra):
    return invoke("fit", "--device", DEVICE, "--data", data["sweep_1V"], "--data", data["sweep_0.8V"],
                  "--free", "a1=10 mA:1 A:log", "--free", "b=0.005:0.5:log", "--start", "a1=100 mA", "--out", out,
                  *extra)


def test_fit_end_to_end(data, tmp_path):
    """One run (the checks share it: a fit costs seconds): table printed, every output written
    and readable, the TOML a device that runs and exports."""
    out = tmp_path / "out"
    res = _fit(data, out, "--holdout", data["sweep_1.2V"], "--starts", 4, "--max-simulations", 200)
    assert res.exit_code == 0, res.output
    _check_printed(res)
    _check_files(out)
    _check_json(out)
    _check_csv(out, data)
    _check_toml(out, tmp_path)


def test_fit_with_cross_validation_and_profiles(data, tmp_path):
    out = tmp_path / "out"
    res = _fit(data, out, "--cross-validate", "--profiles", "--starts", 2, "--max-simulations", 100)
    assert res.exit_code == 0, res.output
    for stem in ("fit_profiles", "cv_nrms", "cv_sweep_1V", "cv_sweep_0.8V"):
        assert (out / f"{stem}.png").stat().st_size > 1000 and (out / f"{stem}.svg").stat().st_size > 1000
    rec = _strict_json(out / "fit.json")
    assert [r["held_out"] for r in rec["cross_validation"]] == ["sweep_1V", "sweep_0.8V"]
    assert all(r["predicted_nrms"] < 0.1 for r in rec["cross_validation"])
    assert "cross-validation" in (out / "summary.txt").read_text()
    assert "leave-one-out cross-validation" in _flat(res.output)


def _check_printed(res):
    out = _flat(res.output)
    assert "converged" in out and "NOT CONVERGED" not in out
    assert "a1" in out and "1/V" in out and "predicted (held out)" in out
    assert "wrote" in out and "Traceback" not in res.output


def _check_files(out):
    for name in ("fit.toml", "fit.json", "summary.txt", "fitted_sweep_1V.csv", "fitted_sweep_0.8V.csv",
                 "predicted_sweep_1.2V.csv"):
        assert (out / name).stat().st_size > 0, name
    for stem in ("fit_sweep_1V", "fit_sweep_0.8V", "predicted_sweep_1.2V", "fit_residuals", "fit_correlation"):
        for suffix in (".png", ".svg"):
            assert (out / f"{stem}{suffix}").stat().st_size > 1000, stem
    assert not (out / "fit_profiles.png").exists()  # only with --profiles
    assert not list(out.glob(".*tmp*"))
    assert "a1" in (out / "summary.txt").read_text()


def _check_json(out):
    rec = _strict_json(out / "fit.json")
    assert rec["converged"] is True and rec["simulations"] > 0 and rec["wall_time_s"] > 0
    for name, truth in TRUTH.items():
        p = rec["parameters"][name]
        assert p["value"] == pytest.approx(truth, rel=0.03)
        assert 0 < p["standard_error"] < 0.05 * truth and p["determined"] is True
    assert rec["parameters"]["a1"]["unit"] == "A" and rec["parameters"]["b"]["unit"] == "1/V"
    assert rec["correlation"]["names"] == ["a1", "b"]
    assert np.allclose(np.diag(rec["correlation"]["matrix"]), 1.0)
    assert set(rec["nrms"]) == {"sweep_1V", "sweep_0.8V"} and all(v < 0.05 for v in rec["nrms"].values())
    assert rec["holdout_nrms"]["sweep_1.2V"] < 0.05
    assert rec["nuisance"]["compliance"] is None  # infinite: no compliance (JSON has no inf)
    assert rec["cross_validation"] is None


def _check_csv(out, data):
    path = out / "fitted_sweep_1V.csv"
    lines = [line for line in path.read_text().splitlines() if not line.startswith("#")]
    assert lines[0] == "time [s],voltage [V],measured current [A],simulated current [A]"
    table = np.array([[float(x) for x in line.split(",")] for line in lines[1:]])
    original = read_csv_trace(data["sweep_1V"])
    assert np.array_equal(table[:, 0], original.time) and np.array_equal(table[:, 2], original.current)
    assert np.sqrt(np.mean((table[:, 3] - table[:, 2]) ** 2)) < 0.05 * np.abs(table[:, 2]).max()
    assert np.array_equal(read_csv_trace(path, current="measured current").current, original.current)


def _check_toml(out, tmp_path):
    dev = ni.Device(str(out / "fit.toml"))
    rec = _strict_json(out / "fit.json")
    assert dev.params.a1 == rec["parameters"]["a1"]["value"] and dev.params.b == rec["parameters"]["b"]["value"]
    res = ni.simulate(dev, "sweep 0 V -> 1 V -> 0 V at 100 V/s")
    assert np.all(np.isfinite(res["current"].values))
    run = invoke("run", "--device", out / "fit.toml", "--protocol", "sweep 0 V -> 1 V -> 0 V at 100 V/s",
                 "--out", tmp_path / "run.nc")
    assert run.exit_code == 0, run.output
    exported = invoke("export", "spice", "--params", out / "fit.toml", "--out", tmp_path / "fit.lib")
    assert exported.exit_code == 0, exported.output
    assert ".subckt" in (tmp_path / "fit.lib").read_text()


def test_fit_that_does_not_converge_exits_3(data, tmp_path):
    res = invoke("fit", "--device", DEVICE, "--data", data["sweep_1V"], "--free", "a1=0.01:1:log",
                 "--free", "b=0.005:0.5:log", "--starts", 2, "--max-simulations", 5, "--polarity", "+1",
                 "--out", tmp_path / "out")
    assert res.exit_code == 3, res.output
    assert "did not converge" in _flat(res.stderr)
    assert (tmp_path / "out" / "fit.json").exists()  # the best point so far is written
    assert _strict_json(tmp_path / "out" / "fit.json")["converged"] is False


@pytest.mark.parametrize("args, message", [
    (["--data", "missing.csv", "--free", "a1=0.01:1"], "must be an existing file"),
    (["--free", "aa1=0.01:1"], "Did you mean 'a1'?"),
    (["--free", "a1=1:0.5"], "low < high"),
    (["--free", "a1=-1:1"], "physical range is [0, 1000] A"),
    (["--free", "a1:0.01:1"], "NAME=LOW:HIGH[:SCALE]"),
    (["--free", "a1=0.01"], "NAME=LOW:HIGH[:SCALE]"),
    (["--free", "a1=1 V:2 V"], "NAME=LOW:HIGH[:SCALE]"),
    (["--free", "a1=0.01:1", "--start", "a1=0.1 V"], "--start"),
    (["--free", "a1=0.01:1", "--nuisance", "series_resistanc=1"], "Did you mean 'series_resistance'?"),
    (["--free", "a1=0.01:1", "--polarity", "2"], "--polarity"),
    (["--free", "a1=0.01:1", "--cross-validate"], "at least 2 traces"),
])
def test_bad_input_is_one_clear_error(data, tmp_path, args, message):
    if "--data" not in args:
        args = ["--data", data["sweep_1V"], *args]
    res = invoke("fit", "--device", DEVICE, "--out", tmp_path / "out", "--max-simulations", 4, *args)
    assert res.exit_code == 2, res.output
    assert isinstance(res.exception, SystemExit) and "Traceback" not in res.output
    assert message in _flat(res.stderr)
    assert _flat(res.stderr).count("error:") == 1
    assert not (tmp_path / "out").exists()
