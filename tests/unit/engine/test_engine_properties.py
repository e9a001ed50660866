"""Property test: random pulse trains keep every state finite and within its bounds."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from test_engine_toys import Relax2, StiffHeat

from nanoionic.engine import integrate
from nanoionic.protocols.waveform import Waveform

segments = st.lists(
    st.tuples(st.floats(1e-6, 2e-2), st.floats(-3.0, 3.0), st.booleans()),
    min_size=1, max_size=12)


def _waveform(segs):
    dur = [d for d, _, _ in segs]
    v0 = [v for _, v, _ in segs]
    v1 = [(-v if ramp else v) for _, v, ramp in segs]
    return Waveform.from_segments(dur, v0, v1)


def _check(model, traj):
    assert traj.ok
    assert np.all(np.isfinite(traj.state))
    for i, (lo, hi) in enumerate(model.state_bounds):
        assert np.all(traj.state[:, i] >= lo) and np.all(traj.state[:, i] <= hi)


@settings(max_examples=40, deadline=None)
@given(segs=segments, x0=st.floats(0.0, 1.0))
def test_exact_random_pulse_trains_stay_in_bounds(segs, x0):
    model = Relax2()
    wf = _waveform(segs)
    _check(model, integrate(model, model.params(), wf, np.array([x0, 1 - x0]), ramp_tol=1e-3))


@settings(max_examples=15, deadline=None)
@given(segs=segments)
def test_rk45_random_pulse_trains_stay_in_bounds(segs):
    model = StiffHeat()
    wf = _waveform(segs)
    _check(model, integrate(model, model.params(kf=1e3), wf, n_devices=2, method="rk45",
                            rtol=1e-6, atol=1e-9))
