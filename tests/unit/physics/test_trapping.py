"""Dispersive hole trapping (physics/trapping.py): exact maps, bounds, steady state."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from nanoionic.physics.trapping import capture_drive, class_rates, occupancy_maps, occupancy_rates, release_factor


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
       ratio=st.floats(1e-3, 1e4), hold=st.floats(0.0, 3.0))
def test_exact_map_matches_the_ode(v, dt, h0, rate, spread, v_t, ratio, hold):
    rates = class_rates(rate, spread, 3)
    a, c = occupancy_maps(v, dt, rates, v_t, ratio, hold)
    h_exact = a[:, 0] * h0 + c[:, 0]

    def rhs(_, h):
        return occupancy_rates(h[:, None], v, rates, v_t, ratio, hold)[:, 0]

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


def test_the_field_holds_trapped_holes_and_zero_bias_releases_them():
    """Hold β = 1/V: release at 5 V is e^-5 of release at 0 V, so traps filled at 10 V stay
    filled at 5 V but empty within ~1/(k·r_t) at 0 V; β = 0 is the plain thermal release."""
    assert release_factor(0.0, 100.0, 1.0) == 100.0
    np.testing.assert_allclose(release_factor(-5.0, 100.0, 1.0), 100.0 * np.exp(-5.0), rtol=1e-15)
    assert release_factor(7.0, 100.0) == 100.0
    rates = class_rates(1.0, 0.0, 1)
    full = occupancy_maps(10.0, 100.0, rates, 3.0, 100.0, 1.0)[1][0, 0]
    assert full > 0.99  # steady u / (u + r_t e^-10) at 10 V
    a5, c5 = occupancy_maps(5.0, 1.0, rates, 3.0, 100.0, 1.0)
    a0, c0 = occupancy_maps(0.0, 0.05, rates, 3.0, 100.0, 1.0)
    assert a5[0, 0] * full + c5[0, 0] > 0.75  # held at 5 V for 1 s (steady u/(u + r_t e^-5) = 0.79)
    assert a0[0, 0] * full + c0[0, 0] < 0.01  # gone after 50 ms at 0 V
