"""The sweep specification (SPEC.toml): parsing, validation and expansion into tasks.

See the package docstring (``nanoionic.distributed``) for the format. Everything a run needs is
checked here, once: a spec that loads runs without further validation, except random draws that
fall outside a parameter's range (those tasks fail and are recorded with their parameters).
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nanoionic._core.errors import ParameterError, ProtocolSyntaxError, param_error, unknown_name_error
from nanoionic._core.units import EV, parse_quantity
from nanoionic.protocols.waveform import KIND
from nanoionic.simulation import Device, as_waveform
from nanoionic.io import read_text_file

__all__ = ["METRICS", "SweepSpec", "Task", "load_spec", "parse_spec"]

TABLES = ("sweep", "grid", "random", "variability")
MAX_TASKS = 10**6
"""Most tasks one sweep may have (each is a store group and a marker)."""
MAX_DEVICES_PER_TASK = 10**7
"""Most devices in one task (one simulate call: ~0.6 GB of state for the SVDP model)."""
SWEEP_KEYS = ("device", "protocol", "devices", "devices_per_task", "seeds", "metrics", "method")
DISTRIBUTIONS = ("uniform", "loguniform", "normal")
SPREADS = ("lognormal_sigma",)
METHODS = ("auto", "exact", "rk45", "implicit")

# name: (unit, per read?, needs reads?, meaning). Computed in ``metrics.py``.
METRICS: dict[str, tuple[str, bool, bool, str]] = {
    "final_conductance": ("S", False, True, "conductance I/V at the end of the last read"),
    "first_conductance": ("S", False, True, "conductance I/V at the end of the first read"),
    "conductance_ratio": ("1", False, True, "last read / first read conductance"),
    "conductance_change": ("S", False, True, "last read - first read conductance"),
    "read_conductance": ("S", True, True, "conductance I/V at the end of every read (read × device)"),
    "max_current": ("A", False, False, "largest |I| over the saved points (every segment end)"),
}

# Parameter units (Params field metadata) that accept text with a unit, and the unit text to parse.
_UNIT_TEXT = {"K": ("K",), "Hz": ("Hz",), "m": ("m",), "m^2": ("m2",), "V": ("V",), "Ohm": ("Ohm",),
              "A": ("A",), "S": ("S",), "s": ("s",), "J": ("J", "eV")}


@dataclass(frozen=True)
class Task:
    """One unit of work: devices ``device_offset … + n_devices - 1`` of the population ``seed``
    defines, at parameter point ``point``."""

    id: int
    point: int
    seed: int
    chunk: int
    device_offset: int
    n_devices: int
    params: dict[str, float]

    @property
    def key(self) -> str:
        return f"t{self.id:06d}"

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: points × seeds × device chunks."""

    device: str
    protocol: str
    devices: int
    devices_per_task: int
    seeds: tuple[int, ...]
    metrics: tuple[str, ...]
    method: str
    grid: dict[str, tuple[float, ...]]
    random: dict[str, Any]
    variability: dict[str, float]
    points: tuple[dict[str, float], ...]
    source: str = "<spec>"

    @property
    def swept(self) -> tuple[str, ...]:
        """Names of the swept parameters, in point-coordinate order."""
        return tuple(self.points[0]) if self.points else ()

    @property
    def chunks_per_seed(self) -> int:
        return math.ceil(self.devices / self.devices_per_task)

    @property
    def save(self) -> str:
        """What the engine keeps: every segment end when a metric needs it, else only reads."""
        return "segments" if any(not METRICS[m][2] for m in self.metrics) else "reads"

    def tasks(self) -> list[Task]:
        out = []
        for p, point in enumerate(self.points):
            for seed in self.seeds:
                for c in range(self.chunks_per_seed):
                    offset = c * self.devices_per_task
                    n = min(self.devices_per_task, self.devices - offset)
                    # Device j of a seed is the same instance at every point and for any chunking
                    # (simulation.device_normals): common random numbers.
                    out.append(Task(len(out), p, seed, c, offset, n, dict(point)))
        return out

    def to_json(self) -> dict:
        """The normalised spec (everything that determines the results), JSON-ready."""
        d = dataclasses.asdict(self)
        d.pop("source")
        d["points"] = [dict(p) for p in self.points]
        return json.loads(json.dumps(d))

    def fingerprint(self) -> str:
        """Hash of the normalised spec: a store resumes only a sweep with the same fingerprint."""
        return hashlib.sha256(json.dumps(self.to_json(), sort_keys=True).encode()).hexdigest()[:16]


def load_spec(path) -> SweepSpec:
    """Read and validate a SPEC.toml file."""
    p = Path(path)
    owner = f"sweep spec {p.name!r}"
    try:
        data = tomllib.loads(read_text_file(p, "spec", "sweep", "a UTF-8 TOML file"))
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"The sweep spec {str(p)!r} is not valid TOML: {exc}") from None
    return parse_spec(data, owner=owner, source=str(p))


