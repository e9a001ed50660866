"""Delimited text tables as instruments and spreadsheets export them.

A file is read as: optional ``#`` comment lines and preamble lines (``key,value``), a header row
naming the columns, an optional units row (Keysight: ``second,Volt,Volt``), then data rows.
The first data row is the first row whose first field is a number; the header is the text row
before it. Fields are separated by tabs, semicolons, commas or runs of whitespace (the first of
these a line contains; double-quoted fields may hold the separator); with tabs or semicolons a
decimal comma is accepted.

Column labels carry their unit in brackets or parentheses (``time [s]``, ``I (uA)``, ``t(ms)``)
or as a prefixed suffix (``I_uA``). Units are converted to SI with :mod:`nanoionic._core.units`,
cell by cell with :func:`~nanoionic._core.units.scale_number`, so "5" in an ``I [uA]`` column
gives exactly ``parse_quantity("5 uA", "A")``.
"""

from __future__ import annotations

import csv
import hashlib
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nanoionic._core.errors import ParameterError, param_error
from nanoionic._core.units import scale_number, split_unit
from nanoionic.io import _WS_FIELD, read_text_file

UNIT_WORDS = {"second": "s", "seconds": "s", "sec": "s", "secs": "s", "volt": "V", "volts": "V",
              "ampere": "A", "amperes": "A", "amp": "A", "amps": "A", "ohm": "Ohm", "ohms": "Ohm",
              "sequence": "sequence"}
"""Unit words of instrument exports (case-insensitive) and their symbol; ``sequence`` marks a
sample-index column (Rigol), whose times come from the preamble's Start and Increment."""
DIMENSIONLESS = "1"

_GROUP = re.compile(r"^(?P<name>.*?)(?P<space>\s*)[\[(](?P<unit>[^\[\]()]*)[\])]\s*$")
_SUFFIX = re.compile(r"^(?P<name>.+)_(?P<unit>[^_\s]+)$")
_INSTRUMENT = re.compile(r"^smu[0-9a-z]?\.", re.IGNORECASE)  # Keithley "Smu1.V[1][1]", "smua.I"
_INDEX = re.compile(r"(\[\d*\])+$")


@dataclass(frozen=True)
class Column:
    """One column: its label as written, the name without the unit, the unit text (or None)."""

    index: int
    label: str
    name: str
    unit: str | None

    @property
    def key(self) -> str:
        """The name normalised for matching: lower case, no instrument prefix, index or punctuation."""
        name = _INDEX.sub("", _INSTRUMENT.sub("", self.name.strip()))
        return re.sub(r"[^0-9a-zµμ]", "", name.lower())


@dataclass
class Table:
    """The parsed text of one file; cells stay text until a reader asks for a column."""

    path: Path
    sha256: str
    columns: list[Column]
    has_header: bool
    rows: list[list[str]]
    lines: list[int]
    decimal_comma: list[bool]
    preamble: dict[str, str] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    encoding: str = "utf-8"

    def listing(self) -> str:
        """The columns found, for error messages."""
        if not self.has_header:
            return f"{len(self.columns)} unnamed columns (no header row; name them by 0-based index)"
        return ", ".join(repr(c.label) for c in self.columns)


def unit_symbol(text: str) -> str:
    """A unit as written ("Volt", "uA", "µs") mapped to the text split_unit understands."""
    return UNIT_WORDS.get(text.strip().lower(), text.strip())


def _is_unit(text: str) -> bool:
    text = unit_symbol(text)
    if text in (DIMENSIONLESS, "sequence"):
        return True
    try:
        split_unit(text)
    except ParameterError:
        return False
    return True


def parse_label(index: int, label: str) -> Column:
    """Split a column label into name and unit: ``time [s]``, ``t(ms)``, ``I_uA``; a group that
    is not a unit and has no space before it stays part of the name (``v(in)``, ``Smu1.I[1][1]``)."""
    label = label.strip()
    m = _GROUP.match(label)
    if m and m["name"].strip() and (m["space"] or (_is_unit(m["unit"]) and m["unit"] != DIMENSIONLESS)):
        return Column(index, label, m["name"].strip(), m["unit"].strip())
    m = _SUFFIX.match(label)
    if m and _is_unit(m["unit"]):
        factor, base = split_unit(unit_symbol(m["unit"])) if m["unit"] != DIMENSIONLESS else (1.0, "1")
        if factor != 1.0:  # "I_uA", "t_ms"; a bare "V_s" is a name (V_source), not volts per second
            return Column(index, label, m["name"], m["unit"])
    return Column(index, label, label, None)


