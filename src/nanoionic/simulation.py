"""Composition only: a Device (model + validated parameters) and ``simulate`` (protocol → Result).

``simulate`` parses/compiles the protocol, draws per-device parameters when the device has a
variability spec (seeded), runs ``engine.integrate`` and packs an ``xarray.Dataset`` whose
attributes record everything needed to re-run it.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import os
from typing import Any

import numpy as np
import xarray as xr

from nanoionic._core.errors import ParameterError, param_error, unknown_name_error
from nanoionic._core.version import package_version
from nanoionic._core.validation import check_seed
from nanoionic.circuit import (ArrayRun, CellDrive, LineDrive, Lines, Network, Selector, frames_to_drive,
                               run_ideal, run_resistive)
from nanoionic.circuit.drive import check_array_size
from nanoionic.engine import integrate
from nanoionic.models.base import ZERO_BIAS, params_n_devices
from nanoionic.models.registry import get_model
from nanoionic.parameters import ParameterSet, load_parameter_set
from nanoionic.protocols import compile_protocol
from nanoionic.protocols.waveform import KIND, Waveform, merge_terminals



class Device:
    """A device: a registered model with a validated parameter set.

    Parameters
    ----------
    preset : preset name ("ZnTPP/AlOx", "NiTPP/AlOx", "CoTPP/AlOx", "FeTPPCl/AlOx",
        "H2TPP/AlOx") or a path to a parameter TOML file.
    variability : optional {parameter name: relative spread σ}; each device then gets the
        parameter times exp(σ·N(0, 1)) (log-normal, seeded in ``simulate``).
    **overrides : parameter values in SI, e.g. ``area=5e-9`` [m^2].
    """

    def __init__(self, preset: str = "ZnTPP/AlOx", *, variability: dict[str, float] | None = None,
                 **overrides: Any):
        if not isinstance(preset, (str, os.PathLike)):
            raise param_error("preset", "Device", "a preset name or the path of a parameter TOML file", preset)
        self.parameter_set: ParameterSet = load_parameter_set(preset, **overrides)
        self.model = get_model(self.parameter_set.model)
        self.variability = _check_variability(self.params, variability or {})

    @property
    def params(self):
        return self.parameter_set.params

    @property
    def name(self) -> str:
        return self.parameter_set.name

    def replace(self, **overrides: Any) -> "Device":
        """A copy with some parameters replaced (validated)."""
        new = object.__new__(Device)
        new.parameter_set = self.parameter_set.with_values(**overrides)
        new.model = self.model
        new.variability = dict(self.variability)
        return new

    def pixel(self) -> "Device":
        """The array-pixel variant: same material, the set's ``[pixel]`` geometry."""
        return self.replace(**self.parameter_set.pixel)

    def sample_params(self, n_devices: int, seed: int | None, first_device: int = 0):
        """Params with per-device arrays for the parameters that have a variability spec (drawn
        from ``seed``, required then; without a spec ``seed`` may be None).

        Devices ``first_device … first_device + n_devices - 1`` of the population that ``seed``
        defines: device j is the same device whatever the chunk it is drawn in
        (``device_normals``)."""
        seed = check_seed(seed, f"the device-to-device draw of {self.name}", required=bool(self.variability))
        if not self.variability:
            return self.params
        z = device_normals(seed, len(self.variability), first_device, n_devices)
        values = {name: getattr(self.params, name) * np.exp(sigma * z[k])
                  for k, (name, sigma) in enumerate(self.variability.items())}
        return self.parameter_set.with_values(**values).params

    def __repr__(self) -> str:
        return f"Device({self.name!r}, model={self.model.name!r})"


ENGINE_OPTIONS = frozenset(inspect.signature(integrate).parameters) - {"model", "params", "waveform", "state0",
                                                                      "n_devices", "method", "save"}
"""Keyword options simulate passes on to ``engine.integrate``."""

DRAW_BLOCK = 4096
"""Devices per block of the device-to-device draw: block b comes from SeedSequence([seed, b])."""


def device_normals(seed: int, n_params: int, first: int, n: int) -> np.ndarray:
    """Standard normals (n_params, n) of devices first … first+n-1 [1]: device j takes column
    j % DRAW_BLOCK of its block's (n_params, DRAW_BLOCK) draw, so a chunk of a population gets
    exactly the numbers the whole population would."""
    out = np.empty((n_params, n))
    j = first
    while j < first + n:
        block, start = divmod(j, DRAW_BLOCK)
        take = min(DRAW_BLOCK - start, first + n - j)
        draw = np.random.default_rng(np.random.SeedSequence([seed, block])).standard_normal((n_params, DRAW_BLOCK))
        out[:, j - first:j - first + take] = draw[:, start:start + take]
        j += take
    return out


