"""Test-only toy models for the engine tests (imported by the other test_engine_* modules)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nanoionic.models.base import DeviceModel, field, make_params


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class Relax1(DeviceModel):
    """dx/dt = k(V)(x_inf(V) - x), k = k0 (1 + (V/v0)^2), x_inf = sigmoid(V/vs)."""

    name = "toy_relax1"
    state_names = ("x",)
    state_bounds = ((0.0, 1.0),)
    linear = True

    @dataclass(frozen=True)
    class Params:
        k0: float = field(100.0, "1/s", 0.0, np.inf, "base rate", low_open=True)
        v0: float = field(1.0, "V", 0.0, np.inf, "rate voltage scale", low_open=True)
        vs: float = field(0.5, "V", 0.0, np.inf, "equilibrium voltage scale", low_open=True)
        g_on: float = field(1e-3, "S", 0.0, np.inf, "on conductance")
        g_off: float = field(1e-6, "S", 0.0, np.inf, "off conductance")

    def params(self, **kw):
        return make_params(self.Params, self.name, **kw)

    def initial_state(self, params, n):
        return np.full((1, n), 0.1)

    def k_xinf(self, v, p):
        v = np.asarray(v, float)
        return p.k0 * (1 + (v / p.v0) ** 2), sigmoid(v / p.vs)

    def rates(self, state, v, t, p):
        k, xinf = self.k_xinf(v, p)
        return k * (xinf - state)

    def current(self, state, v, p):
        return (p.g_off + state[0] * (p.g_on - p.g_off)) * v

    def affine_map(self, v, dt, p):
        k, xinf = self.k_xinf(v, p)
        e = np.exp(-k * np.asarray(dt, float))
        return e[None, None] * np.ones((1, 1)), (xinf * (1 - e))[None]

    def solution(self, x0, v, dt, p):
        """Exact state after dt at constant v."""
        k, xinf = self.k_xinf(v, p)
        return xinf + (x0 - xinf) * np.exp(-k * dt)


class Relax2(DeviceModel):
    """x1 relaxes to sigmoid(V/vs) at k1(V); x2 follows x1 at the constant rate k2."""

    name = "toy_relax2"
    state_names = ("x1", "x2")
    state_bounds = ((0.0, 1.0), (0.0, 1.0))
    linear = True

    @dataclass(frozen=True)
    class Params:
        k0: float = field(100.0, "1/s", 0.0, np.inf, "x1 base rate", low_open=True)
        k2: float = field(10.0, "1/s", 0.0, 50.0, "x2 rate", low_open=True)
        v0: float = field(1.0, "V", 0.0, np.inf, "rate voltage scale", low_open=True)
        vs: float = field(0.5, "V", 0.0, np.inf, "equilibrium voltage scale", low_open=True)

    def params(self, **kw):
        return make_params(self.Params, self.name, **kw)

    def initial_state(self, params, n):
        return np.full((2, n), 0.05)

    def _k(self, v, p):
        v = np.asarray(v, float)
        return p.k0 * (1 + (v / p.v0) ** 2), p.k2, sigmoid(v / p.vs)

    def rates(self, state, v, t, p):
        k1, k2, xinf = self._k(v, p)
        return np.stack([k1 * (xinf - state[0]), k2 * (state[0] - state[1])])

    def current(self, state, v, p):
        return (1e-6 + 1e-3 * (0.5 * state[0] + 0.5 * state[1])) * v

    def affine_map(self, v, dt, p):
        k1, k2, xinf = self._k(v, p)
        dt = np.asarray(dt, float)
        e1, e2 = np.exp(-k1 * dt), np.exp(-k2 * dt)
        c = k2 / (k2 - k1) * (e1 - e2)
        e1, e2, c, xinf = np.broadcast_arrays(e1, e2, c, xinf)
        zero = np.zeros_like(e1)
        phi = np.array([[e1, zero], [c, e2]])
        psi = np.array([xinf * (1 - e1), xinf * (1 - e2) - xinf * c])
        return phi, psi


class LinearRamp1(DeviceModel):
    """dx/dt = k (a V - x): constant rate, equilibrium linear in V (analytic on ramps)."""

    name = "toy_linear_ramp"
    state_names = ("x",)
    state_bounds = ((-np.inf, np.inf),)
    linear = True

    @dataclass(frozen=True)
    class Params:
        k: float = field(50.0, "1/s", 0.0, np.inf, "rate", low_open=True)
        a: float = field(1.0, "1/V", -np.inf, np.inf, "equilibrium slope")

    def params(self, **kw):
        return make_params(self.Params, self.name, **kw)

    def initial_state(self, params, n):
        return np.zeros((1, n))

    def rates(self, state, v, t, p):
        return p.k * (p.a * v - state)

    def current(self, state, v, p):
        return state[0] * v

    def affine_map(self, v, dt, p):
        e = np.exp(-p.k * np.asarray(dt, float)) * np.ones_like(np.asarray(v, float))
        return e[None, None], (p.a * np.asarray(v, float) * (1 - e))[None]

    def ramp_solution(self, x0, v0, slope, t, p):
        """Exact x(t) for V = v0 + slope·t."""
        k, a = p.k, p.a
        return a * (v0 + slope * t) - a * slope / k + (x0 - a * v0 + a * slope / k) * np.exp(-k * t)


class StiffHeat(DeviceModel):
    """Nonlinear, stiff: T relaxes fast (rate kf) to V^2 (1 + x); x grows with T, decays slowly."""

    name = "toy_stiff_heat"
    state_names = ("T", "x")
    state_bounds = ((0.0, np.inf), (0.0, 1.0))
    stiff = True

    @dataclass(frozen=True)
    class Params:
        kf: float = field(1e6, "1/s", 0.0, np.inf, "fast relaxation rate", low_open=True)
        kx: float = field(50.0, "1/s", 0.0, np.inf, "growth rate")
        kr: float = field(5.0, "1/s", 0.0, np.inf, "decay rate")

    def params(self, **kw):
        return make_params(self.Params, self.name, **kw)

    def initial_state(self, params, n):
        return np.zeros((2, n))

    def rates(self, state, v, t, p):
        temp, x = state
        tinf = np.asarray(v, float) ** 2 * (1 + x)
        return np.stack([p.kf * (tinf - temp), p.kx * temp * (1 - x) - p.kr * x])

    def current(self, state, v, p):
        return (1e-6 + 1e-3 * state[1]) * v


class NaNAtDevice2(Relax1):
    """Relax1 whose rates and exact map are NaN for device index 2."""

    name = "toy_nan"

    def rates(self, state, v, t, p):
        out = super().rates(state, v, t, p)
        out[:, 2] = np.nan
        return out

    def affine_map(self, v, dt, p):
        phi, psi = super().affine_map(v, dt, p)
        psi = psi.copy()
        psi[:, 2] = np.nan
        return phi, psi


def test_toy_maps_match_rates():
    """The toys' exact maps agree with their rates (small-dt finite difference)."""
    for model in (Relax1(), Relax2()):
        p = model.params()
        x = model.initial_state(p, 3) + np.array([0.0, 0.2, 0.4])
        for v in (-1.0, 0.0, 0.7):
            dt = 1e-7
            x1 = model.segment(x, v, dt, p)
            np.testing.assert_allclose((x1 - x) / dt, model.rates(x, v, 0.0, p),
                                       rtol=1e-4, atol=1e-3)