# -------------------------------------------------------------------------------------- reading


def _load_text(path, owner: str, what: str) -> tuple[Path, str, str, str]:
    """(path, text, sha256 of the bytes, encoding); UTF-8, else Windows-1252 (instrument PCs
    write "µA" that way). A missing or binary file is a ParameterError naming ``path``."""
    try:
        p = Path(os.fspath(path))
    except TypeError:
        raise param_error("path", owner, f"a file path ({what})", path) from None
    if not p.is_file():
        read_text_file(p, "path", owner, what)  # raises the standard missing-file error
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise param_error("path", owner, f"a readable file ({what})", f"{path} ({exc.strerror})") from None
    nul = data.find(b"\0")
    if nul >= 0:
        raise param_error("path", owner, what, f"{path}: byte {nul} is NUL (a binary file?)")
    digest = hashlib.sha256(data).hexdigest()
    try:
        return p, data.decode("utf-8-sig"), digest, "utf-8"
    except UnicodeDecodeError:
        return p, data.decode("cp1252", errors="replace"), digest, "cp1252"


def split_fields(line: str) -> tuple[list[str], bool]:
    """The fields of one line (trailing empty fields dropped) and whether a decimal comma is allowed."""
    for sep in ("\t", ";", ","):
        if sep in line:
            parts = next(csv.reader([line], delimiter=sep)) if '"' in line else line.split(sep)
            fields = [f.strip() for f in parts]
            break
    else:
        fields, sep = _WS_FIELD.findall(line), " "
    while fields and not fields[-1]:
        fields.pop()
    return fields, sep in ("\t", ";")


def to_float(text: str, decimal_comma: bool) -> float:
    """A cell as a float; ValueError if it is not a number."""
    try:
        return float(text)
    except ValueError:
        if decimal_comma and "," in text:
            return float(text.replace(",", "."))
        raise


def _is_number(text: str, decimal_comma: bool) -> bool:
    try:
        to_float(text, decimal_comma)
    except ValueError:
        return False
    return True


def _is_units_row(fields: list[str], decimal_comma: bool) -> bool:
    units = [f for f in fields if f and not _is_number(f, decimal_comma)]
    return bool(units) and all(_is_unit(f) for f in units) and not any(_GROUP.match(f) for f in fields)


def read_table(path, owner: str, what: str) -> Table:
    """Parse ``path`` into a :class:`Table` (see the module docstring for the accepted shapes).

    Raises
    ------
    ParameterError
        A missing, unreadable or binary file, or one without data rows; names ``path``.
    """
    p, text, digest, encoding = _load_text(path, owner, what)
    comments: dict[str, str] = {}
    texts: list[tuple[list[str], bool]] = []
    rows, lines, commas = [], [], []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            key, sep, value = line.lstrip("#").partition(":")
            if sep:
                comments.setdefault(key.strip().lower(), value.strip())
            continue
        fields, comma = split_fields(line)
        if not rows and not _is_number(fields[0], comma):
            texts.append((fields, comma))
            continue
        rows.append(fields)
        lines.append(lineno)
        commas.append(comma)
    if not rows:
        raise param_error("path", owner, f"{what} with data rows (lines whose first field is a number)",
                          f"{p} (no data rows)")
    return _assemble(p, digest, encoding, texts, rows, lines, commas, comments)


