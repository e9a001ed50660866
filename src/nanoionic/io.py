"""Results to and from files, with atomic writes, and the import of measured waveforms.

Formats, chosen by the suffix of the target path:

``.nc``
    NetCDF 3 through xarray's ``scipy`` engine (no extra dependency). Attributes that NetCDF 3
    cannot hold (dicts, lists, booleans, ``None``, integers beyond 32 bits, arrays of more than
    one dimension) are stored as JSON strings and decoded again by :func:`load_result`.
``.csv``
    One row per time point (per device, in long format with a ``device`` column, when the result
    has a ``device`` dimension). The file starts with ``# nanoionic <version>``, one
    ``# key: <JSON value>`` line per attribute and one ``#! {...}`` line describing dimensions,
    dtypes and variable attributes so that :func:`load_result` restores the same Dataset. Any CSV
    reader that skips ``#`` lines sees a plain table.

Every write goes to a temporary file in the target's directory and is moved into place with
``os.replace``: a reader never sees a half-written file, and a failed write leaves no file (and
leaves an existing file at the target untouched).
"""

from __future__ import annotations

import contextlib
import csv
import itertools
import json
import math
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import xarray as xr

from nanoionic._core.errors import ParameterError, param_error
from nanoionic._core.version import package_version
from nanoionic.protocols.steps import MAX_VOLTAGE

__all__ = [
    "RESULT_SUFFIXES",
    "atomic_path",
    "load_result",
    "read_waveform_csv",
    "save_result",
    "write_bytes_atomic",
    "write_json_atomic",
    "write_text_atomic",
]

RESULT_SUFFIXES = (".nc", ".csv")
_JSON_ATTRS_KEY = "_nanoionic_json_attrs"  # NetCDF: names of the attributes stored as JSON text
_CSV_META_PREFIX = "#! "
_INT32 = (-(2**31), 2**31 - 1)


# --------------------------------------------------------------------------------------------
# Atomic writes
# --------------------------------------------------------------------------------------------


def _writable_target(path, name: str, owner: str) -> Path:
    """Return ``path`` as a Path after checking that its directory exists and is writable."""
    try:
        target = Path(os.fspath(path))
    except TypeError:
        raise param_error(name, owner, "a writable path", path) from None
    parent = target.parent
    if (str(target) in ("", ".") or target.is_dir() or not parent.is_dir()
            or not os.access(parent, os.W_OK | os.X_OK)):
        raise param_error(name, owner, "a writable path", str(path))
    return target


