"""Run ngspice in batch mode on a netlist and read its vectors back.

Observed with ngspice 39: ``ngspice -b`` exits 1 even on success, so a run is judged by its
output file; the first row of ``wrdata`` is the first accepted step, not t = 0.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from nanoionic._core.errors import NanoionicError

INSTALL_HINT = ("Install it with 'apt-get install ngspice' (Debian/Ubuntu; 'make test' does this), "
                "'brew install ngspice' (macOS), or set NANOIONIC_NGSPICE to the ngspice binary.")


class NgspiceError(NanoionicError, RuntimeError):
    """ngspice is missing, failed, or wrote no results; the message carries its own error lines."""


def find_ngspice() -> str:
    """Path of the ngspice binary (NANOIONIC_NGSPICE, else PATH)."""
    path = os.environ.get("NANOIONIC_NGSPICE") or shutil.which("ngspice")
    if not path or not Path(path).exists():
        raise NgspiceError(f"ngspice was not found. {INSTALL_HINT}")
    return path


def run_netlist(netlist: str, vectors: list[str], *, analysis: str, timeout: float = 3600.0) -> dict[str, np.ndarray]:
    """Run ``netlist`` (without .control/.end) with ``analysis`` (e.g. ".tran 1u 1m uic" or ".op")
    and return each of ``vectors`` (ngspice expressions such as "v(x1.x_x)" or "i(vin)") as an
    array, plus "time" for a transient. Raises NgspiceError with ngspice's error lines."""
    with tempfile.TemporaryDirectory(prefix="nanoionic-ngspice-") as tmp:
        out = Path(tmp) / "out.txt"
        control = ["set wr_singlescale", "set wr_vecnames", "set filetype=ascii", "run",
                   f"wrdata {out} {' '.join(vectors)}", "quit"]
        text = "\n".join(["* nanoionic", netlist.rstrip(), analysis, ".control", *control, ".endc", ".end", ""])
        path = Path(tmp) / "circuit.cir"
        path.write_text(text)
        try:
            proc = subprocess.run([find_ngspice(), "-b", str(path)], capture_output=True, text=True,
                                  timeout=timeout, cwd=tmp)
        except subprocess.TimeoutExpired:
            raise NgspiceError(f"ngspice did not finish within {timeout:g} s") from None
        if not out.exists() or out.stat().st_size == 0:
            raise NgspiceError("ngspice wrote no results. Its messages:\n" + error_lines(proc.stdout + proc.stderr))
        return read_wrdata(out)


def error_lines(output: str, limit: int = 20) -> str:
    """The lines of ngspice's output that report errors (all of it if none look like errors)."""
    keys = ("error", "fatal", "singular", "too small", "aborted", "failed", "unknown", "not found")
    picked = [line for line in output.splitlines() if any(k in line.lower() for k in keys)]
    return "\n".join((picked or output.splitlines())[:limit])


def read_wrdata(path: Path) -> dict[str, np.ndarray]:
    """Columns of a ``wrdata`` file written with wr_singlescale and wr_vecnames."""
    with open(path) as fh:
        header = fh.readline().split()
    data = np.loadtxt(path, skiprows=1, ndmin=2)
    return {name: data[:, k] for k, name in enumerate(header)}
