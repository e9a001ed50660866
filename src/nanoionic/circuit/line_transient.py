"""Transient of a resistive crossbar on a time grid, the way a circuit simulator runs it.

Same topology as ``circuit.nodal`` (word lines driven at column 0 through the driver
resistance, bit lines sensed at row R-1 through the sense resistance, one segment between
neighbouring cells). Sources are given at the grid times and vary linearly between them (SPICE
PWL). Each step is Heun's method on the cell states with a network solve at both ends:

    x* = x_k + h·f(x_k, v_k);  v* = cell voltages of the network with x* at t_k+1
    x_k+1 = x_k + h/2·(f(x_k, v_k) + f(x*, v*));  v_k+1 from x_k+1 at t_k+1

(second order, like the trapezoidal rule of SPICE), with |x_k+1 - x*| as the local error
estimate that cuts a grid interval into sub-steps where the states move fast. Cells whose current is ohmic in the cell
voltage (``DeviceModel.ohmic``) are solved by block Gauss–Seidel over the lines: with the bit
nodes fixed each word line is a tridiagonal system, and vice versa; warm-started from the
previous time point it converges in a few sweeps because the cells couple the line networks
weakly (g_cell ≪ g_line). Sweeps stop when no node voltage moves by more than ``tol`` times the
largest source voltage; if they do not converge (cells as conductive as the lines), or the cells
are not ohmic, the sparse Newton solver of ``circuit.nodal`` takes over.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nanoionic._core.errors import param_error
from nanoionic.circuit.nodal import Lines, Network, NodalSolver

try:  # pragma: no cover - exercised only where numba is missing
    import numba
    _jit = numba.njit(cache=True)
except ImportError:  # pragma: no cover
    def _jit(f):
        return f

MAX_SWEEPS = 200
"""Block Gauss–Seidel sweeps before falling back to the sparse Newton solver."""


@dataclass
class LineTransient:
    """Result of :func:`line_transient`.

    time : (n_t,) grid [s]; probe_current : (n_t, n_probes) current of the probed cells, word →
    bit [A]; cell_current : (R, C) at the last time [A]; state : (n_states, R·C) final states;
    sweeps : total Gauss–Seidel sweeps; newton_solves : solves handed to the Newton solver.
    """

    time: np.ndarray
    probe_current: np.ndarray
    cell_current: np.ndarray
    state: np.ndarray
    sweeps: int
    newton_solves: int


@_jit
def _factor(g_cell_line, g_seg, g_end, c, m):  # pragma: no cover - compiled
    """Thomas factors of one line: cells ``g_cell_line`` to the other network, segments ``g_seg``
    between neighbours, ``g_end`` to the source at the last index (the driven end comes last).
    Fills c (super-diagonal ratios) and m (pivots)."""
    n = g_cell_line.size
    for k in range(n):
        diag = g_cell_line[k] + (g_seg if k > 0 else 0.0) + (g_seg if k < n - 1 else 0.0) + (g_end if k == n - 1 else 0.0)
        m[k] = diag + (g_seg * c[k - 1] if k > 0 else 0.0)
        c[k] = -g_seg / m[k] if k < n - 1 else 0.0


@_jit
def _substitute(c, m, g_seg, rhs, out):  # pragma: no cover - compiled
    """Solve the factored tridiagonal line system for ``rhs`` into ``out``; returns max |change|."""
    n = m.size
    d_prev = 0.0
    for k in range(n):
        d_prev = (rhs[k] + (g_seg * d_prev if k > 0 else 0.0)) / m[k]
        rhs[k] = d_prev
    change = 0.0
    x_next = 0.0
    for k in range(n - 1, -1, -1):
        x = rhs[k] - (c[k] * x_next if k < n - 1 else 0.0)
        change = max(change, abs(x - out[k]))
        out[k] = x
        x_next = x
    return change


@_jit
def _sweeps(g, g_word, g_bit, g_drv, v_row, g_sense, v_col, w, b, tol, max_sweeps):  # pragma: no cover - compiled
    """Block Gauss–Seidel on the line networks of an ohmic crossbar; w, b updated in place.
    Word line i is solved from its driven end (column 0), bit line j from its sensed end (row
    R-1): both are ordered so the source sits at the last index. Returns the sweep count
    (max_sweeps + 1 if not converged)."""
    n_rows, n_cols = g.shape
    cw, mw = np.empty((n_rows, n_cols)), np.empty((n_rows, n_cols))
    cb, mb = np.empty((n_cols, n_rows)), np.empty((n_cols, n_rows))
    line_w, line_b = np.empty(n_cols), np.empty(n_rows)
    for i in range(n_rows):
        for j in range(n_cols):
            line_w[j] = g[i, n_cols - 1 - j]  # reversed: column 0 (driver) last
        _factor(line_w, g_word, g_drv[i], cw[i], mw[i])
    for j in range(n_cols):
        _factor(g[:, j].copy(), g_bit, g_sense[j], cb[j], mb[j])
    rhs_w, out_w = np.empty(n_cols), np.empty(n_cols)
    rhs_b, out_b = np.empty(n_rows), np.empty(n_rows)
    for sweep in range(1, max_sweeps + 1):
        change = 0.0
        for i in range(n_rows):
            for j in range(n_cols):
                jj = n_cols - 1 - j
                rhs_w[j] = g[i, jj] * b[i, jj]
                out_w[j] = w[i, jj]
            rhs_w[n_cols - 1] += g_drv[i] * v_row[i]
            change = max(change, _substitute(cw[i], mw[i], g_word, rhs_w, out_w))
            for j in range(n_cols):
                w[i, n_cols - 1 - j] = out_w[j]
        for j in range(n_cols):
            for i in range(n_rows):
                rhs_b[i] = g[i, j] * w[i, j]
                out_b[i] = b[i, j]
            rhs_b[n_rows - 1] += g_sense[j] * v_col[j]
            change = max(change, _substitute(cb[j], mb[j], g_bit, rhs_b, out_b))
            for i in range(n_rows):
                b[i, j] = out_b[i]
        if change <= tol:
            return sweep
    return max_sweeps + 1


class _Network:
    """Cell voltages of the crossbar for given states and sources (fast path or Newton)."""

    def __init__(self, model, params, lines: Lines, rows: int, cols: int, tol: float):
        self.model, self.params, self.tol = model, params, tol
        self.shape = (rows, cols)
        self.fast = bool(getattr(model, "ohmic", False)) and all(
            x > 0 for x in (lines.word_segment, lines.bit_segment, lines.driver_resistance, lines.sense_resistance))
        self.lines = lines
        self.w = np.zeros(self.shape)
        self.b = np.zeros(self.shape)
        self.newton = NodalSolver(Network(rows, cols, lines, None))
        self.guess = None
        self.sweeps = 0
        self.newton_solves = 0

    def cell_voltages(self, state, v_row, v_col) -> np.ndarray:
        if self.fast:
            g = (self.model.current(state, 1.0, self.params) / 1.0).reshape(self.shape)
            scale = max(float(np.nanmax(np.abs(v_row), initial=0.0)), float(np.nanmax(np.abs(v_col), initial=0.0)), 1e-12)
            lines = self.lines
            g_drv = np.where(np.isnan(v_row), 0.0, 1.0 / lines.driver_resistance)
            g_sense = np.where(np.isnan(v_col), 0.0, 1.0 / lines.sense_resistance)
            n = _sweeps(g, 1.0 / lines.word_segment, 1.0 / lines.bit_segment, g_drv, np.nan_to_num(v_row), g_sense,
                        np.nan_to_num(v_col), self.w, self.b, self.tol * scale, MAX_SWEEPS)
            self.sweeps += min(n, MAX_SWEEPS)
            if n <= MAX_SWEEPS:
                return (self.w - self.b).ravel()
        op = self.newton.solve(lambda v: self.model.current(state, v, self.params), v_row, v_col, self.guess)
        self.guess = op.nodes
        self.newton_solves += 1
        n_cells = self.shape[0] * self.shape[1]
        self.w[:], self.b[:] = op.nodes[:n_cells].reshape(self.shape), op.nodes[n_cells:2 * n_cells].reshape(self.shape)
        return op.cell_voltage.ravel()


def line_transient(model, params, lines: Lines, times, v_rows, v_cols, state0, *, probes=None,
                   tol: float = 1e-10, state_tol: float = 1e-4) -> LineTransient:
    """Run a crossbar of ``model`` cells on the time grid ``times`` [s] (n_t,), with word-line
    sources ``v_rows`` (n_t, R) and bit-line sources ``v_cols`` (n_t, C) [V] (NaN = floating)
    linear between grid points, from ``state0`` (n_states, R·C). ``probes``: flat cell indices
    whose current is recorded at every grid time (default: all cells). ``tol``: Gauss–Seidel stops
    when no node moves by more than tol × the largest source voltage (each sweep cuts the error
    ~10×, so 1e-10 leaves ~1e-13 relative in the currents).

    Each grid interval is covered by Heun steps whose local error (Heun - Euler) stays below
    ``state_tol`` of each state's range: an interval where the states move fast (a switching
    event, a stiff window edge) is cut into sub-steps, elsewhere one step spans it.
    """
    times, v_rows, v_cols = np.asarray(times, float), np.asarray(v_rows, float), np.asarray(v_cols, float)
    if times.ndim != 1 or times.size < 2 or not np.all(np.diff(times) > 0):
        raise param_error("times", "line_transient", "a strictly increasing grid of >= 2 times [s]", times.shape)
    if v_rows.shape[0] != times.size or v_cols.shape[0] != times.size:
        raise param_error("v_rows", "line_transient", f"one row of source voltages per time ({times.size})",
                          (v_rows.shape, v_cols.shape))
    if not (np.isfinite(state_tol) and state_tol > 0):
        raise param_error("state_tol", "line_transient", "a finite tolerance > 0", state_tol)
    rows, cols = v_rows.shape[1], v_cols.shape[1]
    probes = np.arange(rows * cols) if probes is None else np.asarray(probes, dtype=int)
    net = _Network(model, params, lines, rows, cols, tol)
    scale = np.array([hi - lo if np.isfinite(hi - lo) else 1.0 for lo, hi in model.state_bounds])[:, None]
    x = np.array(state0, dtype=float, copy=True)
    v = net.cell_voltages(x, v_rows[0], v_cols[0])
    record = np.empty((times.size, probes.size))
    record[0] = model.current(x[:, probes], v[probes], params)
    h = times[1] - times[0]
    previous = None
    for k in range(times.size - 1):
        t, span = times[k], times[k + 1] - times[k]
        h = min(h, span) if h > 0 else span
        now = net.w.copy(), net.b.copy()
        if previous is not None:  # warm start: node voltages extrapolated linearly in time
            ratio = span / (times[k] - times[k - 1])
            net.w += ratio * (now[0] - previous[0])
            net.b += ratio * (now[1] - previous[1])
        previous = now
        while t < times[k + 1]:
            h = min(h, times[k + 1] - t)
            frac = (t + h - times[k]) / span
            src = (v_rows[k] + frac * (v_rows[k + 1] - v_rows[k]), v_cols[k] + frac * (v_cols[k + 1] - v_cols[k]))
            f0 = model.rates(x, v, t, params)
            x_euler = model.clip_state(x + h * f0)
            v_euler = net.cell_voltages(x_euler, *src)
            x_heun = model.clip_state(x + 0.5 * h * (f0 + model.rates(x_euler, v_euler, t + h, params)))
            error = float(np.max(np.abs(x_heun - x_euler) / scale))
            if error > state_tol and h > span * 2.0 ** -30:
                h *= max(0.1, 0.9 * np.sqrt(state_tol / error))
                continue
            x, t = x_heun, t + h
            v = net.cell_voltages(x, *src)
            h = span if error == 0 else h * min(4.0, 0.9 * np.sqrt(state_tol / error))
        record[k + 1] = model.current(x[:, probes], v[probes], params)
    return LineTransient(times, record, model.current(x, v, params).reshape(rows, cols), x, net.sweeps, net.newton_solves)