def parse_spec(data: dict, *, owner: str = "sweep spec", source: str = "<spec>") -> SweepSpec:
    """Validate a spec given as a dict (the parsed TOML) and expand its parameter points."""
    for table in data:
        if table not in TABLES:
            raise unknown_name_error(f"table of {owner}", table, TABLES)
        if not isinstance(data[table], dict):
            raise param_error(table, owner, "a table", data[table])
    sweep = data.get("sweep")
    if sweep is None:
        raise param_error("sweep", owner, "present (a [sweep] table with at least 'protocol')", None)
    for key in sweep:
        if key not in SWEEP_KEYS:
            raise unknown_name_error(f"key of [sweep] in {owner}", key, SWEEP_KEYS)

    preset = sweep.get("device", "ZnTPP/AlOx")
    if not isinstance(preset, str):
        raise param_error("sweep.device", owner, "a preset name or a parameter TOML path", preset)
    try:
        device = Device(preset)
    except ParameterError as exc:
        raise ParameterError(f"The 'sweep.device' parameter of {owner} is not a device: {exc}") from None
    if device.model.terminals:
        raise param_error("sweep.device", owner, "a two-terminal device", preset)
    fields = {f.name: f for f in dataclasses.fields(device.params)}

    protocol = sweep.get("protocol")
    if not isinstance(protocol, str) or not protocol.strip():
        raise param_error("sweep.protocol", owner, "protocol text such as 'pulse 10 V for 100 ms; read 1 V for 10 ms'",
                          protocol)
    try:
        waveform = as_waveform(protocol)
    except (ParameterError, ProtocolSyntaxError) as exc:
        raise ParameterError(f"The 'sweep.protocol' parameter of {owner} does not parse: {exc}") from None

    per_task = _count(sweep.get("devices_per_task", 1000), "sweep.devices_per_task", owner)
    devices = _count(sweep.get("devices", per_task), "sweep.devices", owner)
    seeds = sweep.get("seeds", [0])
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        seeds = [seeds]
    if (not isinstance(seeds, list) or not seeds
            or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds)):
        raise param_error("sweep.seeds", owner, "a non-empty list of integers >= 0", seeds)
    if len(set(seeds)) != len(seeds):
        raise param_error("sweep.seeds", owner, "a list without repeated seeds", seeds)

    metrics = sweep.get("metrics", ["final_conductance"])
    if isinstance(metrics, str):
        metrics = [metrics]
    if not isinstance(metrics, list) or not metrics:
        raise param_error("sweep.metrics", owner, f"a non-empty list of metric names ({', '.join(METRICS)})", metrics)
    for m in metrics:
        if m not in METRICS:
            raise unknown_name_error(f"metric in sweep.metrics of {owner}", str(m), METRICS)
    if len(set(metrics)) != len(metrics):
        raise param_error("sweep.metrics", owner, "a list without repeated names", metrics)
    has_read = bool(np.any(waveform.kind == KIND["read"]))
    for m in metrics:
        if METRICS[m][2] and not has_read:
            raise param_error("sweep.metrics", owner, f"metrics without reads, since the protocol has no "
                              f"'read' step (metric {m!r} needs one)", metrics)
    method = sweep.get("method", "auto")
    if method not in METHODS:
        raise unknown_name_error(f"method in sweep.method of {owner}", str(method), METHODS)

    grid = {}
    for name, values in data.get("grid", {}).items():
        key = f"grid.{name}"
        _check_name(name, fields, "[grid]", owner)
        if not isinstance(values, list):
            values = [values]
        if not values:
            raise param_error(key, owner, "a non-empty list of values", values)
        converted = tuple(_to_si(v, fields[name], key, owner) for v in values)
        for v in converted:  # grid values are known now: check them against the parameter's range
            try:
                device.replace(**{name: v})
            except ParameterError as exc:
                raise ParameterError(f"The '{key}' parameter of {owner} has a value out of range: {exc}") from None
        grid[name] = converted

    random_spec, random_points = _random(data.get("random"), fields, owner, grid)
    variability = {}
    for name, spread in data.get("variability", {}).items():
        key = f"variability.{name}"
        _check_name(name, fields, "[variability]", owner)
        if not isinstance(spread, dict) or len(spread) != 1:
            raise param_error(key, owner, "a table with one spread, e.g. {lognormal_sigma = 0.1}", spread)
        (kind, sigma), = spread.items()
        if kind not in SPREADS:
            raise unknown_name_error(f"spread in {key} of {owner}", kind, SPREADS)
        if isinstance(sigma, bool) or not isinstance(sigma, (int, float)) or not (0 <= sigma <= 1):
            raise param_error(f"{key}.{kind}", owner, "a relative spread in [0, 1]", sigma)
        variability[name] = float(sigma)

    n_points = (math.prod(len(v) for v in grid.values()) if grid else 1) * max(len(random_points or []), 1)
    n_tasks = n_points * len(seeds) * math.ceil(devices / per_task)
    if n_tasks > MAX_TASKS:
        raise param_error("sweep.devices", owner, f"a sweep of at most {MAX_TASKS:,} tasks (points x seeds x "
                          "devices / devices_per_task; raise devices_per_task)", f"{devices} devices -> {n_tasks:.3g} tasks")
    if per_task > MAX_DEVICES_PER_TASK:
        raise param_error("sweep.devices_per_task", owner, f"at most {MAX_DEVICES_PER_TASK:,} devices per task "
                          "(one task is one simulate call in one worker's memory)", per_task)
    grid_points = [dict(zip(grid, combo)) for combo in itertools.product(*grid.values())] if grid else [{}]
    points = tuple({**g, **r} for g in grid_points for r in (random_points or [{}]))
    return SweepSpec(device=preset, protocol=protocol, devices=devices, devices_per_task=per_task,
                     seeds=tuple(seeds), metrics=tuple(metrics), method=method, grid=grid, random=random_spec,
                     variability=variability, points=points, source=source)


