"""Time evolution of an R×C crossbar of any device model, each cell with its own state.

* ``run_ideal``: every cell sees the voltage its drive imposes (a ``CellDrive``, or row minus
  column voltage of a ``LineDrive``). Each drive segment is integrated by ``engine.integrate``
  once per group of cells that share the segment's voltages (an array drive has a handful of
  distinct levels per segment), so any model and method the engine supports runs here, and
  1 or 10⁶ cells run the same code.
* ``run_resistive``: line and driver resistances, floating or biased lines, optional 1S1R
  selectors. At every time point the nodal system is solved (``nodal.NodalSolver``); states then
  advance with the voltage actually across each cell over a sub-step, with a predictor–corrector
  on the cell voltage (midpoint, second order) and sub-steps halved until no cell voltage moves
  by more than ``dv_tol`` within one. Write disturb of half-selected cells emerges.

Both report, at the end of every read segment, each cell's voltage, current and conductance
I/V, and, for every non-read segment with a voltage, each cell's energy ∫ I·V dt [J]
(Simpson's rule on 8 sub-intervals in ideal mode, trapezoid on the sub-steps in resistive mode).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nanoionic._core.errors import param_error
from nanoionic.circuit.drive import CellDrive, LineDrive
from nanoionic.circuit.nodal import Network, NodalSolver
from nanoionic.engine import integrate
from nanoionic.models.base import conductance, take_devices
from nanoionic.protocols.waveform import KIND, Waveform

ENERGY_INTERVALS = 8
"""Simpson sub-intervals per segment to start the ideal-mode energy integral from; they double
until two successive estimates agree to ENERGY_RTOL (at most MAX_ENERGY_INTERVALS)."""
ENERGY_RTOL = 1e-7
MAX_ENERGY_INTERVALS = 4096


@dataclass
class ArrayRun:
    """Raw results of an array run (``simulation`` packs them into an xarray Dataset)."""

    read_time: np.ndarray
    """(n_reads,) end time of each read segment [s]."""
    read_label: np.ndarray
    """(n_reads,) input number of each read (-1 = before the first input)."""
    read_voltage: np.ndarray
    """(n_reads, R, C) cell voltage at the end of the read [V]."""
    read_current: np.ndarray
    """(n_reads, R, C) cell current [A]."""
    read_conductance: np.ndarray
    """(n_reads, R, C) I/V [S] (low-field limit where |V| < 1 mV)."""
    pulse_time: np.ndarray
    """(n_pulses,) end time of each segment whose energy is reported [s]."""
    pulse_label: np.ndarray
    energy: np.ndarray | None
    """(n_pulses, R, C) energy delivered to each cell in each non-read, non-zero segment [J]."""
    state: np.ndarray
    """(n_states, R, C) final state."""
    sense_current: np.ndarray | None = None
    """Resistive mode: (n_reads, C) current into each bit line's sense end [A]."""
    selected_row: np.ndarray | None = None
    """Resistive mode: (n_reads,) row selected in each read (-1 if none)."""
    max_kcl_residual: float | None = None
    """Resistive mode: worst relative Kirchhoff residual over all solved time points."""
    n_solves: int = 0


class _Recorder:
    def __init__(self, full_reads: bool = True):
        self.reads, self.pulses = [], []
        self.full_reads = full_reads

    def read(self, t, label, v, i, g):
        if not self.full_reads:  # conductance maps only (large arrays)
            v, i = np.zeros(0), np.zeros(0)
        self.reads.append((t, label, v, i, g))

    def pulse(self, t, label, e):
        self.pulses.append((t, label, e))

    def result(self, shape, state, energy: bool, **extra) -> ArrayRun:
        r, c = shape
        stack = lambda items, k, dims: np.stack([x[k] for x in items]).reshape(dims) if items else np.zeros(dims)  # noqa: E731
        n_r, n_p = len(self.reads), len(self.pulses)
        return ArrayRun(
            read_time=np.array([x[0] for x in self.reads]), read_label=np.array([x[1] for x in self.reads], dtype=int),
            read_voltage=stack(self.reads, 2, (n_r, r, c) if self.full_reads else (n_r, 0, 0)),
            read_current=stack(self.reads, 3, (n_r, r, c) if self.full_reads else (n_r, 0, 0)),
            read_conductance=stack(self.reads, 4, (n_r, r, c)),
            pulse_time=np.array([x[0] for x in self.pulses]), pulse_label=np.array([x[1] for x in self.pulses], dtype=int),
            energy=stack(self.pulses, 2, (n_p, r, c)) if energy else None,
            state=state.reshape(state.shape[0], r, c), **extra)


# --------------------------------------------------------------------------- ideal mode

