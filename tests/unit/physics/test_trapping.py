"""Dispersive hole trapping (physics/trapping.py): exact maps, bounds, steady state."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from nanoionic.physics.trapping import capture_drive, class_rates, occupancy_maps, occupancy_rates


def test_class_rates_are_log_spaced_and_broadcast_over_devices():
    k = class_rates(2.0, 0.5, 4)
    assert k.shape == (4, 1)
    np.testing.assert_allclose(k[:, 0], 2.0 * 10.0 ** (-0.5 * np.arange(4)), rtol=1e-15)
    per_device = class_rates(np.array([1.0, 3.0]), np.array([1.0, 0.2]), 3)
    assert per_device.shape == (3, 2)
    np.testing.assert_allclose(per_device[:, 1], 3.0 * 10.0 ** (-0.2 * np.arange(3)), rtol=1e-15)


def test_capture_drive_is_even_in_voltage_and_finite_at_any_bias():
    assert capture_drive(0.0, 3.0) == 0.0
    assert capture_drive(-4.0, 3.0) == capture_drive(4.0, 3.0) == np.sinh(4.0 / 3.0)
    assert np.isfinite(capture_drive(1e6, 1e-3))


@settings(max_examples=60, deadline=None)
@given(v=st.floats(-12.0, 12.0), dt=st.floats(1e-4, 1e3), h0=st.floats(0.0, 1.0),
       rate=st.floats(1e-3, 10.0), spread=st.floats(0.0, 1.5), v_t=st.floats(0.5, 10.0),
       ratio=st.floats(1e-3, 10.0))
def test_exact_map_matches_the_ode(v, dt, h0, rate, spread, v_t, ratio):
    rates = class_rates(rate, spread, 3)
    a, c = occupancy_maps(v, dt, rates, v_t, ratio)
    h_exact = a[:, 0] * h0 + c[:, 0]

    def rhs(_, h):
        return occupancy_rates(h[:, None], v, rates, v_t, ratio)[:, 0]

    sol = solve_ivp(rhs, (0.0, dt), np.full(3, h0), method="Radau", rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(h_exact, sol.y[:, -1], rtol=1e-6, atol=1e-9)
    assert np.all((0.0 <= h_exact) & (h_exact <= 1.0))


@settings(max_examples=40, deadline=None)
@given(v=st.floats(-12.0, 12.0), h0=st.floats(0.0, 1.0))
def test_occupancy_relaxes_monotonically_to_the_steady_state(v, h0):
    rates = class_rates(1.0, 1.0, 4)
    u = capture_drive(v, 3.0)
    steady = u / (u + 0.1)
    gaps = []
    for dt in (0.01, 0.1, 1.0, 10.0, 1e4):
        a, c = occupancy_maps(v, dt, rates, 3.0, 0.1)
        gaps.append(np.abs(a[:, 0] * h0 + c[:, 0] - steady))
    gaps = np.array(gaps)
    assert np.all(np.diff(gaps, axis=0) <= 1e-15)
    np.testing.assert_allclose(gaps[-1][:2], 0.0, atol=1e-12)  # the fast classes have arrived


def test_slower_classes_fill_later():
    """Log-spaced rate constants: after 1 s at 8 V the fast class is full, the slow one barely started."""
    a, c = occupancy_maps(8.0, 1.0, class_rates(1.0, 1.0, 4), 3.0, 0.1)
    filled = c[:, 0]  # from empty traps
    steady = capture_drive(8.0, 3.0) / (capture_drive(8.0, 3.0) + 0.1)
    assert np.all(np.diff(filled) < 0)
    assert filled[0] > 0.999 * steady and filled[-1] < 0.01 * steady
