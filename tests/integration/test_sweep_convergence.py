"""Issue 2: a ramp is not one constant segment. The SVDP model's I-V curve converges as the
exact method's sub-intervals shrink, and the adaptive default sits on the converged curve."""

import numpy as np

import nanoionic as ni

LOOP = "sweep 0 V -> 10 V -> 0 V -> -10 V -> 0 V at 0.1 V/s"


def iv(dev, **options):
    res = ni.simulate(dev, LOOP, **options)
    return res["voltage"].values, res["current"].values


def test_iv_curve_converges_with_ramp_refinement():
    dev = ni.Device("ZnTPP/AlOx")
    # ramp_steps=k saves k points per leg, so the coarsest grid is every (k/25)-th point of a finer one
    curves = [iv(dev, ramp_steps=k)[1][:: k // 25] for k in (25, 50, 100, 200, 400, 800)]
    scale = np.max(np.abs(curves[-1]))
    changes = [np.max(np.abs(b - a)) / scale for a, b in zip(curves[:-1], curves[1:])]
    assert all(later < earlier for earlier, later in zip(changes[:-1], changes[1:])), changes
    assert changes[-1] < 1e-4, changes
    assert changes[0] / changes[-1] > 40, changes  # better than first order over four halvings


def test_adaptive_default_matches_the_refined_curve():
    dev = ni.Device("ZnTPP/AlOx")
    v_fine, i_fine = iv(dev, ramp_steps=800)
    v_fine, i_fine = v_fine[::4], i_fine[::4]  # the default saves every 0.05 V: 200 per 10 V leg
    v_auto, i_auto = iv(dev)
    np.testing.assert_allclose(v_fine, v_auto, atol=1e-12)
    assert np.max(np.abs(i_auto - i_fine)) / np.max(np.abs(i_fine)) < 1e-4
