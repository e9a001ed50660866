"""Numeric options that a person may type with a unit ("1 kOhm", "10 ms"), checked at the edge."""

from __future__ import annotations

import math

import numpy as np

from nanoionic._core.errors import ParameterError, param_error
from nanoionic._core.units import parse_quantity


def quantity(value, unit: str, name: str, owner: str, *, positive: bool = False) -> float:
    """``value`` in SI [unit]: a number (taken as SI) or text with a unit such as "10 ms".

    Parameters
    ----------
    value : float or str
        The option as given.
    unit : str
        The SI base unit expected ("s", "V", "Ohm").
    name, owner : str
        The option and the function it belongs to, for the error message.
    positive : bool
        Require ``value > 0``.

    Raises
    ------
    ParameterError
        Not a number, a unit of another kind, not finite, or not positive when required.
    """
    need = f"a {'positive ' if positive else ''}finite number [{unit}] or text such as '10 m{unit}'"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating, str)):
        raise param_error(name, owner, need, value)
    try:
        number = parse_quantity(value, unit, name=name)
    except ParameterError:
        raise param_error(name, owner, need, value) from None
    if not math.isfinite(number) or (positive and number <= 0):
        raise param_error(name, owner, need, value)
    return number
