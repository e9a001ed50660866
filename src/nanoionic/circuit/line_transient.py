"""Transient of a resistive crossbar on a time grid, the way a circuit simulator runs it.

Same topology as ``circuit.nodal`` (word lines driven at column 0 through the driver
resistance, bit lines sensed at row R-1 through the sense resistance, one segment between
neighbouring cells). Sources are given at the grid times and vary linearly between them (SPICE
PWL). Each step is Heun's method on the cell states with a network solve at both ends:

    x* = x_k + h·f(x_k, v_k);  v* = cell voltages of the network with x* at t_k+1
    x_k+1 = x_k + h/2·(f(x_k, v_k) + f(x*, v*));  v_k+1 from x_k+1 at t_k+1

(second order, like the trapezoidal rule of SPICE), with |x_k+1 - x*| as the local error
estimate that cuts a grid interval into sub-steps where the states move fast. Cells whose
current is ohmic in the cell voltage (``DeviceModel.ohmic``) are solved by block Gauss–Seidel
over the lines: with the bit nodes fixed each word line is a tridiagonal system, and vice
versa; warm-started from the
previous time point it converges in a few sweeps because the cells couple the line networks
weakly (g_cell ≪ g_line). Sweeps stop when no node voltage moves by more than ``tol`` times the
largest source voltage; if they do not converge (cells as conductive as the lines), the sparse
Newton solver of ``circuit.nodal`` takes over from then on, as it does for non-ohmic cells.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nanoionic._core.errors import param_error
from nanoionic.circuit.nodal import Lines, Network, NodalSolver
from nanoionic.circuit.drive import check_array_size

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
def _factor_lines(g, g_seg, g_end, end, c, minv):  # pragma: no cover - compiled
    """Thomas factors of every line (row k of ``g``: the cells' conductances to the other network
    [S]); ``g_seg`` [S] between neighbours, ``g_end[k]`` [S] to the line's source at index
    ``end``. Fills c (super-diagonal ratios) and minv (inverse pivots) row by row."""
    n_lines, n = g.shape
    for k in range(n_lines):
        prev = 0.0
        for j in range(n):
            diag = g[k, j] + (g_seg if j > 0 else 0.0) + (g_seg if j < n - 1 else 0.0) + (g_end[k] if j == end else 0.0)
            inv = 1.0 / (diag - g_seg * prev if j > 0 else diag)
            minv[k, j] = inv
            prev = g_seg * inv if j < n - 1 else 0.0
            c[k, j] = prev


@_jit
def _solve_lines(c, minv, g_seg, g, other, g_end, v_end, end, x, d):  # pragma: no cover - compiled
    """One block of a Gauss-Seidel sweep: every line's tridiagonal system, with the other network's
    node voltages ``other`` fixed, solved in place into ``x``; returns the largest change [V]."""
    n_lines, n = x.shape
    change = 0.0
    for k in range(n_lines):
        prev = 0.0
        for j in range(n):
            rhs = g[k, j] * other[k, j] + (g_end[k] * v_end[k] if j == end else 0.0)
            prev = (rhs + g_seg * prev) * minv[k, j]
            d[j] = prev
        nxt = 0.0
        for j in range(n - 1, -1, -1):
            value = d[j] + c[k, j] * nxt
            change = max(change, abs(value - x[k, j]))
            x[k, j] = value
            nxt = value
    return change


@_jit
def _sweeps(g, g_word, g_bit, g_drv, v_row, g_sense, v_col, w, b, tol, max_sweeps):  # pragma: no cover - compiled
    """Block Gauss–Seidel on the line networks of an ohmic crossbar; w, b updated in place.
    Word line i is driven at column 0, bit line j sensed at row R-1 (bit lines are handled
    transposed so every line is contiguous). Returns the sweep count (max_sweeps + 1 if not
    converged)."""
    n_rows, n_cols = g.shape
    g_t, b_t, w_t = g.T.copy(), b.T.copy(), np.empty((n_cols, n_rows))
    cw, mw = np.empty((n_rows, n_cols)), np.empty((n_rows, n_cols))
    cb, mb = np.empty((n_cols, n_rows)), np.empty((n_cols, n_rows))
    _factor_lines(g, g_word, g_drv, 0, cw, mw)
    _factor_lines(g_t, g_bit, g_sense, n_rows - 1, cb, mb)
    d = np.empty(max(n_rows, n_cols))
    result = max_sweeps + 1
    for sweep in range(1, max_sweeps + 1):
        change = _solve_lines(cw, mw, g_word, g, b_t.T.copy(), g_drv, v_row, 0, w, d)
        w_t[:, :] = w.T
        change = max(change, _solve_lines(cb, mb, g_bit, g_t, w_t, g_sense, v_col, n_rows - 1, b_t, d))
        if change <= tol:
            result = sweep
            break
    b[:, :] = b_t.T
    return result


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
            floating_row, floating_col = np.isnan(v_row), np.isnan(v_col)
            v_row, v_col = np.where(floating_row, 0.0, v_row), np.where(floating_col, 0.0, v_col)
            scale = max(float(np.abs(v_row).max(initial=0.0)), float(np.abs(v_col).max(initial=0.0)), 1e-12)
            lines = self.lines
            g_drv = np.where(floating_row, 0.0, 1.0 / lines.driver_resistance)
            g_sense = np.where(floating_col, 0.0, 1.0 / lines.sense_resistance)
            n = _sweeps(g, 1.0 / lines.word_segment, 1.0 / lines.bit_segment, g_drv, v_row, g_sense, v_col,
                        self.w, self.b, self.tol * scale, MAX_SWEEPS)
            self.sweeps += min(n, MAX_SWEEPS)
            if n <= MAX_SWEEPS:
                return (self.w - self.b).ravel()
            self.fast = False  # cells as conductive as the lines: Newton from now on
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
    if times.ndim != 1 or times.size < 2 or not np.all(np.isfinite(times)) or not np.all(np.diff(times) > 0):
        raise param_error("times", "line_transient", "a finite, strictly increasing grid of >= 2 times [s]", times.shape)
    for name, v in (("v_rows", v_rows), ("v_cols", v_cols)):
        if v.ndim != 2 or v.shape[0] != times.size or v.shape[1] < 1:
            raise param_error(name, "line_transient", f"(times, lines) = ({times.size}, >= 1) source voltages [V]", v.shape)
        if np.any(np.isinf(v)):
            raise param_error(name, "line_transient", "finite source voltages [V] (NaN = floating)", "inf")
    for name, value in (("tol", tol), ("state_tol", state_tol)):
        if not (np.isfinite(value) and value > 0):
            raise param_error(name, "line_transient", "a finite tolerance > 0", value)
    rows, cols = check_array_size(v_rows.shape[1], v_cols.shape[1], "line_transient")
    probes = np.arange(rows * cols) if probes is None else np.asarray(probes)
    if probes.ndim != 1 or probes.dtype.kind not in "iu" or np.any((probes < 0) | (probes >= rows * cols)):
        raise param_error("probes", "line_transient", f"flat cell indices in [0, {rows * cols})", probes.tolist())
    x = np.array(state0, dtype=float, copy=True)
    if x.shape != (model.n_states, rows * cols) or not np.all(np.isfinite(x)):
        raise param_error("state0", "line_transient", f"finite states shaped ({model.n_states}, {rows * cols})", x.shape)
    net = _Network(model, params, lines, rows, cols, tol)
    scale = np.array([hi - lo if np.isfinite(hi - lo) else 1.0 for lo, hi in model.state_bounds])[:, None]
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
