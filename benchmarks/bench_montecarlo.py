"""Monte Carlo on Dask: 10^4 ZnTPP/AlOx devices with device-to-device spread × 100 pulse cycles,
run as a sweep on a LocalCluster of 1 and of 2 single-threaded worker processes.

Rows: the same devices in one in-process ``simulate`` call (no Dask, the floor), then the sweep
on 1 and 2 workers: cluster start, worker warm-up (imports, numba cache) and the sweep itself
(submit, simulate, write each task's Zarr group and marker, read back, summarise), each timed
separately. A larger case (8 seeds = 8×10^4 devices) shows the scaling once tasks outweigh the
per-task overhead.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from nanoionic.distributed import connect, parse_spec, run_sweep
from nanoionic.simulation import Device, simulate

PRESET = "ZnTPP/AlOx"
PROTOCOL = "repeat 100 { pulse 10 V for 100 ms; wait 100 ms; read 1 V for 10 ms }"
VARIABILITY = {"area": 0.1, "release_barrier": 0.01, "dissociation_barrier": 0.01}
DEVICES = 10**4
DEVICES_PER_TASK = 2500
METRICS = ["final_conductance", "conductance_ratio", "read_conductance"]


def spec(seeds=(1,)):
    return parse_spec({"sweep": {"device": PRESET, "protocol": PROTOCOL, "devices": DEVICES,
                                 "devices_per_task": DEVICES_PER_TASK, "seeds": list(seeds), "metrics": METRICS},
                       "variability": {k: {"lognormal_sigma": v} for k, v in VARIABILITY.items()}})


def _warm(_=None):
    from nanoionic.simulation import Device as D, simulate as sim
    sim(D(PRESET, variability=VARIABILITY), PROTOCOL, n_devices=16, seed=0, save="reads")
    return True


def in_process() -> dict:
    device = Device(PRESET, variability=VARIABILITY)
    _warm()
    t0 = time.perf_counter()
    simulate(device, PROTOCOL, n_devices=DEVICES, seed=1, save="reads")
    return {"case": "in-process simulate", "workers": 0, "devices": DEVICES, "tasks": 1, "start_s": 0.0,
            "warm_s": 0.0, "sweep_s": time.perf_counter() - t0}


def on_cluster(workers: int, seeds) -> list[dict]:
    rows = []
    t0 = time.perf_counter()
    client, cluster = connect(workers=workers)
    try:
        start = time.perf_counter() - t0
        t1 = time.perf_counter()
        client.run(_warm)
        warm = time.perf_counter() - t1
        for s in seeds:
            sp = spec(s)
            tmp = Path(tempfile.mkdtemp(prefix="bench-mc-"))
            try:
                t2 = time.perf_counter()
                res = run_sweep(sp, tmp / "mc.zarr", client=client)
                elapsed = time.perf_counter() - t2
                assert res.executed == len(sp.tasks()) and res.failed == 0
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
            rows.append({"case": f"sweep, {len(s)} seed(s)", "workers": workers, "devices": DEVICES * len(s),
                         "tasks": len(sp.tasks()), "start_s": start, "warm_s": warm, "sweep_s": elapsed})
    finally:
        client.close()
        cluster.close()
    return rows


def run() -> list[dict]:
    rows = [in_process()]
    seeds = [(1,), tuple(range(1, 9))]
    for workers in (1, 2):
        rows += on_cluster(workers, seeds)
    return rows


def format_table(rows: list[dict]) -> str:
    head = (f"{'case':<22}{'workers':>8}{'devices':>9}{'tasks':>7}{'start [s]':>11}{'warm-up [s]':>13}"
            f"{'sweep [s]':>11}{'devices/s':>11}")
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['case']:<22}{r['workers']:>8}{r['devices']:>9.0e}{r['tasks']:>7}{r['start_s']:>11.2f}"
                     f"{r['warm_s']:>13.2f}{r['sweep_s']:>11.2f}{r['devices'] / r['sweep_s']:>11.3g}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(__doc__.splitlines()[0])
    print(format_table(run()))