def _assemble(p, digest, encoding, texts, rows, lines, commas, comments) -> Table:
    """The header, units row and preamble from the text rows before the data."""
    units_row = None
    if len(texts) >= 2 and _is_units_row(*texts[-1]):
        units_row = texts.pop()[0]
    header = texts.pop()[0] if texts else None
    preamble = {f[0]: (f[1] if len(f) > 1 else "") for f, _ in texts if f}
    if header is None:
        columns = [Column(j, str(j), str(j), None) for j in range(len(rows[0]))]
    else:
        columns = [parse_label(j, label) for j, label in enumerate(header)]
    if units_row is not None:
        for j, unit in enumerate(units_row):
            if j < len(columns) and unit and columns[j].unit is None and _is_unit(unit):
                columns[j] = Column(j, columns[j].label, columns[j].name, unit)
            elif j < len(columns) and unit:
                preamble[columns[j].label] = unit  # Rigol: "Start", "Increment" values under their labels
    return Table(p, digest, columns, header is not None, rows, lines, commas, preamble, comments, encoding)


# ---------------------------------------------------------------------------------- columns


def find_column(table: Table, role: str, wanted, candidates: tuple[str, ...], owner: str,
                *, required: bool = True) -> Column | None:
    """The column for ``role`` (the keyword argument's name): ``wanted`` as a label, a name
    without its unit or a 0-based index; None searches ``candidates`` (normalised names, most
    wanted first). A missing column names ``role`` and lists the columns found."""
    if wanted is None:
        for cand in candidates:
            hits = [c for c in table.columns if table.has_header and c.key == cand]
            if len(hits) > 1:
                labels = ", ".join(repr(c.label) for c in hits)
                raise param_error(role, owner, f"given to choose between the columns {labels} of {table.path.name}",
                                  None)
            if hits:
                return hits[0]
        if not required:
            return None
        usual = ", ".join(repr(c) for c in candidates[:6])
        raise param_error(role, owner, f"the name of a column of {table.path.name}: no column has a usual {role} "
                          f"name ({usual}, ...); the columns found are {table.listing()}", None)
    return _named_column(table, role, wanted, owner)


def _named_column(table: Table, role: str, wanted, owner: str) -> Column:
    if isinstance(wanted, (int, np.integer)) and not isinstance(wanted, bool):
        if 0 <= wanted < len(table.columns):
            return table.columns[int(wanted)]
    elif isinstance(wanted, str):
        for match in (lambda c: c.label == wanted, lambda c: c.label.lower() == wanted.strip().lower(),
                      lambda c: c.name.lower() == wanted.strip().lower()):
            hits = [c for c in table.columns if table.has_header and match(c)]
            if len(hits) == 1:
                return hits[0]
            if len(hits) > 1:
                raise param_error(role, owner, f"a label that names one column (it matches "
                                  f"{', '.join(repr(c.label) for c in hits)})", wanted)
    raise param_error(role, owner, f"a column of {table.path.name} (a label or a 0-based index); the columns "
                      f"found are {table.listing()}", wanted)


def column_factor(table: Table, col: Column, base: str, role: str, owner: str) -> float:
    """The factor from the column's unit to SI ``base`` (1.0 without a unit); a unit of another
    kind names the column and the expected unit."""
    if col.unit is None:
        return 1.0
    symbol = unit_symbol(col.unit)
    if base == DIMENSIONLESS and symbol in (DIMENSIONLESS, ""):
        return 1.0
    try:
        factor, found = split_unit(symbol)
    except ParameterError:
        found = None
    if found != base and not (found == "Ω" and base == "Ohm"):
        raise param_error(role, owner, f"a column in {base} (with an SI prefix) or without a unit; column "
                          f"{col.label!r} of {table.path.name} is in {col.unit!r}", col.label)
    return factor


def column_values(table: Table, col: Column, factor: float, role: str, owner: str) -> np.ndarray:
    """The column as finite float64 values in SI; an empty, non-numeric or non-finite cell
    names its line and column."""
    j = col.index
    out = np.empty(len(table.rows))
    for k, (fields, comma) in enumerate(zip(table.rows, table.decimal_comma)):
        text = fields[j] if j < len(fields) else ""
        try:
            value = to_float(text, comma)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            got = text if text else "an empty cell"
            raise param_error("path", owner, f"a table whose {role} column {col.label!r} holds a finite number "
                              f"on every data row (line {table.lines[k]} of {table.path.name})", got)
        if factor != 1.0:
            value = scale_number(text.replace(",", ".") if comma else text, factor)
        out[k] = value
    return out
