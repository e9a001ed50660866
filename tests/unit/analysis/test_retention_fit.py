"""Stretched-exponential fit: recovers known τ and β; rejects bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanoionic import ParameterError
from nanoionic.analysis import fit_stretched_exponential, stretched_exponential


@given(tau=st.floats(1e-12, 1e12), beta=st.floats(0.2, 1.0))
@settings(max_examples=30, deadline=None)
def test_fit_recovers_tau_and_beta(tau, beta):
    t = np.logspace(np.log10(tau) - 2, np.log10(tau) + 1.5, 40)
    fit = fit_stretched_exponential(t, stretched_exponential(t, tau, beta))
    assert fit["tau_s"] == pytest.approx(tau, rel=1e-4)
    assert fit["beta"] == pytest.approx(beta, rel=1e-4)
    assert fit["rms"] < 1e-6


@pytest.mark.parametrize("t, y, name", [
    ([0.0, 1.0], [1.0, 0.5], "t, y"),
    ([0.0, 1.0, 2.0], [1.0, np.nan, 0.2], "y"),
    ([0.0, -1.0, 2.0], [1.0, 0.5, 0.2], "t"),
    ([[0.0, 1.0, 2.0]], [[1.0, 0.5, 0.2]], "t"),
])
def test_fit_rejects_bad_curves_naming_the_input(t, y, name):
    with pytest.raises(ParameterError, match=f"'{name}' parameter of fit_stretched_exponential"):
        fit_stretched_exponential(t, y)