def _json_default(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


@contextlib.contextmanager
def atomic_path(path, *, name: str = "path", owner: str = "atomic_path") -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it onto ``path`` if the block succeeds.

    The temporary file keeps the suffix of ``path`` (so e.g. ``fig.savefig(tmp)`` infers the
    format). If the block raises, the temporary file is removed and ``path`` is not touched.

    Raises
    ------
    ParameterError
        If the directory of ``path`` does not exist or is not writable.
    """
    target = _writable_target(path, name, owner)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}",
                                        dir=target.parent)
    except OSError:
        raise param_error(name, owner, "a writable path", str(path)) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        try:
            mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
            os.chmod(tmp, mode)  # mkstemp creates 0600; give the file ordinary permissions
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        except OSError:
            pass
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_bytes_atomic(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; return the path."""
    with atomic_path(path, owner="write_bytes_atomic") as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text_atomic(path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically; return the path."""
    with atomic_path(path, owner="write_text_atomic") as tmp:
        with open(tmp, "w", encoding=encoding, newline="") as fh:
            fh.write(text)
    return Path(path)


def json_safe(obj):
    """JSON has no NaN or infinity: such numbers become None (null), recursively."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    return obj


def write_json_atomic(path, obj, *, indent: int | None = 2) -> Path:
    """Write ``obj`` as JSON to ``path`` atomically (numpy scalars/arrays allowed); return the path."""
    text = json.dumps(obj, indent=indent, default=_json_default, sort_keys=False) + "\n"
    with atomic_path(path, owner="write_json_atomic") as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


# --------------------------------------------------------------------------------------------
# Results: save / load
# --------------------------------------------------------------------------------------------


def _check_suffix(path, owner: str) -> str:
    suffix = Path(os.fspath(path)).suffix.lower()
    if suffix not in RESULT_SUFFIXES:
        allowed = " or ".join(repr(s) for s in RESULT_SUFFIXES)
        raise param_error("out", owner, f"a path ending in {allowed}", str(path))
    return suffix


def save_result(ds: xr.Dataset, path) -> Path:
    """Write a result Dataset to ``path`` (``.nc`` or ``.csv``, chosen by suffix), atomically.

    Parameters
    ----------
    ds : xarray.Dataset
        The result (dims ``time`` and optionally ``device``).
    path : str or os.PathLike
        Target file; its directory must exist. Reported as the ``out`` parameter in errors.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ParameterError
        Unknown suffix, or a directory that does not exist or is not writable.
    """
    if not isinstance(ds, xr.Dataset):
        raise param_error("ds", "save_result", "an xarray.Dataset", type(ds).__name__)
    if not isinstance(path, (str, os.PathLike)):
        raise param_error("out", "save_result", "a file path ending in .nc or .csv", path)
    suffix = _check_suffix(path, "save_result")
    writer = _write_netcdf if suffix == ".nc" else _write_csv  # looked up at call time
    with atomic_path(path, name="out", owner="save_result") as tmp:
        writer(ds, tmp)
    return Path(path)


def load_result(path) -> xr.Dataset:
    """Read a Dataset written by :func:`save_result` (``.nc`` or ``.csv``)."""
    suffix = _check_suffix(path, "load_result")
    p = Path(os.fspath(path))
    if not p.is_file():
        raise param_error("path", "load_result", "an existing file", str(path))
    return _read_netcdf(p) if suffix == ".nc" else _read_csv(p)


# ---- NetCDF --------------------------------------------------------------------------------


def _nc3_attr_ok(value) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, str):
        return True
    if isinstance(value, (float, np.floating)):
        return True
    if isinstance(value, (int, np.integer)):
        return _INT32[0] <= int(value) <= _INT32[1]
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.size > 0:
        if value.dtype.kind == "f":
            return True
        if value.dtype.kind in "iu":
            return bool(value.min() >= _INT32[0] and value.max() <= _INT32[1])
    return False


def _encode_attrs(attrs: dict) -> dict:
    out, as_json = {}, []
    for key, value in attrs.items():
        if key == _JSON_ATTRS_KEY:
            continue
        if _nc3_attr_ok(value):
            out[key] = value
        else:
            out[key] = json.dumps(value, default=_json_default)
            as_json.append(key)
    if as_json:
        out[_JSON_ATTRS_KEY] = json.dumps(as_json)
    return out


def _decode_attrs(attrs: dict) -> dict:
    attrs = dict(attrs)
    keys = json.loads(attrs.pop(_JSON_ATTRS_KEY, "[]"))
    for key in keys:
        if key in attrs:
            attrs[key] = json.loads(attrs[key])
    return attrs


def _write_netcdf(ds: xr.Dataset, tmp: Path) -> None:
    out = ds.copy(deep=False)
    out.attrs = _encode_attrs(ds.attrs)
    for name, var in ds.variables.items():
        out.variables[name].attrs = _encode_attrs(var.attrs)
    out.to_netcdf(tmp, engine="scipy", format="NETCDF3_64BIT")


def _read_netcdf(path: Path) -> xr.Dataset:
    try:
        ds = xr.load_dataset(path, engine="scipy")
    except Exception as exc:
        raise param_error("path", "load_result", "a NetCDF 3 file written by save_result",
                          f"{path} ({exc})") from exc
    ds.attrs = _decode_attrs(ds.attrs)
    for var in ds.variables.values():
        var.attrs = _decode_attrs(var.attrs)
    return ds


# ---- CSV -----------------------------------------------------------------------------------


def _dim_order(ds: xr.Dataset) -> list[str]:
    dims = list(ds.sizes)
    if "time" in dims:  # one row per time point: time varies slowest
        dims.remove("time")
        dims.insert(0, "time")
    return dims


def _csv_text(values: np.ndarray) -> list[str]:
    if values.dtype.kind == "f":
        return [repr(float(v)) for v in values]
    return [str(v) for v in values.tolist()]


def _format_attr_key(key: str) -> str:
    if not key or ":" in key or "\n" in key or key.startswith(('"', "!", " ")) or key != key.strip():
        return json.dumps(key)
    return key


def _write_csv(ds: xr.Dataset, tmp: Path) -> None:
    dims = _dim_order(ds)
    shape = tuple(ds.sizes[d] for d in dims)
    index = np.indices(shape).reshape(len(dims), -1) if dims else np.zeros((0, 1), dtype=int)
    names, columns = [], []
    meta = {"format": "nanoionic-result-csv", "version": 1, "dims": dims, "shape": list(shape),
            "dim_coords": {}, "vars": {}}
    for d, k in zip(dims, index):
        names.append(d)
        if d in ds.variables:
            var = ds.variables[d]
            columns.append(_csv_text(np.asarray(var.values)[k]))
            meta["dim_coords"][d] = {"dtype": var.dtype.str, "attrs": var.attrs}
        else:
            columns.append([str(i) for i in k])
    full = {d: ds.sizes[d] for d in dims}
    for name in itertools.chain((c for c in ds.coords if c not in ds.dims), ds.data_vars):
        var = ds.variables[name]
        values = var.set_dims(full).transpose(*dims).values.reshape(-1) if dims else var.values.reshape(1)
        names.append(str(name))
        columns.append(_csv_text(values))
        meta["vars"][str(name)] = {"dims": list(var.dims), "dtype": var.dtype.str, "attrs": var.attrs,
                                   "coord": name in ds.coords}
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(f"# nanoionic {package_version()}\n")
        for key, value in ds.attrs.items():
            fh.write(f"# {_format_attr_key(str(key))}: {json.dumps(value, default=_json_default)}\n")
        fh.write(_CSV_META_PREFIX + json.dumps(meta, default=_json_default) + "\n")
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(names)
        if dims:
            writer.writerows(zip(*columns))
        else:
            writer.writerow([c[0] for c in columns])


def _from_text(col: list[str], dtype: np.dtype) -> np.ndarray:
    if dtype.kind == "b":
        return np.array([s == "True" for s in col], dtype=bool)
    if dtype.kind in "US":
        return np.array(col, dtype=object).astype(dtype)
    if dtype.kind == "O":
        return np.array(col, dtype=object)
    return np.array(col).astype(dtype)


def _read_csv(path: Path) -> xr.Dataset:
    def bad(what: str) -> ParameterError:
        return param_error("path", "load_result", "a CSV file written by save_result", f"{path} ({what})")

    attrs, meta = {}, None
    with open(path, encoding="utf-8", newline="") as fh:
        first = ""
        for line in fh:
            if line.startswith(_CSV_META_PREFIX):
                meta = json.loads(line[len(_CSV_META_PREFIX):])
            elif line.startswith("# nanoionic ") and not attrs and meta is None:
                continue
            elif line.startswith("# "):
                key, sep, value = line[2:].rstrip("\n").partition(": ")
                if not sep:
                    continue
                attrs[json.loads(key) if key.startswith('"') else key] = json.loads(value)
            else:
                first = line
                break
        if meta is None:
            raise bad("no '#! ' metadata line")
        rows = list(csv.reader(itertools.chain([first], fh)))
    if not rows:
        raise bad("no header row")
    header, rows = rows[0], rows[1:]
    dims, shape = meta["dims"], tuple(meta["shape"])
    expected = dims + list(meta["vars"])
    if header != expected:
        raise bad(f"columns {header} instead of {expected}")
    n = math.prod(shape) if dims else 1
    if len(rows) != n:
        raise bad(f"{len(rows)} data rows instead of {n}")
    cols = dict(zip(header, zip(*rows))) if rows else {h: () for h in header}
    coords, data_vars = {}, {}
    for axis, d in enumerate(dims):
        if d in meta["dim_coords"]:
            info = meta["dim_coords"][d]
            full = _from_text(list(cols[d]), np.dtype(info["dtype"])).reshape(shape)
            sel = tuple(slice(None) if i == axis else 0 for i in range(len(dims)))
            coords[d] = xr.Variable((d,), full[sel] if n else full.reshape(-1)[:0], attrs=info["attrs"])
    for name, info in meta["vars"].items():
        values = _from_text(list(cols[name]), np.dtype(info["dtype"]))
        var = xr.Variable(dims, values.reshape(shape)) if dims else xr.Variable((), values[0])
        drop = {d: 0 for d in dims if d not in info["dims"]}
        if drop:
            var = var.isel(drop)
        var = var.transpose(*info["dims"])
        var.attrs = info["attrs"]
        (coords if info["coord"] else data_vars)[name] = var
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


# --------------------------------------------------------------------------------------------
# Measured waveforms
# --------------------------------------------------------------------------------------------

_DELIMITED = re.compile(r"\s*[,;\t]\s*")
_WS_FIELD = re.compile(r"[^\s\[(]+(?:\s*[\[(][^\])]*[\])])?|[\[(][^\])]*[\])]")  # "t (s)" is one field
_UNIT = re.compile(r"[\[(]\s*([^\])]*)\s*[\])]")
_SPICE_VECTOR = re.compile(r"^[vV]\([^)]*\)$")  # ngspice's wrdata names a node voltage v(node)


def read_text_file(path, name: str, owner: str, what: str = "a UTF-8 text file") -> str:
    """The text of ``path``; a missing file, a directory or undecodable bytes are one
    ParameterError naming ``name`` (the option or argument the user gave)."""
    p = Path(os.fspath(path))
    if not p.is_file():
        state = "a directory" if p.is_dir() else "missing"
        raise param_error(name, owner, f"an existing file ({what})", f"{path} ({state})")
    try:
        return p.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise param_error(name, owner, what, f"{path}: byte {exc.start} is not UTF-8 (a binary file?)") from None


def read_waveform_csv(path) -> tuple[np.ndarray, np.ndarray]:
    """Read a measured voltage waveform: two columns, time [s] and voltage [V].

    Lines that are empty or start with ``#`` are skipped. An optional header row (the first
    non-comment row, if it is not numeric) may name the columns; units in brackets, if given,
    must be ``s`` and ``V`` (an ngspice ``wrdata`` header, "time v(node)", is accepted too). Fields may be separated by commas, semicolons, tabs or spaces.

    Returns
    -------
    time : (n,) float64 array [s], strictly increasing, n >= 2
    voltage : (n,) float64 array [V], finite

    Raises
    ------
    ParameterError
        A missing file, a non-numeric, non-finite or missing value, time not strictly
        increasing, or fewer than two rows; the message names the line of the file.
    """
    owner = "read_waveform_csv"
    p = Path(os.fspath(path))

    def bad(constraint: str, lineno: int, got) -> ParameterError:
        return param_error("path", owner, f"a waveform CSV with {constraint} (row {lineno} of {p.name})", got)

    times, volts, seen_data = [], [], False
    last_t, last_line = -math.inf, 0
    text = read_text_file(p, "path", owner, "a waveform CSV: time [s], voltage [V]")
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if re.search(r"[,;\t]", line):
            fields = [f.strip() for f in _DELIMITED.split(line)]
        else:
            fields = _WS_FIELD.findall(line)
        try:
            numbers = [float(f) for f in fields]
        except ValueError:
            numbers = None
        if numbers is None:
            if seen_data:
                raise bad("numbers in both columns", lineno, line)
            if len(fields) != 2:
                raise bad("two columns, time [s] and voltage [V]", lineno, line)
            for field, unit in zip(fields, ("s", "V")):
                m = _UNIT.search(field)
                if m and _SPICE_VECTOR.match(field) and unit == "V":
                    continue  # an ngspice vector name such as v(in) (wrdata header), not a unit
                if m and m.group(1).strip() != unit:
                    raise bad(f"the column unit {unit!r}", lineno, field)
            seen_data = True  # only one header row
            continue
        seen_data = True
        if len(numbers) != 2:
            raise bad("two columns, time [s] and voltage [V]", lineno, line)
        t, v = numbers
        if not (math.isfinite(t) and math.isfinite(v)):
            raise bad("finite values", lineno, line)
        if abs(v) > MAX_VOLTAGE:
            raise bad(f"|voltage| <= {MAX_VOLTAGE:g} V, as in protocol text", lineno, line)
        if t <= last_t:
            raise bad(f"strictly increasing time (row {last_line} has t = {last_t:g} s)", lineno, line)
        times.append(t)
        volts.append(v)
        last_t, last_line = t, lineno
    if len(times) < 2:
        raise param_error("path", owner, "a waveform CSV with at least 2 data rows", f"{p} ({len(times)} rows)")
    return np.asarray(times, dtype=float), np.asarray(volts, dtype=float)
