"""Figures of a fit (plotting.fit_figures, cross_validation_figures): written, non-empty, and no
exception when a free parameter is undetermined (NaN correlations, infinite standard error)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nanoionic as ni
from nanoionic.data import Measurement
from nanoionic.fit import CrossValidation, fit
from nanoionic.plotting import cross_validation_figures, file_stems, fit_figures, fit_profile_figure

DEVICE = "Yakopcic/knowm-LTspice"


def _trace(amplitude: float, name: str, seed: int) -> Measurement:
    dev = ni.Device(DEVICE)
    t = np.linspace(0, 0.02, 120)
    v = amplitude * np.sin(2 * np.pi * 100 * t)
    i = ni.simulate(dev, Measurement(t, v, np.zeros_like(t)).waveform(), save=t).current.values
    noisy = i * (1 + 0.02 * np.random.default_rng(seed).standard_normal(t.size))
    return Measurement(t, v, noisy, name=name)


@pytest.fixture(scope="module")
def result():
    """Below the switching thresholds (0.4 V < vp, vn) the rate ``ap`` has no effect: undetermined."""
    return fit(DEVICE, _trace(0.4, "low sweep", 1), ["a1=0.01:1:log", "ap=1:1e6:log", "b=0.005:0.5:log"],
               n_starts=2, max_simulations=60, holdout=[_trace(0.45, "held/out", 2)])


def test_the_fixture_has_an_undetermined_parameter(result):
    assert "ap" in result.identifiability.undetermined
    assert math.isinf(result.standard_errors["ap"]) and np.isnan(result.correlation).any()


def test_fit_figures_are_written_as_png_and_svg(result, tmp_path):
    paths = fit_figures(result, tmp_path / "figs", profiles=True)  # asks result.profile()
    names = {p.name for p in paths}
    for stem in ("fit_low_sweep", "predicted_held_out", "fit_residuals", "fit_correlation", "fit_profiles"):
        assert {f"{stem}.png", f"{stem}.svg"} <= names
    for p in paths:
        assert p.exists() and p.stat().st_size > 1000
    assert not list((tmp_path / "figs").glob(".*tmp*"))  # atomic writes leave no temporary files


def test_profile_figure_from_given_profiles(result, tmp_path):
    profiles = {n: (np.array([0.9, 1.0, 1.1]) * result.values[n], result.cost + np.array([1e-5, 0.0, np.nan]))
                for n in result.names}
    paths = fit_profile_figure(result, profiles, tmp_path)
    assert [p.name for p in paths] == ["fit_profiles.png", "fit_profiles.svg"]


def test_cross_validation_figures(result, tmp_path):
    cv = CrossValidation(folds=[result, result], predicted=[result.holdout[0], result.traces[0]])
    paths = cross_validation_figures(cv, tmp_path)
    assert {p.name for p in paths} >= {"cv_nrms.png", "cv_held_out.png", "cv_low_sweep.svg"}
    assert all(p.stat().st_size > 1000 for p in paths)


def test_file_stems_are_safe_and_unique():
    assert file_stems(["a b", "a/b", "", "x.csv", "x.csv"]) == ["a_b", "a_b_2", "trace", "x.csv", "x.csv_2"]
