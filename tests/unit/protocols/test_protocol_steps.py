"""Typed protocol steps: validation in the project's error format, text, expansion."""

import dataclasses
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nanoionic._core.errors import ParameterError
from nanoionic._core.units import format_quantity, parse_quantity
from nanoionic.protocols import Hold, Protocol, Pulse, Read, Repeat, Sweep, Wait, parse_protocol


def test_zero_rate_message_names_rate():
    with pytest.raises(ParameterError) as exc:
        Sweep((0.0, 10.0, 0.0), 0.0)
    assert str(exc.value) == "The 'rate' parameter of sweep must be > 0 V/s. Got 0.0 instead."


@pytest.mark.parametrize(
    "make, fragment",
    [
        (lambda: Sweep((0.0, 1.0), -1.0), "The 'rate' parameter of sweep must be > 0 V/s. Got -1.0"),
        (lambda: Sweep((0.0, 1.0), math.nan), "The 'rate' parameter of sweep"),
        (lambda: Sweep((0.0, 1.0), math.inf), "The 'rate' parameter of sweep"),
        (lambda: Sweep((0.0,), 1.0), "The 'points' parameter of sweep must be a sequence of at least 2"),
        (lambda: Sweep((0.0, 0.0), 1.0), "consecutive voltages differ"),
        (lambda: Sweep((0.0, 2000.0), 1.0), "The 'points' parameter of sweep must be finite with |points| <= 1000 V"),
        (lambda: Sweep((0.0, 1000.0), 1e-9), "The 'rate' parameter of sweep must be large enough"),
        (lambda: Pulse(10.0, 0.0), "The 'width' parameter of pulse must be > 0 s and finite. Got 0.0 instead."),
        (lambda: Pulse(10.0, -1e-3), "The 'width' parameter of pulse must be > 0 s"),
        (lambda: Pulse(math.nan, 1.0), "The 'voltage' parameter of pulse must be finite"),
        (lambda: Pulse(1001.0, 1.0), "The 'voltage' parameter of pulse must be finite with |voltage| <= 1000 V. Got 1001.0"),
        (lambda: Read(5.0, math.inf), "The 'width' parameter of read must be > 0 s and finite. Got inf"),
        (lambda: Wait(0.0), "The 'duration' parameter of wait must be > 0 s"),
        (lambda: Wait(2e9), "The 'duration' parameter of wait must be <= 1e+09 s. Got 2000000000.0"),
        (lambda: Hold(-1e4, 1.0), "The 'voltage' parameter of hold"),
        (lambda: Hold(1.0, "1 s"), "The 'duration' parameter of hold must be a real number. Got '1 s'"),
        (lambda: Repeat(0, (Wait(1.0),)), "The 'count' parameter of repeat must be an integer from 1"),
        (lambda: Repeat(2.5, (Wait(1.0),)), "The 'count' parameter of repeat must be an integer"),
        (lambda: Repeat(True, (Wait(1.0),)), "The 'count' parameter of repeat"),
        (lambda: Repeat(2, ()), "The 'body' parameter of repeat must be a non-empty sequence of steps"),
        (lambda: Repeat(2, ("wait 1 s",)), "The 'body' parameter of repeat must contain only steps"),
        (lambda: Protocol(()), "The 'steps' parameter of Protocol must be a non-empty sequence"),
    ],
)
def test_invalid_steps_raise_parameter_error(make, fragment):
    with pytest.raises(ParameterError) as exc:
        make()
    assert fragment in str(exc.value)


def test_steps_are_frozen_and_normalised():
    s = Sweep([0, 10, 0], 1)
    assert s.points == (0.0, 10.0, 0.0) and isinstance(s.points, tuple)
    assert isinstance(s.rate, float)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.rate = 2.0
    r = Repeat(3, [Pulse(1, 1e-3)])
    assert r.body == (Pulse(1.0, 1e-3),)
    assert Protocol([Wait(1)]).steps == (Wait(1.0),)


def test_read_is_not_equal_to_pulse():
    assert Read(5.0, 0.1) != Pulse(5.0, 0.1)
    assert Read(5.0, 0.1) == Read(5.0, 0.1)


