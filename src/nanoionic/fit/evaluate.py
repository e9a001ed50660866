"""Simulate measured traces for a batch of parameter sets in one engine run per trace.

A batch of k parameter sets becomes k devices whose free parameters are (k,) arrays, so the
engine advances them together (one step-size sequence, vectorised rates): a batch costs far
less than k runs. The simulation is saved only at the measured sample times.

A parameter set that makes the engine fail (non-finite rates, bounds) fails alone: the engine
marks that device and carries on with the others. A parameter set that is too slow (the step
budget ``max_steps`` runs out) would stop the whole batch, so the batch is split in halves and
rerun until the slow sets are isolated; they are reported as such, and the others' results are
exactly what a run of their own gives.
"""

from __future__ import annotations

import dataclasses
import time as _time
import warnings
from dataclasses import dataclass

import numpy as np

from nanoionic._core.errors import IntegrationError
from nanoionic.data import Measurement
from nanoionic.engine import integrate
from nanoionic.models.base import take_devices
from nanoionic.engine._plan import MAX_STEPS, NON_FINITE, OK
from nanoionic.protocols import compile_protocol
from nanoionic.protocols.waveform import Waveform


@dataclass(frozen=True)
class Trace:
    """One measured trace and how the device got there.

    measurement : the measured trace.
    state0 : initial state of the device ((n_states,), model units), None for the model's pristine
        state.
    pre : protocol text run before the measurement (a forming step, earlier cycles, a rest), or
        None; the measurement's clock starts where it ends.
    """

    measurement: Measurement
    state0: np.ndarray | None = None
    pre: str | None = None

    @property
    def name(self) -> str:
        return self.measurement.name or self.measurement.source or "trace"


@dataclass(frozen=True)
class PreparedTrace:
    """A trace's drive (pre-protocol + measurement), its save times [s] and its data."""

    trace: Trace
    waveform: Waveform
    save: np.ndarray
    current: np.ndarray
    weight: np.ndarray


def prepare(trace: Trace) -> PreparedTrace:
    """The waveform that runs the pre-protocol and then the measurement, and the save times."""
    m = trace.measurement
    wf = m.waveform()
    save = m.sample_times()
    if trace.pre:
        pre = compile_protocol(trace.pre)
        t0 = pre.total_time
        wf = Waveform.from_segments(np.concatenate([pre.duration, wf.duration]),
                                    np.concatenate([pre.v_start, wf.v_start]), np.concatenate([pre.v_end, wf.v_end]),
                                    kind=np.concatenate([pre.kind, wf.kind]), text=pre.text + wf.text)
        save = save + t0
    weight = np.ones(m.n_samples) if m.weight is None else m.weight
    return PreparedTrace(trace, wf, save, m.current, weight)


@dataclass
class BatchOutput:
    """Currents (n_samples, k) [A] of one trace for k parameter sets; NaN columns failed."""

    current: np.ndarray
    status: np.ndarray  # (k,) engine status codes (0 ok)


def batch_params(base_params, names: list[str], values: np.ndarray):
    """``base_params`` with the free ``names`` set to ``values`` (k, p): (k,) arrays, or scalars
    when k == 1 (the engine's shared-parameter path)."""
    if values.shape[0] == 1:
        return dataclasses.replace(base_params, **{n: float(values[0, j]) for j, n in enumerate(names)})
    return dataclasses.replace(base_params, **{n: values[:, j].copy() for j, n in enumerate(names)})


def simulate_batch(model, params, prep: PreparedTrace, n: int, *, method: str, max_steps: int,
                   ramp_steps: int | None = None) -> BatchOutput:
    """Run one trace for ``n`` devices (parameters may be (n,) arrays); split on a step-budget
    overrun. ``ramp_steps``: exact method, constant sub-intervals per sampling interval (None:
    adaptive refinement)."""
    state0 = None if prep.trace.state0 is None else np.asarray(prep.trace.state0, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            traj = integrate(model, params, prep.waveform, state0, n_devices=n, method=method, save=prep.save,
                             max_steps=max_steps, throw=False, **({"ramp_steps": ramp_steps} if method == "exact" else {}))
        except IntegrationError:
            traj = None
    if traj is None or np.any(traj.status == MAX_STEPS):  # a run stopped by max_steps is truncated: never used
        if n == 1:
            return BatchOutput(np.full((prep.save.size, 1), np.nan), np.array([MAX_STEPS], dtype=np.int8))
        half = n // 2
        parts = [simulate_batch(model, take_devices(params, idx), prep, idx.size, method=method, max_steps=max_steps,
                                ramp_steps=ramp_steps)
                 for idx in (np.arange(half), np.arange(half, n))]
        return BatchOutput(np.concatenate([p.current for p in parts], axis=1),
                           np.concatenate([p.status for p in parts]))
    current = np.full((traj.time.size, n), np.nan)
    good = traj.status == OK
    with np.errstate(all="ignore"):
        for k in range(traj.time.size):
            current[k] = model.current(traj.state[k], traj.voltage[k], params)
    current[:, ~good] = np.nan
    current[:, ~np.all(np.isfinite(current), axis=0)] = np.nan
    status = traj.status.copy()
    status[good & ~np.all(np.isfinite(current), axis=0)] = NON_FINITE
    return BatchOutput(current, status)


@dataclass
class Evaluator:
    """Simulated currents of every trace for batches of free-parameter values (SI).

    Counts simulations (one per parameter set and trace) and wall time, the units of the fit's
    budgets.
    """

    model: object
    base_params: object
    names: list[str]
    traces: list[PreparedTrace]
    method: str
    max_steps: int
    ramp_steps: int | None = None
    n_simulations: int = 0
    seconds: float = 0.0

    def __call__(self, values: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        """values (k, p) SI → currents per trace [(n_i, k)] and (k,) status (first failure)."""
        values = np.atleast_2d(np.asarray(values, dtype=float))
        k = values.shape[0]
        params = batch_params(self.base_params, self.names, values)
        t0 = _time.perf_counter()
        out, status = [], np.zeros(k, dtype=np.int8)
        for prep in self.traces:
            res = simulate_batch(self.model, params, prep, k, method=self.method, max_steps=self.max_steps,
                                 ramp_steps=self.ramp_steps)
            out.append(res.current)
            status = np.where(status == OK, res.status, status)
        self.seconds += _time.perf_counter() - t0
        self.n_simulations += k * len(self.traces)
        return out, status
