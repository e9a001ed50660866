"""Compile typed steps to a ``Waveform``: contiguous segments with a breakpoint at every edge.

A sweep leg from ``a`` to ``b`` at ``rate`` lasts |b - a| / rate and is split at 0 V when it
changes sign; pulse, read and hold give one constant segment, wait a constant 0 V segment.
Repeats are compiled once and tiled with numpy, so long pulse trains cost no Python loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nanoionic._core.errors import ParameterError, param_error
from nanoionic.protocols.steps import STEP_TYPES, Hold, Protocol, Pulse, Read, Repeat, Sweep, Wait
from nanoionic.protocols.waveform import KIND, Waveform


MAX_SEGMENTS = 10**7
"""Most segments a compiled protocol may have (~0.4 GB of segment arrays)."""
MAX_TOTAL_DURATION = 1e10
"""Longest compiled protocol [s] (~300 years; float64 times still resolve ~2 µs there)."""


def _size(steps: Sequence) -> tuple[int, float]:
    """(segments, duration [s]) of steps after expanding repeats, computed without expanding."""
    n, t = 0, 0.0
    for step in steps:
        if isinstance(step, Repeat):
            body_n, body_t = _size(step.body)
            n, t = n + step.count * body_n, t + step.count * body_t
        elif isinstance(step, Sweep):
            duration, _, _ = sweep_segments(step.points, step.rate)
            n, t = n + duration.size, t + float(duration.sum())
        else:
            n, t = n + 1, t + float(step.width if isinstance(step, Pulse) else step.duration)
    return n, t


@dataclass(frozen=True)
class _Segments:
    """Segment arrays of a sub-protocol; ``step`` counts leaves from 0 within it."""

    duration: np.ndarray
    v_start: np.ndarray
    v_end: np.ndarray
    kind: np.ndarray
    step: np.ndarray
    cycle: np.ndarray
    in_repeat: np.ndarray  # True where ``cycle`` was set by a repeat inside this sub-protocol
    n_leaves: int


def sweep_segments(points: Sequence[float], rate: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Linear legs through ``points`` at ``rate``, split at 0 V where a leg changes sign.

    Parameters
    ----------
    points : sequence of float
        Turning points [V].
    rate : float
        Sweep rate magnitude [V/s], > 0.

    Returns
    -------
    duration, v_start, v_end : ndarray
        Per segment [s], [V], [V].
    """
    edges = [points[0]]
    for a, b in zip(points, points[1:]):
        if (a < 0.0 < b) or (b < 0.0 < a):
            edges.append(0.0)
        edges.append(b)
    edges = np.asarray(edges, dtype=float)
    v_start, v_end = edges[:-1], edges[1:]
    return np.abs(v_end - v_start) / rate, v_start, v_end


def _leaf(step) -> _Segments:
    if isinstance(step, Sweep):
        duration, v_start, v_end = sweep_segments(step.points, step.rate)
        kind = KIND["sweep"]
    else:
        if isinstance(step, Wait):
            v, d, name = 0.0, step.duration, "wait"
        elif isinstance(step, Hold):
            v, d, name = step.voltage, step.duration, "hold"
        elif isinstance(step, Read):  # before Pulse: Read is a Pulse
            v, d, name = step.voltage, step.width, "read"
        elif isinstance(step, Pulse):
            v, d, name = step.voltage, step.width, "pulse"
        else:  # pragma: no cover - guarded by Protocol validation
            raise TypeError(f"not a step: {step!r}")
        duration, v_start, v_end = np.array([d]), np.array([v]), np.array([v])
        kind = KIND[name]
    n = duration.size
    return _Segments(duration, v_start, v_end, np.full(n, kind, np.int8), np.zeros(n, np.int64),
                     np.zeros(n, np.int64), np.zeros(n, bool), 1)


def _sequence(steps: Sequence) -> _Segments:
    parts = [_repeat(s) if isinstance(s, Repeat) else _leaf(s) for s in steps]
    if len(parts) == 1:
        return parts[0]
    offsets = np.cumsum([0] + [p.n_leaves for p in parts[:-1]])
    cat = lambda name: np.concatenate([getattr(p, name) for p in parts])  # noqa: E731
    step = np.concatenate([p.step + off for p, off in zip(parts, offsets)])
    return _Segments(cat("duration"), cat("v_start"), cat("v_end"), cat("kind"), step, cat("cycle"),
                     cat("in_repeat"), int(sum(p.n_leaves for p in parts)))


def _repeat(rep: Repeat) -> _Segments:
    body = _sequence(rep.body)
    n, count = body.duration.size, rep.count
    tile = lambda a: np.tile(a, count)  # noqa: E731
    iteration = np.repeat(np.arange(count, dtype=np.int64), n)
    step = tile(body.step) + iteration * body.n_leaves
    cycle = np.where(tile(body.in_repeat), tile(body.cycle), iteration)
    return _Segments(tile(body.duration), tile(body.v_start), tile(body.v_end), tile(body.kind), step,
                     cycle, np.ones(n * count, bool), body.n_leaves * count)


def as_protocol(obj) -> Protocol:
    """A ``Protocol`` from a Protocol, protocol text, one step or a sequence of steps."""
    if isinstance(obj, Protocol):
        return obj
    if isinstance(obj, str):
        from nanoionic.protocols.parse import parse_protocol

        return parse_protocol(obj)
    if isinstance(obj, STEP_TYPES):
        return Protocol((obj,))
    if isinstance(obj, Sequence):
        return Protocol(tuple(obj))
    raise ParameterError(
        f"The 'protocol' parameter of compile_protocol must be a Protocol, protocol text or a "
        f"sequence of steps. Got {obj!r} instead."
    )


def protocol_text(obj) -> str:
    """Canonical text of a Protocol, protocol text, one step or a sequence of steps."""
    return as_protocol(obj).to_text()


def compile_protocol(protocol) -> Waveform:
    """Compile a protocol to a piecewise-linear ``Waveform``.

    Parameters
    ----------
    protocol : Protocol, str, step or sequence of steps
        What to compile; text is parsed with ``parse_protocol``.

    Returns
    -------
    Waveform
        Contiguous segments starting at t = 0 [s], one per constant step, one per sweep leg
        (two where the leg crosses 0 V). ``step`` is the index of the leaf step after expanding
        repeats, ``cycle`` the iteration of the innermost enclosing repeat (0 outside repeats),
        ``text`` the canonical protocol text.
    """
    proto = as_protocol(protocol)
    n_segments, total = _size(proto.steps)
    if n_segments > MAX_SEGMENTS:
        raise param_error("protocol", "compile_protocol", f"at most {MAX_SEGMENTS:.0e} segments once repeats are "
                          "expanded (simulate a long train in parts, passing state0)", f"{n_segments:.3g} segments")
    if total > MAX_TOTAL_DURATION:
        raise param_error("protocol", "compile_protocol", f"a total duration <= {MAX_TOTAL_DURATION:g} s",
                          f"{total:.3g} s")
    seg = _sequence(proto.steps)
    keep = seg.duration > 0.0  # drop legs that underflow to zero duration (tiny |dV| at a huge rate)
    arrays = [seg.duration, seg.v_start, seg.v_end, seg.kind, seg.step, seg.cycle]
    if not keep.all():
        arrays = [a[keep] for a in arrays]
    return Waveform.from_segments(*arrays, text=proto.to_text())
