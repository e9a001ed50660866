"""Write export files for a device: ngspice library, Verilog-A module, crossbar netlist (atomically)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nanoionic._core.errors import param_error
from nanoionic.circuit.nodal import MIN_RESISTANCE, Lines, Selector
from nanoionic.export.crossbar import crossbar_netlist
from nanoionic.export.spice import library
from nanoionic.export.verilog_a import module
from nanoionic.io import atomic_path
from nanoionic.simulation import Device


def _write(out, text: str, owner: str) -> Path:
    """``text`` to ``out`` atomically; a bad path is reported as the ``out`` option."""
    with atomic_path(out, name="out", owner=owner) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="")
    return Path(out)


def export_spice(device: Device, out, *, frozen: bool = False) -> Path:
    """The device's ngspice subcircuit library (``.lib``) at ``out``."""
    return _write(out, library(device.model.compact(device.params), frozen=frozen), "export spice")


def export_verilog_a(device: Device, out) -> Path:
    """The device's Verilog-A module (``.va``) at ``out``."""
    return _write(out, module(device.model.compact(device.params)), "export verilog-a")


MAX_EXPORT_CELLS = 1_000_000
"""Largest crossbar netlist export (1000 x 1000 cells, ~150 MB of text)."""


def export_crossbar(device: Device, out, rows: int, cols: int, *, line_resistance: float = 0.0,
                    driver_resistance: float = 0.0, sense_resistance: float = 0.0, row_voltage: float = 1.0,
                    col_voltage: float = 0.0, selector: Selector | None = None, transient: bool = False) -> Path:
    """An R×C crossbar netlist at ``out``: every word line at ``row_voltage`` [V], every bit line
    at ``col_voltage`` [V] (a parallel read), line segment / driver / sense resistances [Ω], with
    an ``.op`` analysis (frozen states) or, with ``transient``, dynamic cells and a ``.tran``
    placeholder the user edits. Pristine cells; edit the instance parameters for other states."""
    for name, value in (("rows", rows), ("cols", cols)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise param_error(name, "export_crossbar", "an integer >= 1", value)
    if rows * cols > MAX_EXPORT_CELLS:
        raise param_error("rows x cols", "export_crossbar", f"at most {MAX_EXPORT_CELLS:,} cells (a netlist of "
                          "~150 bytes per cell; larger arrays belong in nanoionic's own crossbar solver)", rows * cols)
    for name, value in (("row_voltage", row_voltage), ("col_voltage", col_voltage)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not np.isfinite(value):
            raise param_error(name, "export_crossbar", "a finite voltage [V]", value)
    for name, value in (("line_resistance", line_resistance), ("driver_resistance", driver_resistance),
                        ("sense_resistance", sense_resistance)):
        if not (np.isfinite(value) and (value == 0 or value >= MIN_RESISTANCE)):
            raise param_error(name, "export_crossbar", f"0 Ohm (a short) or a finite resistance >= {MIN_RESISTANCE:g} Ohm",
                              value)
    lines = Lines(line_resistance, line_resistance, driver_resistance, sense_resistance)
    cm = device.model.compact(device.params)
    text = crossbar_netlist(cm, np.full(rows, float(row_voltage)), np.full(cols, float(col_voltage)), lines,
                            selector=selector, frozen=not transient)
    analysis = ".tran 1m 1 uic  $ edit: step, stop (uic starts the state capacitors at their IC)" if transient else ".op"
    return _write(out, f"{text}{analysis}\n.end\n", "export spice --crossbar")
