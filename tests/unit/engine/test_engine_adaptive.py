"""rk45 and implicit (TR-BDF2): agreement with the exact method and with each other."""

from __future__ import annotations

import numpy as np
import pytest
from test_engine_exact import pulse_train, sweep
from test_engine_toys import Relax1, Relax2, StiffHeat

from nanoionic._core.errors import IntegrationError
from nanoionic.engine import integrate
from nanoionic.engine.integrate import MAX_STEPS


def test_exact_and_rk45_agree_on_pulse_train():
    model = Relax2()
    p = model.params()
    wf = pulse_train(20)
    x0 = np.array([[0.0, 0.5], [0.2, 0.9]])
    exact = integrate(model, p, wf, x0, method="exact")
    rk = integrate(model, p, wf, x0, method="rk45")
    assert rk.method == "rk45" and rk.ok and rk.n_steps > 0
    np.testing.assert_allclose(rk.time, exact.time)
    np.testing.assert_allclose(rk.state, exact.state, rtol=1e-6, atol=1e-10)


def test_rk45_on_sweep_matches_converged_exact_at_same_points():
    model = Relax1()
    p = model.params()
    wf = sweep()
    exact = integrate(model, p, wf, ramp_tol=1e-7)
    rk = integrate(model, p, wf, method="rk45")
    np.testing.assert_allclose(rk.time, exact.time)
    np.testing.assert_allclose(rk.voltage, exact.voltage)
    np.testing.assert_allclose(rk.state, exact.state, rtol=1e-6, atol=1e-9)


def test_implicit_matches_exact_on_linear_model():
    model = Relax2()
    p = model.params()
    wf = pulse_train(5)
    exact = integrate(model, p, wf)
    # second order: the global error is ~ (number of steps) x rtol, so ask for rtol = 1e-10
    imp = integrate(model, p, wf, method="implicit", rtol=1e-10)
    np.testing.assert_allclose(imp.state, exact.state, rtol=1e-6, atol=1e-9)


def test_implicit_and_rk45_agree_on_mildly_stiff_problem():
    model = StiffHeat()
    p = model.params(kf=1e4)
    wf = pulse_train(2, v=1.0)
    rk = integrate(model, p, wf, method="rk45")
    imp = integrate(model, p, wf, method="implicit", rtol=1e-9)
    assert imp.ok and rk.ok
    np.testing.assert_allclose(imp.state, rk.state, rtol=1e-6, atol=1e-9)


def test_auto_picks_implicit_for_stiff_and_needs_fewer_steps():
    model = StiffHeat()
    p = model.params(kf=1e6)
    wf = pulse_train(3, v=1.0)
    imp = integrate(model, p, wf, n_devices=4, rtol=1e-6, atol=1e-10)
    assert imp.method == "implicit" and imp.ok
    rk = integrate(model, p, wf, n_devices=4, method="rk45", rtol=1e-6, atol=1e-10)
    assert imp.n_steps < rk.n_steps / 3
    np.testing.assert_allclose(imp.state[:, 1], rk.state[:, 1], rtol=1e-4, atol=1e-8)


def test_adaptive_one_vs_many_devices_and_per_device_params():
    model = StiffHeat()
    wf = pulse_train(2, v=1.0)
    opts = {"rtol": 1e-7, "atol": 1e-10}
    for method in ("rk45", "implicit"):
        one = integrate(model, model.params(kf=1e3), wf, method=method, **opts)
        many = integrate(model, model.params(kf=1e3), wf, method=method, n_devices=1000, **opts)
        np.testing.assert_allclose(many.state, np.repeat(one.state, 1000, axis=2),
                                   rtol=1e-13, atol=1e-15)
        kx = np.array([20.0, 50.0, 80.0])
        together = integrate(model, model.params(kf=1e3, kx=kx), wf, method=method, **opts)
        for j in range(3):
            alone = integrate(model, model.params(kf=1e3, kx=kx[j]), wf, method=method, **opts)
            np.testing.assert_allclose(together.state[:, :, j], alone.state[:, :, 0],
                                       rtol=1e-5, atol=1e-8)


def test_max_steps_raises_and_reports_with_throw_false():
    model = StiffHeat()
    p = model.params(kf=1e6)
    wf = pulse_train(2, v=1.0)
    with pytest.raises(IntegrationError, match=r"max_steps = 50 exceeded.*device"):
        integrate(model, p, wf, method="rk45", max_steps=50, n_devices=3)
    traj = integrate(model, p, wf, method="rk45", max_steps=50, n_devices=3, throw=False)
    assert not traj.ok
    assert np.all(traj.status == MAX_STEPS)
    assert "max_steps" in traj.message
    assert traj.time[-1] < wf.total_time
    assert np.all(np.isfinite(traj.state[-1]))  # the state where it stopped


def test_save_end_for_adaptive_methods():
    model = StiffHeat()
    wf = pulse_train(2, v=1.0)
    full = integrate(model, model.params(kf=1e3), wf, n_devices=3, rtol=1e-6)
    end = integrate(model, model.params(kf=1e3), wf, n_devices=3, save="end", rtol=1e-6)
    assert end.state.shape == (1, 2, 3)
    np.testing.assert_allclose(end.state[0], full.state[-1], rtol=1e-12)
