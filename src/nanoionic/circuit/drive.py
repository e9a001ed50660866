"""What drives an array: per-cell voltages (``CellDrive``) or per-line voltages (``LineDrive``).

Both are sequences of segments on one common time grid, piecewise linear in time like a
``Waveform``. A ``CellDrive`` gives every cell its own voltage (a pixel-addressed array, as in the
SVDP paper's filter, where each pixel is driven by its own photodetector signal); a ``LineDrive``
gives every word line (row) and bit line (column) a source voltage, NaN meaning a floating line,
which is how a passive crossbar is really driven.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nanoionic._core.errors import param_error
from nanoionic.protocols.waveform import KIND, Waveform

_OWNER = "drive"

MAX_ARRAY_CELLS = 1 << 24
"""Largest crossbar [cells]: 4096 x 4096. Bigger arrays are refused up front (their drives and
maps alone would take tens of GB), not left to fail inside numpy."""


def check_array_size(n_rows, n_cols, owner: str) -> tuple[int, int]:
    """(rows, cols) as ints: each an integer >= 1, together at most MAX_ARRAY_CELLS cells."""
    for name, value in (("rows", n_rows), ("cols", n_cols)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise param_error(name, owner, "an integer >= 1", value)
    if int(n_rows) * int(n_cols) > MAX_ARRAY_CELLS:
        raise param_error("rows x cols", owner, f"at most {MAX_ARRAY_CELLS:,} cells (4096 x 4096)",
                          f"{n_rows} x {n_cols}")
    return int(n_rows), int(n_cols)


def _check_durations(duration: np.ndarray, owner: str) -> np.ndarray:
    duration = np.asarray(duration, dtype=float)
    if duration.ndim != 1 or duration.size == 0:
        raise param_error("duration", owner, "a non-empty 1-D array of segment durations [s]", duration.shape)
    bad = ~(np.isfinite(duration) & (duration > 0))
    if np.any(bad):
        raise param_error("duration", owner, "finite durations > 0 s", float(duration[bad][0]))
    return duration


def _check_indices(values, n: int, name: str, owner: str, upper: int | None = None) -> np.ndarray:
    """(n,) integers >= -1 (-1 = none), below ``upper`` if given; None gives all -1."""
    if values is None:
        return np.full(n, -1, np.int64)
    arr = np.asarray(values)
    top = f" and < {upper}" if upper is not None else ""
    if arr.shape != (n,) or arr.dtype.kind not in "iu" or np.any(arr < -1) or (upper is not None and np.any(arr >= upper)):
        raise param_error(name, owner, f"{n} integers >= -1 (-1 = none){top}", arr.tolist() if arr.size <= 8 else arr.shape)
    return arr.astype(np.int64)


def _check_kind(kind, n: int, owner: str) -> np.ndarray:
    kind = np.full(n, KIND["pulse"], np.int8) if kind is None else np.asarray(kind, dtype=np.int8)
    if kind.shape != (n,) or not np.all(np.isin(kind, list(KIND.values()))):
        raise param_error("kind", owner, f"{n} codes from {sorted(KIND.values())}", kind)
    return kind


@dataclass(frozen=True)
class CellDrive:
    """Per-cell voltages [V] on a common segment grid.

    Attributes
    ----------
    duration : (n_seg,) segment durations [s].
    v_start, v_end : (n_seg, rows, cols) cell voltage at the start and end of each segment [V].
    kind : (n_seg,) ``KIND`` code; ``read`` segments are where conductance maps are reported.
    label : (n_seg,) input number each segment belongs to (-1 before the first input).
    probe_voltage : if set [V], the conductance maps at reads are I(V_probe)/V_probe of every
        cell's state at that instant, whether or not the cell itself was read (a non-invasive
        look at cells that the scheme leaves alone); None: I/V at each cell's own voltage.
    """

    duration: np.ndarray
    v_start: np.ndarray
    v_end: np.ndarray
    kind: np.ndarray
    label: np.ndarray
    probe_voltage: float | None = None

    @classmethod
    def build(cls, duration, v_start, v_end=None, kind=None, label=None, probe_voltage=None) -> "CellDrive":
        duration = _check_durations(duration, "CellDrive")
        n = duration.size
        v_start = np.asarray(v_start, dtype=float)
        v_end = v_start if v_end is None else np.asarray(v_end, dtype=float)
        if v_start.ndim != 3 or v_start.shape[0] != n or v_end.shape != v_start.shape:
            raise param_error("v_start", "CellDrive", f"shaped ({n}, rows, cols) like v_end", v_start.shape)
        if not (np.all(np.isfinite(v_start)) and np.all(np.isfinite(v_end))):
            raise param_error("v_start", "CellDrive", "finite voltages [V]", "NaN or inf")
        label = _check_indices(label, n, "label", "CellDrive")
        if probe_voltage is not None and not (np.isfinite(probe_voltage) and probe_voltage != 0):
            raise param_error("probe_voltage", "CellDrive", "None or a finite non-zero voltage [V]", probe_voltage)
        return cls(duration, v_start, v_end, _check_kind(kind, n, "CellDrive"), label,
                   None if probe_voltage is None else float(probe_voltage))

    @classmethod
    def from_waveforms(cls, waveforms) -> "CellDrive":
        """Merge a (rows, cols) grid of Waveforms onto one time grid (union of their edges)."""
        grid = np.asarray(waveforms, dtype=object)
        if grid.ndim != 2 or not all(isinstance(w, Waveform) for w in grid.flat):
            raise param_error("waveforms", "CellDrive", "a 2-D grid of Waveforms", grid.shape)
        unique = {id(w): w for w in grid.flat}
        ends = np.unique(np.concatenate([w.breakpoints for w in unique.values()]))
        ends = ends[np.concatenate(([True], np.diff(ends) > 1e-12 * max(1.0, ends[-1])))]
        t0, t1 = ends[:-1], ends[1:]
        values = {k: _values_on(w, t0, t1) for k, w in unique.items()}
        is_read = np.any([v[2] == KIND["read"] for v in values.values()], axis=0)
        kind = np.where(is_read, KIND["read"], values[id(grid.flat[0])][2])
        pick = lambda i: np.stack([[values[id(w)][i] for w in row] for row in grid]).transpose(2, 0, 1)  # noqa: E731
        return cls.build(t1 - t0, pick(0), pick(1), kind)

    @property
    def n_segments(self) -> int:
        return int(self.duration.size)

    @property
    def shape(self) -> tuple[int, int]:
        return self.v_start.shape[1], self.v_start.shape[2]

    @property
    def t_end(self) -> np.ndarray:
        """(n_seg,) end time of every segment [s]."""
        return np.cumsum(self.duration)


def _values_on(w: Waveform, t0: np.ndarray, t1: np.ndarray):
    """V at t0 and at t1 [V] on the segment of ``w`` holding (t0, t1), and that segment's kind."""
    seg = np.clip(np.searchsorted(w.t_start, 0.5 * (t0 + t1), side="right") - 1, 0, w.n_segments - 1)
    slope = (w.v_end[seg] - w.v_start[seg]) / w.duration[seg]
    return (w.v_start[seg] + slope * (t0 - w.t_start[seg]), w.v_start[seg] + slope * (t1 - w.t_start[seg]),
            w.kind[seg])