def _check_variability(params, variability: dict[str, float]) -> dict[str, float]:
    if not isinstance(variability, dict):
        raise param_error("variability", "Device", "a dict {parameter name: relative spread}", variability)
    names = {f.name for f in dataclasses.fields(params)}
    for key, sigma in variability.items():
        if key not in names:
            raise unknown_name_error("parameter in variability", key, names)
        if isinstance(sigma, bool) or not (isinstance(sigma, (int, float)) and np.isfinite(sigma) and 0 <= sigma <= 1):
            raise param_error(f"variability[{key!r}]", "Device", "a relative spread in [0, 1]", sigma)
        if np.ndim(getattr(params, key)):
            raise param_error(f"variability[{key!r}]", "Device", "a spread of a scalar parameter (this one is "
                              "already given per device)", sigma)
    return dict(variability)


def as_waveform(protocol, terminals: tuple[str, ...] = ()) -> Waveform:
    """A Waveform from protocol text, a Protocol, steps, or a Waveform (returned as is); for a
    multi-terminal model, a dict {terminal: protocol} (terminals left out stay at 0 V)."""
    if isinstance(protocol, dict):
        if not terminals:
            raise param_error("protocol", "simulate", "one protocol (the model has two terminals)", sorted(protocol))
        unknown = sorted(set(protocol) - set(terminals))
        if unknown:
            raise unknown_name_error("terminal", unknown[0], terminals)
        return merge_terminals({k: as_waveform(v) for k, v in protocol.items()}, terminals)
    if terminals and not (isinstance(protocol, Waveform) and protocol.terminals):
        raise param_error("protocol", "simulate", f"a dict {{terminal: protocol}} over the terminals {terminals}",
                          type(protocol).__name__)
    if isinstance(protocol, Waveform):
        return protocol
    return compile_protocol(protocol)


def simulate(device: "Device | Crossbar | str", protocol, *, n_devices: int | None = None, seed: int | None = None,
             first_device: int = 0, state0=None, method: str = "auto", save="segments", **engine_options) -> xr.Dataset:
    """Run ``protocol`` on ``device`` and return the Result dataset.

    Parameters
    ----------
    device : a Device or a preset name; or a Crossbar (then see ``simulate_array``).
    protocol : protocol text (DESIGN.md grammar), a Protocol, or a compiled Waveform; for a
        Crossbar also a CellDrive, a LineDrive or input frames.
    n_devices : None for one device (dims ``(time,)``); an int for ``(time, device)``.
    seed : seed of the device-to-device parameter draw (an integer >= 0; required with a
        variability spec).
    first_device : index of the first device in the population ``seed`` defines (a chunk of a
        larger run draws the same devices as the whole run would).
    state0 : initial state, (n_states,) or (n_states, n_devices); default pristine.
    method, save, **engine_options : passed to ``engine.integrate``.

    Returns
    -------
    xarray.Dataset with ``voltage`` [V], ``current`` [A], ``conductance`` [S] (I/V; at 0 V the
    low-field limit, evaluated at 1 mV), every state variable, and coordinates ``segment``,
    ``cycle`` and ``is_read`` along ``time`` [s].
    """
    if isinstance(device, Crossbar):
        if n_devices is not None or save != "segments" or first_device != 0:
            name = "n_devices" if n_devices is not None else "save" if save != "segments" else "first_device"
            raise param_error(name, "simulate", "left out for a Crossbar (one device per cell; reads are saved)",
                              {"n_devices": n_devices, "save": save, "first_device": first_device}[name])
        return simulate_array(device, protocol, seed=seed, state0=state0, method=method, **engine_options)
    if isinstance(device, str):
        device = Device(device)
    if not isinstance(device, Device):
        raise param_error("device", "simulate", "a Device, a preset name or a Crossbar", type(device).__name__)
    if n_devices is not None and (isinstance(n_devices, bool) or not isinstance(n_devices, (int, np.integer))
                                  or n_devices < 1):
        raise param_error("n_devices", "simulate", "a positive integer or None", n_devices)
    unknown = sorted(set(engine_options) - ENGINE_OPTIONS)
    if unknown:
        raise unknown_name_error("engine option of simulate", unknown[0], sorted(ENGINE_OPTIONS))
    waveform = as_waveform(protocol, device.model.terminals)
    n = 1 if n_devices is None else int(n_devices)
    if isinstance(first_device, bool) or not isinstance(first_device, (int, np.integer)) or first_device < 0:
        raise param_error("first_device", "simulate", "an integer >= 0", first_device)
    params = device.sample_params(n, seed, int(first_device))
    traj = integrate(device.model, params, waveform, state0, n_devices=n, method=method, save=save,
                     **engine_options)
    return _to_dataset(device, params, waveform, traj, squeeze=n_devices is None, seed=seed)


