"""`python -m benchmarks` (make bench): exact-method, crossbar, Monte Carlo (Dask) and fitting tables, also to out/bench.json."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

from benchmarks import bench_crossbar, bench_exact, bench_fit, bench_interop, bench_montecarlo, bench_protocol
from nanoionic import Device


def main() -> None:
    print(__doc__.splitlines()[0])
    print(f"protocol: {bench_exact.PROTOCOL!r} on {bench_exact.PRESET}, save='end'; "
          f"per-device spread: {bench_exact.VARIABILITY} (log-normal)")
    print(f"cpus: {os.cpu_count()}, python {platform.python_version()}; load average "
          f"{os.getloadavg()[0]:.1f} (other processes share the cores)")
    rows = bench_exact.run()
    print()
    n_states = Device(bench_exact.PRESET).model.n_states
    print("update = one device advanced over one constant-voltage segment (one affine map on a "
          f"{n_states}-float64 state);")
    print("updates/s = devices x segments / wall time of integrate (maps included); "
          "/stream = ratio to 1.4e9 updates/s")
    print("(a float64 copy at ~22 GB/s moving 16 B per update, the issue's one-float64 limit); "
          "targets at 1e6 devices: 5e8 shared, 5e7 per-device.")
    print("one core: ~5e7-1e8 exp()/s. tracemalloc = peak of traced (numpy) allocations; "
          "maxrss + = growth of the process peak RSS.")
    print()
    print(bench_exact.format_table(rows))
    print()
    print(bench_crossbar.__doc__.split(chr(10))[0])
    crossbar = bench_crossbar.run()
    print(bench_crossbar.format_table(crossbar))
    print()
    print(bench_montecarlo.__doc__.split(chr(10))[0])
    print(f"protocol: {bench_montecarlo.PROTOCOL!r}; spread {bench_montecarlo.VARIABILITY} (log-normal); "
          f"{bench_montecarlo.DEVICES_PER_TASK} devices per task")
    montecarlo = bench_montecarlo.run()
    print(bench_montecarlo.format_table(montecarlo))
    print()
    print(bench_protocol.__doc__.split(chr(10))[0])
    protocol = bench_protocol.run()
    print(bench_protocol.format_report(protocol))
    print()
    print(bench_fit.__doc__.split(chr(10))[0])
    fitting = bench_fit.run()
    print(bench_fit.format_report(fitting))
    print()
    print(bench_interop.__doc__.split(chr(10))[0] + " ...")
    interop = bench_interop.run()
    out = Path("out")
    out.mkdir(exist_ok=True)
    tmp = out / "bench.json.tmp"
    tmp.write_text(json.dumps({"exact": rows, "crossbar": crossbar, "montecarlo": montecarlo, "fit": fitting, "protocol": protocol,
                              "interop": interop},
                              indent=1))
    os.replace(tmp, out / "bench.json")
    print(f"\nwritten: {out / 'bench.json'}")


if __name__ == "__main__":
    main()