def run_ideal(model, params, drive: CellDrive | LineDrive, state0: np.ndarray, *, energy: bool = True,
              full_reads: bool = True, method: str = "auto",
              progress: Callable[[int, int], None] | None = None) -> ArrayRun:
    """Evolve ``state0`` (n_states, R·C) under ``drive`` with every cell at its imposed voltage.
    ``full_reads=False`` keeps only the conductance maps of the reads (not V and I)."""
    v_start, v_end = _cell_voltages(drive)
    state = np.array(state0, dtype=float, copy=True)
    rec, t = _Recorder(full_reads), 0.0
    for s in range(drive.n_segments):
        dur, kind = float(drive.duration[s]), int(drive.kind[s])
        v0, v1 = v_start[s].ravel(), v_end[s].ravel()
        want_energy = energy and kind != KIND["read"] and (np.any(v0 != 0) or np.any(v1 != 0))
        e = np.zeros(v0.size) if want_energy else None
        for (a, b), idx in _voltage_groups(v0, v1):
            sub = slice(None) if idx is None else idx
            state[:, sub], e_group = _integrate_group(model, take_devices(params, sub), state[:, sub], a, b, dur, kind,
                                                      want_energy, method)
            if want_energy:
                e[sub] = e_group
        t += dur
        if kind == KIND["read"]:
            probe = getattr(drive, "probe_voltage", None)
            v_g = v1 if probe is None else np.full(v1.size, probe)
            rec.read(t, int(drive.label[s]), v1, model.current(state, v1, params), conductance(model, state, v_g, params))
        if want_energy:
            rec.pulse(t, int(drive.label[s]), e)
        if progress:
            progress(s + 1, drive.n_segments)
    return rec.result(drive.shape, state, energy)


def _cell_voltages(drive):
    if isinstance(drive, CellDrive):
        return drive.v_start, drive.v_end
    if isinstance(drive, LineDrive):
        v = drive.ideal_cell_voltages()
        return v, v
    raise param_error("drive", "crossbar", "a CellDrive or LineDrive", type(drive).__name__)


MASK_GROUPS = 16
"""Up to this many distinct levels, cells are grouped by comparison masks (one pass per level)
instead of a sort (10x faster for 10⁶ cells with the few levels of an image drive)."""


def _voltage_groups(v0: np.ndarray, v1: np.ndarray):
    """[((v_start, v_end), cell indices or None for all)] for the distinct voltage pairs."""
    if np.all(v0 == v0[0]) and np.all(v1 == v1[0]):
        return [((float(v0[0]), float(v1[0])), None)]
    if np.array_equal(v0, v1):
        groups, left = [], np.ones(v0.size, bool)
        while left.any() and len(groups) < MASK_GROUPS:
            level = v0[np.argmax(left)]
            members = left & (v0 == level)
            groups.append(((float(level), float(level)), np.flatnonzero(members)))
            left &= ~members
        if not left.any():
            return groups
    pairs, inverse = np.unique(np.stack([v0, v1]), axis=1, return_inverse=True)
    inverse = inverse.ravel()
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(pairs.shape[1] + 1))
    return [((float(pairs[0, g]), float(pairs[1, g])), order[bounds[g]:bounds[g + 1]]) for g in range(pairs.shape[1])]


def _integrate_group(model, params, state, a: float, b: float, dur: float, kind: int, want_energy: bool, method: str):
    """State after one segment from ``a`` to ``b`` [V] and, if wanted, each cell's ∫ I·V dt [J]."""
    wf = Waveform.from_segments([dur], [a], [b], kind=[kind])
    if not want_energy or (a == 0 and b == 0):
        traj = integrate(model, params, wf, state, method=method, save="end")
        return traj.state[-1], (np.zeros(state.shape[1]) if want_energy else None)
    n = ENERGY_INTERVALS
    end, energy = _simpson_energy(model, params, state, wf, a, b, dur, n, method)
    while n < MAX_ENERGY_INTERVALS:
        n *= 2
        end, finer = _simpson_energy(model, params, state, wf, a, b, dur, n, method)
        converged = np.all(np.abs(finer - energy) <= ENERGY_RTOL * np.max(np.abs(finer)))
        energy = finer
        if converged:
            break
    return end, energy


def _simpson_energy(model, params, state, wf, a: float, b: float, dur: float, n: int, method: str):
    """End state and each cell's ∫ I·V dt [J] over one segment by Simpson's rule on n intervals."""
    times = dur * np.arange(n + 1) / n
    traj = integrate(model, params, wf, state, method=method, save=times)
    volts = a + (b - a) * times / dur
    power = np.stack([model.current(traj.state[k], volts[k], params) * volts[k] for k in range(times.size)])
    weights = np.ones(times.size)
    weights[1:-1:2], weights[2:-1:2] = 4.0, 2.0
    return traj.state[-1], (dur / n / 3.0) * (weights @ power)


