"""fit.uncertainty: covariance against the ordinary-least-squares closed form, and the
identifiability report on Jacobians built by hand; then an exactly degenerate pair through
``ni.fit`` end to end."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nanoionic as ni
from nanoionic.data import Measurement
from nanoionic.fit.uncertainty import covariance

# y = a·x + b on x = 0, 1, 2, 3 with y = 1, 3, 4, 7. By hand: x̄ = 1.5, ȳ = 3.75, Sxx = 5, Sxy = 9.5,
# so a = 1.9, b = 0.9; residuals y - (1.9x + 0.9) = 0.1, 0.2, -0.7, 0.4, rᵀr = 0.70, s² = 0.70/(4 - 2)
# = 0.35. With columns (x, 1): XᵀX = [[14, 6], [6, 4]], det 20, (XᵀX)⁻¹ = [[0.2, -0.3], [-0.3, 0.7]],
# so C = s²(XᵀX)⁻¹ = [[0.07, -0.105], [-0.105, 0.245]].
X = np.array([0.0, 1.0, 2.0, 3.0])
R = np.array([0.1, 0.2, -0.7, 0.4])
OLS_COVARIANCE = np.array([[0.07, -0.105], [-0.105, 0.245]])


def test_linear_model_covariance_is_the_ols_closed_form():
    jac = np.column_stack([X, np.ones_like(X)])
    cov, report = covariance(jac, R, ["a", "b"])
    assert np.allclose(cov, OLS_COVARIANCE, rtol=1e-12, atol=0.0)
    # ρ = -0.105/√(0.07·0.245) = -0.80: below 0.95, so nothing is reported
    assert report.ok and report.undetermined == [] and report.correlated == []
    assert "every free parameter is determined" in report.describe()


def test_covariance_does_not_depend_on_the_units_of_a_column():
    """a in other units (column × 1e9) is the same estimate: its variance scales by 1e-18."""
    jac = np.column_stack([1e9 * X, np.ones_like(X)])
    cov, report = covariance(jac, R, ["a", "b"])
    assert report.ok
    scale = np.diag([1e-9, 1.0])
    assert np.allclose(cov, scale @ OLS_COVARIANCE @ scale, rtol=1e-12, atol=0.0)


@pytest.mark.parametrize("factor", [1.0, -2.5, 1e6])
def test_identical_or_proportional_columns_are_undetermined_by_name(factor):
    """I = (a + factor·c)·x + b: only a + factor·c is determined; b is not involved."""
    jac = np.column_stack([X, np.ones_like(X), factor * X])
    cov, report = covariance(jac, R, ["a", "b", "c"])
    assert report.undetermined == ["a", "c"]
    assert len(report.directions) == 1 and set(report.directions[0]) == {"a", "c"}
    # the null direction of the column-normalised Jacobian: (1, 0, -sign(factor))/√2
    d = report.directions[0]
    assert abs(d["a"]) == pytest.approx(math.sqrt(0.5), rel=1e-12)
    assert d["a"] * d["c"] == pytest.approx(-math.copysign(0.5, factor), rel=1e-12)
    assert np.all(np.isinf(cov[[0, 2]])) and np.all(np.isinf(cov[:, [0, 2]]))
    assert math.isfinite(cov[1, 1]) and cov[1, 1] > 0
    assert not report.ok and "undetermined combination" in report.describe()


def test_strong_correlation_is_reported_as_a_pair():
    """x = 10, 10.5, 11 far from 0: slope and intercept correlate with
    ρ = -Σx/√(n·Σx²) = -31.5/√(3·331.25) = -0.99925 (hand calculation), yet the singular
    values of the normalised columns, √(1 ± 0.99925), differ by 50× only: determined."""
    x = np.array([10.0, 10.5, 11.0])
    jac = np.column_stack([x, np.ones_like(x)])
    _, report = covariance(jac, np.array([0.1, -0.2, 0.1]), ["slope", "intercept"])
    assert report.undetermined == []
    assert len(report.correlated) == 1
    a, b, rho = report.correlated[0]
    assert (a, b) == ("slope", "intercept")
    assert rho == pytest.approx(-31.5 / math.sqrt(3 * 331.25), rel=1e-12)
    assert "correlated: slope and intercept (ρ = -0.999)" in report.describe()


# ------------------------------------------------------------------------------ through ni.fit
NOISE = 0.02


def test_area_and_conductance_density_are_degenerate_in_a_fit():
    """ZnTPP/AlOx: area A and conductance density σ enter the model only as the product A·σ
    (interface_hopping.py: the current is ``params.area * params.conductance_density * …``,
    the ionic rates and the trap kinetics do not read either, and the series resistance divides
    the voltage with that same current law). The data therefore fix A·σ, not A and σ: both must
    be reported undetermined with infinite standard errors, while a third free parameter of the
    current law, the sinh voltage, stays determined."""
    dev = ni.Device("ZnTPP/AlOx")
    v = np.array([x for level in (8.0, 12.0, 4.0, 10.0) for _ in range(4) for x in (level, 1.0)])
    t = 0.1 * np.arange(1, v.size + 1)
    drive = Measurement(t, v, np.zeros_like(t), interpolation="step")
    i = ni.simulate(dev, drive.waveform(), save=drive.sample_times()).current.values
    noisy = i * (1 + NOISE * np.random.default_rng(3).standard_normal(t.size))
    meas = Measurement(t, v, noisy, interpolation="step", name="pulses")
    free = {"area": (1e-9, 1e-6, "log"), "conductance_density": (10.0, 1e4, "log"), "sinh_voltage": (0.5, 50.0, "log")}
    res = ni.fit(dev, meas, free, floor=1e-16, n_starts=4, max_simulations=300)
    report = res.identifiability
    assert report.undetermined == ["area", "conductance_density"]
    assert math.isinf(res.standard_errors["area"]) and math.isinf(res.standard_errors["conductance_density"])
    assert 0 < res.standard_errors["sinh_voltage"] < 0.05 * res.values["sinh_voltage"]
    # the null direction in (ln A, ln σ) is (1, -1)/√2; central differences leave ~1e-6 of slack
    (direction,) = report.directions
    assert direction["area"] == pytest.approx(-direction["conductance_density"], abs=1e-3)
    assert abs(direction["area"]) == pytest.approx(math.sqrt(0.5), abs=1e-3)
    # what the data do fix: the product, within a few noise-level standard errors of 2 %/√32
    product = res.values["area"] * res.values["conductance_density"]
    assert product == pytest.approx(dev.params.area * dev.params.conductance_density, rel=0.02)
    assert np.isnan(res.correlation[0, 1]) and res.correlation[2, 2] == 1.0
    assert "undetermined" in res.summary()
