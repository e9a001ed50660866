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

MIN_RESISTANCE = 1e-9
"""Smallest non-zero line, driver or sense resistance [Ω]; below it the nodal matrix loses all
precision. 0 is allowed and exact: a zero driver or sense resistance fixes the end node to its
source, and zero line segments merge a line's nodes into one node."""
MAX_NEWTON = 60
KCL_TOL = 1e-11
"""Newton stops when every node's net current is below this fraction of its branch currents."""
KCL_ACCEPT = 1e-9
"""Relative KCL residual accepted once Newton stops improving it (node voltages are resolved to
~1e-16·|V|, so a line current of g·ΔV is known to ~g·1e-16·|V| A, not better)."""
KCL_FLOOR = 1e-2
"""Nodes whose branch currents are below this fraction of the array's largest are judged
against that floor: node voltages are known to ~1e-16·|V|, so a line segment of conductance g
carries a current known to ~g·1e-16·|V| (5e-16 A for 0.5 S at 5 V), which is more than 1e-9 of
the nanoamps a node far from the selected cell carries."""
KCL_ABSOLUTE_FLOOR = 1e-15
"""[A] below which a current counts as zero in the KCL check (all lines at 0 V)."""
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

    @classmethod
    def from_threshold_switch(cls, params, *, width_fraction: float = 0.02) -> "Selector":
        """A static selector built from an electro-thermal threshold switch's quasi-static I–V
        (``models.threshold_switch.static_selector_values``; ``params`` is a
        ThresholdSwitchParams, a ParameterSet or a preset name such as "NbO2/selector").

        Why static: the DC nodal solve needs a monotonic I(V) for a unique operating point; the
        switch's own steady-state I–V has an NDR branch (S-shape), which a voltage-driven cell
        jumps over. The logistic keeps the switch's threshold, off-state (at V_th/2) and on-state
        (holding point) conductances; the volatile dynamics (turn-on delay, relaxation) are left
        out. For transients of a switch in series with a cell, simulate the switch model itself."""
        from nanoionic.models.threshold_switch import ThresholdSwitchParams, static_selector_values
        from nanoionic.parameters import load_parameter_set

        if isinstance(params, str):
            params = load_parameter_set(params).params
        params = getattr(params, "params", params)
        if not isinstance(params, ThresholdSwitchParams):
            raise param_error("params", "Selector.from_threshold_switch",
                              "ThresholdSwitchParams, a threshold-switch ParameterSet or preset name", params)
        if not (np.isfinite(width_fraction) and 0 < width_fraction <= 0.5):
            raise param_error("width_fraction", "Selector.from_threshold_switch", "in (0, 0.5]", width_fraction)
        return cls(**static_selector_values(params, width_fraction))

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
            if not (np.isfinite(value) and (value == 0 or MIN_RESISTANCE <= value)):
                raise param_error(name, "crossbar lines", f"0 Ohm (an ideal short) or a finite resistance >= "
                                  f"{MIN_RESISTANCE:g} Ohm", value)


