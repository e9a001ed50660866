"""The sweep store without a cluster: tasks run in-process, atomic groups, markers, resume, failures."""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest

from nanoionic._core.errors import ParameterError
from nanoionic.distributed import load_sweep, parse_spec, summarize
from nanoionic.distributed import store as st
from nanoionic.distributed.summary import summary_csv, summary_markdown

PROTOCOL = "repeat 3 { pulse 10 V for 100 ms; wait 100 ms; read 1 V for 10 ms }"


def make_spec(**grid):
    return parse_spec({"sweep": {"protocol": PROTOCOL, "devices": 30, "devices_per_task": 20, "seeds": [4],
                                 "metrics": ["final_conductance", "read_conductance", "max_current",
                                             "conductance_ratio"]},
                       "grid": grid or {"temperature": [280, 300]}, "variability": {"area": {"lognormal_sigma": 0.1}}})


def run_all(store, spec):
    return [st.run_task(str(store), spec.to_json(), t.to_dict()) for t in spec.tasks()]


def test_tasks_write_groups_and_markers_and_rerun_skips(tmp_path):
    spec = make_spec()
    store, resumed = st.create_or_resume(tmp_path / "s.zarr", spec)
    assert not resumed
    out = run_all(store, spec)
    assert [o["status"] for o in out] == ["ok"] * 4
    assert sorted(p.name for p in (store / "tasks").iterdir() if p.is_dir()) == [t.key for t in spec.tasks()]
    assert st.done_keys(store) == {t.key for t in spec.tasks()}
    assert [o["status"] for o in run_all(store, spec)] == ["skipped"] * 4
    ds = load_sweep(store)
    assert ds["final_conductance"].shape == (2, 1, 30) and not np.isnan(ds["final_conductance"]).any()
    assert ds["read_conductance"].shape == (2, 1, 3, 30)
    assert list(ds["temperature"].values) == [280.0, 300.0]
    assert (ds["task_status"].values == "ok").all()
    # devices of one chunk are the same instances at both points: spread identical, level differs
    a, b = ds["final_conductance"].values[:, 0, :]
    assert np.allclose(a / a.mean(), b / b.mean(), rtol=1e-3) and abs(b.mean() / a.mean() - 1) > 0.01


def test_resume_requires_the_same_spec(tmp_path):
    store, _ = st.create_or_resume(tmp_path / "s.zarr", make_spec())
    assert st.create_or_resume(store, make_spec())[1] is True
    with pytest.raises(ParameterError, match="'out'.*same spec"):
        st.create_or_resume(store, make_spec(temperature=[281, 300]))
    other = tmp_path / "other"
    other.mkdir()
    (other / "x").write_text("x")
    with pytest.raises(ParameterError, match="'out'.*not a nanoionic sweep store"):
        st.create_or_resume(other, make_spec())


def test_partial_writes_never_read_as_done(tmp_path):
    spec = make_spec()
    store, _ = st.create_or_resume(tmp_path / "s.zarr", spec)
    t0, t1 = (t.to_dict() for t in spec.tasks()[:2])
    # a worker died while writing: only a partial directory under _tmp
    partial = store / "_tmp" / "t000000-dead"
    (partial / "final_conductance").mkdir(parents=True)
    # a worker died after its rename but before its marker: a complete group, no marker
    st.run_task(str(store), spec.to_json(), t1)
    shutil.rmtree(store / "done" / "t000001")
    ds = load_sweep(store)
    assert (ds["task_status"].values[0, 0] == ["missing", "missing"]).all()
    assert np.isnan(ds["final_conductance"].values).all()
    assert st.run_task(str(store), spec.to_json(), t0)["status"] == "ok"
    assert st.run_task(str(store), spec.to_json(), t1)["status"] == "ok"  # keeps the complete group, writes the marker
    st.remove_tmp(store)
    assert [p.name for p in (store / "_tmp").iterdir()] == ["zarr.json"]
    ds = load_sweep(store)
    assert not np.isnan(ds["final_conductance"].values[0, 0]).any()


def test_a_failing_task_is_recorded_with_its_parameters(tmp_path):
    spec = parse_spec({"sweep": {"protocol": PROTOCOL, "devices_per_task": 5},
                       "random": {"n": 6, "seed": 3, "pristine_coordinated": {"uniform": [0.6, 1.4]}}})
    store, _ = st.create_or_resume(tmp_path / "s.zarr", spec)
    out = run_all(store, spec)
    bad = [p["pristine_coordinated"] > 1 for p in spec.points]
    assert 0 < sum(bad) < len(bad)
    assert [o["status"] == "failed" for o in out] == bad
    records = st.failed_records(store)
    assert len(records) == sum(bad)
    for rec in records:
        assert rec["params"]["pristine_coordinated"] > 1 and "pristine_coordinated" in rec["error"]
    assert not any((store / "tasks" / f"t{r['task']['id']:06d}").exists() for r in records)  # no data group
    rows = summarize(load_sweep(store))
    assert [r["failed_tasks"] for r in rows] == [int(b) for b in bad]
    assert [r["n"] for r in rows] == [0 if b else 5 for b in bad]
    md = summary_markdown(rows, records)
    assert "Failed tasks" in md and "pristine_coordinated" in md
    assert summary_csv(rows).splitlines()[0].startswith("point,pristine_coordinated,metric")


def test_store_path_must_be_writable(tmp_path):
    with pytest.raises(ParameterError, match="'out'"):
        st.create_or_resume(tmp_path / "missing" / "s.zarr", make_spec())
    assert not os.path.exists(tmp_path / "missing")


def test_results_do_not_depend_on_the_chunking(tmp_path):
    """devices_per_task only batches the work: device j of a seed is the same draw in any chunk."""
    loads = []
    for per_task in (7, 30):
        spec = parse_spec({"sweep": {"protocol": PROTOCOL, "devices": 30, "devices_per_task": per_task, "seeds": [4],
                                     "metrics": ["final_conductance"]},
                           "variability": {"area": {"lognormal_sigma": 0.1}}})
        store, _ = st.create_or_resume(tmp_path / f"s{per_task}.zarr", spec)
        assert {o["status"] for o in run_all(store, spec)} == {"ok"}
        loads.append(load_sweep(store)["final_conductance"].values)
    np.testing.assert_array_equal(loads[0], loads[1])