def _to_dataset(device: Device, params, waveform: Waveform, traj, *, squeeze: bool, seed) -> xr.Dataset:
    model = device.model
    if model.terminals:
        return _terminal_dataset(device, params, waveform, traj, squeeze=squeeze, seed=seed)
    current, conductance = _currents(model, params, traj)
    seg = traj.segment_index
    coords = {
        "time": ("time", traj.time, {"units": "s"}),
        "segment": ("time", seg),
        "cycle": ("time", waveform.cycle[seg]),
        "is_read": ("time", (waveform.kind[seg] == KIND["read"]) & _is_segment_end(traj, waveform)),
    }
    dims = ("time",) if squeeze else ("time", "device")
    pick = (lambda a: a[:, 0]) if squeeze else (lambda a: a)
    data = {
        "voltage": (("time",), traj.voltage, {"units": "V"}),
        "current": (dims, pick(current), {"units": "A"}),
        "conductance": (dims, pick(conductance), {"units": "S", "definition": "I/V (low-field limit at 0 V)"}),
    }
    for i, name in enumerate(model.state_names):
        data[name] = (dims, pick(traj.state[:, i, :]), {"units": "1"})
    if not squeeze:
        coords["device"] = ("device", np.arange(traj.n_devices))
    attrs = {
        "model": model.name,
        "device": device.name,
        "parameters": json.dumps(_params_json(params)),
        "variability": json.dumps(device.variability),
        "protocol": waveform.text,
        "seed": -1 if seed is None else int(seed),
        "method": traj.method,
        "nanoionic_version": package_version(),
    }
    return xr.Dataset(data, coords=coords, attrs=attrs)


def _terminal_dataset(device: Device, params, waveform: Waveform, traj, *, squeeze: bool, seed) -> xr.Dataset:
    """Result of a multi-terminal model: voltage (time, terminal), current and conductance
    (time, terminal[, device]) — the conductance of each terminal's path is I/V (low-field limit
    at |V| < 1 mV), states (time[, device])."""
    model = device.model
    n_t = traj.time.size
    current = np.empty((n_t, len(model.terminals), traj.n_devices))
    conductance = np.empty_like(current)
    for k in range(n_t):
        v = traj.voltage[k]
        v_eval = np.where(np.abs(v) >= ZERO_BIAS, v, ZERO_BIAS)
        current[k] = model.current(traj.state[k], v, params)
        conductance[k] = model.current(traj.state[k], v_eval, params) / v_eval[:, None]
    seg = traj.segment_index
    dims = ("time", "terminal") if squeeze else ("time", "terminal", "device")
    pick = (lambda a: a[..., 0]) if squeeze else (lambda a: a)
    data = {"voltage": (("time", "terminal"), traj.voltage, {"units": "V"}),
            "current": (dims, pick(current), {"units": "A"}),
            "conductance": (dims, pick(conductance), {"units": "S", "definition": "I/V per terminal (low-field at 0 V)"})}
    state_dims = ("time",) if squeeze else ("time", "device")
    for i, name in enumerate(model.state_names):
        data[name] = (state_dims, traj.state[:, i, 0] if squeeze else traj.state[:, i, :], {"units": "1"})
    coords = {"time": ("time", traj.time, {"units": "s"}), "terminal": list(model.terminals), "segment": ("time", seg),
              "is_read": ("time", (waveform.kind[seg] == KIND["read"]) & _is_segment_end(traj, waveform))}
    attrs = {"model": model.name, "device": device.name, "parameters": json.dumps(_params_json(params)),
             "protocol": waveform.text, "seed": -1 if seed is None else int(seed), "method": traj.method,
             "nanoionic_version": package_version()}
    return xr.Dataset(data, coords=coords, attrs=attrs)


def _currents(model, params, traj) -> tuple[np.ndarray, np.ndarray]:
    """Current [A] and conductance [S] at every saved point, (n_t, n_devices).

    The conductance is I/V; at |V| < 1 mV it is the low-field limit I(1 mV)/1 mV. With shared
    parameters all points go through the model in one vectorised call.
    """
    n_t, n_s, n = traj.state.shape
    v = np.repeat(traj.voltage, n)
    v_eval = np.where(np.abs(v) >= ZERO_BIAS, v, ZERO_BIAS)
    if params_n_devices(params) is None:
        flat = traj.state.transpose(1, 0, 2).reshape(n_s, n_t * n)
        current = model.current(flat, v, params)
        i_eval = np.where(v == v_eval, current, model.current(flat, v_eval, params))
    else:
        current = np.concatenate([model.current(traj.state[k], traj.voltage[k], params) for k in range(n_t)])
        i_eval = np.concatenate([model.current(traj.state[k], v_eval[k * n], params) for k in range(n_t)])
    return current.reshape(n_t, n), (i_eval / v_eval).reshape(n_t, n)