@dataclass(frozen=True)
class LineDrive:
    """Source voltages [V] of the word lines (rows) and bit lines (columns), constant per segment.

    Attributes
    ----------
    duration : (n_seg,) segment durations [s].
    rows : (n_seg, rows) word-line source voltages [V]; NaN = floating (no driver connected).
    cols : (n_seg, cols) bit-line source voltages [V]; NaN = floating.
    kind : (n_seg,) ``KIND`` codes.
    selected_row : (n_seg,) row being read or written (-1 if none); reads report the sensed
        column currents of this row.
    label : (n_seg,) input number each segment belongs to (-1 if none).
    """

    duration: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    kind: np.ndarray
    selected_row: np.ndarray
    label: np.ndarray

    @classmethod
    def build(cls, duration, rows, cols, kind=None, selected_row=None, label=None) -> "LineDrive":
        duration = _check_durations(duration, "LineDrive")
        n = duration.size
        rows, cols = np.asarray(rows, dtype=float), np.asarray(cols, dtype=float)
        for name, arr in (("rows", rows), ("cols", cols)):
            if arr.ndim != 2 or arr.shape[0] != n:
                raise param_error(name, "LineDrive", f"shaped ({n}, lines)", arr.shape)
            if np.any(np.isinf(arr)):
                raise param_error(name, "LineDrive", "finite voltages [V] or NaN (floating)", "inf")
        if np.any(np.all(np.isnan(rows), axis=1) & np.all(np.isnan(cols), axis=1)):
            raise param_error("rows", "LineDrive", "at least one driven line per segment", "all floating")
        sel = _check_indices(selected_row, n, "selected_row", "LineDrive", upper=rows.shape[1])
        label = _check_indices(label, n, "label", "LineDrive")
        return cls(duration, rows, cols, _check_kind(kind, n, "LineDrive"), sel, label)

    @property
    def n_segments(self) -> int:
        return int(self.duration.size)

    @property
    def shape(self) -> tuple[int, int]:
        return self.rows.shape[1], self.cols.shape[1]

    def ideal_cell_voltages(self) -> np.ndarray:
        """(n_seg, rows, cols) row minus column voltage [V]; floating lines are an error here."""
        if np.any(np.isnan(self.rows)) or np.any(np.isnan(self.cols)):
            raise param_error("drive", "ideal crossbar", "every line driven (floating lines need mode='resistive')",
                              "a floating line")
        return self.rows[:, :, None] - self.cols[:, None, :]


