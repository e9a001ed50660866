"""Conduction laws: pinching, polarity asymmetry, series-resistance division."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from nanoionic.physics.conduction import hopping_sinh, injection_asymmetry, series_divided_voltage


def diode_like(v):
    return 1e-6 * hopping_sinh(v, 2.0) * injection_asymmetry(v, 0.1, 0.5)


@settings(max_examples=50, deadline=None)
@given(st.floats(min_value=-1000, max_value=1000), st.floats(min_value=0.0, max_value=1e6))
def test_series_division_satisfies_kirchhoff(v, r_s):
    vd = series_divided_voltage(v, diode_like, r_s)
    assert min(0.0, v) <= vd <= max(0.0, v)
    assert abs(vd + r_s * diode_like(vd) - v) <= 1e-12 * max(1.0, abs(v))


def test_series_resistance_limits_the_current_at_extreme_bias():
    i = diode_like(series_divided_voltage(np.array([100.0, -100.0]), diode_like, 50.0))
    assert np.all(np.abs(i) < 100.0 / 50.0)
    assert i[0] > 0 > i[1]


def test_zero_bias_gives_zero_current_and_reverse_is_weaker():
    assert diode_like(0.0) == 0.0
    assert abs(diode_like(-5.0)) < 0.2 * diode_like(5.0)
    assert injection_asymmetry(50.0, 0.1, 0.5) == 1.0
    np.testing.assert_allclose(injection_asymmetry(-50.0, 0.1, 0.5), 0.1)
