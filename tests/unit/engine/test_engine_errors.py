"""Option validation, NaN and bounds failures, throw=False statuses."""

from __future__ import annotations

import numpy as np
import pytest
from test_engine_exact import pulse_train
from test_engine_toys import NaNAtDevice2, Relax1, Relax2, StiffHeat

from nanoionic._core.errors import IntegrationError, ParameterError
from nanoionic.engine import integrate
from nanoionic.engine.integrate import NON_FINITE, OK
from nanoionic.protocols.waveform import Waveform

WF = Waveform.from_segments([1e-3, 1e-3], [1.0, 0.0], [1.0, 0.0])


@pytest.mark.parametrize(("options", "pattern"), [
    ({"method": "rk4"}, r"The 'method' parameter of integrate must be one of .*Got 'rk4' instead\. "
                        r"Did you mean 'rk45'\?"),
    ({"save": "segment"}, r"'save' parameter .*Did you mean 'segments'"),
    ({"save": [0.5]}, r"'save' parameter .*within \[0, 0.002\]"),
    ({"save": [[0.0]]}, r"'save' parameter"),
    ({"rtol": 0.0}, r"'rtol' parameter .*> 0. Got 0.0"),
    ({"atol": -1.0}, r"'atol' parameter"),
    ({"ramp_tol": float("nan")}, r"'ramp_tol' parameter"),
    ({"ramp_steps": 0}, r"'ramp_steps' parameter"),
    ({"max_steps": 0}, r"'max_steps' parameter"),
    ({"n_devices": 0}, r"'n_devices' parameter"),
    ({"throw": "yes"}, r"'throw' parameter"),
])
def test_bad_options_raise_parameter_error(options, pattern):
    model = Relax1()
    with pytest.raises(ParameterError, match=pattern):
        integrate(model, model.params(), WF, **options)


def test_misspelt_option_is_type_error():
    model = Relax1()
    with pytest.raises(TypeError):
        integrate(model, model.params(), WF, methd="rk45")


def test_inconsistent_inputs():
    model = Relax1()
    with pytest.raises(ParameterError, match="'method' parameter .*non-linear"):
        integrate(StiffHeat(), StiffHeat().params(), WF, method="exact")
    with pytest.raises(ParameterError, match="'n_devices' parameter"):
        integrate(model, model.params(k0=np.ones(3)), WF, n_devices=4)
    with pytest.raises(ParameterError, match="'state0' parameter .*shaped"):
        integrate(model, model.params(), WF, np.zeros((2, 3)))
    with pytest.raises(ParameterError, match="'state0' parameter .*bounds of 'x'"):
        integrate(model, model.params(), WF, np.array([[0.5, 1.5]]))
    with pytest.raises(ParameterError, match="'waveform' parameter"):
        integrate(model, model.params(), "pulse 1 V for 1 ms")


@pytest.mark.parametrize("method", ["exact", "rk45", "implicit"])
def test_nan_names_the_device(method):
    model = NaNAtDevice2()
    p = model.params(k0=np.full(5, 100.0))  # per-device parameters: a device axis in the maps
    with pytest.raises(IntegrationError, match=r"non-finite for device 2 at t = (0|0.001) s"):
        integrate(model, p, WF, method=method)


@pytest.mark.parametrize("method", ["exact", "rk45"])
def test_throw_false_fails_only_the_bad_device(method):
    model = NaNAtDevice2()
    p = model.params(k0=np.full(5, 100.0))
    traj = integrate(model, p, WF, method=method, throw=False)
    assert traj.status.tolist() == [OK, OK, NON_FINITE, OK, OK]
    assert "device 2" in traj.message
    assert np.all(np.isnan(traj.state[1:, :, 2]))
    clean = integrate(Relax1(), p, WF, method=method)
    keep = [0, 1, 3, 4]
    np.testing.assert_allclose(traj.state[:, :, keep], clean.state[:, :, keep], rtol=1e-12)


class Overshoot(Relax1):
    """An exact map that pushes x above its upper bound by ``excess``."""

    excess = 0.5

    def affine_map(self, v, dt, p):
        phi, psi = super().affine_map(v, dt, p)
        return 0.0 * phi, psi * 0.0 + 1.0 + self.excess


class RoundOff(Overshoot):
    excess = 1e-12


def test_bounds_violation_names_state_and_device():
    model = Overshoot()
    with pytest.raises(IntegrationError, match=r"state 'x' left its bounds \[0, 1\] for devices "
                                               r"\[0, 1, 2\]"):
        integrate(model, model.params(), WF, n_devices=3)


def test_round_off_excursions_are_clipped():
    model = RoundOff()
    traj = integrate(model, model.params(), WF, n_devices=2)
    assert traj.ok and np.all(traj.state[1:] == 1.0)


def test_integration_error_for_nan_in_shared_maps():
    model = Relax2()

    class Broken(Relax2):
        def affine_map(self, v, dt, p):
            phi, psi = super().affine_map(v, dt, p)
            return phi, psi * np.where(np.abs(v) > 0.5, np.nan, 1.0)

    with pytest.raises(IntegrationError, match=r"non-finite for devices \[0, 1, 2\] at t = 0 s"):
        integrate(Broken(), model.params(), pulse_train(1, v=1.0), n_devices=3)