def write_scheme(targets, *, scheme: str = "V/2", width: float, gap: float = 0.0) -> LineDrive:
    """Program a passive crossbar one row at a time: ``targets`` (rows, cols) write voltages [V]
    (0 = leave alone). Each row gets one slot per distinct non-zero amplitude V in it:
    the selected row is driven at V and its selected columns at 0 V; with ``"V/2"`` every other
    line sits at V/2, with ``"V/3"`` unselected rows at V/3 and unselected columns at 2V/3, with
    ``"floating"`` the unselected lines float. ``width`` and ``gap`` [s] are each slot's pulse and
    the 0 V rest after it.
    """
    targets = np.asarray(targets, dtype=float)
    if targets.ndim != 2 or not np.all(np.isfinite(targets)):
        raise param_error("targets", "write_scheme", "a finite 2-D array of write voltages [V]", targets.shape)
    if scheme not in ("V/2", "V/3", "floating"):
        raise param_error("scheme", "write_scheme", "one of 'V/2', 'V/3', 'floating'", scheme)
    if not all(isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool) for x in (width, gap)) \
            or not (np.isfinite(width) and width > 0) or not (np.isfinite(gap) and gap >= 0):
        raise param_error("width", "write_scheme", "width > 0 s and gap >= 0 s, as numbers in seconds", (width, gap))
    n_rows, n_cols = check_array_size(*targets.shape, "write_scheme")
    durations, rows, cols, kinds, sel = [], [], [], [], []
    for i in range(n_rows):
        for v in np.unique(targets[i][targets[i] != 0]):
            chosen = targets[i] == v
            r, c = _unselected_levels(scheme, v, n_rows, n_cols)
            r[i] = v
            c[chosen] = 0.0
            durations.append(width), rows.append(r), cols.append(c), kinds.append(KIND["pulse"]), sel.append(i)
            if gap > 0:
                durations.append(gap), rows.append(np.zeros(n_rows)), cols.append(np.zeros(n_cols))
                kinds.append(KIND["wait"]), sel.append(-1)
    if not durations:
        raise param_error("targets", "write_scheme", "at least one non-zero write voltage", "all zero")
    return LineDrive.build(durations, rows, cols, kinds, sel)


def _unselected_levels(scheme: str, v: float, n_rows: int, n_cols: int):
    if scheme == "V/2":
        return np.full(n_rows, v / 2), np.full(n_cols, v / 2)
    if scheme == "V/3":
        return np.full(n_rows, v / 3), np.full(n_cols, 2 * v / 3)
    return np.full(n_rows, np.nan), np.full(n_cols, np.nan)


def read_scheme(n_rows: int, n_cols: int, *, voltage: float, width: float, unselected: str = "grounded") -> LineDrive:
    """Read every row in turn at ``voltage`` [V] for ``width`` [s], bit lines sensed at 0 V;
    unselected word lines ``"grounded"`` (0 V) or ``"floating"``."""
    n_rows, n_cols = check_array_size(n_rows, n_cols, "read_scheme")
    if unselected not in ("grounded", "floating"):
        raise param_error("unselected", "read_scheme", "'grounded' or 'floating'", unselected)
    if not (np.isfinite(voltage) and voltage != 0) or not (np.isfinite(width) and width > 0):
        raise param_error("voltage", "read_scheme", "a finite non-zero read voltage [V] and width > 0 s", (voltage, width))
    rows = np.full((n_rows, n_rows), 0.0 if unselected == "grounded" else np.nan)
    rows[np.arange(n_rows), np.arange(n_rows)] = voltage
    return LineDrive.build(np.full(n_rows, width), rows, np.zeros((n_rows, n_cols)),
                           np.full(n_rows, KIND["read"]), np.arange(n_rows))


def cell_read(n_rows: int, n_cols: int, row: int, col: int, *, voltage: float, width: float,
              unselected: str = "floating") -> LineDrive:
    """Read one cell: word line ``row`` at ``voltage`` [V], bit line ``col`` sensed at 0 V, for
    ``width`` [s]; every other line ``"floating"`` (sneak paths open) or ``"grounded"``."""
    n_rows, n_cols = check_array_size(n_rows, n_cols, "cell_read")
    if not (0 <= row < n_rows and 0 <= col < n_cols):
        raise param_error("cell", "cell_read", f"row in [0, {n_rows}) and col in [0, {n_cols})", (row, col))
    if unselected not in ("grounded", "floating"):
        raise param_error("unselected", "cell_read", "'grounded' or 'floating'", unselected)
    rows = np.full(n_rows, 0.0 if unselected == "grounded" else np.nan)
    cols = np.full(n_cols, 0.0 if unselected == "grounded" else np.nan)
    rows[row], cols[col] = voltage, 0.0
    return LineDrive.build([width], rows[None], cols[None], [KIND["read"]], [row])
