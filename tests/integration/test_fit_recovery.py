"""Parameter recovery (issue "Fit any model to measured data", Done when).

For four models (a compact model, the SVDP interface-hopping model, the interface-type VCM model
and a filament model) data are simulated from the preset's parameters (the truth), given 2 %
multiplicative Gaussian noise (seeded), and fitted from a start off by ×3 in every free
parameter (×3 and ÷3 alternately). Every recovered value must lie within 3 standard errors of
the truth, and the standard errors must be informative (each below a factor of 1.5 in the
optimiser's log coordinates), so a parameter cannot pass by being undetermined.

The log loss's floor is set below every current: the synthetic noise is purely multiplicative,
so no additive noise floor exists (``fit``'s default floor assumes an instrument's).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import nanoionic as ni
from nanoionic.data import Measurement

pytestmark = pytest.mark.slow

NOISE = 0.02
"""2 % multiplicative noise (issue text)."""
FLOOR = 1e-16
"""[A] below every simulated current: the noise is multiplicative only."""


def synthetic(device, t, v, *, interpolation="linear", seed=1) -> Measurement:
    """A measured trace as an instrument would give it: the model's current at the sample times
    with 2 % multiplicative noise."""
    drive = Measurement(t, v, np.zeros_like(t), interpolation=interpolation)
    current = ni.simulate(device, drive.waveform(), save=drive.sample_times()).current.values
    rng = np.random.default_rng(seed)
    return Measurement(t, v, current * (1 + NOISE * rng.standard_normal(t.size)), interpolation=interpolation,
                       name="synthetic")


def triangle(v_max, v_min, period, n):
    """0 → v_max → 0 → v_min → 0 over ``period`` [s], n samples."""
    t = np.linspace(0.0, period, n)
    return t, np.interp(t / period, [0, 0.25, 0.5, 0.75, 1], [0, v_max, 0, v_min, 0])


def box(device, names, factor=30.0):
    """Log bounds truth/factor … truth·factor, clipped to each parameter's physical range."""
    meta = {f.name: f.metadata for f in dataclasses.fields(device.params)}
    out = {}
    for n in names:
        value = getattr(device.params, n)
        out[n] = (max(value / factor, meta[n]["low"]), min(value * factor, meta[n]["high"]), "log")
    return out


def off_by_three(truth):
    return {n: v * (3.0 if k % 2 == 0 else 1 / 3) for k, (n, v) in enumerate(truth.items())}


def check_recovery(result, truth):
    z = result.z_scores(truth)
    assert result.converged, result.message
    for name in truth:
        assert result.x_standard_errors[name] < math.log(1.5), (name, result.x_standard_errors[name])
        assert abs(z[name]) <= 3.0, (name, result.values[name], truth[name], z)


def recover(device, meas, names, factor=30.0, **options):
    truth = {n: getattr(device.params, n) for n in names}
    result = ni.fit(device, meas, box(device, names, factor), start=off_by_three(truth), floor=FLOOR, seed=0, **options)
    check_recovery(result, truth)
    return result


def test_compact_yakopcic():
    dev = ni.Device("Yakopcic/knowm-LTspice")
    t = np.linspace(0, 0.02, 600)
    meas = synthetic(dev, t, np.sin(2 * np.pi * 100 * t))
    res = recover(dev, meas, ["a1", "b", "vp", "ap", "alpha_p"])
    assert res.method in ("rk45", "implicit")


def test_svdp_interface_hopping_pulse_train():
    """Pulses at seven levels across the SVDP threshold, each followed by a 1 V read."""
    dev = ni.Device("ZnTPP/AlOx")
    v = np.array([x for level in (8.0, 12.0, 4.0, 10.0, 6.0, 14.0, 2.0) for _ in range(8) for x in (level, 1.0)])
    meas = synthetic(dev, 0.1 * np.arange(1, v.size + 1), v, interpolation="step")
    # the landscape has a local minimum the ×3 start falls into; a wider Sobol stage finds the global one
    recover(dev, meas, ["migration_barrier", "migration_distance", "conductance_density", "sinh_voltage",
                        "residual_fraction"], n_starts=256, n_local=3)


def test_interface_vcm_sweep():
    dev = ni.Device("Pt/Nb:SrTiO3")
    meas = synthetic(dev, *triangle(2.0, -3.0, 4.0, 600))
    recover(dev, meas, ["barrier_lowering", "series_resistance", "hop_distance", "interface_energy", "donor_density"])


def test_filament_vcm_two_sweeps():
    dev = ni.Device("W/WOx/Pd")
    t1, v1 = triangle(1.5, -1.5, 20.0, 240)
    t2, v2 = triangle(1.2, -1.2, 2.0, 80)
    meas = synthetic(dev, np.concatenate([t1, t1[-1] + t2[1:]]), np.concatenate([v1, v2[1:]]))
    # in a ±30× box 64 Sobol points miss the global basin (a local minimum at cost 0.012 against
    # 1.6e-4 at the truth); a ±10× prior box finds it
    recover(dev, meas, ["injection_distance", "outdiffusion_distance", "filament_conductance", "sinh_voltage"],
            factor=10.0, n_starts=64)


def test_standard_errors_shrink_with_samples():
    """Same drive sampled at 150 and 600 points: the standard errors fall (~2× expected, as 1/√n)."""
    dev = ni.Device("Pt/Nb:SrTiO3")
    names = ["barrier_lowering", "series_resistance", "donor_density"]
    truth = {n: getattr(dev.params, n) for n in names}
    se = []
    for n in (150, 600):
        meas = synthetic(dev, *triangle(2.0, -3.0, 4.0, n))
        res = ni.fit(dev, meas, box(dev, names), start=truth, floor=FLOOR, n_starts=0)
        se.append(res.x_standard_errors)
    for name in names:
        assert se[1][name] < 0.7 * se[0][name], (name, se)
