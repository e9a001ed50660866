"""Typed protocol steps: frozen dataclasses that validate themselves and print as grammar text.

A ``Protocol`` is a tuple of steps; ``Repeat`` nests. ``to_text()`` prints the grammar that
``parse_protocol`` reads (DESIGN.md, "Protocol grammar"), with values that read back exactly.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Union

from nanoionic._core.errors import ParameterError, param_error
from nanoionic._core.units import format_quantity

MAX_VOLTAGE = 1e3  # largest |V| a step may ask for [V]
MAX_DURATION = 1e9  # longest duration of one step [s]
MAX_COUNT = 10**9  # most iterations of one repeat
MIN_SWEEP_STEP = 1e-9  # smallest voltage change of one sweep leg [V]


def _real(name: str, owner: str, value: object) -> float:
    """``value`` as a float, or the standard error if it is not a real number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise param_error(name, owner, "a real number", value)
    return float(value)


def _voltage(name: str, owner: str, value: object) -> float:
    v = _real(name, owner, value)
    if not (math.isfinite(v) and abs(v) <= MAX_VOLTAGE):
        raise param_error(name, owner, f"finite with |{name}| <= {MAX_VOLTAGE:g} V", v)
    return v


def _duration(name: str, owner: str, value: object) -> float:
    d = _real(name, owner, value)
    if not (math.isfinite(d) and d > 0):
        raise param_error(name, owner, "> 0 s and finite", d)
    if d > MAX_DURATION:
        raise param_error(name, owner, f"<= {MAX_DURATION:g} s", d)
    return d


def _set(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)


@dataclass(frozen=True)
class Sweep:
    """Linear voltage ramps through ``points`` at a constant ``rate``.

    Parameters
    ----------
    points : sequence of float
        Two or more turning points [V], consecutive ones different, |V| <= 1e3.
    rate : float
        Sweep rate magnitude [V/s], > 0.
    """

    points: tuple[float, ...]
    rate: float

    def __post_init__(self):
        try:
            raw = tuple(self.points)
        except TypeError:
            raise param_error("points", "sweep", "a sequence of at least 2 voltages", self.points) from None
        if len(raw) < 2:
            raise param_error("points", "sweep", "a sequence of at least 2 voltages", raw)
        points = tuple(_voltage("points", "sweep", p) for p in raw)
        if any(0.0 < abs(p) < MIN_SWEEP_STEP for p in points):
            raise param_error("points", "sweep", f"voltages of 0 V or of at least {MIN_SWEEP_STEP:g} V in magnitude", points)
        if any(abs(a - b) < MIN_SWEEP_STEP for a, b in zip(points, points[1:])):
            raise param_error("points", "sweep", f"a sequence whose consecutive voltages differ (by >= {MIN_SWEEP_STEP:g} V)",
                              points)
        rate = _real("rate", "sweep", self.rate)
        if not (math.isfinite(rate) and rate > 0):
            raise param_error("rate", "sweep", "> 0 V/s", rate)
        _set(self, "points", points)
        _set(self, "rate", rate)
        if self.duration > MAX_DURATION:
            raise param_error("rate", "sweep", f"large enough that the sweep lasts <= {MAX_DURATION:g} s", rate)

    @property
    def duration(self) -> float:
        """Total sweep time sum(|dV|)/rate [s]."""
        return sum(abs(b - a) for a, b in zip(self.points, self.points[1:])) / self.rate

    def to_text(self) -> str:
        path = " -> ".join(format_quantity(p, "V") for p in self.points)
        return f"sweep {path} at {format_quantity(self.rate, 'V/s')}"


@dataclass(frozen=True)
class Pulse:
    """A rectangular pulse (instantaneous edges).

    Parameters
    ----------
    voltage : float
        Pulse amplitude [V], |V| <= 1e3.
    width : float
        Pulse width [s], > 0.
    """

    voltage: float
    width: float

    def __post_init__(self):
        _set(self, "voltage", _voltage("voltage", self._name, self.voltage))
        _set(self, "width", _duration("width", self._name, self.width))

    _name = "pulse"

    @property
    def duration(self) -> float:
        """Step duration [s]."""
        return self.width

    def to_text(self) -> str:
        return f"{self._name} {format_quantity(self.voltage, 'V')} for {format_quantity(self.width, 's')}"