def _is_segment_end(traj, waveform: Waveform) -> np.ndarray:
    ends = waveform.t_end[traj.segment_index]
    return np.isclose(traj.time, ends, rtol=1e-12, atol=1e-15)


def _params_json(params) -> dict:
    return {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in dataclasses.asdict(params).items()}


def read_conductance(result: xr.Dataset) -> xr.DataArray:
    """Conductance [S] at the end of every read segment of a result."""
    if not bool(result["is_read"].any()):
        raise ParameterError("The result has no read segments: add 'read <V> for <time>' steps to the protocol.")
    return result["conductance"].isel(time=np.flatnonzero(result["is_read"].values))


class Crossbar:
    """An R×C crossbar of one device type, each cell with its own state (and, with a
    variability spec on the device, its own parameters).

    Parameters
    ----------
    device : a Device or preset name; use ``Device(...).pixel()`` for the array-pixel geometry.
    rows, cols : array size.
    mode : "ideal" (every cell sees its imposed voltage) or "resistive" (nodal solve with line,
        driver and sense resistances, floating lines and optional selectors).
    line_resistance : word- and bit-line resistance per cell pitch [Ω] (resistive mode).
    driver_resistance, sense_resistance : word-line driver and bit-line sense resistance [Ω].
    selector : a ``circuit.Selector`` in series with every cell (1S1R), or None (1R).
    """

    def __init__(self, device: Device | str = "ZnTPP/AlOx", rows: int = 8, cols: int = 8, *, mode: str = "ideal",
                 line_resistance: float = 0.0, driver_resistance: float = 0.0, sense_resistance: float = 0.0,
                 selector: Selector | None = None):
        self.device = Device(device) if isinstance(device, str) else device
        if self.device.model.terminals:
            raise param_error("device", "Crossbar", "a two-terminal device model", f"{self.device.model.name!r} "
                              f"with terminals {self.device.model.terminals}")
        rows, cols = check_array_size(rows, cols, "Crossbar")
        if mode not in ("ideal", "resistive"):
            raise param_error("mode", "Crossbar", "'ideal' or 'resistive'", mode)
        for name, value in (("line_resistance", line_resistance), ("driver_resistance", driver_resistance),
                            ("sense_resistance", sense_resistance)):
            if not isinstance(value, (int, float, np.integer, np.floating)) or not (np.isfinite(value) and value >= 0):
                raise param_error(name, "Crossbar", "a finite resistance >= 0 Ohm", value)
        if selector is not None and not isinstance(selector, Selector):
            raise param_error("selector", "Crossbar", "None or a circuit.Selector", selector)
        self.rows, self.cols, self.mode = int(rows), int(cols), mode
        self.lines = Lines(line_resistance, line_resistance, driver_resistance, sense_resistance)
        self.selector = selector
        if mode == "ideal" and (selector is not None or line_resistance or driver_resistance or sense_resistance):
            raise param_error("mode", "Crossbar", "'resistive' when lines, drivers or selectors are given", mode)

    @property
    def shape(self) -> tuple[int, int]:
        return self.rows, self.cols

    @property
    def n_cells(self) -> int:
        return self.rows * self.cols

    def network(self) -> Network:
        return Network(self.rows, self.cols, self.lines, self.selector)

    def __repr__(self) -> str:
        return f"Crossbar({self.device.name!r}, {self.rows}x{self.cols}, mode={self.mode!r})"


def as_array_drive(crossbar: Crossbar, drive):
    """A CellDrive/LineDrive from a drive, input frames (n, R, C) / an image, or protocol text
    applied to every cell (ideal) or to every word line with bit lines at 0 V (resistive)."""
    if isinstance(drive, (CellDrive, LineDrive)):
        out = drive
    elif isinstance(drive, np.ndarray):
        out = frames_to_drive(drive)
    else:
        wf = as_waveform(drive)
        if crossbar.mode == "ideal":
            out = CellDrive.from_waveforms(np.full(crossbar.shape, wf, dtype=object))
        else:
            if not np.all(wf.is_constant):
                raise param_error("protocol", "resistive crossbar", "constant segments only (no sweeps)", wf.text.strip())
            out = LineDrive.build(wf.duration, np.repeat(wf.v_start[:, None], crossbar.rows, axis=1),
                                  np.zeros((wf.n_segments, crossbar.cols)), wf.kind)
    if out.shape != crossbar.shape:
        raise param_error("drive", "simulate", f"a drive for the {crossbar.rows}×{crossbar.cols} array", out.shape)
    if crossbar.mode == "resistive" and isinstance(out, CellDrive):
        raise param_error("drive", "simulate", "a LineDrive in resistive mode (per-cell voltages cannot be imposed on "
                          "a passive crossbar: build one with circuit.write_scheme / read_scheme)", "CellDrive")
    return out


