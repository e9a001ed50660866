"""Run a sweep on Dask: connect (or start a LocalCluster), submit the unfinished tasks, follow them,
then summarise the store."""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import xarray as xr

from nanoionic._core.errors import NanoionicError, param_error
from nanoionic.distributed import store as _store
from nanoionic.distributed.spec import SweepSpec, load_spec
from nanoionic.distributed.summary import summarize, write_summary
from nanoionic.simulation import Device

__all__ = ["ClusterError", "SweepResult", "connect", "run_sweep"]

_ADDRESS = re.compile(r"^(tcp|tls|ucx|inproc)://[^\s/:]+(:\d+)?/?$")


class ClusterError(NanoionicError, RuntimeError):
    """The Dask scheduler could not be reached or the cluster could not be started."""


@dataclass
class SweepResult:
    """What a run did and what the store holds afterwards."""

    store: Path
    n_tasks: int
    executed: int  # tasks simulated in this run (ok or failed)
    skipped: int  # tasks already done before this run (or found done by their worker)
    failed: int  # tasks of this run that failed
    seconds: float
    workers: int
    summary: list[dict] = field(default_factory=list)
    failures: list[dict] = field(default_factory=list)  # every failed-task record in the store
    report: list[Path] = field(default_factory=list)
    data: xr.Dataset | None = None
    units: dict[str, str] = field(default_factory=dict)  # unit of each swept parameter (Params metadata)


def connect(scheduler: str | None = None, workers: int | None = None, timeout: float = 5.0):
    """A dask.distributed Client: to ``scheduler`` (tcp://HOST:PORT) within ``timeout`` seconds, or to
    a new LocalCluster of ``workers`` single-threaded worker processes. Returns (client, cluster or None)."""
    from dask.distributed import Client, LocalCluster

    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise param_error("timeout", "sweep", "a positive number of seconds", timeout)
    if scheduler is not None:
        if workers is not None:
            raise param_error("workers", "sweep", "left out with --scheduler (the cluster has its own workers)", workers)
        if not isinstance(scheduler, str) or not _ADDRESS.match(scheduler):
            raise param_error("scheduler", "sweep", "an address such as 'tcp://127.0.0.1:8786'", scheduler)
        t0 = time.monotonic()
        try:
            client = Client(scheduler, timeout=f"{timeout}s", set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ClusterError(f"The 'scheduler' parameter of sweep must be a reachable Dask scheduler. Got "
                               f"{scheduler!r} instead: no answer within {timeout:g} s "
                               f"({time.monotonic() - t0:.1f} s; {type(exc).__name__}: {exc}).") from None
        return client, None
    n = workers if workers is not None else min(2, os.cpu_count() or 1)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise param_error("workers", "sweep", "an integer >= 1", workers)
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=logging.ERROR,
                           env={"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"})
    return Client(cluster, set_as_default=False), cluster


