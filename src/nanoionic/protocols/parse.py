"""The protocol text grammar: a small tokenizer and a recursive-descent parser.

Grammar (DESIGN.md, "Protocol grammar"); keywords are case-insensitive, units are not::

    protocol  := sep* statement (sep+ statement)* sep*
    sep       := ";" | newline                       (comments run from "#" to end of line)
    statement := "sweep" voltage ("->" voltage)+ "at" rate
               | ("pulse" | "read" | "hold") voltage "for" time
               | "wait" time
               | "repeat" integer "{" sep* statement (sep+ statement)* sep* "}"
    quantity  := number unit                         ("100 ms", "100ms", "-4 V", "10 mV/s")

Every error is a ``ProtocolSyntaxError`` naming the line and column and what was expected.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from nanoionic._core.errors import ParameterError, ProtocolSyntaxError
from nanoionic._core.units import scale_number, split_unit
from nanoionic.protocols.steps import Hold, Protocol, Pulse, Read, Repeat, Sweep, Wait

KEYWORDS = ("sweep", "pulse", "read", "wait", "hold", "repeat")

_TOKEN = re.compile(
    r"(?P<comment>\#[^\n]*)"
    r"|(?P<newline>\r?\n)"
    r"|(?P<space>[ \t\r\f\v]+)"
    r"|(?P<arrow>->)"
    r"|(?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
    r"|(?P<word>[^\W\d](?:[^\W]|/)*)"
    r"|(?P<semi>;)"
    r"|(?P<lbrace>\{)"
    r"|(?P<rbrace>\})"
    r"|(?P<other>.)"
)

# What each slot needs: (base unit, description, example)
VOLTAGE = ("V", "a voltage", "10 V")
TIME = ("s", "a time", "100 ms")
RATE = ("V/s", "a sweep rate", "10 mV/s")
_KIND_OF_UNIT = {"V": "a voltage", "s": "a time", "V/s": "a sweep rate"}


@dataclass(frozen=True)
class Token:
    """One token with its 1-based position; ``kind`` is a group name of ``_TOKEN``."""

    kind: str
    text: str
    line: int
    column: int
    offset: int


def tokenize(text: str) -> list[Token]:
    """Split protocol text into tokens (comments and spaces dropped), ending with an "eof" token."""
    tokens: list[Token] = []
    line, line_start = 1, 0
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        column = m.start() - line_start + 1
        if kind == "newline":
            tokens.append(Token("sep", "\\n", line, column, m.start()))
            line, line_start = line + 1, m.end()
        elif kind == "semi":
            tokens.append(Token("sep", ";", line, column, m.start()))
        elif kind not in ("comment", "space"):
            tokens.append(Token(kind, m.group(), line, column, m.start()))
    tokens.append(Token("eof", "", line, len(text) - line_start + 1, len(text)))
    return tokens


def _describe(tok: Token) -> str:
    if tok.kind == "eof":
        return "the end of the protocol"
    if tok.text == "\\n":
        return "the end of the line"
    return repr(tok.text)


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.lines = text.splitlines() or [""]
        self.tokens = tokenize(text)
        self.i = 0

    # -- helpers -------------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def error(self, message: str, tok: Token) -> ProtocolSyntaxError:
        text_line = self.lines[tok.line - 1] if tok.line <= len(self.lines) else ""
        return ProtocolSyntaxError(message, tok.line, tok.column, text_line)

    def skip_seps(self) -> None:
        while self.tok.kind == "sep":
            self.advance()

    def keyword(self, tok: Token) -> str | None:
        return tok.text.lower() if tok.kind == "word" else None

    def expect_word(self, word: str, after: str) -> Token:
        if self.keyword(self.tok) != word:
            raise self.error(f"expected '{word}' after {after}, found {_describe(self.tok)}", self.tok)
        return self.advance()

    def quantity(self, slot: tuple[str, str, str], after: str) -> tuple[float, Token]:
        """Read ``number unit`` for ``slot`` and return (SI value, number token)."""
        unit, what, example = slot
        expected = f"{what} such as '{example}'"
        num = self.tok
        if num.kind != "number":
            raise self.error(f"expected {expected} after {after}, found {_describe(num)}", num)
        self.advance()
        unit_tok = self.tok
        if unit_tok.kind != "word" or unit_tok.text.lower() in ("for", "at") + KEYWORDS:
            raise self.error(
                f"expected {expected} after {after}, found the bare number '{num.text}' "
                f"without a unit (expected a unit in {unit})", num)
        self.advance()
        found = self.text[num.offset:unit_tok.offset + len(unit_tok.text)]
        try:
            factor, base = split_unit(unit_tok.text)
        except ParameterError:
            raise self.error(
                f"expected {expected} after {after}, found '{found}' with unknown unit "
                f"'{unit_tok.text}' (expected an SI prefix f p n u m k M G and {unit})", unit_tok) from None
        if base != unit:
            raise self.error(f"expected {expected} after {after}, found '{found}'", num)
        return scale_number(num.text, factor), num

    # -- grammar -------------------------------------------------------------------------
    def protocol(self) -> Protocol:
        self.skip_seps()
        if self.tok.kind == "eof":
            raise self.error("the protocol is empty: expected at least one step such as "
                             "'pulse 10 V for 100 ms'", self.tok)
        steps = self.statements(opening=None)
        return Protocol(tuple(steps))

    def statements(self, opening: Token | None) -> list:
        """Statements up to the end (``opening`` is None) or up to the ``}`` closing ``opening``."""
        steps = []
        while True:
            self.skip_seps()
            tok = self.tok
            if tok.kind == "eof":
                if opening is not None:
                    raise self.error("unclosed '{': expected a matching '}' before the end of the "
                                     "protocol", opening)
                return steps
            if tok.kind == "rbrace":
                if opening is None:
                    raise self.error("stray '}' without a matching '{'", tok)
                if not steps:
                    raise self.error("expected at least one step inside 'repeat { ... }', found '}'", tok)
                return steps
            steps.append(self.statement())
            end = self.tok
            if end.kind not in ("sep", "eof", "rbrace"):
                raise self.error(f"expected ';' or a new line after the {steps[-1].__class__.__name__.lower()} "
                                 f"statement, found {_describe(end)}", end)

    def statement(self):
        tok = self.tok
        word = self.keyword(tok)
        if word not in KEYWORDS:
            if tok.kind == "word":
                close = difflib.get_close_matches(tok.text.lower(), KEYWORDS, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise self.error(f"unknown keyword '{tok.text}'{hint} Expected one of: "
                                 f"{', '.join(KEYWORDS)}", tok)
            raise self.error(f"expected a step ({', '.join(KEYWORDS)}), found {_describe(tok)}", tok)
        self.advance()
        return getattr(self, f"_{word}")(tok)

    def build(self, cls, positions: dict[str, Token], *args):
        """Construct a step, turning a ParameterError into a syntax error at the offending value."""
        try:
            return cls(*args)
        except ParameterError as exc:
            m = re.match(r"The '(\w+)' parameter", str(exc))
            tok = positions.get(m.group(1) if m else "", positions["keyword"])
            raise self.error(str(exc), tok) from None

    def _sweep(self, kw: Token):
        v, tok = self.quantity(VOLTAGE, "'sweep'")
        points, positions = [v], {"keyword": kw, "points": tok}
        while self.tok.kind == "arrow":
            self.advance()
            v, _ = self.quantity(VOLTAGE, "'->'")
            points.append(v)
        if len(points) < 2:
            raise self.error(f"expected '->' and another voltage in the sweep, found {_describe(self.tok)}",
                             self.tok)
        self.expect_word("at", "the sweep's last voltage")
        rate, positions["rate"] = self.quantity(RATE, "'at'")
        return self.build(Sweep, positions, tuple(points), rate)

    def _constant(self, kw: Token, cls, names: tuple[str, str]):
        v, vtok = self.quantity(VOLTAGE, f"'{kw.text}'")
        self.expect_word("for", f"the voltage of '{kw.text}'")
        d, dtok = self.quantity(TIME, "'for'")
        return self.build(cls, {"keyword": kw, names[0]: vtok, names[1]: dtok}, v, d)

    def _pulse(self, kw: Token):
        return self._constant(kw, Pulse, ("voltage", "width"))

    def _read(self, kw: Token):
        return self._constant(kw, Read, ("voltage", "width"))

    def _hold(self, kw: Token):
        return self._constant(kw, Hold, ("voltage", "duration"))

    def _wait(self, kw: Token):
        d, dtok = self.quantity(TIME, f"'{kw.text}'")
        return self.build(Wait, {"keyword": kw, "duration": dtok}, d)

    def _repeat(self, kw: Token):
        tok = self.tok
        if tok.kind != "number" or not re.fullmatch(r"\+?\d+", tok.text) or int(tok.text) < 1:
            raise self.error(f"expected a whole number of repetitions such as '30' after 'repeat', "
                             f"found {_describe(tok)}", tok)
        count = int(self.advance().text)
        opening = self.tok
        if opening.kind != "lbrace":
            raise self.error(f"expected '{{' after 'repeat {count}', found {_describe(opening)}", opening)
        self.advance()
        body = self.statements(opening=opening)
        self.advance()  # the closing brace
        return self.build(Repeat, {"keyword": kw, "count": tok}, count, tuple(body))


def parse_protocol(text: str) -> Protocol:
    """Parse protocol text into a ``Protocol`` of typed steps.

    Parameters
    ----------
    text : str
        Protocol in the grammar of this module's docstring, e.g.
        ``"repeat 30 { pulse 10 V for 100 ms; wait 300 ms }"``.

    Returns
    -------
    Protocol

    Raises
    ------
    ProtocolSyntaxError
        With line, column and what was expected, for any malformed or invalid text.
    """
    if not isinstance(text, str):
        raise ParameterError(f"The 'text' parameter of parse_protocol must be a str. Got {text!r} instead.")
    return _Parser(text).protocol()
