"""Readers of measured traces: plain CSV, two-channel oscilloscope exports, staircase SMU sweeps.

Every reader parses the file with :func:`nanoionic.data.table.read_table` (delimiters, comments,
preambles, header and units rows), finds its columns by their usual names or by the names the
user gives, converts units to SI and checks the trace with errors that name the line of the
file; the result is a :class:`~nanoionic.data.Measurement` whose ``meta`` records the column
map, the units found and the instrument facts (sense resistance, step time, preamble).
"""

from __future__ import annotations

import numpy as np

from nanoionic._core.errors import param_error, unknown_name_error
from nanoionic.data._values import quantity
from nanoionic.data.measurement import INTERPOLATIONS, Measurement
from nanoionic.data.table import (Column, Table, column_factor, column_values, find_column, read_table,
                                  unit_symbol)
from nanoionic.protocols.steps import MAX_VOLTAGE

TIME_NAMES = ("time", "t", "timestamp", "times", "relativetime", "seconds", "sec")
VOLTAGE_NAMES = ("vdevice", "vdev", "voltage", "v", "vd", "u", "vmeas", "vmeasured", "bias")
CURRENT_NAMES = ("idevice", "idev", "current", "i", "id", "imeas", "imeasured")
WEIGHT_NAMES = ("weight", "weights")
SCOPE_TIME_NAMES = ("time", "t", "xaxis", "x", "seconds", "second", "sec")
SCOPE_SOURCE_NAMES = ("ch1", "channel1", "1", "c1", "vsource", "vsrc", "source", "vin", "v1")
SCOPE_SENSE_NAMES = ("ch2", "channel2", "2", "c2", "vsense", "sense", "vshunt", "vr", "v2")
SMU_VOLTAGE_NAMES = ("vmeas", "vmeasured", "vdevice", "voltage", "v", "vd", "vsource", "vsrc", "vforce",
                     "vset", "vapplied", "av")
SMU_CURRENT_NAMES = ("imeas", "imeasured", "idevice", "current", "i", "id", "ai")
"""Usual column names, normalised (lower case, no spaces, punctuation, units, Keithley ``Smu1.``
prefix or ``[1][1]`` index), most wanted first."""

_WHAT = {"read_csv_trace": "a CSV trace with named columns: time [s], voltage [V], current [A]",
         "read_scope": "an oscilloscope export: time [s], V_source [V], V_sense [V]",
         "read_smu_sweep": "an SMU sweep: voltage [V], current [A], optionally time [s]",
         "read_measurement": "a measured trace (CSV, oscilloscope export or SMU sweep)"}


# ----------------------------------------------------------------------------------- shared


def _values(table: Table, col: Column, base: str, role: str, owner: str) -> np.ndarray:
    return column_values(table, col, column_factor(table, col, base, role, owner), role, owner)


def _distinct(columns: dict[str, Column], owner: str) -> None:
    seen: dict[int, str] = {}
    for role, col in columns.items():
        if col.index in seen:
            raise param_error(role, owner, f"a column other than the {seen[col.index]} column", col.label)
        seen[col.index] = role


def _check_trace(table: Table, time: np.ndarray, voltage: np.ndarray, owner: str, what_v: str,
                 what_t: str = "time") -> None:
    """At least 2 rows, strictly increasing time, |V| <= MAX_VOLTAGE; errors name the lines."""
    where, lines = table.path.name, table.lines
    if time.size < 2:
        raise param_error("path", owner, "a trace with at least 2 data rows", f"{where} ({time.size} row)")
    k = np.flatnonzero(np.diff(time) <= 0)
    if k.size:
        a, b = int(k[0]), int(k[0]) + 1
        raise param_error("path", owner, f"a trace whose {what_t} strictly increases (line {lines[b]} of {where} has "
                          f"t = {float(time[b])!r} s, not after line {lines[a]} with t = {float(time[a])!r} s)",
                          float(time[b]))
    k = np.flatnonzero(np.abs(voltage) > MAX_VOLTAGE)
    if k.size:
        raise param_error("path", owner, f"a trace whose voltage ({what_v}) stays within |V| <= {MAX_VOLTAGE:g} V, "
                          f"what the models accept (line {lines[k[0]]} of {where})", float(voltage[k[0]]))


