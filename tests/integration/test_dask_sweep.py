"""Sweeps on real Dask clusters: worker loss mid-sweep, resume, failing tasks, unreachable scheduler, CLI."""

from __future__ import annotations

import logging
import os
import signal
import socket

import numpy as np
import pytest
from typer.testing import CliRunner

from nanoionic.cli import app
from nanoionic.distributed import ClusterError, connect, load_sweep, parse_spec, run_sweep

pytest.importorskip("dask.distributed")
from dask.distributed import Client, LocalCluster  # noqa: E402

PROTOCOL = "repeat 100 { pulse 10 V for 100 ms; wait 100 ms; read 1 V for 10 ms }"


@pytest.fixture()
def cluster2():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.CRITICAL, env={"NUMBA_NUM_THREADS": "1"}) as cluster, \
            Client(cluster, set_as_default=False) as client:
        yield client


def test_worker_killed_mid_sweep_loses_nothing_and_rerun_does_no_work(cluster2, tmp_path):
    client = cluster2
    spec = parse_spec({"sweep": {"protocol": PROTOCOL, "devices": 40000, "devices_per_task": 10000, "seeds": [1],
                                 "metrics": ["final_conductance", "conductance_ratio"]},
                       "grid": {"temperature": [290, 300, 310]},
                       "variability": {"area": {"lognormal_sigma": 0.1}, "release_barrier": {"lognormal_sigma": 0.01}}})
    n = len(spec.tasks())
    assert n == 12
    pids = client.run(os.getpid)
    killed = {}

    def progress(done, total):
        if done >= 3 and not killed:  # some tasks finished, others queued or running
            addr, pid = sorted(pids.items())[0]
            os.kill(pid, signal.SIGKILL)
            killed[addr] = (pid, done)

    res = run_sweep(spec, tmp_path / "s.zarr", client=client, progress=progress)
    assert killed and killed[next(iter(killed))][1] < n
    assert res.executed + res.skipped == n and res.failed == 0
    store = res.store
    groups = sorted(p.name for p in (store / "tasks").iterdir() if p.is_dir())
    assert groups == [f"t{i:06d}" for i in range(n)]  # every task exactly once
    assert sorted(p.name for p in (store / "done").iterdir() if p.is_dir()) == groups
    assert [p.name for p in (store / "_tmp").iterdir()] == ["zarr.json"]
    ds = load_sweep(store)
    assert (ds["task_status"].values == "ok").all()
    assert np.isfinite(ds["final_conductance"].values).all()
    medians = ds["final_conductance"].median(dim=("seed", "device")).values
    assert np.all(np.abs(np.diff(medians)) > 1e-3 * medians[:-1])  # each temperature its own result
    pid_killed = next(iter(killed.values()))[0]
    assert pid_killed not in client.run(os.getpid).values()  # the process really died (its nanny restarted it)
    again = run_sweep(spec, store, client=client)
    assert again.executed == 0 and again.skipped == n


def test_failing_task_is_recorded_and_others_complete(tmp_path):
    spec = parse_spec({"sweep": {"protocol": "repeat 5 { pulse 10 V for 100 ms; read 1 V for 10 ms }",
                                 "devices_per_task": 50},
                       "random": {"n": 6, "seed": 3, "pristine_coordinated": {"uniform": [0.6, 1.4]}}})
    bad = [p["pristine_coordinated"] > 1 for p in spec.points]
    assert 0 < sum(bad) < 6
    res = run_sweep(spec, tmp_path / "f.zarr", workers=1)
    assert res.executed == 6 and res.failed == sum(bad)
    assert len(res.failures) == sum(bad)
    for rec in res.failures:
        assert rec["params"]["pristine_coordinated"] > 1 and "pristine_coordinated" in rec["error"]
    status = load_sweep(res.store)["task_status"].values[:, 0, 0]
    assert list(status == "failed") == bad
    assert [r["failed_tasks"] for r in res.summary] == [int(b) for b in bad]
    md = (res.report[0]).read_text()
    assert "## Failed tasks" in md and "pristine_coordinated" in md


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_scheduler_is_an_error_within_the_timeout():
    address = f"tcp://127.0.0.1:{_free_port()}"
    with pytest.raises(ClusterError, match=r"'scheduler'.*127\.0\.0\.1.*within 1.5 s"):
        connect(address, timeout=1.5)  # the timeout is the client's; its duration is not timed here
    with pytest.raises(Exception, match="'scheduler'"):
        connect("127.0.0.1 8786")


def test_cli_sweep_writes_store_summary_and_figures_then_resumes(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text('[sweep]\nprotocol = "repeat 4 { pulse 10 V for 100 ms; read 1 V for 10 ms }"\n'
                    'devices_per_task = 100\nseeds = [1, 2]\nmetrics = ["final_conductance", "max_current"]\n'
                    '[grid]\ntemperature = ["290 K", "310 K"]\n[variability]\narea = {lognormal_sigma = 0.2}\n')
    runner = CliRunner()
    env = {"COLUMNS": "200"}
    res = runner.invoke(app, ["sweep", str(spec), "--workers", "1"], env=env)
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert "4 tasks: 4 run now (0 failed), 0 already done" in out, out
    report = tmp_path / "s-report"
    for name in ("summary.md", "summary.csv", "cdf_final_conductance.png", "cdf_max_current.png"):
        assert (report / name).is_file(), name
    md = (report / "summary.md").read_text()
    assert md.count("| final_conductance |") == 2 and md.count("| max_current |") == 2 and "Failed tasks" not in md
    assert (tmp_path / "s.zarr" / "zarr.json").is_file()
    res = runner.invoke(app, ["sweep", str(spec), "--workers", "1"], env=env)
    assert res.exit_code == 0, res.output
    assert "4 tasks: 0 run now (0 failed), 4 already done" in " ".join(res.output.split())
    res = runner.invoke(app, ["sweep", str(spec), "--out", str(tmp_path / "new.zarr"), "--scheduler",
                              f"tcp://127.0.0.1:{_free_port()}", "--timeout", "1"], env=env)
    assert res.exit_code == 2 and "scheduler" in res.output
