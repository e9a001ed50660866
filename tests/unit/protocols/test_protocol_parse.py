"""The protocol grammar: parsing, units with SI prefixes, error positions, round trips."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanoionic._core.errors import ProtocolSyntaxError
from nanoionic.protocols import Hold, Protocol, Pulse, Read, Repeat, Sweep, Wait, parse_protocol

EXAMPLE = """\
sweep 0 V -> 10 V -> 0 V at 0.01 V/s
pulse 10 V for 100 ms
read 5 V for 100 ms          # a pulse whose conductance is reported as I/V
wait 300 ms                  # 0 V
hold 2 V for 1 s
repeat 30 { pulse 10 V for 100 ms; wait 100 ms; read 5 V for 100 ms; wait 300 ms }
"""


def test_design_example_parses_to_typed_steps():
    p = parse_protocol(EXAMPLE)
    assert p == Protocol((
        Sweep((0.0, 10.0, 0.0), 0.01),
        Pulse(10.0, 0.1),
        Read(5.0, 0.1),
        Wait(0.3),
        Hold(2.0, 1.0),
        Repeat(30, (Pulse(10.0, 0.1), Wait(0.1), Read(5.0, 0.1), Wait(0.3))),
    ))


def test_canonical_text_of_example():
    assert parse_protocol(EXAMPLE).to_text() == (
        "sweep 0 V -> 10 V -> 0 V at 10 mV/s\n"
        "pulse 10 V for 100 ms\n"
        "read 5 V for 100 ms\n"
        "wait 300 ms\n"
        "hold 2 V for 1 s\n"
        "repeat 30 { pulse 10 V for 100 ms; wait 100 ms; read 5 V for 100 ms; wait 300 ms }\n"
    )


@pytest.mark.parametrize(
    "quantity, seconds",
    [("100 ms", 0.1), ("100ms", 0.1), ("1e-3 s", 1e-3), ("1e-3s", 1e-3), ("5 µs", 5e-6),
     ("5 μs", 5e-6), ("5 us", 5e-6), ("20 ns", 20e-9), ("3 ps", 3e-12), ("2 fs", 2e-15),
     (".5 s", 0.5), ("+2 s", 2.0), ("1.5E2 s", 150.0), ("1000 s", 1000.0)],
)
def test_time_units_with_prefixes(quantity, seconds):
    assert parse_protocol(f"wait {quantity}").steps[0].duration == seconds


@pytest.mark.parametrize(
    "quantity, volts",
    [("-4 V", -4.0), ("-4V", -4.0), ("1 kV", 1000.0), ("250 mV", 0.25), ("-250mV", -0.25),
     ("0.5 kV", 500.0), ("30 uV", 30e-6)],
)
def test_voltage_units_with_prefixes(quantity, volts):
    assert parse_protocol(f"pulse {quantity} for 1 ms").steps[0].voltage == volts


@pytest.mark.parametrize("rate, value", [("0.01 V/s", 0.01), ("10 mV/s", 0.01), ("2 kV/s", 2000.0),
                                         ("5V/s", 5.0)])
def test_rate_units(rate, value):
    assert parse_protocol(f"sweep 0 V -> 1 V at {rate}").steps[0].rate == pytest.approx(value, rel=1e-15)


def test_compact_arrows_and_negative_points():
    assert parse_protocol("sweep 0V->-10V->10V->0V at 1V/s").steps[0].points == (0.0, -10.0, 10.0, 0.0)


def test_keywords_are_case_insensitive():
    p = parse_protocol("PULSE 1 V FOR 1 ms\nRead 1 V For 1 ms\nREPEAT 2 { Wait 1 s }\nSweep 0 V -> 1 V AT 1 V/s")
    assert p.steps == (Pulse(1.0, 1e-3), Read(1.0, 1e-3), Repeat(2, (Wait(1.0),)), Sweep((0.0, 1.0), 1.0))


def test_separators_comments_blank_lines_and_multiline_braces():
    text = """
    # leading comment

    pulse 1 V for 1 ms;;  wait 1 ms ;
    repeat 2 {   # the outer loop
        read 1 V for 1 ms
        repeat 3 { hold 2 V for 1 s; }

    }   ; wait 2 s   # trailing
    """
    p = parse_protocol(text)
    assert p.steps == (
        Pulse(1.0, 1e-3), Wait(1e-3),
        Repeat(2, (Read(1.0, 1e-3), Repeat(3, (Hold(2.0, 1.0),)))),
        Wait(2.0),
    )


def test_repeat_followed_by_brace_on_same_line_and_closing_after_statement():
    assert parse_protocol("repeat 2{wait 1 s}").steps == (Repeat(2, (Wait(1.0),)),)


def _error(text):
    with pytest.raises(ProtocolSyntaxError) as exc:
        parse_protocol(text)
    return exc.value


@pytest.mark.parametrize(
    "text, line, column, fragment",
    [
        ("wait 1 s\n    pulse for 100 ms", 2, 11, "expected a voltage such as '10 V' after 'pulse', found 'for'"),
        ("pulse 10 for 100 ms", 1, 7, "bare number '10' without a unit (expected a unit in V)"),
        ("wait 300", 1, 6, "expected a time such as '100 ms' after 'wait', found the bare number '300'"),
        ("wait 5 V", 1, 6, "expected a time such as '100 ms' after 'wait', found '5 V'"),
        ("pulse 1 V for 5 V", 1, 15, "expected a time such as '100 ms' after 'for', found '5 V'"),
        ("read 1 s for 1 s", 1, 6, "expected a voltage such as '10 V' after 'read', found '1 s'"),
        ("sweep 0 V -> 1 V at 1 s", 1, 21, "expected a sweep rate such as '10 mV/s' after 'at', found '1 s'"),
        ("pulse 1 V for 1 xs", 1, 17, "unknown unit 'xs'"),
        ("pulse 1 V 1 ms", 1, 11, "expected 'for' after the voltage of 'pulse', found '1'"),
        ("pulse 1 V for", 1, 14, "expected a time such as '100 ms' after 'for', found the end of the protocol"),
        ("sweep 0 V at 1 V/s", 1, 11, "expected '->' and another voltage in the sweep, found 'at'"),
        ("sweep 0 V -> 1 V", 1, 17, "expected 'at' after the sweep's last voltage"),
        ("sweep 0 V -> 10 V -> 0 V at 0 V/s", 1, 29, "The 'rate' parameter of sweep must be > 0 V/s. Got 0.0"),
        ("sweep 0 V -> 0 V at 1 V/s", 1, 7, "consecutive voltages differ"),
        ("pulse 2 kV for 1 s", 1, 7, "The 'voltage' parameter of pulse must be finite with |voltage| <= 1000 V"),
        ("pulse 1 V for 0 s", 1, 15, "The 'width' parameter of pulse must be > 0 s"),
        ("wait 1e999 s", 1, 6, "The 'duration' parameter of wait must be > 0 s and finite. Got inf"),
        ("", 1, 1, "the protocol is empty"),
        ("  # only a comment\n\n ; \n", 4, 1, "the protocol is empty"),
        ("wait 1 s\nrepeat 3 {\n  pulse 1 V for 1 s\n", 2, 10, "unclosed '{'"),
        ("wait 1 s\n}", 2, 1, "stray '}'"),
        ("repeat 2 { wait 1 s } }", 1, 23, "stray '}'"),
        ("repeat 2 { }", 1, 12, "expected at least one step inside"),
        ("repeat { wait 1 s }", 1, 8, "expected a whole number of repetitions such as '30' after 'repeat', found '{'"),
        ("repeat 2.5 { wait 1 s }", 1, 8, "found '2.5'"),
        ("repeat 0 { wait 1 s }", 1, 8, "found '0'"),
        ("repeat 3 wait 1 s", 1, 10, "expected '{' after 'repeat 3', found 'wait'"),
        ("pulse 1 V for 1 s wait 1 s", 1, 19, "expected ';' or a new line after the pulse statement, found 'wait'"),
        ("10 V", 1, 1, "expected a step (sweep, pulse, read, wait, hold, repeat), found '10'"),
        ("pulse 1 V for 1 s\nwiat 1 s", 2, 1, "unknown keyword 'wiat'; did you mean 'wait'?"),
        ("puls 10 V for 1 s", 1, 1, "unknown keyword 'puls'; did you mean 'pulse'?"),
        ("swep 0 V -> 1 V at 1 V/s", 1, 1, "did you mean 'sweep'?"),
        ("pulse 1 V for 1 ms @", 1, 20, "found '@'"),
    ],
)
def test_errors_name_line_column_and_expectation(text, line, column, fragment):
    err = _error(text)
    assert (err.line, err.column) == (line, column)
    assert str(err).startswith(f"line {line}, column {column}: ")
    assert fragment in str(err)


def test_error_message_points_at_the_column():
    err = _error("wait 1 s\n    pulse for 100 ms")
    assert str(err) == (
        "line 2, column 11: expected a voltage such as '10 V' after 'pulse', found 'for'\n"
        "      pulse for 100 ms\n"
        "            ^"
    )


def test_unknown_keyword_without_close_match_lists_keywords():
    msg = str(_error("zzz 1 V"))
    assert "did you mean" not in msg
    assert "Expected one of: sweep, pulse, read, wait, hold, repeat" in msg


def test_parse_rejects_non_text():
    with pytest.raises(ValueError, match="'text' parameter of parse_protocol"):
        parse_protocol(b"wait 1 s")


# ---- round trip: steps -> text -> steps ------------------------------------------------------

voltages = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False)
times = st.floats(min_value=0.0, max_value=1e6, exclude_min=True)
rates = st.floats(min_value=1e-3, max_value=1e9)


@st.composite
def sweeps(draw):
    points = [p if abs(p) >= 1e-9 else 0.0 for p in draw(st.lists(voltages, min_size=2, max_size=5))]
    points = [p for i, p in enumerate(points) if i == 0 or abs(p - points[i - 1]) >= 1e-9]
    if len(points) < 2:
        points.append(points[-1] + 1.0 if points[-1] < 0 else points[-1] - 1.0)
    return Sweep(tuple(points), draw(rates))


leaves = st.one_of(
    sweeps(),
    st.builds(Pulse, voltages, times),
    st.builds(Read, voltages, times),
    st.builds(Wait, times),
    st.builds(Hold, voltages, times),
)
steps = st.recursive(
    leaves,
    lambda inner: st.builds(Repeat, st.integers(1, 5), st.lists(inner, min_size=1, max_size=3).map(tuple)),
    max_leaves=12,
)
protocols = st.lists(steps, min_size=1, max_size=5).map(lambda s: Protocol(tuple(s)))


@settings(max_examples=200, deadline=None)
@given(protocols)
def test_round_trip_steps_text_steps_is_exact(protocol):
    text = protocol.to_text()
    again = parse_protocol(text)
    assert again == protocol
    assert again.to_text() == text


@settings(max_examples=50, deadline=None)
@given(protocols, st.sampled_from(["\n", "; "]), st.booleans())
def test_round_trip_with_other_separators_and_case(protocol, sep, upper):
    text = sep.join(s.to_text() for s in protocol.steps)
    if upper:
        for word in ("sweep", "pulse", "read", "wait", "hold", "repeat", " for ", " at "):
            text = text.replace(word, word.upper())
    assert parse_protocol(text) == protocol


def test_round_trip_of_awkward_values():
    p = Protocol((Pulse(1 / 3, 1e-7 / 3), Wait(5e-324), Hold(-0.1 + 0.2, math.pi),
                  Sweep((-999.9999999999999, 1e-9 / 3 + 1e-9), 0.1 + 0.2)))
    assert parse_protocol(p.to_text()) == p
