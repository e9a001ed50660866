"""The sweep's Zarr store: layout, atomic per-task writes, completion markers, and reading back.

Layout (Zarr v3, local or shared POSIX directory)::

    STORE.zarr/
      zarr.json          root group; attrs: format, version, fingerprint, spec (normalised), spec_text,
                         n_tasks, tasks (the task table: id, point, seed, chunk, devices, draw seed, params)
      tasks/tNNNNNN/     one group per finished task: one array per metric, (device,) or (read, device),
                         one chunk each; attrs: the task (parameters, seeds), elapsed time, worker
      done/tNNNNNN/      the completion marker (a group with attrs only): status "ok" or "failed", the
                         task's parameters, the error text of a failed task; written last
      _tmp/              writes in progress (unique names; removed at the end of a run)

Atomicity: a task writes its group under ``_tmp/`` and renames the directory to ``tasks/tNNNNNN``
(one ``rename``, atomic on a POSIX file system), then writes its marker the same way. A task
counts as done only when its marker exists, and a marker is written only after the data is in
place, so a worker killed at any point leaves either nothing, an orphan under ``_tmp/``, or a
complete group without marker (which the re-run keeps: its content is deterministic). Writes
are idempotent: a task whose marker exists is skipped, a rename onto an existing group is
dropped.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import time
import uuid
from pathlib import Path

import numpy as np
import xarray as xr
import zarr

from nanoionic._core.errors import param_error
from nanoionic._core.version import package_version
from nanoionic.distributed.spec import METRICS
from nanoionic.protocols.waveform import KIND
from nanoionic.simulation import as_waveform

__all__ = ["FORMAT", "create_or_resume", "done_keys", "failed_records", "load_sweep", "read_marker",
           "remove_tmp", "run_task", "write_marker"]

FORMAT = "nanoionic-sweep"
VERSION = 1


def _marker_path(store: Path, key: str) -> Path:
    return store / "done" / key


def _tmp_dir(store: Path, key: str) -> Path:
    return store / "_tmp" / f"{key}-{uuid.uuid4().hex[:12]}"


def create_or_resume(path, spec, spec_text: str = "") -> tuple[Path, bool]:
    """Create the store for ``spec`` at ``path`` (atomically), or check that an existing store was
    made by the same spec. Returns (path, resumed)."""
    store = Path(os.fspath(path))
    fingerprint = spec.fingerprint()
    if store.exists():
        attrs = _root_attrs(store)
        if attrs is None or attrs.get("format") != FORMAT:
            if store.is_dir() and not any(store.iterdir()):
                store.rmdir()
            else:
                raise param_error("out", "sweep", "a new path or a sweep store (.zarr) made by this spec",
                                  f"{store} (exists and is not a nanoionic sweep store)")
        elif attrs.get("fingerprint") != fingerprint:
            raise param_error("out", "sweep", "a new path or a store made by the same spec (to resume it)",
                              f"{store} (made by another spec: fingerprint {attrs.get('fingerprint')} "
                              f"instead of {fingerprint})")
        else:
            for sub in ("tasks", "done", "_tmp"):
                (store / sub).mkdir(exist_ok=True)
            return store, True
    parent = store.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise param_error("out", "sweep", "a path in an existing, writable directory", str(store))
    tmp = parent / f".{store.name}.tmp-{uuid.uuid4().hex[:8]}"
    tasks = spec.tasks()
    try:
        root = zarr.open_group(str(tmp), mode="w")
        for sub in ("tasks", "done", "_tmp"):
            root.create_group(sub)
        root.attrs.update({
            "format": FORMAT, "version": VERSION, "fingerprint": fingerprint, "spec": spec.to_json(),
            "spec_text": spec_text, "source": spec.source, "n_tasks": len(tasks),
            "tasks": [t.to_dict() for t in tasks], "nanoionic_version": package_version()})
        os.rename(tmp, store)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return store, False


def _root_attrs(store: Path) -> dict | None:
    meta = store / "zarr.json"
    if not meta.is_file():
        return None
    try:
        return json.loads(meta.read_text()).get("attributes", {})
    except (OSError, ValueError):
        return None


def read_root(store) -> dict:
    """The root attributes of a sweep store (spec, task table, fingerprint)."""
    attrs = _root_attrs(Path(store))
    if attrs is None or attrs.get("format") != FORMAT:
        raise param_error("store", "load_sweep", "a sweep store written by nanoionic sweep", str(store))
    return attrs


def read_marker(store, key: str) -> dict | None:
    """The completion record of task ``key``, or None if the task is not done."""
    meta = _marker_path(Path(store), key) / "zarr.json"
    try:
        return json.loads(meta.read_text()).get("attributes", {})
    except (OSError, ValueError):
        return None


def done_keys(store) -> set[str]:
    """Keys of the tasks that have a completion marker (ok or failed)."""
    done = Path(store) / "done"
    if not done.is_dir():
        return set()
    return {p.name for p in done.iterdir() if (p / "zarr.json").is_file()}


def _rename_into(tmp: Path, final: Path) -> bool:
    """Move the complete directory ``tmp`` to ``final``; False (and ``tmp`` removed) if ``final``
    already exists (an earlier attempt of the same deterministic task got there first)."""
    try:
        os.rename(tmp, final)
        return True
    except OSError:
        if final.exists():
            shutil.rmtree(tmp, ignore_errors=True)
            return False
        raise


def write_marker(store, task: dict, status: str, **info) -> dict:
    """Write the completion marker of ``task`` (atomically, idempotently); return its record."""
    store = Path(store)
    key = f"t{task['id']:06d}"
    record = {"status": status, "task": task, "params": task["params"], **info}
    tmp = _tmp_dir(store, "m-" + key)
    zarr.open_group(str(tmp), mode="w", attributes=json.loads(json.dumps(record, default=_json)))
    _rename_into(tmp, _marker_path(store, key))
    return read_marker(store, key) or record


def _json(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)


def _write_group(store: Path, key: str, arrays: dict[str, np.ndarray], attrs: dict) -> None:
    final = store / "tasks" / key
    if (final / "zarr.json").is_file():
        return  # a complete group from an earlier attempt (it died before its marker): same content
    tmp = _tmp_dir(store, key)
    try:
        group = zarr.open_group(str(tmp), mode="w", attributes=json.loads(json.dumps(attrs, default=_json)))
        for name, values in arrays.items():
            group.create_array(name, data=values, chunks=values.shape)
        _rename_into(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def run_task(store: str, spec: dict, task: dict) -> dict:
    """Run one task on a worker: simulate, compute the metrics, write them, write the marker.

    Returns {"key", "status": "ok" | "failed" | "skipped", "elapsed", "error"}. Exceptions of the
    simulation are caught and recorded as a failed task with its parameters; the sweep goes on.
    """
    from nanoionic.distributed.metrics import compute_metrics
    from nanoionic.simulation import Device, simulate

    path = Path(store)
    key = f"t{task['id']:06d}"
    previous = read_marker(path, key)
    if previous is not None:
        return {"key": key, "status": "skipped", "elapsed": 0.0, "error": previous.get("error")}
    worker = f"{socket.gethostname()}:{os.getpid()}"
    t0 = time.perf_counter()
    try:
        device = Device(spec["device"], variability=spec["variability"], **task["params"])
        save = "segments" if "max_current" in spec["metrics"] else "reads"
        result = simulate(device, spec["protocol"], n_devices=task["n_devices"], seed=task["seed"],
                          first_device=task["device_offset"], method=spec["method"], save=save)
        arrays = compute_metrics(result, spec["metrics"])
    except Exception as exc:  # noqa: BLE001 - any failure of the simulation is recorded, not raised
        elapsed = time.perf_counter() - t0
        error = f"{type(exc).__name__}: {exc}"
        write_marker(path, task, "failed", error=error, elapsed=elapsed, worker=worker)
        return {"key": key, "status": "failed", "elapsed": elapsed, "error": error}
    elapsed = time.perf_counter() - t0
    _write_group(path, key, arrays, {"task": task, "elapsed": elapsed, "worker": worker,
                                     "method": result.attrs.get("method"), "nanoionic_version": package_version()})
    write_marker(path, task, "ok", elapsed=elapsed, worker=worker)
    return {"key": key, "status": "ok", "elapsed": elapsed, "error": None}


def remove_tmp(store) -> None:
    """Remove leftovers of interrupted writes (call when no task of this store is running)."""
    tmp = Path(store) / "_tmp"
    if tmp.is_dir():
        for child in tmp.iterdir():
            if child.name != "zarr.json":
                shutil.rmtree(child, ignore_errors=True)


def failed_records(store) -> list[dict]:
    """The records of the failed tasks (status, parameters, error), in task order."""
    out = []
    for key in sorted(done_keys(store)):
        rec = read_marker(store, key)
        if rec and rec.get("status") == "failed":
            out.append(rec)
    return out


def load_sweep(store) -> xr.Dataset:
    """The metrics of every finished task as one Dataset.

    Dims ``point``, ``seed``, ``device`` (and ``read`` for ``read_conductance``); one coordinate
    per swept parameter along ``point`` [SI]. Devices of failed or unfinished tasks are NaN;
    ``task_status`` (point, seed, chunk) says "ok", "failed" or "missing".
    """
    store = Path(os.fspath(store))
    attrs = read_root(store)
    spec, tasks = attrs["spec"], attrs["tasks"]
    n_points, seeds, n_dev = len(spec["points"]), spec["seeds"], spec["devices"]
    n_chunks = -(-n_dev // spec["devices_per_task"])
    seed_index = {s: i for i, s in enumerate(seeds)}
    status = np.full((n_points, len(seeds), n_chunks), "missing", dtype=object)
    n_reads = int(np.sum(as_waveform(spec["protocol"]).kind == KIND["read"]))
    data = {name: np.full((n_points, len(seeds)) + ((n_reads,) if METRICS[name][1] else ()) + (n_dev,), np.nan)
            for name in spec["metrics"]}
    root = zarr.open_group(str(store), mode="r")
    done = done_keys(store)
    for task in tasks:
        key = f"t{task['id']:06d}"
        if key not in done:
            continue
        rec = read_marker(store, key) or {}
        idx = (task["point"], seed_index[task["seed"]])
        status[idx + (task["chunk"],)] = rec.get("status", "missing")
        if rec.get("status") != "ok":
            continue
        group = root[f"tasks/{key}"]
        sl = slice(task["device_offset"], task["device_offset"] + task["n_devices"])
        for name in spec["metrics"]:
            data[name][idx + (Ellipsis, sl)] = group[name][...]
    variables = {}
    for name in spec["metrics"]:
        dims = ("point", "seed", "read", "device") if METRICS[name][1] else ("point", "seed", "device")
        variables[name] = (dims, data[name], {"units": METRICS[name][0], "meaning": METRICS[name][3]})
    variables["task_status"] = (("point", "seed", "chunk"), status.astype(str))
    swept = list(spec["points"][0]) if spec["points"] else []
    coords = {"point": np.arange(n_points), "seed": np.asarray(seeds), "device": np.arange(n_dev),
              "chunk": np.arange(n_chunks)}
    for name in swept:
        coords[name] = ("point", np.array([p[name] for p in spec["points"]], dtype=float))
    return xr.Dataset(variables, coords=coords, attrs={"device": spec["device"], "protocol": spec["protocol"],
                                                       "swept": json.dumps(swept), "fingerprint": attrs["fingerprint"],
                                                       "variability": json.dumps(spec["variability"])})