def _meta(table: Table, owner: str, columns: dict[str, Column], **facts) -> dict:
    meta = {"reader": owner, "columns": {r: c.label for r, c in columns.items()},
            "units": {r: c.unit for r, c in columns.items()},
            "assumed_si": [r for r, c in columns.items() if c.unit is None], "encoding": table.encoding}
    if table.preamble:
        meta["preamble"] = dict(table.preamble)
    meta.update(facts)
    return meta


def _make(table: Table, name, time, voltage, current, weight, interpolation, meta) -> Measurement:
    if name is not None and not isinstance(name, str):
        raise param_error("name", meta["reader"], "a string or None (the file stem)", name)
    return Measurement(time, voltage, current, weight=weight, name=table.path.stem if name is None else name,
                       source=str(table.path.resolve()), sha256=table.sha256, interpolation=interpolation,
                       meta=meta)


# -------------------------------------------------------------------------------------- CSV


def read_csv_trace(path, *, time=None, voltage=None, current=None, weight=None, name: str | None = None,
                   interpolation: str | None = None) -> Measurement:
    """Read a trace from a CSV file with named columns and units in the header.

    Fields may be separated by commas, semicolons, tabs or whitespace; ``#`` lines and
    preamble lines before the header are skipped. Labels give units in brackets or parentheses
    (``time [s]``, ``t (ms)``, ``Current (nA)``) or as a suffix (``I_uA``); a column without a
    unit is taken as SI (listed in ``meta["assumed_si"]``). Columns are found by their usual
    names (t, time, Time (s); V, voltage, V_device; I, current, Idevice; weight) unless named.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    time, voltage, current : str or int, optional
        The column of time [s], device voltage [V] and current [A]: its label (``"I [uA]"``),
        its name without the unit (``"I"``) or its 0-based index.
    weight : str or int, optional
        A column of relative weights [1] (found automatically as ``weight`` if present).
    name : str, optional
        Label of the trace (default: the file stem).
    interpolation : {"linear", "step"}, optional
        How V goes between samples; default the file's ``# interpolation:`` comment (written by
        :meth:`Measurement.to_csv`), else ``"linear"``.

    Raises
    ------
    ParameterError
        A file that cannot be read, a column missing (the message lists the columns found), a
        unit of the wrong kind, an empty, non-numeric or non-finite cell (named by line and
        column), time not strictly increasing (the two lines), |V| > MAX_VOLTAGE, < 2 rows.
    """
    owner = "read_csv_trace"
    table = read_table(path, owner, _WHAT[owner])
    return _csv(table, owner, time=time, voltage=voltage, current=current, weight=weight, name=name,
                interpolation=interpolation)


def _interpolation(value, table: Table, owner: str) -> str:
    if value is None:
        value = table.comments.get("interpolation", "linear")
        if value not in INTERPOLATIONS:
            raise param_error("path", owner, "a file whose '# interpolation:' comment is 'linear' or 'step'", value)
    elif value not in INTERPOLATIONS:
        raise param_error("interpolation", owner, "'linear' or 'step'", value)
    return value


def _csv(table: Table, owner: str, *, time=None, voltage=None, current=None, weight=None, name=None,
         interpolation=None) -> Measurement:
    interp = _interpolation(interpolation, table, owner)
    columns = {"time": find_column(table, "time", time, TIME_NAMES, owner),
               "voltage": find_column(table, "voltage", voltage, VOLTAGE_NAMES, owner),
               "current": find_column(table, "current", current, CURRENT_NAMES, owner)}
    w = find_column(table, "weight", weight, WEIGHT_NAMES, owner, required=weight is not None)
    if w is not None:
        columns["weight"] = w
    _distinct(columns, owner)
    bases = {"time": "s", "voltage": "V", "current": "A", "weight": "1"}
    values = {role: _values(table, col, bases[role], role, owner) for role, col in columns.items()}
    _check_trace(table, values["time"], values["voltage"], owner, f"column {columns['voltage'].label!r}",
                 f"time column {columns['time'].label!r}")
    if w is not None and (np.any(values["weight"] < 0) or not np.any(values["weight"] > 0)):
        raise param_error("weight", owner, f"a column of weights >= 0, not all zero (column {w.label!r})", w.label)
    return _make(table, name, values["time"], values["voltage"], values["current"], values.get("weight"),
                 interp, _meta(table, owner, columns))


# ----------------------------------------------------------------------------- oscilloscope


