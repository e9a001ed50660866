"""Closed-form description of a device model for circuit simulators.

A model that can be written as explicit formulas returns a :class:`CompactModel` from its
``compact(params)`` method; ``export/`` prints it as an ngspice subcircuit or a Verilog-A module,
and :func:`evaluate` computes it with numpy so tests can check that the formulas equal the
model's own ``rates`` and ``current`` before any circuit simulator sees them.

Expressions use a neutral subset of Python syntax that every target can print:

* numbers, names, ``+ - * /``, unary ``-``, ``a ** b`` (only with a non-negative base: ngspice's
  ``pow`` takes |a|, Verilog-A's fails on a negative base);
* calls of :data:`FUNCTIONS` (``ln`` is the natural logarithm);
* ``where(condition, a, b)`` with a comparison ``<, <=, >, >=`` as the condition (printed as a
  ternary; avoid it where the switch would be abrupt, circuit simulators' step control stalls).

Names an expression may use: ``v`` (voltage across the device terminals [V]), ``vd`` (voltage
across the conduction element, after the series resistance; only in ``current``), the state
names, the parameter names and the auxiliaries defined before it.
"""

from __future__ import annotations

import ast
import dataclasses
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from nanoionic._core.errors import NanoionicError

FUNCTIONS = ("exp", "ln", "sqrt", "sin", "sinh", "cosh", "tanh", "abs", "min", "max", "where")
"""Functions allowed in compact expressions."""


class NotExportableError(NanoionicError, ValueError):
    """A model (or one of its equations) cannot be written as a compact closed form."""


@dataclass(frozen=True)
class CompactState:
    """One state variable: its rate dx/dt as an expression [state unit / s], its initial value
    and the bounds the model keeps it in."""

    name: str
    rate: str
    initial: float
    low: float
    high: float


@dataclass(frozen=True)
class CompactModel:
    """A device as formulas: I(vd, x), dx/dt(v, x), optional series resistance [Ohm].

    ``parameters`` holds SI numbers (constant combinations such as E/k_B·T precomputed, so no
    expression divides by a tiny number); ``auxiliaries`` are named sub-expressions of ``v`` and
    the states, evaluated in order; ``source`` names the papers behind the equations.
    """

    name: str
    parameters: Mapping[str, float]
    states: tuple[CompactState, ...]
    current: str
    auxiliaries: tuple[tuple[str, str], ...] = ()
    series_resistance: float = 0.0
    source: str = ""
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self):
        check_expressions(self)


# ---- string helpers used by models to build smooth expressions ---------------------------------

def softplus(x: str) -> str:
    """Smooth max(x, 0): ln(1 + e^x), written without overflow."""
    return f"(max({x}, 0) + ln(1 + exp(-abs({x}))))"


def log_add_exp(a: str, b: str) -> str:
    """ln(e^a + e^b), written without overflow."""
    return f"(max({a}, {b}) + ln(1 + exp(-abs(({a}) - ({b})))))"


def log_cosh(x: str) -> str:
    """ln cosh(x), written without overflow."""
    return f"(abs({x}) + ln(1 + exp(-2 * abs({x}))) - {float(np.log(2.0))!r})"


def smooth_step(x: str, width: str) -> str:
    """0 → 1 logistic step of ``x`` over ``width`` (same units as x)."""
    return f"(0.5 * (1 + tanh(({x}) / ({width}))))"


# ---- checking and evaluation ------------------------------------------------------------------

_ALLOWED_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Call, ast.Name, ast.Constant, ast.Load,
                  ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd, ast.Compare,
                  ast.Lt, ast.LtE, ast.Gt, ast.GtE)


def parse_expression(text: str, where: str) -> ast.Expression:
    """Parse one compact expression, rejecting anything outside the neutral syntax."""
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise NotExportableError(f"{where}: cannot parse {text!r}: {exc.msg}") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise NotExportableError(f"{where}: {type(node).__name__} is not allowed in {text!r}")
        if isinstance(node, ast.Call) and (not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS):
            raise NotExportableError(f"{where}: only the functions {', '.join(FUNCTIONS)} are allowed; got {ast.unparse(node.func)!r}")
        if isinstance(node, ast.Compare) and len(node.ops) != 1:
            raise NotExportableError(f"{where}: chained comparisons are not allowed in {text!r}")
    return tree


def _names(tree: ast.AST) -> set[str]:
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - calls


def check_expressions(cm: CompactModel) -> None:
    """Every expression parses and uses only names defined before it."""
    known = {"v"} | set(cm.parameters) | {s.name for s in cm.states}
    for name, text in cm.auxiliaries:
        _check_names(parse_expression(text, f"auxiliary {name!r} of {cm.name}"), known, f"auxiliary {name!r} of {cm.name}")
        known.add(name)
    for s in cm.states:
        _check_names(parse_expression(s.rate, f"rate of {s.name!r} in {cm.name}"), known, f"rate of {s.name!r} in {cm.name}")
    _check_names(parse_expression(cm.current, f"current of {cm.name}"), known | {"vd"}, f"current of {cm.name}")


def _check_names(tree, known, where):
    unknown = _names(tree) - known
    if unknown:
        raise NotExportableError(f"{where} uses undefined names {sorted(unknown)}")


_NUMPY = {"exp": np.exp, "ln": np.log, "sqrt": np.sqrt, "sin": np.sin, "sinh": np.sinh, "cosh": np.cosh,
          "tanh": np.tanh, "abs": np.abs, "min": np.minimum, "max": np.maximum, "where": np.where}


def _eval(text: str, scope: dict) -> np.ndarray:
    code = compile(parse_expression(text, "expression"), "<compact>", "eval")
    with np.errstate(over="ignore"):
        return np.asarray(eval(code, {"__builtins__": {}}, {**_NUMPY, **scope}), dtype=float)  # noqa: S307 - parsed and whitelisted above


def evaluate(cm: CompactModel, state: np.ndarray, v, vd=None) -> tuple[np.ndarray, np.ndarray]:
    """(current [A] at conduction-element voltage ``vd`` (default ``v``), rates (n_states, n))
    of the compact formulas for ``state`` (n_states, n) at terminal voltage ``v`` [V]."""
    scope = {**{k: float(x) for k, x in cm.parameters.items()}, "v": np.asarray(v, dtype=float)}
    scope.update({s.name: np.asarray(state[k], dtype=float) for k, s in enumerate(cm.states)})
    for name, text in cm.auxiliaries:
        scope[name] = _eval(text, scope)
    rates = np.array([np.broadcast_to(_eval(s.rate, scope), np.shape(state[0])) for s in cm.states])
    scope["vd"] = scope["v"] if vd is None else np.asarray(vd, dtype=float)
    return _eval(cm.current, scope), rates


def scalar_parameters(params, model_name: str) -> dict[str, float]:
    """The parameters as floats; an array-valued (per-device) parameter cannot be exported."""
    values = dataclasses.asdict(params)
    spread = [k for k, x in values.items() if np.ndim(x) > 0]
    if spread:
        raise NotExportableError(f"{model_name}: parameters {spread} vary per device; export one device's "
                                 "parameters (scalars) at a time")
    return {k: float(x) for k, x in values.items()}
