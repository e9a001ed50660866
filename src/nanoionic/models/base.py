"""The DeviceModel interface every device model implements (DESIGN.md, Core interfaces).

State is a float64 array shaped ``(n_states, n_devices)``; every parameter may be a scalar or an
``(n_devices,)`` array (device-to-device spread). A model is the Chua–Kang memristive system
``I = G(x, V)·V``, ``dx/dt = f(x, V, t)``.

A model whose rates are *affine* in the state at fixed voltage (``dx/dt = A(V)·x + b(V)``) sets
``linear = True`` and implements :meth:`DeviceModel.affine_map`; the engine then steps every
constant-voltage interval exactly, with no time-step error.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import numpy as np

from nanoionic._core.errors import param_error, unknown_name_error
from nanoionic.models.compact import NotExportableError


def field(default: float, unit: str, low: float, high: float, doc: str, *,
          low_open: bool = False, high_open: bool = False) -> Any:
    """A Params field whose metadata carries unit, allowed range and meaning."""
    return dataclasses.field(default=default, metadata={
        "unit": unit, "low": low, "high": high, "doc": doc,
        "low_open": low_open, "high_open": high_open,
    })


def describe_params(params_cls: type) -> list[dict[str, Any]]:
    """Rows (name, default, unit, range, meaning) describing a Params dataclass."""
    rows = []
    for f in dataclasses.fields(params_cls):
        m = f.metadata
        rows.append({"name": f.name, "default": f.default, "unit": m.get("unit", ""),
                     "low": m.get("low"), "high": m.get("high"), "doc": m.get("doc", "")})
    return rows


def make_params(params_cls: type, owner: str, values: dict[str, Any] | None = None, **overrides: Any):
    """Build and validate a Params instance from defaults, ``values`` and ``overrides``.

    Each value may be a scalar or a 1-D array (one entry per device). Unknown names, non-finite
    values and values outside a field's range raise ParameterError naming the field.
    """
    merged = {**(values or {}), **overrides}
    names = {f.name: f for f in dataclasses.fields(params_cls)}
    for key in merged:
        if key not in names:
            raise unknown_name_error(f"parameter of {owner}", key, names)
    checked = {}
    for key, value in merged.items():
        checked[key] = _check_field(names[key], owner, value)
    return params_cls(**checked)


def _check_field(f: dataclasses.Field, owner: str, value: Any):
    m = f.metadata
    if isinstance(value, (bool, np.bool_)) or (isinstance(value, np.ndarray) and value.dtype == bool):
        raise param_error(f.name, owner, f"a number in {m.get('unit', '')} (not True/False)", value)
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise param_error(f.name, owner, f"a number in {m.get('unit', '')}", value) from None
    if arr.ndim > 1:
        raise param_error(f.name, owner, "a scalar or a 1-D array with one value per device", value)
    if not np.all(np.isfinite(arr)):
        raise param_error(f.name, owner, "finite", value)
    low, high = m.get("low", -np.inf), m.get("high", np.inf)
    too_low = arr <= low if m.get("low_open") else arr < low
    too_high = arr >= high if m.get("high_open") else arr > high
    if np.any(too_low | too_high):
        lo = "(" if m.get("low_open") else "["
        hi = ")" if m.get("high_open") else "]"
        unit = f" {m['unit']}" if m.get("unit") else ""
        bad = arr[too_low | too_high].ravel()[0]
        raise param_error(f.name, owner, f"in {lo}{low:g}, {high:g}{hi}{unit}", float(bad))
    return float(arr) if arr.ndim == 0 else arr


def params_n_devices(params) -> int | None:
    """The device count implied by array-valued parameters (None if all are scalars)."""
    sizes = {np.size(v) for v in dataclasses.asdict(params).values() if np.ndim(v) == 1}
    if len(sizes) > 1:
        raise param_error("parameters", type(params).__qualname__,
                          "arrays of one common length (one value per device)", sorted(sizes))
    return sizes.pop() if sizes else None


ZERO_BIAS = 1e-3
"""Voltage [V] at which the conductance of a point at 0 V is evaluated (its low-field limit)."""


def conductance(model, state: np.ndarray, v, params) -> np.ndarray:
    """I/V [S] at voltage ``v`` [V]; where |V| < ZERO_BIAS, the low-field limit I(1 mV)/1 mV."""
    v = np.asarray(v, dtype=float)
    v_eval = np.where(np.abs(v) >= ZERO_BIAS, v, ZERO_BIAS)
    return model.current(state, v_eval, params) / v_eval


def take_devices(params, index):
    """Params of a subset of devices: (n,) fields indexed by ``index``, scalars kept."""
    if params_n_devices(params) is None:
        return params
    return dataclasses.replace(params, **{k: v[index] for k, v in dataclasses.asdict(params).items()
                                          if np.ndim(v) == 1})


class DeviceModel:
    """Base class of device models. Subclasses set the class attributes and implement the methods.

    Class attributes
    ----------------
    name : registry name of the model.
    state_names : names of the state variables, in state-array row order.
    state_bounds : (low, high) of each state variable; the engine and tests check them.
    Params : frozen dataclass of the model's parameters (fields built with :func:`field`).
    linear : True if dx/dt is affine in x at fixed V (then :meth:`affine_map` is exact).
    stiff : True if explicit methods need tiny steps (the engine's ``auto`` then picks implicit).
    operating_voltage : typical drive amplitude [V] (the test harness sweeps and pulses at
        multiples of it).
    time_scale : typical pulse length [s] (the harness's durations are multiples of it).
    terminals : names of independently driven voltages of a multi-terminal or coupled model (()
        for a two-terminal device). Such a model gets ``v`` shaped (n_terminals,) in ``rates`` and
        ``current`` (the same voltages for every device of a batch), returns one current per
        terminal, (n_terminals, n_devices), and is integrated by the adaptive methods from a
        waveform with one voltage column per terminal (``protocols.merge_terminals``).
    ohmic : True if the current is linear in the voltage at fixed state (I = G(x)·V); array
        solvers then solve the network as linear (``circuit.line_transient``).
    conserved_weights : weights w of a conserved inventory Σ w·x of non-negative states (a shared
        ion reservoir); the adaptive methods then keep it to round-off after every step.
    inventory_states : indices of states that are fractions of one inventory whose remainder is
        implicit (each >= 0, their sum <= 1); the exact method checks its extrapolated ramp maps
        against that set rather than against each state's bounds alone.
    """

    name: ClassVar[str] = ""
    state_names: ClassVar[tuple[str, ...]] = ()
    state_bounds: ClassVar[tuple[tuple[float, float], ...]] = ()
    Params: ClassVar[type]
    linear: ClassVar[bool] = False
    stiff: ClassVar[bool] = False
    operating_voltage: ClassVar[float] = 10.0
    time_scale: ClassVar[float] = 0.1
    terminals: ClassVar[tuple[str, ...]] = ()
    ohmic: ClassVar[bool] = False
    conserved_weights: ClassVar[tuple[float, ...] | None] = None
    inventory_states: ClassVar[tuple[int, ...]] = ()

    @property
    def n_states(self) -> int:
        return len(self.state_names)

    def initial_state(self, params, n_devices: int) -> np.ndarray:
        """State of pristine devices, shape (n_states, n_devices)."""
        raise NotImplementedError

    def rates(self, state: np.ndarray, v, t: float, params) -> np.ndarray:
        """dx/dt [state units / s] at voltage ``v`` [V] (scalar or (n,)) and time ``t`` [s]."""
        raise NotImplementedError

    def current(self, state: np.ndarray, v, params) -> np.ndarray:
        """Device current [A] at voltage ``v`` [V]; zero at v = 0 (pinched hysteresis)."""
        raise NotImplementedError

    def affine_map(self, v, dt, params) -> tuple[np.ndarray, np.ndarray]:
        """Exact map over a constant-voltage interval: x(t+dt) = Phi·x(t) + psi.

        Returns Phi shaped (n_states, n_states[, n]) and psi shaped (n_states[, n]); the trailing
        device axis is present when ``v``, ``dt`` or a parameter is an array. Only for ``linear``
        models.
        """
        raise NotImplementedError(f"model {self.name!r} has no exact constant-voltage solution")

    def compartment_generator(self, v, params) -> np.ndarray:
        """Optional: for compartment models (state = fractions of a conserved population whose
        last compartment is implicit), the full generator Q (N, N[, n]) [1/s] with dp/dt = Q·p.
        The engine then builds exact maps with ``physics.kinetics``, accurate for stiff rates."""
        raise NotImplementedError(f"model {self.name!r} is not a compartment model")

    def generator(self, v, params) -> tuple[np.ndarray, np.ndarray]:
        """Optional, linear models: A(V) [1/s] shaped (n_states, n_states[, n]) and b(V) [1/s]
        shaped (n_states[, n]) with dx/dt = A·x + b at voltage ``v`` [V].

        When a model provides it, the engine builds per-device exact maps itself with a compiled
        batched matrix exponential (much faster than ``affine_map`` per device); the maps must
        equal ``affine_map``'s. Plain scaling and squaring loses slow rates beside very fast ones
        (~2^s·1e-16 relative), so stiff models with conserved populations should provide
        ``compartment_generator`` instead, which the engine prefers.
        """
        raise NotImplementedError(f"model {self.name!r} provides no generator")

    def segment(self, state: np.ndarray, v, dt, params) -> np.ndarray:
        """State after ``dt`` [s] at constant ``v`` [V], exactly (linear models only)."""
        phi, psi = self.affine_map(v, dt, params)
        return apply_affine(phi, psi, state)

    def jacobian(self, state: np.ndarray, v, t: float, params) -> np.ndarray:
        """d(rates)/d(state), shape (n_states, n_states, n). Default: central differences."""
        n_s, n = state.shape
        jac = np.empty((n_s, n_s, n))
        for j in range(n_s):
            h = 1e-7 * np.maximum(1.0, np.abs(state[j]))
            up, down = state.copy(), state.copy()
            up[j] += h
            down[j] -= h
            jac[:, j, :] = (self.rates(up, v, t, params) - self.rates(down, v, t, params)) / (2 * h)
        return jac

    def compact(self, params):
        """The model as closed-form formulas (``models.compact.CompactModel``) for SPICE and
        Verilog-A export; models that cannot be written that way raise NotExportableError
        saying which equation stops them."""
        if self.terminals:
            raise NotExportableError(f"model {self.name!r} couples the terminals {', '.join(self.terminals)} (one current "
                                     "per terminal); export writes two-terminal devices")
        raise NotExportableError(f"model {self.name!r} has no closed-form (compact) description for export")

    def clip_state(self, state: np.ndarray) -> np.ndarray:
        """Project round-off excursions (|excess| < 1e-9) back into the state bounds, in place."""
        for i, (lo, hi) in enumerate(self.state_bounds):
            np.clip(state[i], lo, hi, out=state[i])
        return state


def apply_affine(phi: np.ndarray, psi: np.ndarray, state: np.ndarray) -> np.ndarray:
    """x' = Phi·x + psi for state (n_states, n) and Phi (n_states, n_states[, n])."""
    if phi.ndim == 2:
        return phi @ state + (psi[:, None] if psi.ndim == 1 else psi)
    return np.einsum("ijn,jn->in", phi, state) + psi