def read_scope(path, sense_resistance, *, time=None, source=None, sense=None, name: str | None = None) -> Measurement:
    """Read a two-channel oscilloscope export of a device in series with a sense resistor.

    Channel 1 (``source``) is the voltage applied across device and resistor, channel 2
    (``sense``) the voltage across the resistor: ``V_device = V_source - V_sense`` and
    ``I = V_sense / sense_resistance``. Accepted shapes: a preamble of ``key,value`` lines
    (Tektronix: ``Record Length,10000`` ... then ``TIME,CH1,CH2``), Keysight's two header rows
    (``x-axis,1,2`` / ``second,Volt,Volt``), Rigol's sample index with ``Start`` and
    ``Increment`` (``X,CH1,CH2,Start,Increment`` / ``Sequence,Volt,Volt,-1e-05,2e-09``), and
    plain labels such as ``Time (s), Channel 1 (V), Channel 2 (V)``.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    sense_resistance : float [Ohm] or str
        The series sense resistor, > 0 and finite; "1 kOhm" is accepted.
    time, source, sense : str or int, optional
        The columns of time [s], V_source [V] and V_sense [V] (label, name or 0-based index).
    name : str, optional
        Label of the trace (default: the file stem).

    Returns
    -------
    Measurement
        ``interpolation="linear"``; ``meta`` holds ``sense_resistance`` [Ohm] and the channel map.
    """
    owner = "read_scope"
    r = quantity(sense_resistance, "Ohm", "sense_resistance", owner, positive=True)
    table = read_table(path, owner, _WHAT[owner])
    return _scope(table, owner, r, time=time, source=source, sense=sense, name=name)


def _scope_time(table: Table, col: Column, owner: str) -> np.ndarray:
    """Times [s]; a Rigol sample-index column ("Sequence") is Start + index · Increment."""
    if col.unit is None or unit_symbol(col.unit) != "sequence":
        return _values(table, col, "s", "time", owner)
    found = {k.strip().lower(): v for k, v in table.preamble.items()}
    try:
        start, step = float(found.get("start", "0")), float(found["increment"])
    except (KeyError, ValueError):
        raise param_error("path", owner, "an export whose sample-index column comes with a numeric 'Increment' "
                          "(and 'Start') in the header", f"{table.path.name} ({found})") from None
    return start + column_values(table, col, 1.0, "time", owner) * step


def _scope(table: Table, owner: str, r: float, *, time=None, source=None, sense=None, name=None) -> Measurement:
    columns = {"time": find_column(table, "time", time, SCOPE_TIME_NAMES, owner),
               "source": find_column(table, "source", source, SCOPE_SOURCE_NAMES, owner),
               "sense": find_column(table, "sense", sense, SCOPE_SENSE_NAMES, owner)}
    _distinct(columns, owner)
    t = _scope_time(table, columns["time"], owner)
    v_source = _values(table, columns["source"], "V", "source", owner)
    v_sense = _values(table, columns["sense"], "V", "sense", owner)
    voltage = v_source - v_sense
    _check_trace(table, t, voltage, owner, f"V_source - V_sense, columns {columns['source'].label!r} - "
                 f"{columns['sense'].label!r}", f"time column {columns['time'].label!r}")
    meta = _meta(table, owner, columns, sense_resistance=r, instrument="oscilloscope",
                 channels={"source": columns["source"].label, "sense": columns["sense"].label})
    return _make(table, name, t, voltage, v_sense / r, None, "linear", meta)


# ---------------------------------------------------------------------------------------- SMU


def read_smu_sweep(path, *, step_time=None, voltage=None, current=None, time=None,
                   name: str | None = None) -> Measurement:
    """Read a staircase sweep of a source-measure unit: voltage, current, optional timestamps.

    Each sample is taken at the end of a constant voltage step (``interpolation="step"``).
    With ``step_time`` sample k is at (k+1)·step_time; otherwise the file's time column is used
    as it is (it need not start at 0). Keithley-style labels (``Vsource``, ``Imeas``,
    ``Smu1.V[1][1]``, ``Smu1.I[1][1]``, ``Smu1.Time[1][1]``) are recognised.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    step_time : float [s] or str, optional
        Duration of one step, > 0 ("10 ms" is accepted); required when the file has no time
        column; when given, a time column of the file is ignored (``meta["ignored_time_column"]``).
    voltage, current, time : str or int, optional
        The columns of voltage [V], current [A] and time [s] (label, name or 0-based index).
    name : str, optional
        Label of the trace (default: the file stem).
    """
    owner = "read_smu_sweep"
    step = None if step_time is None else quantity(step_time, "s", "step_time", owner, positive=True)
    table = read_table(path, owner, _WHAT[owner])
    return _smu(table, owner, step, voltage=voltage, current=current, time=time, name=name)