def _count(value, key: str, owner: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise param_error(key, owner, "an integer >= 1", value)
    return value


def _check_name(name: str, fields: dict, table: str, owner: str) -> None:
    if name not in fields:
        raise unknown_name_error(f"parameter in {table} of {owner}", name, fields)


def _to_si(value, field: dataclasses.Field, key: str, owner: str) -> float:
    """A TOML value (number, or text with a unit such as "1.5 eV", "300 K", "100 nm") in SI."""
    unit = field.metadata.get("unit", "")
    allowed = _UNIT_TEXT.get(unit, ())
    hint = f"a number in {unit or 'SI'}" + (f" or text with a unit such as '1 {allowed[-1]}'" if allowed else "")
    if isinstance(value, bool):
        raise param_error(key, owner, hint, value)
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise param_error(key, owner, f"finite ({hint})", value)
        return float(value)
    if not isinstance(value, str):
        raise param_error(key, owner, hint, value)
    try:
        if "eV" in allowed and value.strip().endswith("eV"):
            return parse_quantity(value, "eV", name=key) * EV
        if not allowed:
            number = float(value)
            if not math.isfinite(number):
                raise ValueError
            return number
        return parse_quantity(value, allowed, name=key)
    except (ParameterError, ValueError):
        raise param_error(key, owner, hint, value) from None


def _random(table, fields: dict, owner: str, grid: dict) -> tuple[dict, list[dict]]:
    """The [random] table: (normalised spec, n sampled points). Seeded: same seed, same points."""
    if not table:
        return {}, []
    n = _count(table.get("n"), "random.n", owner)
    seed = table.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise param_error("random.seed", owner, "an integer >= 0", seed)
    dists = {}
    for name, dist in table.items():
        if name in ("n", "seed"):
            continue
        key = f"random.{name}"
        _check_name(name, fields, "[random]", owner)
        if name in grid:
            raise param_error(key, owner, "a parameter not also in [grid]", name)
        if not isinstance(dist, dict) or len(dist) != 1:
            raise param_error(key, owner, "one distribution, e.g. {uniform = ['1.5 eV', '1.6 eV']}", dist)
        (kind, args), = dist.items()
        if kind not in DISTRIBUTIONS:
            raise unknown_name_error(f"distribution in {key} of {owner}", kind, DISTRIBUTIONS)
        if not isinstance(args, list) or len(args) != 2:
            raise param_error(f"{key}.{kind}", owner, "a list of two values", args)
        a, b = (_to_si(v, fields[name], f"{key}.{kind}", owner) for v in args)
        if kind in ("uniform", "loguniform") and not a < b:
            raise param_error(f"{key}.{kind}", owner, "[low, high] with low < high (an empty range otherwise)", args)
        if kind == "loguniform" and a <= 0:
            raise param_error(f"{key}.{kind}", owner, "[low, high] with 0 < low", args)
        if kind == "normal" and not b > 0:
            raise param_error(f"{key}.{kind}", owner, "[mean, standard deviation] with a deviation > 0", args)
        dists[name] = (kind, a, b)
    if not dists:
        raise param_error("random", owner, "a table with 'n' and at least one parameter distribution", sorted(table))
    rng = np.random.default_rng(seed)
    draws = {}
    for name in sorted(dists):  # name order: a reordered table draws the same points
        kind, a, b = dists[name]
        if kind == "uniform":
            draws[name] = rng.uniform(a, b, n)
        elif kind == "loguniform":
            draws[name] = np.exp(rng.uniform(math.log(a), math.log(b), n))
        else:
            draws[name] = rng.normal(a, b, n)
    points = [{name: float(draws[name][i]) for name in sorted(dists)} for i in range(n)]
    normalised = {"n": n, "seed": seed, **{k: [v[0], v[1], v[2]] for k, v in sorted(dists.items())}}
    return normalised, points