@pytest.mark.parametrize(
    "step, text",
    [
        (Sweep((0.0, 10.0, 0.0), 0.01), "sweep 0 V -> 10 V -> 0 V at 10 mV/s"),
        (Sweep((-4.0, 2.5), 1.0), "sweep -4 V -> 2.5 V at 1 V/s"),
        (Pulse(10.0, 0.1), "pulse 10 V for 100 ms"),
        (Read(5.0, 0.1), "read 5 V for 100 ms"),
        (Wait(0.3), "wait 300 ms"),
        (Wait(1e-6), "wait 1 us"),
        (Wait(2000.0), "wait 2000 s"),
        (Hold(2.0, 1.0), "hold 2 V for 1 s"),
        (Hold(-0.005, 2e-9), "hold -5 mV for 2 ns"),
        (Pulse(1000.0, 1.0), "pulse 1 kV for 1 s"),
        (Repeat(30, (Pulse(10.0, 0.1), Wait(0.1))), "repeat 30 { pulse 10 V for 100 ms; wait 100 ms }"),
        (Repeat(2, (Repeat(3, (Wait(1.0),)), Read(1.0, 1.0))),
         "repeat 2 { repeat 3 { wait 1 s }; read 1 V for 1 s }"),
    ],
)
def test_to_text(step, text):
    assert step.to_text() == text


def test_protocol_to_text_one_statement_per_line():
    p = Protocol((Pulse(10.0, 0.1), Wait(0.3)))
    assert p.to_text() == "pulse 10 V for 100 ms\nwait 300 ms\n"


def test_expand_flattens_nested_repeats_in_order():
    a, b, c = Pulse(1.0, 1.0), Wait(2.0), Read(3.0, 3.0)
    p = Protocol((a, Repeat(2, (b, Repeat(2, (c,))))))
    assert p.expand() == (a, b, c, c, b, c, c)
    assert p.steps[1].n_leaves == 6


def test_durations():
    assert Sweep((0.0, 10.0, 0.0), 0.01).duration == pytest.approx(2000.0)
    assert Sweep((-10.0, 10.0), 2.0).duration == 10.0
    p = Protocol((Pulse(1.0, 0.1), Repeat(30, (Wait(0.1), Read(5.0, 0.2)))))
    assert p.duration == pytest.approx(0.1 + 30 * 0.3)


@pytest.mark.parametrize(
    "value, unit, text",
    [(0.1, "s", "100 ms"), (0.01, "V/s", "10 mV/s"), (1e-6, "s", "1 us"), (1000.0, "s", "1000 s"),
     (1e3, "V", "1 kV"), (-4.0, "V", "-4 V"), (0.0, "V", "0 V"), (30.7e-6, "S", "30.7 uS"),
     (2.5e-12, "s", "2.5 ps"), (1.23456e-07, "s", "123.456 ns"), (0.1 + 0.2, "s", "300.00000000000006 ms"), (5e-324, "V", "5e-324 V")],
)
def test_format_quantity(value, unit, text):
    assert format_quantity(value, unit) == text


@given(st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(["V", "s", "V/s", "S"]))
def test_format_quantity_reads_back_exactly(value, unit):
    assert parse_quantity(format_quantity(value, unit), unit) == value


def test_sweep_points_below_a_nanovolt_are_refused():
    with pytest.raises(ParameterError, match="at least 1e-09 V in magnitude"):
        Sweep((-1.0, 5e-324, 1.0), 2.0)
    with pytest.raises(ParameterError, match="differ"):
        Sweep((0.0, 1e-10 + 1.0, 1.0), 2.0)


@pytest.mark.parametrize("text, rate", [("10 mV/ms", 10.0), ("1 V/ms", 1e3), ("2 mV/us", 2e3), ("5 kV/s", 5e3),
                                        ("3 V/ks", 3e-3), ("0.01 V/s", 0.01)])
def test_rates_take_a_prefix_on_either_side(text, rate):
    assert parse_quantity(text, "V/s", name="rate") == pytest.approx(rate, rel=1e-15)
    sweep = parse_protocol(f"sweep 0 V -> 1 V at {text}").steps[0]
    assert sweep.rate == pytest.approx(rate, rel=1e-15)


def test_an_inverted_rate_unit_is_refused():
    with pytest.raises(ParameterError, match="unknown unit"):
        parse_quantity("1 s/V", "V/s", name="rate")