def _smu(table: Table, owner: str, step: float | None, *, voltage=None, current=None, time=None,
         name=None) -> Measurement:
    if step is not None and time is not None:
        raise param_error("time", owner, "None when step_time is given (one source of sample times)", time)
    columns = {"voltage": find_column(table, "voltage", voltage, SMU_VOLTAGE_NAMES, owner),
               "current": find_column(table, "current", current, SMU_CURRENT_NAMES, owner)}
    tcol = find_column(table, "time", time, TIME_NAMES, owner, required=time is not None)
    if tcol is None and step is None:
        raise param_error("step_time", owner, f"given (the duration of one step [s], e.g. '10 ms') since "
                          f"{table.path.name} has no time column; the columns found are {table.listing()}", None)
    if tcol is not None and step is None:
        columns["time"] = tcol
    _distinct(columns, owner)
    v = _values(table, columns["voltage"], "V", "voltage", owner)
    i = _values(table, columns["current"], "A", "current", owner)
    if step is None:
        t, facts = _values(table, tcol, "s", "time", owner), {"time_source": "column"}
    else:
        t, facts = step * np.arange(1, v.size + 1), {"time_source": "step_time", "step_time": step}
        if tcol is not None:
            facts["ignored_time_column"] = tcol.label
    _check_trace(table, t, v, owner, f"column {columns['voltage'].label!r}")
    return _make(table, name, t, v, i, None, "step", _meta(table, owner, columns, instrument="smu", **facts))


# ---------------------------------------------------------------------------------- dispatch

_READERS = {"csv": (_csv, ("time", "voltage", "current", "weight", "name", "interpolation")),
            "scope": (_scope, ("sense_resistance", "time", "source", "sense", "name")),
            "smu": (_smu, ("step_time", "voltage", "current", "time", "name"))}


def _guess_kind(table: Table, options: dict) -> str:
    """scope with a sense resistance, smu with a step time or without a time column, else csv."""
    if "sense_resistance" in options:
        return "scope"
    if "step_time" in options:
        return "smu"
    if options.get("time") is None and find_column(table, "time", None, TIME_NAMES, "read_measurement",
                                                     required=False) is None:
        return "smu"
    return "csv"


def read_measurement(path, *, kind: str = "auto", **options) -> Measurement:
    """Read a measured trace with the reader ``kind`` names.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    kind : {"auto", "csv", "scope", "smu"}
        ``"auto"``: a ``sense_resistance`` option means an oscilloscope export
        (:func:`read_scope`), a ``step_time`` option or a file without a time column an SMU
        sweep (:func:`read_smu_sweep`), anything else a CSV trace (:func:`read_csv_trace`).
    **options
        The options of that reader (``sense_resistance`` [Ohm] and ``step_time`` [s] accept
        unit text).
    """
    owner = "read_measurement"
    if kind not in ("auto", *_READERS):
        raise unknown_name_error("measurement kind", str(kind), ("auto", *_READERS))
    if kind == "auto":
        known = sorted({o for _, names in _READERS.values() for o in names})
        unknown = sorted(set(options) - set(known))
        if unknown:
            raise unknown_name_error("option of read_measurement", unknown[0], known)
    table = read_table(path, owner, _WHAT[owner])
    chosen = _guess_kind(table, options) if kind == "auto" else kind
    reader, allowed = _READERS[chosen]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise unknown_name_error(f"option of read_measurement (kind {chosen!r})", unknown[0], allowed)
    options = dict(options)
    if chosen == "scope":
        r = options.pop("sense_resistance", None)
        if r is None:
            raise param_error("sense_resistance", owner, "given for an oscilloscope export [Ohm]", None)
        return reader(table, owner, quantity(r, "Ohm", "sense_resistance", owner, positive=True), **options)
    if chosen == "smu":
        step = options.pop("step_time", None)
        step = None if step is None else quantity(step, "s", "step_time", owner, positive=True)
        return reader(table, owner, step, **options)
    return reader(table, owner, **options)
