"""What a fit frees: parameters with bounds and scale, checked against the model's Params.

Accepted forms: a list of :class:`FreeParameter`; a dict {name: (low, high)} or
{name: (low, high, scale)}; or strings ``"NAME=LOW:HIGH[:SCALE]"`` as typed on the command line,
where LOW and HIGH may carry units ("0.5 eV", "10 kOhm", "5e-9 m^2") read by the one unit
parser. SCALE is "linear" (default), "log" (positive quantities spanning decades) or "eV"
(energies, searched in eV).
"""

from __future__ import annotations

import dataclasses
import math

from nanoionic._core.errors import ParameterError, param_error, unknown_name_error
from nanoionic._core.units import EV, parse_quantity
from nanoionic.fit.calibrate import FreeParameter


def params_fields(params_cls: type) -> dict[str, dataclasses.Field]:
    return {f.name: f for f in dataclasses.fields(params_cls)}


def _quantity(text: str, f: dataclasses.Field, item: str) -> float:
    unit = f.metadata.get("unit", "")
    text = text.strip()
    if unit == "J" and text.endswith("eV"):
        return parse_quantity(text, "eV", name=f"--free {item}") * EV
    allowed = (unit, "Ohm") if unit in ("Ohm", "Ω") else unit
    try:
        return parse_quantity(text, allowed or ("V",), name=f"--free {item}") if unit else float(text)
    except ValueError:
        raise param_error("free", "fit", f"NAME=LOW:HIGH[:SCALE] with numbers (in {unit or 'SI'}) for LOW and HIGH",
                          item) from None


def parse_free_text(item: str, fields: dict[str, dataclasses.Field]) -> FreeParameter:
    """``"NAME=LOW:HIGH[:SCALE]"`` → FreeParameter (values converted to SI)."""
    if not isinstance(item, str) or "=" not in item:
        raise param_error("free", "fit", "NAME=LOW:HIGH[:SCALE], e.g. 'alpha_on=1:10:log'", item)
    name, rest = (s.strip() for s in item.split("=", 1))
    if name not in fields:
        raise unknown_name_error("free parameter of fit", name, fields)
    parts = rest.split(":")
    if len(parts) not in (2, 3):
        raise param_error("free", "fit", "NAME=LOW:HIGH[:SCALE] (two or three fields after '=')", item)
    scale = parts[2].strip() if len(parts) == 3 else "linear"
    return FreeParameter(name, _quantity(parts[0], fields[name], item), _quantity(parts[1], fields[name], item), scale)


def free_parameters(free, params_cls: type) -> list[FreeParameter]:
    """The free parameters of a fit, each checked against the field's physical range."""
    fields = params_fields(params_cls)
    if isinstance(free, (str, FreeParameter)):
        free = [free]
    if isinstance(free, dict):
        items = []
        for name, spec in free.items():
            if not (isinstance(spec, (tuple, list)) and len(spec) in (2, 3)):
                raise param_error(f"free[{name!r}]", "fit", "(low, high) or (low, high, scale)", spec)
            items.append(FreeParameter(name, *spec))
    elif isinstance(free, (list, tuple)) and free:
        items = [p if isinstance(p, FreeParameter) else parse_free_text(p, fields) for p in free]
    else:
        raise param_error("free", "fit", "a non-empty list of FreeParameter or 'NAME=LOW:HIGH[:SCALE]', "
                          "or a dict {name: (low, high[, scale])}", free)
    names = [p.name for p in items]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise param_error("free", "fit", "each parameter once", dupes)
    for p in items:
        if p.name == "polarity":
            raise param_error("free", "fit", "model or nuisance parameters with a continuous range; the polarity is "
                              "+1 or -1: give nuisance={'polarity': 'auto'} (CLI: --polarity auto)", "polarity")
        if p.name not in fields:
            raise unknown_name_error("free parameter of fit", p.name, fields)
        if p.scale == "eV" and fields[p.name].metadata.get("unit") != "J":
            raise param_error(f"free[{p.name!r}].scale", "fit", "'linear' or 'log' (the 'eV' scale is for energies "
                              f"in J; {p.name} is in {fields[p.name].metadata.get('unit') or 'no unit'})", p.scale)
        _check_range(p, fields[p.name])
    return items


def _check_range(p: FreeParameter, f: dataclasses.Field) -> None:
    """The bounds must lie in the parameter's physical range (Params metadata)."""
    m = f.metadata
    lo, hi = m.get("low", -math.inf), m.get("high", math.inf)
    unit = f" {m['unit']}" if m.get("unit") else ""
    if p.low < lo or (m.get("low_open") and p.low <= lo):
        raise param_error(f"free[{p.name!r}].low", "fit", f">= {lo:g}{unit} (the parameter's physical range is "
                          f"[{lo:g}, {hi:g}]{unit})", p.low)
    if p.high > hi or (m.get("high_open") and p.high >= hi):
        raise param_error(f"free[{p.name!r}].high", "fit", f"<= {hi:g}{unit} (the parameter's physical range is "
                          f"[{lo:g}, {hi:g}]{unit})", p.high)


def check_start(free: list[FreeParameter], start: dict[str, float]) -> None:
    for p in free:
        v = start[p.name]
        if not (isinstance(v, (int, float)) and math.isfinite(v) and p.low <= v <= p.high):
            raise ParameterError(f"The start of free parameter '{p.name}' of fit must lie in its bounds "
                                 f"[{p.low:g}, {p.high:g}]. Got {v!r} instead (give start={{'{p.name}': ...}} "
                                 "or widen the bounds).")


def parse_assignments(items, params_cls: type, *, option: str = "start", names=None) -> dict[str, float]:
    """``["NAME=VALUE", …]`` as typed on the command line (``--start``, ``--nuisance``) → {name:
    SI value}; VALUE may carry a unit, read as the bounds of ``"NAME=LOW:HIGH"`` are.

    ``params_cls`` is the model's Params; the nuisance parameters (``fit.instrument``) are
    accepted too. ``names`` restricts the accepted names (unknown ones get a "did you mean").
    """
    from nanoionic.fit.instrument import instrument_params_class

    fields = params_fields(instrument_params_class(params_cls))
    allowed = fields if names is None else {n: fields[n] for n in names}
    out: dict[str, float] = {}
    for item in items:
        if not isinstance(item, str) or "=" not in item:
            raise param_error(option, "fit", "NAME=VALUE, e.g. 'a1=0.2' or 'barrier=0.8 eV'", item)
        name, text = (s.strip() for s in item.split("=", 1))
        if name not in allowed:
            raise unknown_name_error(f"{option} parameter of fit", name, allowed)
        if name in out:
            raise param_error(option, "fit", "each parameter once", name)
        try:
            out[name] = _quantity(text, allowed[name], item)
        except ParameterError:
            unit = allowed[name].metadata.get("unit", "")
            unit = "J or eV" if unit == "J" else unit or "SI"
            raise param_error(option, "fit", f"NAME=VALUE with a number (in {unit}) for VALUE", item) from None
    return out