@dataclass
class Network:
    """Index bookkeeping and the constant line conductance matrix of an R×C crossbar.

    ``word``, ``bit`` and ``mid`` give the node of every cell position (R, C). A line with zero
    segment resistance is one node (every position of a word line shares its row's node, every
    position of a bit line its column's), so an exact short is exact and needs no tiny resistor.
    ``layout`` maps the full layout (R·C word, R·C bit[, R·C selector] positions, the form of
    OperatingPoint.nodes) to the nodes."""

    rows: int
    cols: int
    lines: Lines
    selector: Selector | None

    def __post_init__(self):
        r, c = self.rows, self.cols
        n_word = r if self.lines.word_segment == 0 else r * c
        n_bit = c if self.lines.bit_segment == 0 else r * c
        word = np.arange(r)[:, None] if self.lines.word_segment == 0 else np.arange(r * c).reshape(r, c)
        bit = np.arange(c)[None, :] if self.lines.bit_segment == 0 else np.arange(r * c).reshape(r, c)
        self.word = np.broadcast_to(word, (r, c)).copy()
        self.bit = n_word + np.broadcast_to(bit, (r, c)).copy()
        self.mid = n_word + n_bit + np.arange(r * c).reshape(r, c) if self.selector else None
        self.n_nodes = n_word + n_bit + (r * c if self.selector else 0)
        parts = [self.word.ravel(), self.bit.ravel()] + ([self.mid.ravel()] if self.selector else [])
        self.layout = np.concatenate(parts)
        self.g_lines = self._line_matrix()

    def full_layout(self, x: np.ndarray) -> np.ndarray:
        """Node voltages ``x`` [V] spread over the full layout (one entry per cell terminal)."""
        return x[self.layout]

    def from_full_layout(self, full: np.ndarray) -> np.ndarray:
        """Node voltages [V] from a full-layout vector (merged positions hold the same value)."""
        x = np.zeros(self.n_nodes)
        x[self.layout] = full
        return x

    def _line_matrix(self) -> sp.csr_matrix:
        """Nodal matrix of the line segments; also keeps them as branch lists (a, b, g)."""
        pairs, g = [], []
        for nodes, r_seg, axis in ((self.word, self.lines.word_segment, 1), (self.bit, self.lines.bit_segment, 0)):
            if r_seg == 0:
                continue  # merged into one node per line
            a = nodes[:, :-1] if axis == 1 else nodes[:-1, :]
            b = nodes[:, 1:] if axis == 1 else nodes[1:, :]
            if a.size:
                pairs.append(np.stack([a.ravel(), b.ravel()]))
                g.append(np.full(a.size, 1.0 / r_seg))
        if not pairs:
            pairs, g = [np.zeros((2, 0), int)], [np.zeros(0)]
        self.line_a, self.line_b = np.concatenate(pairs, axis=1)
        self.line_g = np.concatenate(g)
        return _two_terminal(self.line_a, self.line_b, self.line_g, self.n_nodes)

    def line_currents(self, x: np.ndarray) -> np.ndarray:
        """Current in every line segment from node a to node b [A]."""
        return self.line_g * (x[self.line_a] - x[self.line_b])

    def driver_nodes(self):
        """(word end nodes (R,), bit end nodes (C,)): where sources connect."""
        return self.word[:, 0], self.bit[-1, :]

    def cell_terminals(self):
        """(top, bottom) node of each memristor, flattened row-major."""
        return self.word.ravel(), (self.mid if self.selector else self.bit).ravel()


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
    """Node voltages [V] in the full layout: R·C word-line positions, R·C bit-line positions
    (row-major), then R·C selector midpoints if there are selectors."""
    cell_voltage: np.ndarray
    """(R, C) voltage across each memristor [V]."""
    cell_current: np.ndarray
    """(R, C) current through each memristor, word → bit node [A]."""
    sense_current: np.ndarray
    """(C,) current into each bit line's sense end [A] (what a sense amplifier measures)."""
    driver_current: np.ndarray
    """(R,) current each word-line driver delivers [A]."""
    kcl_residual: float
    """max over nodes of |net current| / the largest branch current at that node (floored at
    KCL_FLOOR × the array's largest). Newton also stops once the net currents are below what
    float64 node voltages resolve (``_resolvable_current``), which for lines of ~1 µΩ is
    larger than 1e-9 of the cell currents; the residual reported is then larger too."""
    iterations: int


