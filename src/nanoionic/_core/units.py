"""SI constants and the conversion of human unit text ("100 ms", "30.7 uS") to SI numbers.

Constants are CODATA 2018 exact values where exact.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

from nanoionic._core.errors import ParameterError

Q_E = 1.602176634e-19  # elementary charge [C]
K_B = 1.380649e-23  # Boltzmann constant [J/K]
H_PLANCK = 6.62607015e-34  # Planck constant [J s]
EPS_0 = 8.8541878128e-12  # vacuum permittivity [F/m]
G0 = 2 * Q_E**2 / H_PLANCK  # conductance quantum 2e^2/h [S]
EV = Q_E  # one electronvolt [J]
KJ_PER_MOL = 1e3 / 6.02214076e23  # one kJ/mol per particle [J]

PREFIXES = {
    "f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "µ": 1e-6, "μ": 1e-6,
    "m": 1e-3, "": 1.0, "k": 1e3, "M": 1e6, "G": 1e9,
}
BASE_UNITS = ("V/s", "V", "A", "S", "s", "Ohm", "Ω", "m2", "m", "K", "J", "Hz", "F", "eV")
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_QUANTITY = re.compile(rf"^\s*(?P<num>{_NUMBER})\s*(?P<unit>[^\s\d].*?)?\s*$")


def split_unit(unit: str) -> tuple[float, str]:
    """Split unit text such as "ms", "uS" or "mV/ms" into (prefix factor, base unit); a rate may
    carry a prefix on either side ("kV/s", "V/ms", "mV/us")."""
    for base in BASE_UNITS:
        if unit == base:
            return 1.0, base
    if unit.count("/") == 1:
        top, bottom = unit.split("/")
        try:
            (f_top, b_top), (f_bottom, b_bottom) = split_unit(top), split_unit(bottom)
        except ParameterError:
            pass
        else:
            if f"{b_top}/{b_bottom}" in BASE_UNITS:
                return 10.0 ** (round(math.log10(f_top)) - round(math.log10(f_bottom))), f"{b_top}/{b_bottom}"
    for base in BASE_UNITS:
        if unit.endswith(base) and unit[: -len(base)] in PREFIXES:
            prefix = unit[: -len(base)]
            factor = PREFIXES[prefix]
            if base in ("m2",):
                factor = factor**2
            return factor, base
    raise ParameterError(
        f"Unknown unit {unit!r}. Allowed: an SI prefix (f p n u m k M G) followed by one of "
        f"{', '.join(BASE_UNITS)}."
    )


def scale_number(number: str, factor: float) -> float:
    """``float(number) * factor`` rounded once, e.g. ("5", 1e-6) → 5e-06 exactly as written.

    For a power-of-ten ``factor`` (every SI prefix) the product is formed in decimal, so
    "5 us" gives the same float as the literal 5e-6; other factors multiply as floats.
    """
    exponent = round(math.log10(factor)) if factor > 0 else 0
    if factor > 0 and 10.0**exponent == factor:
        return float(Decimal(number).scaleb(exponent))
    return float(number) * factor


def parse_quantity(text: str, expected: str | tuple[str, ...], name: str = "value") -> float:
    """Convert text like "100 ms" to SI (0.1), checking that the unit is one of ``expected``.

    A bare number is taken as already in SI. Raises ParameterError naming ``name`` otherwise.
    """
    if isinstance(text, (int, float)):
        value = float(text)
    else:
        match = _QUANTITY.match(str(text))
        if not match:
            raise ParameterError(f"The '{name}' must be a number with a unit such as '100 ms'. Got {text!r} instead.")
        value = float(match["num"])
        if match["unit"]:
            allowed = (expected,) if isinstance(expected, str) else expected
            try:
                factor, base = split_unit(match["unit"])
            except ParameterError as exc:
                raise ParameterError(f"The '{name}' has an unknown unit: {exc} Got {text!r}; "
                                     f"expected {' or '.join(allowed)}.") from None
            if base not in allowed and not (base == "Ω" and "Ohm" in allowed):
                raise ParameterError(
                    f"The '{name}' must be in {' or '.join(allowed)}. Got {text!r} instead."
                )
            value = scale_number(match["num"], factor)
    if not math.isfinite(value):
        raise ParameterError(f"The '{name}' must be finite. Got {text!r} instead.")
    return value


def thermal_voltage(temperature: float) -> float:
    """k_B T / q [V] at ``temperature`` [K]."""
    return K_B * temperature / Q_E


def format_number(value: float) -> str:
    """Shortest text that reads back as exactly ``value`` ("100", "0.25", "1e-05")."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _significant_digits(text: str) -> int:
    """Number of significant digits in a number's text ("0.0250" → 3, "1e-05" → 1)."""
    return len(text.lower().split("e")[0].replace("-", "").replace(".", "").strip("0")) or 1


def format_quantity(value: float, unit: str) -> str:
    """Format an SI value with an SI prefix, e.g. (0.1, "s") → "100 ms", exactly reversible.

    The prefix puts the mantissa in [1, 1000) where possible; times never get a prefix above
    one ("1000 s", not "1 ks"). A prefix is used only when ``scale_number(mantissa, factor)`` gives
    ``value`` back bit for bit, so ``parse_quantity(format_quantity(x, u), u) == x`` always;
    otherwise the value is printed in the base unit with full precision.

    Parameters
    ----------
    value : float
        Value in SI [unit].
    unit : str
        Base unit without prefix, e.g. "V", "s", "V/s".
    """
    value = float(value)
    if value == 0.0 or not math.isfinite(value):
        return f"{format_number(value)} {unit}"
    magnitude = abs(value)
    choices = [p for p in ("f", "p", "n", "u", "m", "", "k", "M", "G")
               if not (unit == "s" and PREFIXES[p] > 1.0)]
    prefix = choices[0]
    for p in choices:
        if magnitude >= PREFIXES[p]:
            prefix = p
    factor = PREFIXES[prefix]
    if factor != 1.0:
        mantissa = value / factor
        for decimals in range(16):
            text = format_number(round(mantissa, decimals))
            if scale_number(text, factor) == value:
                if _significant_digits(text) <= _significant_digits(format_number(value)):
                    return f"{text} {prefix}{unit}"
                break
    return f"{format_number(value)} {unit}"
