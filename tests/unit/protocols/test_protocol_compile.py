"""Compiling protocols to waveforms: exact segment arrays, breakpoints, cycles, speed."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

from nanoionic._core.errors import ParameterError
from nanoionic.protocols import (
    KIND, Hold, Protocol, Pulse, Read, Repeat, Sweep, Wait, Waveform, compile_protocol,
    parse_protocol, protocol_text,
)

P, R, W, H, S = KIND["pulse"], KIND["read"], KIND["wait"], KIND["hold"], KIND["sweep"]


def test_sweep_0_10_0_at_10_mV_per_s_is_two_legs_of_1000_s():
    w = compile_protocol("sweep 0 V -> 10 V -> 0 V at 0.01 V/s")
    assert isinstance(w, Waveform)
    assert_array_equal(w.duration, [1000.0, 1000.0])
    assert_array_equal(w.v_start, [0.0, 10.0])
    assert_array_equal(w.v_end, [10.0, 0.0])
    assert_array_equal(w.kind, [S, S])
    assert_array_equal(w.step, [0, 0])
    assert_array_equal(w.breakpoints, [0.0, 1000.0, 2000.0])
    assert w.voltage_at(500.0) == pytest.approx(5.0)


def test_bipolar_sweep_is_split_at_zero_volts():
    w = compile_protocol("sweep 0 V -> 10 V -> -10 V -> 0 V at 1 V/s")
    assert_array_equal(w.v_start, [0.0, 10.0, 0.0, -10.0])
    assert_array_equal(w.v_end, [10.0, 0.0, -10.0, 0.0])
    assert_array_equal(w.duration, [10.0, 10.0, 10.0, 10.0])
    assert_array_equal(w.breakpoints, [0.0, 10.0, 20.0, 30.0, 40.0])


def test_sweep_leg_crossing_zero_gets_a_breakpoint_at_the_crossing():
    w = compile_protocol("sweep -10 V -> 10 V -> -4 V at 2 V/s")
    assert_array_equal(w.v_start, [-10.0, 0.0, 10.0, 0.0])
    assert_array_equal(w.v_end, [0.0, 10.0, 0.0, -4.0])
    assert_array_equal(w.duration, [5.0, 5.0, 5.0, 2.0])
    assert_array_equal(w.breakpoints, [0.0, 5.0, 10.0, 15.0, 17.0])
    assert w.voltage_at(5.0) == 0.0
    # every sign change of V(t) lies on a breakpoint
    assert np.all(w.v_start * w.v_end >= 0)


def test_sweep_touching_zero_is_not_split():
    w = compile_protocol("sweep 0 V -> 5 V -> 0 V -> -5 V at 1 V/s")
    assert w.n_segments == 3


def test_small_protocol_exact_arrays():
    w = compile_protocol(
        "pulse 10 V for 100 ms\nwait 300 ms\nread 5 V for 1 ms\nhold -2 V for 2 s\n"
        "repeat 2 { pulse 1 V for 1 us; wait 1 us }"
    )
    assert_array_equal(w.duration, [0.1, 0.3, 1e-3, 2.0, 1e-6, 1e-6, 1e-6, 1e-6])
    assert_array_equal(w.v_start, [10.0, 0.0, 5.0, -2.0, 1.0, 0.0, 1.0, 0.0])
    assert_array_equal(w.v_end, w.v_start)
    assert_array_equal(w.kind, [P, W, R, H, P, W, P, W])
    assert_array_equal(w.step, [0, 1, 2, 3, 4, 5, 6, 7])
    assert_array_equal(w.cycle, [0, 0, 0, 0, 0, 0, 1, 1])
    assert w.kind.dtype == np.int8 and w.step.dtype == np.int64 and w.cycle.dtype == np.int64
    np.testing.assert_allclose(w.t_start, [0.0, 0.1, 0.4, 0.401, 2.401, 2.401001, 2.401002, 2.401003],
                               rtol=1e-15)
    assert w.t_start[0] == 0.0


def test_design_pulse_train_breakpoints_at_every_edge():
    w = compile_protocol("repeat 30 { pulse 10 V for 100 ms; wait 100 ms; read 5 V for 100 ms; wait 300 ms }")
    assert w.n_segments == 120
    assert_array_equal(w.kind, np.tile([P, W, R, W], 30))
    assert_array_equal(w.v_start, np.tile([10.0, 0.0, 5.0, 0.0], 30))
    assert_array_equal(w.step, np.arange(120))
    assert_array_equal(w.cycle, np.repeat(np.arange(30), 4))
    edges = np.cumsum(np.tile([0.1, 0.1, 0.1, 0.3], 30))
    np.testing.assert_allclose(w.breakpoints[1:], edges, rtol=1e-12)
    assert w.total_time == pytest.approx(18.0, rel=1e-12)
    # ideal rectangles: the voltage jumps exactly at the edges
    assert w.voltage_at(0.0) == 10.0
    assert w.voltage_at(w.t_start[1]) == 0.0
    assert w.voltage_at(w.t_start[2]) == 5.0


def test_nested_repeat_cycles_are_those_of_the_innermost_repeat():
    w = compile_protocol("repeat 2 { pulse 1 V for 1 s; repeat 3 { read 1 V for 1 s }; wait 1 s }")
    assert_array_equal(w.kind, [P, R, R, R, W] * 2)
    assert_array_equal(w.cycle, [0, 0, 1, 2, 0, 1, 0, 1, 2, 1])
    assert_array_equal(w.step, np.arange(10))


def test_repeat_of_sweep_tiles_the_legs():
    w = compile_protocol("repeat 2 { sweep 0 V -> 1 V -> -1 V -> 0 V at 1 V/s }")
    assert_array_equal(w.v_start, [0.0, 1.0, 0.0, -1.0] * 2)
    assert_array_equal(w.v_end, [1.0, 0.0, -1.0, 0.0] * 2)
    assert_array_equal(w.step, [0, 0, 0, 0, 1, 1, 1, 1])
    assert_array_equal(w.cycle, [0, 0, 0, 0, 1, 1, 1, 1])


@pytest.mark.parametrize(
    "obj",
    [
        "pulse 1 V for 1 s; wait 2 s",
        Protocol((Pulse(1.0, 1.0), Wait(2.0))),
        [Pulse(1.0, 1.0), Wait(2.0)],
        (Pulse(1.0, 1.0), Wait(2.0)),
    ],
)
def test_accepts_text_protocol_and_step_lists(obj):
    w = compile_protocol(obj)
    assert_array_equal(w.duration, [1.0, 2.0])
    assert w.text == "pulse 1 V for 1 s\nwait 2 s\n"
    assert protocol_text(obj) == w.text


def test_accepts_a_single_step():
    assert compile_protocol(Hold(3.0, 0.5)).text == "hold 3 V for 500 ms\n"


def test_waveform_text_reparses_to_the_same_protocol():
    text = "# comment\nREPEAT 3 {pulse 10V for 100ms\n wait 1e-1 s}"
    w = compile_protocol(text)
    assert w.text == "repeat 3 { pulse 10 V for 100 ms; wait 100 ms }\n"
    assert parse_protocol(w.text) == parse_protocol(text)


def test_rejects_other_inputs():
    with pytest.raises(ParameterError, match="The 'protocol' parameter of compile_protocol"):
        compile_protocol(42)
    with pytest.raises(ParameterError, match="must contain only steps"):
        compile_protocol([Pulse(1.0, 1.0), "wait 1 s"])


def test_long_pulse_train_compiles():
    """Its compile time is measured by `make bench` (benchmarks/bench_protocol.py), not here."""
    w = compile_protocol("repeat 100000 { pulse 1 V for 1 us; wait 1 us }")
    assert w.n_segments == 200_000
    assert w.step[-1] == 199_999 and w.cycle[-1] == 99_999
    assert w.total_time == pytest.approx(0.2, rel=1e-9)


# ---- property: random nested protocols ---------------------------------------------------------

voltages = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False)
times = st.floats(min_value=1e-9, max_value=1e3)
rates = st.floats(min_value=1e-2, max_value=1e6)


@st.composite
def sweeps(draw):
    points = [p if abs(p) >= 1e-9 else 0.0 for p in draw(st.lists(voltages, min_size=2, max_size=5))]
    points = [p for i, p in enumerate(points) if i == 0 or abs(p - points[i - 1]) >= 1e-9]
    if len(points) < 2:
        points.append(points[-1] + 1.0 if points[-1] < 0 else points[-1] - 1.0)
    return Sweep(tuple(points), draw(rates))


leaves = st.one_of(sweeps(), st.builds(Pulse, voltages, times), st.builds(Read, voltages, times),
                   st.builds(Wait, times), st.builds(Hold, voltages, times))
steps = st.recursive(
    leaves,
    lambda inner: st.builds(Repeat, st.integers(1, 5), st.lists(inner, min_size=1, max_size=3).map(tuple)),
    max_leaves=12,
)
protocols = st.lists(steps, min_size=1, max_size=5).map(lambda s: Protocol(tuple(s)))


def _leaf_cycles(steps, cycle=0):
    """Reference: (leaf, cycle of innermost enclosing repeat) by plain recursion."""
    for s in steps:
        if isinstance(s, Repeat):
            for i in range(s.count):
                yield from _leaf_cycles(s.body, i)
        else:
            yield s, cycle


def _leaf_kind(step):
    return KIND[type(step).__name__.lower()]


@settings(max_examples=200, deadline=None)
@given(protocols)
def test_random_protocols_compile_to_contiguous_positive_segments(protocol):
    w = compile_protocol(protocol)
    n = w.n_segments
    assert n >= 1
    assert np.all(w.duration > 0)
    assert w.t_start[0] == 0.0
    np.testing.assert_allclose(w.t_start[1:], np.cumsum(w.duration)[:-1], rtol=1e-12)
    assert np.all(np.diff(w.t_start) >= 0)
    # total time equals the sum of the steps' durations
    assert w.total_time == pytest.approx(math.fsum(s.duration for s in protocol.expand()), rel=1e-9)
    assert w.total_time == pytest.approx(protocol.duration, rel=1e-9)
    # consecutive segments of one sweep meet; constants are constant; V stays inside the points
    leaves = protocol.expand()
    assert_array_equal(np.unique(w.step), np.arange(len(leaves)))
    assert np.all(np.diff(w.step) >= 0)
    kinds = np.array([_leaf_kind(s) for s in leaves])
    assert_array_equal(w.kind, kinds[w.step])
    same = w.step[1:] == w.step[:-1]
    assert_array_equal(w.v_start[1:][same], w.v_end[:-1][same])
    assert np.all(w.v_start[w.kind != S] == w.v_end[w.kind != S])
    assert np.all(w.v_start[w.kind == W] == 0.0)
    # a breakpoint at every sign change
    assert np.all(w.v_start * w.v_end >= 0)
    reference = list(_leaf_cycles(protocol.steps))
    assert [leaf for leaf, _ in reference] == list(leaves)
    assert_array_equal(w.cycle, np.array([c for _, c in reference])[w.step])


@pytest.mark.parametrize("text, what", [
    ("repeat 100000 { repeat 100000 { pulse 1 V for 1 us } }", "segments"),  # 1e10 segments: 75 GB
    ("repeat 1000000000 { wait 1 s }", "segments"),
    ("repeat 100 { wait 1e9 s }", "total duration"),  # every step within its own limit
])
def test_protocols_too_large_once_expanded_are_refused_before_expanding(text, what):
    with pytest.raises(ParameterError, match=f"'protocol' parameter of compile_protocol must be .*{what}"):
        compile_protocol(text)