def run_sweep(spec: SweepSpec | str | os.PathLike, out, *, workers: int | None = None, scheduler: str | None = None,
              timeout: float = 5.0, client=None, progress: Callable[[int, int], None] | None = None,
              retry_failed: bool = False, report_dir=None, spec_text: str | None = None) -> SweepResult:
    """Run (or resume) a sweep into the Zarr store ``out`` and summarise it.

    Parameters
    ----------
    spec : a SweepSpec or the path of a SPEC.toml.
    out : path of the store (``.zarr`` directory); an existing store of the same spec is resumed:
        finished tasks (ok or failed) are not run again.
    workers : LocalCluster size (default: min(2, cores)); with ``scheduler``/``client`` left out.
    scheduler : address of a running scheduler, e.g. "tcp://127.0.0.1:8786"; its workers must
        see ``out`` at the same path (a shared file system).
    timeout : seconds to wait for the scheduler before raising ClusterError.
    client : an existing dask.distributed Client (used as is, not closed).
    progress : callable(done, total), called as tasks finish (done counts skipped tasks too).
    retry_failed : run the tasks recorded as failed again.
    report_dir : where summary.md/.csv go (default: ``<out without .zarr>-report`` beside the store).
    spec_text : the spec's TOML text, kept in the store's attributes (read from ``spec`` if a path).
    """
    t0 = time.perf_counter()
    if not isinstance(spec, SweepSpec):
        if spec_text is None and Path(spec).is_file():
            spec_text = Path(spec).read_text(encoding="utf-8")
        spec = load_spec(spec)
    store, _ = _store.create_or_resume(out, spec, spec_text or "")
    tasks = spec.tasks()
    if retry_failed:
        for rec in _store.failed_records(store):
            key = f"t{rec['task']['id']:06d}"
            shutil.rmtree(store / "done" / key, ignore_errors=True)
    done = _store.done_keys(store)
    todo = [t for t in tasks if t.key not in done]
    total, finished = len(tasks), len(tasks) - len(todo)
    executed = failed = 0
    skipped = finished
    n_workers = 0
    if progress:
        progress(finished, total)
    if todo:
        own = client is None
        cluster = None
        if own:
            client, cluster = connect(scheduler, workers, timeout)
        try:
            n_workers = len(client.scheduler_info().get("workers", {}))
            executed, failed, skipped_now = _submit_and_follow(client, store, spec, todo, finished, total, progress)
            skipped += skipped_now
        finally:
            if own:
                client.close()
                if cluster is not None:
                    cluster.close()
    _store.remove_tmp(store)
    data = _store.load_sweep(store)
    rows = summarize(data)
    failures = _store.failed_records(store)
    units = _units(spec)
    report = write_summary(rows, failures, report_dir if report_dir is not None else _default_report_dir(store),
                           title=f"Sweep {store.name}: {spec.device}", units=units)
    return SweepResult(store=store, n_tasks=total, executed=executed, skipped=skipped, failed=failed,
                       seconds=time.perf_counter() - t0, workers=n_workers, summary=rows, failures=failures,
                       report=report, data=data, units=units)


def _default_report_dir(store: Path) -> Path:
    stem = store.name[:-5] if store.name.endswith(".zarr") else store.name
    return store.parent / f"{stem}-report"


def _units(spec: SweepSpec) -> dict[str, str]:
    fields = {f.name: f.metadata.get("unit", "") for f in dataclasses.fields(Device(spec.device).params)}
    return {name: fields.get(name, "") for name in spec.swept}


def _submit_and_follow(client, store: Path, spec: SweepSpec, todo, finished: int, total: int, progress):
    """Submit ``todo`` and collect results as they finish. A result is fetched and released at once,
    so a worker that dies later holds nothing the sweep still needs; tasks running on a dying
    worker are re-run elsewhere by Dask (their writes are idempotent)."""
    from dask.distributed import as_completed

    spec_json = spec.to_json()
    run = uuid.uuid4().hex[:8]
    by_key = {}
    futures = []
    for task in todo:
        key = f"nanoionic-sweep-{spec.fingerprint()}-{run}-{task.key}"
        fut = client.submit(_store.run_task, str(store), spec_json, task.to_dict(), key=key, pure=False)
        by_key[fut.key] = task
        futures.append(fut)
    executed = failed = skipped = 0
    done = finished
    for fut in as_completed(futures, loop=client.loop):
        task = by_key[fut.key]
        try:
            outcome = fut.result()
        except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker: the task took down workers repeatedly
            error = f"{type(exc).__name__}: {exc}"
            if _store.read_marker(store, task.key) is None:
                _store.write_marker(store, task.to_dict(), "failed", error=error, elapsed=None, worker=None)
            outcome = {"status": "failed", "error": error}
        fut.release()
        if outcome["status"] == "skipped":
            skipped += 1
        else:
            executed += 1
            failed += outcome["status"] == "failed"
        done += 1
        if progress:
            progress(done, total)
    return executed, failed, skipped
