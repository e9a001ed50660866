"""Filament physics: quantised staircase, compliance, tunnelling gap, Mott crossover, Poole-Frenkel,
seeded formation draws."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanoionic._core.units import G0
from nanoionic.physics.filament import (cathode_growth_share, compliance_factor, drift_velocity, mott_crossover,
                                        quantised_staircase, tunnel_gap_conductance)
from nanoionic.physics.thermal import poole_frenkel_conductance, power_at_rise, saturating_heat_target
from nanoionic.physics.variability import formation_draws


def test_g0_is_2e2_over_h():
    assert G0 == pytest.approx(7.748091729e-5, rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(k=st.integers(0, 8), offset=st.floats(-0.25, 0.25), step=st.sampled_from([0.5, 1.0]))
def test_staircase_plateaus_within_two_percent(k, offset, step):
    g = quantised_staircase(k + offset, step, 0.04, 12)
    assert abs(g / G0 - k * step) <= 0.02 * max(k * step, step)


@settings(max_examples=60, deadline=None)
@given(i=st.floats(-1e3, 1e3), icc=st.floats(1e-9, 1.0))
def test_compliance_caps_the_current_smoothly(i, icc):
    c = compliance_factor(i, icc)
    assert 0.0 < c <= 1.0
    assert abs(i) * c < icc * (1 + 1e-12)


def test_compliance_is_transparent_far_below_the_limit():
    assert compliance_factor(1e-7, 1e-4) == pytest.approx(1.0, abs=1e-11)


def test_tunnel_gap_and_drift_and_growth_share():
    g = tunnel_gap_conductance(np.array([-1e-9, 0.0, 1e-9, 2e-9]), 1e-3, 0.25e-9)
    assert g[0] == g[1] == 1e-3 and np.all(np.diff(g[1:]) < 0)
    v = drift_velocity(np.array([-1e12, -1e8, 0.0, 1e8, 1e12]), 0.25e-9, 1.2e-19, 300.0, 1e13)
    assert np.all(np.isfinite(v)) and v[2] == 0 and np.all(np.diff(v) > 0) and v[-1] <= 0.25e-9 * 1e13 * (1 + 1e-12)
    assert cathode_growth_share(1e-3, 1e-9, 1e-6) > 0.99 and cathode_growth_share(1e6, 1e-9, 1e-6) < 0.01


def test_mott_crossover_is_bounded_and_finite_at_zero_density():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        w = mott_crossover(np.array([0.0, 1e20, 5e26, 1e28]), 5e26, 0.15)
    assert w[0] == 0.0 and w[2] == pytest.approx(0.5) and w[-1] > 0.999 and np.all(np.diff(w) >= 0)


def test_poole_frenkel_rises_with_field_and_temperature():
    g = poole_frenkel_conductance(np.array([0.1, 1.0, 3.0]), 300.0, 0.1, 0.5 * 1.602e-19, 10e-9, 45.0)
    hot = poole_frenkel_conductance(1.0, 600.0, 0.1, 0.5 * 1.602e-19, 10e-9, 45.0)
    assert np.all(np.diff(g) > 0) and hot > g[1]
    theta = np.array([1.0, 100.0, 2000.0])
    assert np.allclose(saturating_heat_target(power_at_rise(theta, 3e6, 3000.0), 3e6, 3000.0), theta)


def _draw(seed, c=0.3):
    return formation_draws(np.random.default_rng(seed), 50, confinement=c, n_sites=10, roughness=0.25,
                           base_enhancement=3.0, site_gain=3.0, gap=2.5e-9, gap_spread=0.2, site_spread=0.01)


def test_same_seed_same_draws_different_seed_different():
    a, b, c = _draw(7), _draw(7), _draw(8)
    for key in ("tip_enhancement", "initial_gap", "defined_site"):
        np.testing.assert_array_equal(a[key], b[key])
    assert not np.array_equal(a["tip_enhancement"], c["tip_enhancement"])


def test_full_confinement_always_uses_the_defined_site():
    d = _draw(1, c=1.0)
    assert d["defined_site"].all()
    assert np.std(np.log(d["initial_gap"])) < 0.02
