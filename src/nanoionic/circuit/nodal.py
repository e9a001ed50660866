"""DC operating point of a resistive crossbar: Newton iteration on the sparse nodal system.

Topology (also what ``export`` writes for SPICE): word line i runs along its row, driven from the
left end (column 0) through ``driver_resistance``; bit line j runs down its column and is sensed
at the bottom end (row R-1) through ``sense_resistance``. Neighbouring cells on a line are joined
by one line segment (``word_segment`` / ``bit_segment`` Ω). Cell (i, j) joins word node (i, j)
to bit node (i, j), optionally through a series selector with its own internal node (1S1R).
A zero driver or sense resistance fixes the end node to the source voltage; a NaN source
voltage leaves the line floating.

Unknowns: word nodes (R·C), bit nodes (R·C), then selector nodes (R·C, 1S1R only) [V].
Kirchhoff's current law at every node is solved with Newton's method; the Jacobian is
G_lines + Aᵀ·diag(dI/dV)·A with the cells' differential conductances (central differences).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from nanoionic._core.errors import IntegrationError, param_error
from nanoionic.physics.conduction import threshold_selector_current

MAX_NEWTON = 60
MAX_CELL_STEP = 0.5
"""Largest change of any cell voltage per Newton step [V] (damping of the exponential laws)."""


@dataclass(frozen=True)
class Selector:
    """Static threshold selector in series with each cell (1S1R), see
    ``physics.conduction.threshold_selector_current``."""

    threshold_voltage: float = 2.0
    """V_th [V]: bias where the selector turns on."""
    on_conductance: float = 1e-2
    """G_on [S]."""
    off_conductance: float = 1e-9
    """G_off [S]."""
    transition_width: float = 0.05
    """Width of the turn-on [V] (smaller = steeper)."""

    def __post_init__(self):
        for name in ("threshold_voltage", "on_conductance", "off_conductance", "transition_width"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise param_error(name, "Selector", "a finite value > 0", value)
        if self.off_conductance >= self.on_conductance:
            raise param_error("off_conductance", "Selector", f"< on_conductance = {self.on_conductance:g} S",
                              self.off_conductance)

    def current(self, v):
        return threshold_selector_current(v, self.threshold_voltage, self.on_conductance, self.off_conductance,
                                          self.transition_width)


@dataclass(frozen=True)
class Lines:
    """Line geometry of a resistive crossbar [Ω]."""

    word_segment: float = 0.0
    bit_segment: float = 0.0
    driver_resistance: float = 0.0
    sense_resistance: float = 0.0

    def __post_init__(self):
        for name in ("word_segment", "bit_segment", "driver_resistance", "sense_resistance"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value >= 0):
                raise param_error(name, "crossbar lines", "a finite resistance >= 0 Ohm", value)


@dataclass
class Network:
    """Index bookkeeping and the constant line conductance matrix of an R×C crossbar."""

    rows: int
    cols: int
    lines: Lines
    selector: Selector | None

    def __post_init__(self):
        r, c = self.rows, self.cols
        n = r * c
        self.word = np.arange(n).reshape(r, c)
        self.bit = n + np.arange(n).reshape(r, c)
        self.mid = 2 * n + np.arange(n).reshape(r, c) if self.selector else None
        self.n_nodes = (3 if self.selector else 2) * n
        self.g_lines = self._line_matrix()

    def _line_matrix(self) -> sp.csr_matrix:
        pairs, g = [], []
        for nodes, r_seg, axis in ((self.word, self.lines.word_segment, 1), (self.bit, self.lines.bit_segment, 0)):
            a = nodes[:, :-1] if axis == 1 else nodes[:-1, :]
            b = nodes[:, 1:] if axis == 1 else nodes[1:, :]
            if a.size:
                pairs.append(np.stack([a.ravel(), b.ravel()]))
                g.append(np.full(a.size, _conductance(r_seg)))
        if not pairs:
            return sp.csr_matrix((self.n_nodes, self.n_nodes))
        a, b = np.concatenate(pairs, axis=1)
        g = np.concatenate(g)
        return _two_terminal(a, b, g, self.n_nodes)

    def driver_nodes(self):
        """(word end nodes (R,), bit end nodes (C,)): where sources connect."""
        return self.word[:, 0], self.bit[-1, :]

    def cell_terminals(self):
        """(top, bottom) node of each memristor, flattened row-major."""
        return self.word.ravel(), (self.mid if self.selector else self.bit).ravel()


def _conductance(r: float) -> float:
    """1/R for a line segment; R = 0 becomes 1e12 S (a 1 pΩ short, far below any cell)."""
    return 1.0 / r if r > 0 else 1e12


def _two_terminal(a: np.ndarray, b: np.ndarray, g: np.ndarray, n: int) -> sp.csr_matrix:
    """Stamp conductances g between nodes a and b into an n×n nodal matrix."""
    i = np.concatenate([a, b, a, b])
    j = np.concatenate([a, b, b, a])
    v = np.concatenate([g, g, -g, -g])
    return sp.csr_matrix((v, (i, j)), shape=(n, n))


@dataclass
class OperatingPoint:
    """Solved DC state of the network at one time point."""

    nodes: np.ndarray
    """(n_nodes,) node voltages [V]."""
    cell_voltage: np.ndarray
    """(R, C) voltage across each memristor [V]."""
    cell_current: np.ndarray
    """(R, C) current through each memristor, word → bit node [A]."""
    sense_current: np.ndarray
    """(C,) current into each bit line's sense end [A] (what a sense amplifier measures)."""
    driver_current: np.ndarray
    """(R,) current each word-line driver delivers [A]."""
    kcl_residual: float
    """max |net current| at a node / the largest branch current at that node (relative)."""
    iterations: int


