"""Exact compartment maps (physics/kinetics.py) against a 60-digit mpmath matrix exponential."""

import mpmath as mp
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nanoionic.physics.kinetics import compartment_affine_maps, transition_minus_identity


def reference_map(q: np.ndarray, dt: float) -> np.ndarray:
    with mp.workdps(60):
        return np.array(mp.expm(mp.matrix((q * dt).tolist())).tolist(), dtype=float)


def generator(rates: dict) -> np.ndarray:
    n = 1 + max(max(k) for k in rates)
    q = np.zeros((n, n))
    for (i, j), k in rates.items():
        q[i, j] = k
    q[np.arange(n), np.arange(n)] = -q.sum(axis=0)
    return q


log_rate = st.floats(min_value=-12, max_value=13)


@settings(max_examples=40, deadline=None)
@given(st.lists(log_rate, min_size=6, max_size=6), st.floats(min_value=-6, max_value=4))
def test_star_chain_matches_high_precision_reference(logs, log_dt):
    """Rates spanning 25 decades (the SVDP model's range), dt from 1 us to 1e4 s, rate·dt ≤ 1e6.

    The round-off of the squarings grows with the number of squarings in modes that have fully
    relaxed: the bound used is 1e-15·max(rate)·dt absolute (measured: 3e-12 at 1e5, 4e-11 at
    3e5). The stiff case that matters, fast modes next to slow ones, is checked on the model's
    own generators below at 1e-13."""
    assume(max(logs) + log_dt <= 6)
    k = 10.0 ** np.array(logs)
    q = generator({(0, 3): k[0], (3, 0): k[1], (1, 0): k[2], (0, 1): k[3], (2, 0): k[4], (0, 2): k[5]})
    dt = 10.0 ** log_dt
    p = np.eye(q.shape[0]) + transition_minus_identity(q[None], dt)[0]
    np.testing.assert_allclose(p, reference_map(q, dt), rtol=0, atol=1e-15 * max(1.0, k.max() * dt))


def test_columns_stay_stochastic_for_stiff_generators():
    q = generator({(0, 1): 1e13, (1, 0): 1e-4, (2, 1): 3.0, (1, 2): 1e-9})
    p = np.eye(3) + transition_minus_identity(q[None], 0.1)[0]
    assert np.all(p >= -1e-16)
    np.testing.assert_allclose(p.sum(axis=0), 1.0, atol=1e-15)


def test_affine_map_keeps_the_implicit_compartment():
    q = generator({(0, 2): 2.0, (2, 0): 1.0, (1, 0): 0.5, (0, 1): 0.25})
    phi, psi = compartment_affine_maps(q[None], 0.7)
    x = np.array([0.2, 0.3])
    full = reference_map(q, 0.7) @ np.append(x, 0.5)
    np.testing.assert_allclose(phi[0] @ x + psi[0], full[:2], atol=1e-15)


@pytest.mark.parametrize("dt", [0.0, 1e-300])
def test_zero_interval_is_identity(dt):
    q = generator({(0, 1): 1e13, (1, 0): 1.0})
    np.testing.assert_allclose(transition_minus_identity(q[None], dt)[0], 0.0, atol=1e-287)


@pytest.mark.parametrize("voltage, dt", [(10.0, 0.1), (-10.0, 0.1), (6.0, 0.1), (0.0, 0.3), (5.0, 20.0)])
def test_svdp_generators_match_high_precision_reference(voltage, dt):
    """The interface-hopping model's rates reach 1e13 /s beside slow modes of 1e-4 /s."""
    from nanoionic.models.interface_hopping import InterfaceHoppingParams, compartment_generator
    q = compartment_generator(voltage, InterfaceHoppingParams())
    p = np.eye(q.shape[0]) + transition_minus_identity(q[None], dt)[0]
    np.testing.assert_allclose(p, reference_map(q, dt), rtol=0, atol=1e-13)