def simulate_array(crossbar: Crossbar, drive, *, seed: int | None = None, state0=None, energy: bool = True,
                   full_reads: bool = True, method: str = "auto", dv_tol: float = 0.01, progress=None) -> xr.Dataset:
    """Run ``drive`` on ``crossbar`` (``simulate`` calls this for a Crossbar); see ``ArrayRun``.

    energy : report ∫ I·V dt per cell and pulse. full_reads : keep the cells' voltage and current
    at the reads besides the conductance maps (ideal mode; False for very large arrays).
    dv_tol : resistive mode, largest change of a cell voltage within one sub-step [V].
    progress : callable(done segments, total segments)."""
    drive = as_array_drive(crossbar, drive)
    model, n = crossbar.device.model, crossbar.n_cells
    params = crossbar.device.sample_params(n, seed)
    state = model.initial_state(params, n) if state0 is None else _array_state0(model, state0, crossbar)
    if crossbar.mode == "ideal":
        run = run_ideal(model, params, drive, state, energy=energy, full_reads=full_reads, method=method,
                        progress=progress)
    else:
        run = run_resistive(model, params, crossbar.network(), drive, state, energy=energy, dv_tol=dv_tol,
                            progress=progress)
    return _array_dataset(crossbar, params, run, seed)


def _array_state0(model, state0, crossbar: Crossbar) -> np.ndarray:
    arr = np.asarray(state0, dtype=float)
    if arr.shape == (model.n_states,):
        arr = np.repeat(arr[:, None], crossbar.n_cells, axis=1)
    elif arr.shape == (model.n_states, crossbar.rows, crossbar.cols):
        arr = arr.reshape(model.n_states, -1)
    if arr.shape != (model.n_states, crossbar.n_cells) or not np.all(np.isfinite(arr)):
        raise param_error("state0", "simulate", f"finite, shaped ({model.n_states},) or ({model.n_states}, "
                          f"{crossbar.rows}, {crossbar.cols})", np.shape(state0))
    return arr


def _array_dataset(crossbar: Crossbar, params, run: ArrayRun, seed) -> xr.Dataset:
    cell = ("row", "col")
    data = {"conductance": (("read",) + cell, run.read_conductance, {"units": "S", "definition": "I/V at the read"})}
    if run.read_voltage.shape == run.read_conductance.shape:
        data["voltage"] = (("read",) + cell, run.read_voltage, {"units": "V"})
        data["current"] = (("read",) + cell, run.read_current, {"units": "A"})
    for i, name in enumerate(crossbar.device.model.state_names):
        data[f"final_{name}"] = (cell, run.state[i], {"units": "1"})
    coords = {"read_time": ("read", run.read_time, {"units": "s"}), "input": ("read", run.read_label),
              "row": np.arange(crossbar.rows), "col": np.arange(crossbar.cols)}
    if run.energy is not None:
        data["energy"] = (("pulse",) + cell, run.energy, {"units": "J", "definition": "∫ I·V dt per segment"})
        coords.update(pulse_time=("pulse", run.pulse_time, {"units": "s"}), pulse_input=("pulse", run.pulse_label))
    attrs = {"model": crossbar.device.model.name, "device": crossbar.device.name, "crossbar_mode": crossbar.mode,
             "shape": list(crossbar.shape), "parameters": json.dumps(_params_json(params)),
             "lines_ohm": json.dumps(dataclasses.asdict(crossbar.lines)),
             "selector": json.dumps(dataclasses.asdict(crossbar.selector) if crossbar.selector else None),
             "seed": -1 if seed is None else int(seed), "nanoionic_version": package_version()}
    if run.sense_current is not None:
        data["sense_current"] = (("read", "col"), run.sense_current, {"units": "A"})
        coords["selected_row"] = ("read", run.selected_row)
        attrs["max_kcl_residual"] = run.max_kcl_residual
        attrs["n_nodal_solves"] = run.n_solves
    return xr.Dataset(data, coords=coords, attrs=attrs)
