"""Exact-method throughput: device-state updates per second and peak memory.

An *update* is one device advanced over one constant-voltage segment (one affine map
x <- Phi x + psi applied to that device's state: three O2- populations, coupled, and four
independent hole-trap occupancies, which the kernel applies as a 3x3 block plus a diagonal). A run of N devices over a waveform
of K segments therefore performs N·K updates; updates/s = N·K / wall time of ``integrate``
(including the map computation: the shared maps, or the per-device maps of every distinct
segment, and all Python overhead).

Machine reference (issue 2): a float64 copy streams ~22 GB/s, i.e. ~1.4e9 updates/s if an update
read and wrote one float64 state (16 B); one core evaluates ~5e7–1e8 exp()/s. The preset's state
has 7 float64 per device, so the stream limit for a full-state update is ~2e8/s when the state
does not fit in cache; the cache-blocked kernel keeps each block resident over all segments.
"""

from __future__ import annotations

import gc
import resource
import time
import tracemalloc


from nanoionic.engine import integrate
from nanoionic.simulation import Device, as_waveform

PROTOCOL = "repeat 250 { pulse 10 V for 100 ms; wait 100 ms; read 5 V for 100 ms; wait 300 ms }"
PRESET = "ZnTPP/AlOx"
VARIABILITY = {"release_barrier": 0.01, "dissociation_barrier": 0.01}
SIZES = (10**3, 10**5, 10**6)
STREAM_LIMIT = 22e9 / 16  # updates/s if an update moves one float64 in and out
EXP_PER_CORE = (5e7, 1e8)
TARGETS = {"shared": 5e8, "per-device": 5e7}


def _maxrss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _case(device: Device, waveform, n: int, per_device: bool, repeats: int) -> dict:
    params = device.sample_params(n, seed=1) if per_device else device.params
    times = []
    rss0 = _maxrss_bytes()
    for _ in range(repeats):  # timed runs, untraced (tracemalloc slows numba allocations ~3x)
        gc.collect()
        t0 = time.perf_counter()
        traj = integrate(device.model, params, waveform, n_devices=n, method="exact", save="end")
        times.append(time.perf_counter() - t0)
        if not traj.ok:
            raise RuntimeError(f"benchmark run failed: {traj.message}")
        del traj
    gc.collect()
    tracemalloc.start()  # one more run, for the peak of traced allocations only
    integrate(device.model, params, waveform, n_devices=n, method="exact", save="end")
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    best = min(times)
    updates = n * waveform.n_segments
    return {"mode": "per-device" if per_device else "shared", "n_devices": n,
            "segments": int(waveform.n_segments), "updates": updates, "seconds": best,
            "updates_per_s": updates / best, "traced_peak_MB": traced_peak / 1e6,
            "maxrss_delta_MB": (_maxrss_bytes() - rss0) / 1e6,
            "state_MB": device.model.n_states * 8 * n / 1e6}


def run(sizes=SIZES) -> list[dict]:
    waveform = as_waveform(PROTOCOL)
    shared = Device(PRESET)
    varied = Device(PRESET, variability=VARIABILITY)
    # warm-up: numba compilation / cache load, not timed
    integrate(shared.model, shared.params, waveform, n_devices=64, method="exact", save="end")
    integrate(varied.model, varied.sample_params(64, seed=0), waveform, method="exact",
              save="end")
    rows = []
    for n in sizes:
        repeats = 3 if n <= 10**5 else 1
        for per_device in (False, True):
            rows.append(_case(shared if not per_device else varied, waveform, n, per_device,
                              repeats))
    return rows


def format_table(rows: list[dict]) -> str:
    head = (f"{'mode':<11}{'devices':>9}{'updates':>10}{'time [s]':>10}{'updates/s':>11}"
            f"{'/stream':>9}{'target':>9}{'tracemalloc':>13}{'maxrss +':>10}")
    lines = [head, "-" * len(head)]
    for r in rows:
        target = TARGETS[r["mode"]]
        tgt = (("ok" if r["updates_per_s"] >= target else "MISS")
               if r["n_devices"] == 10**6 else "-")
        lines.append(f"{r['mode']:<11}{r['n_devices']:>9.0e}{r['updates']:>10.1e}"
                     f"{r['seconds']:>10.3f}{r['updates_per_s']:>11.2e}"
                     f"{r['updates_per_s'] / STREAM_LIMIT:>9.2f}{tgt:>9}"
                     f"{r['traced_peak_MB']:>10.1f} MB{r['maxrss_delta_MB']:>7.0f} MB")
    return "\n".join(lines)