class NodalSolver:
    """Solve the crossbar for given line sources and cell currents ``cell_current(v)`` [A]."""

    def __init__(self, network: Network, tol: float = 1e-12):
        self.net = network
        self.tol = tol

    def solve(self, cell_current, v_rows: np.ndarray, v_cols: np.ndarray, guess: np.ndarray | None = None,
              where: str = "") -> OperatingPoint:
        net = self.net
        fixed, fixed_v, g_src, b_src = self._sources(v_rows, v_cols)
        x = np.zeros(net.n_nodes) if guess is None else guess.copy()
        x[fixed] = fixed_v
        top, bot = net.cell_terminals()
        for it in range(1, MAX_NEWTON + 1):
            f, jac = self._residual(x, cell_current, top, bot, g_src, b_src)
            f[fixed] = 0.0
            jac = _pin_rows(jac, fixed)
            dx = spla.spsolve(jac.tocsc(), -f)
            if not np.all(np.isfinite(dx)):
                break
            scale = self._damping(dx, top, bot)
            x += scale * dx
            if scale == 1.0 and np.max(np.abs(dx)) <= self.tol * max(1.0, np.max(np.abs(x))):
                return self._operating_point(x, cell_current, top, bot, g_src, b_src, fixed, it)
        f, _ = self._residual(x, cell_current, top, bot, g_src, b_src)
        f[fixed] = 0.0
        worst = np.argsort(-np.abs(f))[:3]
        raise IntegrationError(f"crossbar Newton solve did not converge{where} after {MAX_NEWTON} iterations; "
                               f"worst nodes {[self._node_name(k) for k in worst]} with residual currents "
                               f"{[f'{abs(f[k]):.3g} A' for k in worst]}")

    # ----------------------------------------------------------------------- pieces

    def _sources(self, v_rows, v_cols):
        """Fixed nodes and their voltages; source conductance (diagonal) and injection vector."""
        net, lines = self.net, self.net.lines
        g_src = np.zeros(net.n_nodes)
        b_src = np.zeros(net.n_nodes)
        fixed, fixed_v = [], []
        word_end, bit_end = net.driver_nodes()
        for nodes, volts, r in ((word_end, v_rows, lines.driver_resistance), (bit_end, v_cols, lines.sense_resistance)):
            driven = ~np.isnan(volts)
            if r == 0:
                fixed.append(nodes[driven]), fixed_v.append(volts[driven])
            else:
                g_src[nodes[driven]] += 1.0 / r
                b_src[nodes[driven]] += volts[driven] / r
        return np.concatenate(fixed).astype(int), np.concatenate(fixed_v), g_src, b_src

    def _branch_currents(self, x, cell_current, top, bot):
        """Memristor and selector currents [A] and their derivatives [S] at node voltages x."""
        v_cell = x[top] - x[bot]
        i_cell, g_cell = _with_derivative(cell_current, v_cell)
        if not self.net.selector:
            return v_cell, i_cell, g_cell, None, None
        v_sel = x[self.net.mid.ravel()] - x[self.net.bit.ravel()]
        i_sel, g_sel = _with_derivative(self.net.selector.current, v_sel)
        return v_cell, i_cell, g_cell, i_sel, g_sel

    def _residual(self, x, cell_current, top, bot, g_src, b_src):
        """Net current leaving every node [A] and the Jacobian [S]."""
        net = self.net
        _, i_cell, g_cell, i_sel, g_sel = self._branch_currents(x, cell_current, top, bot)
        f = net.g_lines @ x + g_src * x - b_src
        np.add.at(f, top, i_cell)
        np.add.at(f, bot, -i_cell)
        jac = net.g_lines + sp.diags(g_src) + _two_terminal(top, bot, g_cell, net.n_nodes)
        if i_sel is not None:
            mid, bit = net.mid.ravel(), net.bit.ravel()
            np.add.at(f, mid, i_sel)
            np.add.at(f, bit, -i_sel)
            jac = jac + _two_terminal(mid, bit, g_sel, net.n_nodes)
        return f, jac

    def _damping(self, dx, top, bot) -> float:
        """Step scale so that no cell or selector voltage moves by more than MAX_CELL_STEP."""
        steps = [np.abs(dx[top] - dx[bot])]
        if self.net.selector:
            steps.append(np.abs(dx[self.net.mid.ravel()] - dx[self.net.bit.ravel()]))
        largest = max(float(np.max(s)) for s in steps)
        return 1.0 if largest <= MAX_CELL_STEP else MAX_CELL_STEP / largest

    def _operating_point(self, x, cell_current, top, bot, g_src, b_src, fixed, iterations) -> OperatingPoint:
        net = self.net
        v_cell, i_cell, _, _, _ = self._branch_currents(x, cell_current, top, bot)
        f, _ = self._residual(x, cell_current, top, bot, g_src, b_src)
        f[fixed] = 0.0
        scale = self._node_current_scale(x, i_cell, g_src, b_src)
        word_end, bit_end = net.driver_nodes()
        sense = self._end_current(x, bit_end, net.lines.sense_resistance, g_src, b_src, -1, cell_current, top, bot)
        driver = self._end_current(x, word_end, net.lines.driver_resistance, g_src, b_src, +1, cell_current, top, bot)
        return OperatingPoint(x, v_cell.reshape(net.rows, net.cols), i_cell.reshape(net.rows, net.cols), sense, driver,
                              float(np.max(np.abs(f) / scale)), iterations)

    def _node_current_scale(self, x, i_cell, g_src, b_src):
        """Largest branch current touching each node [A] (the scale of its KCL residual)."""
        net = self.net
        coo = net.g_lines.tocoo()
        off = coo.row != coo.col
        branch = np.abs(-coo.data[off] * (x[coo.row[off]] - x[coo.col[off]]))
        scale = np.zeros(net.n_nodes)
        np.maximum.at(scale, coo.row[off], branch)
        top, bot = net.cell_terminals()
        np.maximum.at(scale, top, np.abs(i_cell))
        np.maximum.at(scale, bot, np.abs(i_cell))
        np.maximum(scale, np.abs(g_src * x - b_src), out=scale)
        return np.maximum(scale, 1e-300)

    def _end_current(self, x, nodes, r, g_src, b_src, sign, cell_current, top, bot):
        """Current through each line-end source connection, into the network for sign=+1 [A]."""
        if r > 0:
            return sign * (b_src[nodes] - g_src[nodes] * x[nodes])
        f, _ = self._residual(x, cell_current, top, bot, g_src, b_src)
        return sign * f[nodes]

    def _node_name(self, k: int) -> str:
        n = self.net.rows * self.net.cols
        kind, idx = ("word", k) if k < n else ("bit", k - n) if k < 2 * n else ("selector", k - 2 * n)
        return f"{kind} node (row {idx // self.net.cols}, col {idx % self.net.cols})"


def _with_derivative(func, v):
    """func(v) and its derivative by central differences (step 1e-6·max(1, |v|) V)."""
    h = 1e-6 * np.maximum(1.0, np.abs(v))
    i = func(v)
    g = (func(v + h) - func(v - h)) / (2 * h)
    return i, np.maximum(g, 0.0)


def _pin_rows(jac: sp.spmatrix, fixed: np.ndarray) -> sp.csr_matrix:
    """Replace the rows of fixed nodes by identity rows."""
    if fixed.size == 0:
        return jac.tocsr()
    keep = np.ones(jac.shape[0])
    keep[fixed] = 0.0
    one = np.zeros(jac.shape[0])
    one[fixed] = 1.0
    return (sp.diags(keep) @ jac + sp.diags(one)).tocsr()
