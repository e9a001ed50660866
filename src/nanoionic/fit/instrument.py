"""The measurement set-up around a device: offsets, series resistance, compliance and polarity.

A measured trace is not the device alone. The instrument reads the voltage with an offset, the
contacts and lines add a series resistance, a source-measure unit limits the current
(compliance), the ammeter has an offset, and the device may be wired the other way round from
the model's convention (a model that sets under negative bias, data that set under positive
bias). :class:`InstrumentModel` wraps any two-terminal model with these *nuisance parameters*
as extra fields of its Params, so each of them may be a per-device array like any other
parameter: a batch of parameter sets is one engine run whatever is free.

With the applied (measured) voltage V, the device sees

    V_d = p·(V − V_os) − R_s·I_d(V_d)     with |I_d(V_d)| <= I_cc,

and the instrument reads I = p·I_d(V_d) + I_os. With R_s = 0 and no compliance V_d is explicit
and a linear model stays linear (the engine keeps its exact maps); otherwise V_d is found by
bisection on the device's current law, which must be monotonic in V at fixed state (every
shipped current law is).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from nanoionic.models.base import DeviceModel, field

NUISANCE_FIELDS = {
    "voltage_offset": (0.0, "V", -10.0, 10.0, "offset of the measured voltage (V_device = V - offset)"),
    "series_resistance": (0.0, "Ohm", 0.0, 1e9, "resistance in series with the device (contacts, lines)"),
    "compliance": (math.inf, "A", 0.0, math.inf, "current limit of the source (inf: none)"),
    "current_offset": (0.0, "A", -1.0, 1.0, "offset of the current meter (added to the device current)"),
    "polarity": (1.0, "1", -1.0, 1.0, "+1: the model's polarity; -1: the device is wired the other way round"),
}
"""Nuisance parameters: name → (default, unit, low, high, meaning)."""

BISECTION_STEPS = 48
"""Bisection steps of the device-voltage solve: the bracket shrinks to 2^-48 ≈ 4e-15 of |V|."""


def instrument_fields(params_cls: type) -> tuple[str, ...]:
    """The nuisance fields the instrument adds: those the model does not have itself (a model
    with its own ``series_resistance`` solves it in its own current law)."""
    own = {f.name for f in dataclasses.fields(params_cls)}
    return tuple(name for name in NUISANCE_FIELDS if name not in own)


def instrument_params_class(params_cls: type) -> type:
    """The model's Params extended by the nuisance fields (a frozen dataclass subclass)."""
    extra = [(name, float, field(*NUISANCE_FIELDS[name])) for name in instrument_fields(params_cls)]
    return dataclasses.make_dataclass(f"Instrument{params_cls.__name__}", extra, bases=(params_cls,), frozen=True)


def with_instrument(params, params_cls: type, **nuisance):
    """``params`` (the model's) as an instance of ``params_cls`` with the given nuisance values."""
    values = {f.name: getattr(params, f.name) for f in dataclasses.fields(params)}
    return params_cls(**values, **nuisance)


class InstrumentModel(DeviceModel):
    """``base`` seen through the instrument (module docstring). ``solve`` is True when a series
    resistance or a compliance may act: the device voltage then comes from a bisection and the
    wrapped model is treated as non-linear."""

    def __init__(self, base: DeviceModel, *, solve: bool = False):
        self.base = base
        self.solve = bool(solve)
        self.name = base.name
        self.state_names = base.state_names
        self.state_bounds = base.state_bounds
        self.Params = instrument_params_class(type(base).Params)
        self.added = instrument_fields(type(base).Params)
        self.linear = base.linear and not self.solve
        self.stiff = base.stiff
        self.operating_voltage = base.operating_voltage
        self.time_scale = base.time_scale
        self.ohmic = base.ohmic and not self.solve
        self.conserved_weights = base.conserved_weights
        self.inventory_states = base.inventory_states

    # ----------------------------------------------------------------------- device voltage
    def _drive(self, v, params):
        """p·(V − V_os): the voltage across device plus series resistance [V]."""
        return params.polarity * (np.asarray(v, dtype=float) - params.voltage_offset)

    def device_voltage(self, state: np.ndarray, v, params) -> np.ndarray:
        """V_d [V] with V_d + R_s·I_d(V_d) = p·(V − V_os) and |I_d(V_d)| <= I_cc, (n,)."""
        drive = np.broadcast_to(self._drive(v, params), state.shape[1:]).astype(float)
        if not self.solve:
            return drive
        r_s = np.asarray(params.series_resistance if "series_resistance" in self.added else 0.0, dtype=float)
        i_cc = np.asarray(params.compliance if "compliance" in self.added else np.inf, dtype=float)
        sign = np.where(drive < 0, -1.0, 1.0)
        near, far = np.zeros_like(drive), drive.copy()  # the solution lies between 0 and the drive
        for _ in range(BISECTION_STEPS):
            mid = 0.5 * (near + far)
            i = self.base.current(state, mid, params)
            beyond = (sign * (mid + r_s * i - drive) > 0) | (sign * i > i_cc)
            far = np.where(beyond, mid, far)
            near = np.where(beyond, near, mid)
        return near

    # ------------------------------------------------------------------ the DeviceModel API
    def initial_state(self, params, n_devices: int) -> np.ndarray:
        return self.base.initial_state(params, n_devices)

    def rates(self, state, v, t, params):
        return self.base.rates(state, self.device_voltage(state, v, params), t, params)

    def current(self, state, v, params):
        """Measured current [A]: p·I_d(V_d) + I_os."""
        i = self.base.current(state, self.device_voltage(state, v, params), params)
        return params.polarity * i + params.current_offset

    def jacobian(self, state, v, t, params):
        if self.solve:
            return DeviceModel.jacobian(self, state, v, t, params)
        return self.base.jacobian(state, self._drive(v, params), t, params)

    def affine_map(self, v, dt, params):
        return self.base.affine_map(self._drive(v, params), dt, params)

    def clip_state(self, state):
        return self.base.clip_state(state)


def instrument_model(base: DeviceModel, *, solve: bool = False) -> InstrumentModel:
    """The wrapper, with ``generator`` / ``compartment_generator`` forwarded only when the base
    model has them (the exact engine picks its map builder by what the class defines)."""
    extra = {}
    if type(base).generator is not DeviceModel.generator:
        extra["generator"] = lambda self, v, params: self.base.generator(self._drive(v, params), params)
    if type(base).compartment_generator is not DeviceModel.compartment_generator:
        extra["compartment_generator"] = lambda self, v, params: self.base.compartment_generator(
            self._drive(v, params), params)
    cls = type(f"Instrument{type(base).__name__}", (InstrumentModel,), extra) if extra else InstrumentModel
    return cls(base, solve=solve)