@dataclass(frozen=True)
class Read(Pulse):
    """A read pulse: a rectangular pulse whose conductance I/V is reported.

    Parameters
    ----------
    voltage : float
        Read voltage [V], |V| <= 1e3.
    width : float
        Read duration [s], > 0.
    """

    _name = "read"


@dataclass(frozen=True)
class Wait:
    """0 V for ``duration``.

    Parameters
    ----------
    duration : float
        Waiting time [s], > 0.
    """

    duration: float

    def __post_init__(self):
        _set(self, "duration", _duration("duration", "wait", self.duration))

    def to_text(self) -> str:
        return f"wait {format_quantity(self.duration, 's')}"


@dataclass(frozen=True)
class Hold:
    """A constant voltage for ``duration`` (like a pulse, but reported as a hold).

    Parameters
    ----------
    voltage : float
        Held voltage [V], |V| <= 1e3.
    duration : float
        Holding time [s], > 0.
    """

    voltage: float
    duration: float

    def __post_init__(self):
        _set(self, "voltage", _voltage("voltage", "hold", self.voltage))
        _set(self, "duration", _duration("duration", "hold", self.duration))

    def to_text(self) -> str:
        return f"hold {format_quantity(self.voltage, 'V')} for {format_quantity(self.duration, 's')}"


@dataclass(frozen=True)
class Repeat:
    """``body`` repeated ``count`` times.

    Parameters
    ----------
    count : int
        Number of iterations, >= 1.
    body : sequence of steps
        One or more steps (may contain further repeats).
    """

    count: int
    body: tuple

    def __post_init__(self):
        count = self.count
        if isinstance(count, bool) or not isinstance(count, numbers.Integral) or not 1 <= count <= MAX_COUNT:
            raise param_error("count", "repeat", f"an integer from 1 to {MAX_COUNT}", count)
        _set(self, "count", int(count))
        _set(self, "body", _steps_tuple("body", "repeat", self.body))

    @property
    def duration(self) -> float:
        """Total time of all iterations [s]."""
        return self.count * sum(s.duration for s in self.body)

    @property
    def n_leaves(self) -> int:
        """Number of leaf (non-repeat) steps after expansion."""
        return self.count * sum(s.n_leaves if isinstance(s, Repeat) else 1 for s in self.body)

    def to_text(self) -> str:
        return f"repeat {self.count} {{ {'; '.join(s.to_text() for s in self.body)} }}"

    def expand(self) -> tuple:
        """The leaf steps of all iterations in order."""
        once = _expand(self.body)
        return once * self.count


Step = Union[Sweep, Pulse, Read, Wait, Hold, Repeat]
STEP_TYPES = (Sweep, Pulse, Read, Wait, Hold, Repeat)


def _steps_tuple(name: str, owner: str, steps: object) -> tuple:
    """Validate a non-empty sequence of steps and return it as a tuple."""
    if isinstance(steps, STEP_TYPES):
        steps = (steps,)
    try:
        steps = tuple(steps)
    except TypeError:
        raise param_error(name, owner, "a non-empty sequence of steps", steps) from None
    if not steps:
        raise param_error(name, owner, "a non-empty sequence of steps", steps)
    for s in steps:
        if not isinstance(s, STEP_TYPES):
            raise ParameterError(
                f"The '{name}' parameter of {owner} must contain only steps "
                f"({', '.join(t.__name__ for t in STEP_TYPES)}). Got {s!r} instead."
            )
    return steps


def _expand(steps: tuple) -> tuple:
    out: list = []
    for s in steps:
        out.extend(s.expand() if isinstance(s, Repeat) else (s,))
    return tuple(out)


@dataclass(frozen=True)
class Protocol:
    """A sequence of steps, as parsed from protocol text.

    Parameters
    ----------
    steps : sequence of steps
        One or more steps.
    """

    steps: tuple

    def __post_init__(self):
        _set(self, "steps", _steps_tuple("steps", "Protocol", self.steps))

    @property
    def duration(self) -> float:
        """Total protocol time [s]."""
        return sum(s.duration for s in self.steps)

    def to_text(self) -> str:
        """Canonical grammar text, one statement per line, values exact on re-parsing."""
        return "\n".join(s.to_text() for s in self.steps) + "\n"

    def expand(self) -> tuple:
        """The leaf steps with every repeat flattened, in execution order."""
        return _expand(self.steps)
