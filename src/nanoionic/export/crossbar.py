"""ngspice netlists of a resistive crossbar with the topology of ``circuit.nodal``.

Word line i runs along row i, driven at column 0 through the driver resistance; bit line j runs
down column j, sensed at row R-1 through the sense resistance; neighbouring cells are joined by
one line segment. Cell (i, j) joins word node ``w_i_j`` to bit node ``b_i_j`` through a 0 V
ammeter ``Vm_i_j`` (its current is the cell current) and, for 1S1R, a selector B-source with the
same law as ``physics.conduction.threshold_selector_current``. A NaN line voltage leaves that
line floating; a zero driver/sense resistance ties the line end to its source.

Cells are the exported device subcircuit: ``frozen`` (states as instance parameters, for a DC
operating point) or dynamic (states on capacitors, for ``.tran … uic``).
"""

from __future__ import annotations

import numpy as np

from nanoionic.circuit.nodal import MIN_RESISTANCE, Lines, Selector
from nanoionic.export.expressions import number
from nanoionic.export.ngspice import run_netlist
from nanoionic.export.spice import library, subckt_name
from nanoionic.models.compact import CompactModel


def _resistor(name: str, a: str, b: str, r: float) -> str:
    return f"R{name} {a} {b} {number(r if r > 0 else MIN_RESISTANCE)}"


def selector_subcircuit(sel: Selector) -> str:
    """The 1S1R selector as a two-pin subcircuit ``ni_selector``."""
    g_on, g_off, vth, w = (number(x) for x in (sel.on_conductance, sel.off_conductance,
                                                sel.threshold_voltage, 2.0 * sel.transition_width))
    return "\n".join([".subckt ni_selector p n",
                      f"Bs p n I={{v(p, n) * ({g_off} + ({g_on} - {g_off}) * 0.5 * (1 + tanh((abs(v(p, n)) - {vth}) / {w})))}}",
                      ".ends", ""])


def crossbar_netlist(cm: CompactModel, v_rows, v_cols, lines: Lines, *, states=None,
                     selector: Selector | None = None, frozen: bool = True) -> str:
    """Netlist (no analysis line) of an R×C crossbar of ``cm`` cells driven by ``v_rows`` (R,) and
    ``v_cols`` (C,) [V] (NaN = floating). ``states``: (R, C, n_states) per-cell states (default:
    the model's initial state), written as instance parameters (frozen) or capacitor ICs."""
    v_rows, v_cols = np.asarray(v_rows, float), np.asarray(v_cols, float)
    n_rows, n_cols = v_rows.size, v_cols.size
    names = [s.name for s in cm.states]
    if states is None:
        states = np.broadcast_to([s.initial for s in cm.states], (n_rows, n_cols, len(names)))
    cell = subckt_name(cm) + ("_frozen" if frozen else "")
    prefix = "x_" if frozen else "x0_"  # states: instance parameters, or the capacitors' initial values
    out = [f"* nanoionic crossbar {n_rows}x{n_cols} of {cm.name} ({'frozen states' if frozen else 'dynamic'})",
           library(cm, frozen=frozen)]
    if selector is not None:
        out.append(selector_subcircuit(selector))
    for i in range(n_rows):
        out += [_resistor(f"w_{i}_{j}", f"w_{i}_{j}", f"w_{i}_{j + 1}", lines.word_segment) for j in range(n_cols - 1)]
    for j in range(n_cols):
        out += [_resistor(f"b_{i}_{j}", f"b_{i}_{j}", f"b_{i + 1}_{j}", lines.bit_segment) for i in range(n_rows - 1)]
    out += _sources("row", [f"w_{i}_0" for i in range(n_rows)], v_rows, lines.driver_resistance)
    out += _sources("col", [f"b_{n_rows - 1}_{j}" for j in range(n_cols)], v_cols, lines.sense_resistance)
    for i in range(n_rows):
        for j in range(n_cols):
            top = f"m_{i}_{j}"
            out.append(f"Vm_{i}_{j} w_{i}_{j} {top} 0")
            if selector is not None:
                out.append(f"Xs_{i}_{j} {top} s_{i}_{j} ni_selector")
                top = f"s_{i}_{j}"
            values = " ".join(f"{prefix}{k}={number(x)}" for k, x in zip(names, states[i, j]))
            out.append(f"Xc_{i}_{j} {top} b_{i}_{j} {cell} {values}")
    return "\n".join(out) + "\n"


def _sources(kind: str, nodes: list[str], volts: np.ndarray, r: float) -> list[str]:
    lines = []
    for k, (node, v) in enumerate(zip(nodes, volts)):
        if np.isnan(v):
            continue  # floating line
        if r > 0:
            lines += [f"V{kind}_{k} src_{kind}_{k} 0 {number(v)}", _resistor(f"{kind}_{k}", f"src_{kind}_{k}", node, r)]
        else:
            lines.append(f"V{kind}_{k} {node} 0 {number(v)}")
    return lines


def ngspice_cell_currents(cm: CompactModel, v_rows, v_cols, lines: Lines, *, states=None,
                          selector: Selector | None = None, options: str = "reltol=1e-6 abstol=1e-15 vntol=1e-9") -> np.ndarray:
    """Cell currents (R, C) [A], word → bit, of ngspice's DC operating point of the array."""
    n_rows, n_cols = np.size(v_rows), np.size(v_cols)
    netlist = crossbar_netlist(cm, v_rows, v_cols, lines, states=states, selector=selector) + f".options {options}\n"
    vectors = [f"i(vm_{i}_{j})" for i in range(n_rows) for j in range(n_cols)]
    out = run_netlist(netlist, vectors, analysis=".op")
    return np.array([out[name][0] for name in vectors]).reshape(n_rows, n_cols)


def ngspice_crossbar_transient(cm: CompactModel, lines: Lines, stop: float, n_points: int, row_sources: list[str],
                               col_voltage: float = 0.0, *, states=None, probes=None,
                               options: str = "reltol=1e-6 abstol=1e-15 vntol=1e-9") -> dict[str, np.ndarray]:
    """Transient of an R×C crossbar of dynamic ``cm`` cells in ngspice: word line i driven by the
    SPICE source spec ``row_sources[i]`` (e.g. "SIN(0 1 1)"), bit lines at ``col_voltage`` [V];
    ``n_points`` steps up to ``stop`` [s] (the largest step is stop/n_points). Returns "time" and
    "i(vm_i_j)" of the ``probes`` (list of (i, j); default all cells)."""
    n_rows = len(row_sources)
    n_cols = n_rows if states is None else states.shape[1]
    netlist = crossbar_netlist(cm, np.zeros(n_rows), np.full(n_cols, float(col_voltage)), lines, states=states,
                               frozen=False)
    for i, spec in enumerate(row_sources):  # replace the DC row sources by the waveforms
        old = f"Vrow_{i} {'src_row_' + str(i) if lines.driver_resistance > 0 else f'w_{i}_0'} 0 0.0"
        netlist = netlist.replace(old + "\n", old.rsplit(" ", 1)[0] + f" {spec}\n", 1)
    probes = [(i, j) for i in range(n_rows) for j in range(n_cols)] if probes is None else probes
    step = stop / n_points
    return run_netlist(netlist + f".options {options}\n", [f"i(vm_{i}_{j})" for i, j in probes],
                       analysis=f".tran {step!r} {stop!r} 0 {step!r} uic")
