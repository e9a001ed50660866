"""Parameter sweeps and Monte Carlo on Dask (``nanoionic sweep SPEC.toml``).

A sweep runs every parameter *point* × *seed* × *device chunk* as one Dask task, on a
``LocalCluster`` of single-threaded worker processes by default or on a running scheduler
(``--scheduler tcp://HOST:PORT``), and writes each task's per-device metrics to a Zarr store.

SPEC.toml
---------
::

    [sweep]
    device = "ZnTPP/AlOx"        # preset name or parameter TOML path (two-terminal models)
    protocol = "repeat 10 { pulse 10 V for 100 ms; wait 100 ms; read 1 V for 10 ms }"
    devices = 10000              # device instances per point and seed (default: devices_per_task)
    devices_per_task = 1000      # simulated together (vectorised) in one task (default 1000)
    seeds = [1, 2, 3]            # seeds of the device-to-device draw (default [0])
    metrics = ["final_conductance", "conductance_ratio"]   # default ["final_conductance"]
    method = "auto"              # engine method: auto, exact, rk45, implicit

    [grid]                       # full factorial over the listed values
    temperature = [280, 300, "320 K"]

    [random]                     # n points drawn once, seeded (same seed → same points)
    n = 20
    seed = 0                     # default 0
    release_barrier = {uniform = ["1.5 eV", "1.6 eV"]}
    attempt_frequency = {loguniform = [1e12, 1e14]}
    area = {normal = ["5e-8 m2", "5e-9 m2"]}   # [mean, standard deviation]

    [variability]                # device-to-device spread: value × exp(σ·N(0,1)) per device
    area = {lognormal_sigma = 0.1}

Values are numbers in SI or text with a unit (SI prefixes: "300 K", "1.5 eV", "100 nm", "5e-8 m2",
"50 Ohm"); energies may be given in eV. ``[grid]`` and ``[random]`` may be combined (every grid
point with every random point); with neither, the sweep has one point (the preset). Parameter
names are those of ``nanoionic params DEVICE``. Grid values are checked against the parameter's
range when the spec is read; a random draw outside the range makes its tasks fail, and the
failures are recorded with their parameters.

Metrics (per device; ``spec.METRICS``): ``final_conductance`` [S] (I/V at the end of the last
read), ``first_conductance`` [S], ``conductance_ratio`` [1] (last / first read),
``conductance_change`` [S] (last - first read), ``read_conductance`` [S] (every read; read ×
device), ``max_current`` [A] (largest |I| over the saved segment ends).

Seeds and device instances: device j of seed s is one fixed draw
(``simulation.device_normals``: blocks of 4096 devices from ``SeedSequence([s, block])``), so
every point sees the same device instances (common random numbers: differences between points
are not blurred by different draws), and ``devices_per_task`` only batches the work. The models are
deterministic: without ``[variability]`` every device and seed gives the same numbers.

Store, atomicity, resume and worker loss: see ``store`` (one group per task, renamed into place,
completion marker last; re-running the same command skips finished tasks). Results:
``load_sweep(store)`` → xarray Dataset (point × seed × device); ``summarize`` → rows of median,
σ/μ and percentiles per metric per point, written as ``summary.md``/``summary.csv`` beside the
store (``<name>-report/``); ``plotting.sweep_figures`` draws the CDFs and histograms.
"""

from nanoionic.distributed.runner import ClusterError, SweepResult, connect, run_sweep
from nanoionic.distributed.spec import METRICS, SweepSpec, Task, load_spec, parse_spec
from nanoionic.distributed.store import load_sweep
from nanoionic.distributed.summary import summarize, write_summary

__all__ = ["METRICS", "ClusterError", "SweepResult", "SweepSpec", "Task", "connect", "load_spec", "load_sweep",
           "parse_spec", "run_sweep", "summarize", "write_summary"]