class NodalSolver:
    """Solve the crossbar for given line sources and cell currents ``cell_current(v)`` [A]."""

    def __init__(self, network: Network):
        self.net = network

    def solve(self, cell_current, v_rows: np.ndarray, v_cols: np.ndarray, guess: np.ndarray | None = None,
              where: str = "") -> OperatingPoint:
        """Node voltages with Kirchhoff's law met to KCL_TOL (relative, see OperatingPoint).
        With every source at 0 V the start is all nodes at 0 V, exact for cells with I(0) = 0."""
        net = self.net
        fixed, fixed_v, g_src, v_src = self._sources(v_rows, v_cols)
        all_zero = not np.any(np.nan_to_num(v_rows)) and not np.any(np.nan_to_num(v_cols))
        x = self._initial_guess(v_rows, v_cols) if guess is None or all_zero else net.from_full_layout(guess)
        x[fixed] = fixed_v
        top, bot = net.cell_terminals()
        previous = np.inf
        for it in range(MAX_NEWTON + 1):
            f, jac, branches = self._residual(x, cell_current, top, bot, g_src, v_src)
            f[fixed] = 0.0
            scale = self._node_current_scale(x, branches, g_src, v_src)
            kcl = float(np.max(np.abs(f) / scale))
            excess = float(np.max(np.abs(f) / np.maximum(scale, _resolvable_current(jac, x) / KCL_TOL)))
            if excess <= KCL_TOL or (excess <= KCL_ACCEPT and kcl > 0.5 * previous):  # converged, or at round-off
                return self._operating_point(x, cell_current, top, bot, g_src, v_src, kcl, it)
            if it == MAX_NEWTON:
                break
            dx = spla.spsolve(_pin_rows(jac, fixed).tocsc(), -f)
            if not np.all(np.isfinite(dx)):
                break
            x += self._damping(dx, top, bot) * dx
            previous = kcl
        worst = np.argsort(-np.abs(f))[:3]
        raise IntegrationError(f"crossbar Newton solve did not converge{where} after {it} iterations; "
                               f"worst nodes {[self._node_name(k) for k in worst]} with residual currents "
                               f"{[f'{abs(f[k]):.3g} A' for k in worst]}")

    # ----------------------------------------------------------------------- pieces

    def _initial_guess(self, v_rows, v_cols) -> np.ndarray:
        """Word nodes at their row source, bit nodes at their column source (floating: 0 V)."""
        net = self.net
        x = np.zeros(net.n_nodes)
        x[net.word] = np.nan_to_num(v_rows)[:, None]
        x[net.bit] = np.nan_to_num(v_cols)[None, :]
        if net.selector:
            x[net.mid] = 0.5 * (x[net.word] + x[net.bit])
        return x

    def _sources(self, v_rows, v_cols):
        """Fixed nodes and their voltages; source conductance (diagonal) and injection vector."""
        net, lines = self.net, self.net.lines
        g_src = np.zeros(net.n_nodes)
        v_src = np.zeros(net.n_nodes)
        fixed, fixed_v = [np.zeros(0, int)], [np.zeros(0)]
        word_end, bit_end = net.driver_nodes()
        for nodes, volts, r in ((word_end, v_rows, lines.driver_resistance), (bit_end, v_cols, lines.sense_resistance)):
            driven = ~np.isnan(volts)
            if r == 0:
                fixed.append(nodes[driven]), fixed_v.append(volts[driven])
            else:
                g_src[nodes[driven]] = 1.0 / r
                v_src[nodes[driven]] = volts[driven]
        return np.concatenate(fixed).astype(int), np.concatenate(fixed_v), g_src, v_src

    def _branch_currents(self, x, cell_current, top, bot):
        """Memristor and selector currents [A] and their derivatives [S] at node voltages x."""
        v_cell = x[top] - x[bot]
        i_cell, g_cell = _with_derivative(cell_current, v_cell)
        if not self.net.selector:
            return v_cell, i_cell, g_cell, None, None
        v_sel = x[self.net.mid.ravel()] - x[self.net.bit.ravel()]
        i_sel, g_sel = _with_derivative(self.net.selector.current, v_sel)
        return v_cell, i_cell, g_cell, i_sel, g_sel

    def _residual(self, x, cell_current, top, bot, g_src, v_src):
        """Net current leaving every node [A] (summed from branch currents, so its round-off is
        relative to the currents, not to the node voltages), the Jacobian [S] and the branches."""
        net = self.net
        _, i_cell, g_cell, i_sel, g_sel = self._branch_currents(x, cell_current, top, bot)
        i_line = net.line_currents(x)
        n = net.n_nodes
        f = g_src * (x - v_src) + np.bincount(net.line_a, i_line, n) - np.bincount(net.line_b, i_line, n)
        f += np.bincount(top, i_cell, n) - np.bincount(bot, i_cell, n)
        jac = net.g_lines + sp.diags(g_src) + _two_terminal(top, bot, g_cell, net.n_nodes)
        if i_sel is not None:
            mid, bit = net.mid.ravel(), net.bit.ravel()
            f += np.bincount(mid, i_sel, n) - np.bincount(bit, i_sel, n)
            jac = jac + _two_terminal(mid, bit, g_sel, net.n_nodes)
        return f, jac, (i_cell, i_sel)

    def _damping(self, dx, top, bot) -> float:
        """Step scale so that no cell or selector voltage moves by more than MAX_CELL_STEP."""
        steps = [np.abs(dx[top] - dx[bot])]
        if self.net.selector:
            steps.append(np.abs(dx[self.net.mid.ravel()] - dx[self.net.bit.ravel()]))
        largest = max(float(np.max(s)) for s in steps)
        return 1.0 if largest <= MAX_CELL_STEP else MAX_CELL_STEP / largest

    def _operating_point(self, x, cell_current, top, bot, g_src, v_src, kcl: float, iterations: int) -> OperatingPoint:
        net = self.net
        v_cell, i_cell, _, _, _ = self._branch_currents(x, cell_current, top, bot)
        word_end, bit_end = net.driver_nodes()
        sense = self._end_current(x, bit_end, net.lines.sense_resistance, g_src, v_src, -1, cell_current, top, bot)
        driver = self._end_current(x, word_end, net.lines.driver_resistance, g_src, v_src, +1, cell_current, top, bot)
        return OperatingPoint(net.full_layout(x), v_cell.reshape(net.rows, net.cols), i_cell.reshape(net.rows, net.cols), sense, driver,
                              kcl, iterations)

    def _node_current_scale(self, x, branches, g_src, v_src):
        """Largest branch current touching each node [A] (the scale of its KCL residual)."""
        net = self.net
        scale = np.zeros(net.n_nodes)
        i_line = np.abs(net.line_currents(x))
        np.maximum.at(scale, net.line_a, i_line)
        np.maximum.at(scale, net.line_b, i_line)
        i_cell, i_sel = branches
        top, bot = net.cell_terminals()
        for nodes in (top, bot):
            np.maximum.at(scale, nodes, np.abs(i_cell))
        if i_sel is not None:
            for nodes in (net.mid.ravel(), net.bit.ravel()):
                np.maximum.at(scale, nodes, np.abs(i_sel))
        np.maximum(scale, np.abs(g_src * (x - v_src)), out=scale)
        return np.maximum(scale, max(KCL_FLOOR * float(np.max(scale)), KCL_ABSOLUTE_FLOOR))

    def _end_current(self, x, nodes, r, g_src, v_src, sign, cell_current, top, bot):
        """Current through each line-end source connection, into the network for sign=+1 [A]."""
        if r > 0:
            return sign * g_src[nodes] * (v_src[nodes] - x[nodes])
        f, _, _ = self._residual(x, cell_current, top, bot, g_src, v_src)
        return sign * f[nodes]

    def _node_name(self, k: int) -> str:
        net = self.net
        for kind, nodes in (("word", net.word), ("bit", net.bit), ("selector", net.mid)):
            where = np.argwhere(nodes == k) if nodes is not None else np.zeros((0, 2))
            if len(where) == 1:
                return f"{kind} node (row {where[0][0]}, col {where[0][1]})"
            if len(where) > 1:
                return f"{kind} line {'row' if kind == 'word' else 'col'} {where[0][0 if kind == 'word' else 1]}"
        return f"node {k}"


def _resolvable_current(jac, x) -> np.ndarray:
    """Smallest net current [A] float64 node voltages resolve at each node: 2·eps·|V|·Σg
    (with 1 µΩ lines this, not the cell currents, sets the KCL floor)."""
    return 2 * np.finfo(float).eps * max(1.0, float(np.max(np.abs(x)))) * np.abs(jac.diagonal())


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