# --------------------------------------------------------------------------- resistive mode

def run_resistive(model, params, network: Network, drive: LineDrive, state0: np.ndarray, *, energy: bool = True,
                  dv_tol: float = 0.01, progress: Callable[[int, int], None] | None = None) -> ArrayRun:
    """Evolve ``state0`` (n_states, R·C) under line sources, solving the network at every sub-step."""
    if not isinstance(drive, LineDrive):
        raise param_error("drive", "resistive crossbar", "a LineDrive (line source voltages)", type(drive).__name__)
    if drive.shape != (network.rows, network.cols):
        raise param_error("drive", "resistive crossbar", f"lines for a {network.rows}×{network.cols} array", drive.shape)
    if not (np.isfinite(dv_tol) and dv_tol > 0):
        raise param_error("dv_tol", "resistive crossbar", "a voltage tolerance > 0 V", dv_tol)
    stepper = _ResistiveStepper(model, params, network, dv_tol)
    state = np.array(state0, dtype=float, copy=True)
    rec, sense, selected, t = _Recorder(), [], [], 0.0
    for s in range(drive.n_segments):
        kind = int(drive.kind[s])
        state, op, e = stepper.segment(state, drive.rows[s], drive.cols[s], float(drive.duration[s]), t)
        t += float(drive.duration[s])
        v, i = op.cell_voltage.ravel(), op.cell_current.ravel()
        if kind == KIND["read"]:
            rec.read(t, int(drive.label[s]), v, i, conductance(model, state, v, params))
            sense.append(op.sense_current)
            selected.append(int(drive.selected_row[s]))
        elif energy and np.any(v != 0):
            rec.pulse(t, int(drive.label[s]), e)
        if progress:
            progress(s + 1, drive.n_segments)
    return rec.result(drive.shape, state, energy, sense_current=np.array(sense).reshape(len(sense), network.cols),
                      selected_row=np.array(selected, dtype=int), max_kcl_residual=stepper.worst_kcl,
                      n_solves=stepper.n_solves)


class _ResistiveStepper:
    """Sub-stepping of one constant-source segment with a nodal solve at every sub-step."""

    def __init__(self, model, params, network: Network, dv_tol: float):
        self.model, self.params, self.net = model, params, network
        self.solver = NodalSolver(network)
        self.dv_tol = dv_tol
        self.worst_kcl = 0.0
        self.n_solves = 0
        self.guess = None

    def solve(self, state, v_rows, v_cols, t):
        op = self.solver.solve(lambda v: self.model.current(state, v, self.params), v_rows, v_cols, self.guess,
                               where=f" at t = {t:.6g} s")
        self.guess = op.nodes
        self.worst_kcl = max(self.worst_kcl, op.kcl_residual)
        self.n_solves += 1
        return op

    def advance(self, state, v, dt):
        """State after ``dt`` [s] with each cell held at ``v`` [V]."""
        if self.model.linear:
            new = self.model.segment(state, v, dt, self.params)
        else:
            new = _rk4(self.model, state, v, dt, self.params)
        return self.model.clip_state(new)

    def segment(self, state, v_rows, v_cols, duration: float, t0: float):
        op = self.solve(state, v_rows, v_cols, t0)
        energy = np.zeros(state.shape[1])
        t, h = 0.0, duration / 4
        while t < duration * (1 - 1e-12):
            h = min(h, duration - t)
            v0 = op.cell_voltage.ravel()
            predicted = self.solve(self.advance(state, v0, h), v_rows, v_cols, t0 + t + h)
            change = np.max(np.abs(predicted.cell_voltage.ravel() - v0))
            if change > self.dv_tol and h > duration * 1e-9:
                h *= 0.5
                continue
            state = self.advance(state, 0.5 * (v0 + predicted.cell_voltage.ravel()), h)
            new = self.solve(state, v_rows, v_cols, t0 + t + h)
            energy += 0.5 * h * (v0 * op.cell_current.ravel() + new.cell_voltage.ravel() * new.cell_current.ravel())
            op, t, h = new, t + h, 2 * h
        return state, op, energy


def _rk4(model, state, v, dt, params, substeps: int = 16):
    """Classical Runge–Kutta at fixed per-cell voltage ``v`` (models without an exact map)."""
    h = dt / substeps
    x = state
    for _ in range(substeps):
        k1 = model.rates(x, v, 0.0, params)
        k2 = model.rates(x + 0.5 * h * k1, v, 0.0, params)
        k3 = model.rates(x + 0.5 * h * k2, v, 0.0, params)
        k4 = model.rates(x + h * k3, v, 0.0, params)
        x = x + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    return x
