"""The package's error types and the one error-message format.

Every message reads "The 'x' parameter of Y must be <constraint>. Got <value> instead.", with a
"did you mean" suggestion for unknown names (DESIGN.md, Conventions).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class NanoionicError(Exception):
    """Base class of every error nanoionic raises on purpose."""


class ParameterError(NanoionicError, ValueError):
    """A parameter, option or input value is outside what is allowed."""


class ProtocolSyntaxError(NanoionicError, ValueError):
    """A protocol text could not be parsed; the message names line and column."""

    def __init__(self, message: str, line: int, column: int, text_line: str = ""):
        pointer = f"\n  {text_line}\n  {' ' * (column - 1)}^" if text_line else ""
        super().__init__(f"line {line}, column {column}: {message}{pointer}")
        self.line = line
        self.column = column


class IntegrationError(NanoionicError, RuntimeError):
    """The engine could not integrate; the message names the devices concerned."""


def param_error(name: str, owner: str, constraint: str, got: object) -> ParameterError:
    """Build the standard error for a parameter that breaks its constraint."""
    return ParameterError(f"The '{name}' parameter of {owner} must be {constraint}. Got {got!r} instead.")


def unknown_name_error(kind: str, name: str, known: Iterable[str]) -> ParameterError:
    """Build the standard error for an unknown name, with a "did you mean" suggestion."""
    known = sorted(known)
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return ParameterError(f"Unknown {kind} {name!r}.{hint} Known: {', '.join(known)}.")
