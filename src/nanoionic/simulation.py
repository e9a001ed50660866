"""Composition only: a Device (model + validated parameters) and ``simulate`` (protocol → Result).

``simulate`` parses/compiles the protocol, draws per-device parameters when the device has a
variability spec (seeded), runs ``engine.integrate`` and packs an ``xarray.Dataset`` whose
attributes record everything needed to re-run it.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import numpy as np
import xarray as xr

from nanoionic._core.errors import ParameterError, param_error, unknown_name_error
from nanoionic.engine import integrate
from nanoionic.models.base import params_n_devices
from nanoionic.models.registry import get_model
from nanoionic.parameters import ParameterSet, load_parameter_set
from nanoionic.protocols import compile_protocol
from nanoionic.protocols.waveform import KIND, Waveform

ZERO_BIAS = 1e-3
"""Voltage [V] at which the conductance of a point at 0 V is evaluated (its low-field limit)."""


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

    def sample_params(self, n_devices: int, seed: int | None):
        """Params with per-device arrays for the parameters that have a variability spec."""
        if not self.variability:
            return self.params
        rng = np.random.default_rng(seed)
        values = {name: getattr(self.params, name) * np.exp(sigma * rng.standard_normal(n_devices))
                  for name, sigma in self.variability.items()}
        return self.parameter_set.with_values(**values).params

    def __repr__(self) -> str:
        return f"Device({self.name!r}, model={self.model.name!r})"


def _check_variability(params, variability: dict[str, float]) -> dict[str, float]:
    names = {f.name for f in dataclasses.fields(params)}
    for key, sigma in variability.items():
        if key not in names:
            raise unknown_name_error("parameter in variability", key, names)
        if not (isinstance(sigma, (int, float)) and np.isfinite(sigma) and 0 <= sigma <= 1):
            raise param_error(f"variability[{key!r}]", "Device", "a relative spread in [0, 1]", sigma)
    return dict(variability)


def as_waveform(protocol) -> Waveform:
    """A Waveform from protocol text, a Protocol, steps, or a Waveform (returned as is)."""
    if isinstance(protocol, Waveform):
        return protocol
    return compile_protocol(protocol)


def simulate(device: Device | str, protocol, *, n_devices: int | None = None, seed: int | None = None,
             state0=None, method: str = "auto", save="segments", **engine_options) -> xr.Dataset:
    """Run ``protocol`` on ``device`` and return the Result dataset.

    Parameters
    ----------
    device : a Device or a preset name.
    protocol : protocol text (DESIGN.md grammar), a Protocol, or a compiled Waveform.
    n_devices : None for one device (dims ``(time,)``); an int for ``(time, device)``.
    seed : seed of the device-to-device parameter draw (used only with a variability spec).
    state0 : initial state, (n_states,) or (n_states, n_devices); default pristine.
    method, save, **engine_options : passed to ``engine.integrate``.

    Returns
    -------
    xarray.Dataset with ``voltage`` [V], ``current`` [A], ``conductance`` [S] (I/V; at 0 V the
    low-field limit, evaluated at 1 mV), every state variable, and coordinates ``segment``,
    ``cycle`` and ``is_read`` along ``time`` [s].
    """
    if isinstance(device, str):
        device = Device(device)
    if n_devices is not None and (not isinstance(n_devices, (int, np.integer)) or n_devices < 1):
        raise param_error("n_devices", "simulate", "a positive integer or None", n_devices)
    waveform = as_waveform(protocol)
    n = 1 if n_devices is None else int(n_devices)
    params = device.sample_params(n, seed)
    traj = integrate(device.model, params, waveform, state0, n_devices=n, method=method, save=save,
                     **engine_options)
    return _to_dataset(device, params, waveform, traj, squeeze=n_devices is None, seed=seed)


def _to_dataset(device: Device, params, waveform: Waveform, traj, *, squeeze: bool, seed) -> xr.Dataset:
    model = device.model
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
        "nanoionic_version": _version(),
    }
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


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("nanoionic")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def read_conductance(result: xr.Dataset) -> xr.DataArray:
    """Conductance [S] at the end of every read segment of a result."""
    if not bool(result["is_read"].any()):
        raise ParameterError("The result has no read segments: add 'read <V> for <time>' steps to the protocol.")
    return result["conductance"].isel(time=np.flatnonzero(result["is_read"].values))
