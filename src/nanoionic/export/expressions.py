"""Print neutral compact expressions (``models.compact``) in a target syntax: ngspice or Verilog-A."""

from __future__ import annotations

import ast
from collections.abc import Callable

from nanoionic.models.compact import parse_expression

_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_COMPARE = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}


def number(x: float) -> str:
    """A float literal every target reads (full precision, no 'inf'/'nan')."""
    text = repr(float(x))
    if text in ("inf", "-inf", "nan"):
        raise ValueError(f"cannot print the non-finite number {x!r}")
    return text


def name_mapper(cm, *, v: str, vd: str, state: str, aux: str, param: str) -> Callable[[str], str]:
    """Map of compact-expression names of ``cm`` to target expressions: ``v`` and ``vd`` as given,
    states, auxiliaries and parameters through the format strings ``state``, ``aux``, ``param``
    (e.g. "v(x_{})")."""
    states = {s.name for s in cm.states}
    auxiliaries = {a for a, _ in cm.auxiliaries}

    def name_of(name: str) -> str:
        if name == "v":
            return v
        if name == "vd":
            return vd
        if name in states:
            return state.format(name)
        return (aux if name in auxiliaries else param).format(name)
    return name_of


def render(text: str, name_of: Callable[[str], str], where: str) -> str:
    """``text`` printed with names mapped by ``name_of``; ``a ** b`` → pow(a, b) (both targets)
    and ``where(c, a, b)`` → a ternary."""
    return _render(parse_expression(text, where).body, name_of)


def _render(node: ast.AST, name_of) -> str:
    r = lambda n: _render(n, name_of)  # noqa: E731
    if isinstance(node, ast.Constant):
        return number(node.value)
    if isinstance(node, ast.Name):
        return name_of(node.id)
    if isinstance(node, ast.UnaryOp):
        return f"(-{r(node.operand)})" if isinstance(node.op, ast.USub) else r(node.operand)
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Pow):
            return f"pow({r(node.left)}, {r(node.right)})"
        return f"({r(node.left)} {_OPS[type(node.op)]} {r(node.right)})"
    if isinstance(node, ast.Compare):
        return f"({r(node.left)} {_COMPARE[type(node.ops[0])]} {r(node.comparators[0])})"
    if isinstance(node, ast.Call):
        args = [r(a) for a in node.args]
        if node.func.id == "where":
            return f"(({args[0]}) ? ({args[1]}) : ({args[2]}))"
        return f"{node.func.id}({', '.join(args)})"
    raise TypeError(f"unexpected node {type(node).__name__}")  # parse_expression rejects the rest


def wrap(line: str, width: int = 120, continuation: str = "+ ") -> str:
    """Split a long netlist line at spaces into continuation lines (leading indentation kept)."""
    indent = line[: len(line) - len(line.lstrip(" "))]
    words, lines, current = line.lstrip(" ").split(" "), [], indent
    for w in words:
        if current.strip() and len(current) + 1 + len(w) > width:
            lines.append(current)
            current = continuation + w
        else:
            current = f"{current} {w}" if current.strip() else current + w
    lines.append(current)
    return "\n".join(lines)
