"""Per-device exact path: memoised maps, cache-blocked kernel, compiled batched expm."""

from __future__ import annotations

import dataclasses
import importlib

import numpy as np
import pytest
import scipy.linalg

from nanoionic.engine import integrate
from nanoionic.engine.exact_kernels import apply_affine_maps_per_device
from nanoionic.engine.expm_kernels import expm_affine, expm_batched
from nanoionic.simulation import Device, as_waveform

engine = importlib.import_module("nanoionic.engine.exact")  # the exact method and its constants

TRAIN = ("repeat 4 { pulse 6 V for 100 ms; wait 100 ms; read 5 V for 100 ms; wait 300 ms; "
         "pulse -3 V for 50 ms }")


def _device_params(n, seed=3):
    dev = Device("ZnTPP/AlOx", variability={"release_barrier": 0.01,
                                            "dissociation_barrier": 0.01})
    return dev.model, dev.sample_params(n, seed)


def _single(params, j):
    fields = {f.name: float(getattr(params, f.name)[j]) for f in dataclasses.fields(params)
              if np.ndim(getattr(params, f.name)) == 1}
    return dataclasses.replace(params, **fields)


def _random_generators(n, rng, log_lo=-12.0, log_hi=13.0, dt_hi=4.0):
    k1, k2, k3, k4, k5, k6 = 10 ** rng.uniform(log_lo, log_hi, size=(6, n))
    z = np.zeros(n)
    a = np.array([[-k1 - k2 - k3 - k5, -k1 + k4, -k1 + k6], [k3, -k4, z], [k5, z, -k6]])
    b = np.array([k1, z, z])
    dt = 10 ** rng.uniform(-9.0, dt_hi, size=n)
    return a, b, dt


def _scipy_affine(a, b, dt):
    n = dt.size
    aug = np.zeros((n, 4, 4))
    aug[:, :3, :3] = np.moveaxis(a, -1, 0) * dt[:, None, None]
    aug[:, :3, 3] = b.T * dt[:, None]
    e = scipy.linalg.expm(aug)
    return np.moveaxis(e[:, :3, :3], 0, -1), e[:, :3, 3].T, aug


def _rel(x, ref):
    """Per-matrix max error relative to the matrix's largest entry."""
    return np.max(np.abs(x - ref), axis=0) / np.max(np.abs(ref), axis=0)


@pytest.mark.parametrize("save", ["segments", "end", "reads"])
def test_per_device_equals_single_device_runs(save):
    model, params = _device_params(5)
    wf = as_waveform(TRAIN)
    traj = integrate(model, params, wf, method="exact", save=save)
    assert traj.ok
    for j in range(5):
        one = integrate(model, _single(params, j), wf, method="exact", save=save)
        np.testing.assert_allclose(traj.state[:, :, j], one.state[:, :, 0], rtol=1e-10,
                                   atol=1e-15)
        np.testing.assert_array_equal(traj.time, one.time)


def test_memoised_maps_equal_unmemoised(monkeypatch):
    model, params = _device_params(7)
    wf = as_waveform(TRAIN)
    memo = integrate(model, params, wf, method="exact")
    run_pd = engine._run_exact_per_device

    def no_memo(run, pieces, state, rec):
        return run_pd(run, pieces, state, rec, memoise=False)

    monkeypatch.setattr(engine, "_run_exact_per_device", no_memo)
    plain = integrate(model, params, wf, method="exact")
    np.testing.assert_allclose(memo.state, plain.state, rtol=1e-12, atol=1e-16)
    assert memo.n_steps == plain.n_steps


def test_distinct_segments_groups_round_off_durations():
    v = np.array([1.0, 0.0, 1.0, 0.0, 1.0])
    dt = np.array([0.1, 0.3, 0.1 + 1e-15, 0.3, 0.2])
    v_u, dt_u, idx = engine._distinct_segments(v, dt, 10.0)
    assert idx.tolist() == [0, 1, 0, 1, 2]
    assert v_u.tolist() == [1.0, 0.0, 1.0] and dt_u.tolist() == [0.1, 0.3, 0.2]


def test_device_chunks_give_the_same_result(monkeypatch):
    model, params = _device_params(37)
    wf = as_waveform(TRAIN)
    whole = integrate(model, params, wf, method="exact")
    monkeypatch.setattr(engine, "DEVICE_CHUNK", 8)
    chunked = integrate(model, params, wf, method="exact")
    np.testing.assert_array_equal(whole.state, chunked.state)


def test_per_device_kernel_matches_numpy():
    rng = np.random.default_rng(1)
    n_s, m, n_u, k = 3, 1100, 3, 40
    phi = rng.uniform(-0.3, 0.3, (n_u, n_s, n_s, m))
    psi = rng.uniform(0, 1, (n_u, n_s, m))
    seq = rng.integers(0, n_u, k)
    x0 = rng.uniform(0, 1, (n_s, m + 5))
    state = x0.copy()
    out = apply_affine_maps_per_device(state, phi, psi, seq, [3, 39], None, 5)
    x = x0[:, 5:].copy()
    saved = []
    for i, u in enumerate(seq):
        x = np.einsum("ijn,jn->in", phi[u], x) + psi[u]
        if i in (3, 39):
            saved.append(x.copy())
    np.testing.assert_allclose(state[:, 5:], x, rtol=1e-13)
    np.testing.assert_array_equal(state[:, :5], x0[:, :5])
    np.testing.assert_allclose(out[:, :, 5:], np.array(saved), rtol=1e-13)


def test_fast_expm_matches_scipy_non_stiff():
    """|A|·dt up to ~1e4: agreement with scipy to 1e-12 of the largest entry."""
    rng = np.random.default_rng(0)
    a, b, dt = _random_generators(2000, rng, log_lo=-12.0, log_hi=3.0, dt_hi=0.5)
    phi, psi = expm_affine(a, b, dt)
    ref_phi, ref_psi, _ = _scipy_affine(a, b, dt)
    big = np.concatenate([phi.reshape(9, -1), psi])
    ref = np.concatenate([ref_phi.reshape(9, -1), ref_psi])
    assert np.max(_rel(big, ref)) < 1e-12


def test_fast_expm_general_matrices():
    rng = np.random.default_rng(2)
    mats = rng.standard_normal((500, 5, 5)) * rng.uniform(0, 20, (500, 1, 1))
    ref = scipy.linalg.expm(mats)
    err = np.max(np.abs(expm_batched(mats) - ref), axis=(1, 2)) / np.max(np.abs(ref), axis=(1, 2))
    assert np.max(err) < 1e-11


def test_fast_expm_stiff_generators_agree_where_scipy_is_well_conditioned():
    """Rates 1e-12…1e13 /s, dt up to 1e4 s. Scaling and squaring (scipy's and ours) loses
    ~2^s·u of accuracy on slow modes when |A|·dt is huge (s ~ log2(|A| dt)), so both can be
    wrong; we require agreement to ~100·2^s·u, and bounded maps (|Phi| <= 1, 0 <= psi <= 1,
    up to the same error) wherever scipy's map is bounded."""
    rng = np.random.default_rng(5)
    a, b, dt = _random_generators(1500, rng)
    phi, psi = expm_affine(a, b, dt)
    ref_phi, ref_psi, aug = _scipy_affine(a, b, dt)
    big = np.concatenate([phi.reshape(9, -1), psi])
    ref = np.concatenate([ref_phi.reshape(9, -1), ref_psi])
    norm = np.abs(aug).sum(axis=1).max(axis=1)
    bound = 100 * np.finfo(float).eps * np.maximum(1.0, norm / 5.37)
    err = _rel(big, ref)
    well = bound < 1e-3
    assert np.all(err[well] <= np.maximum(bound[well], 1e-12))
    mild = norm < 1e3
    assert np.max(err[mild]) < 1e-12
    assert np.all(np.isfinite(big))


def test_expm_non_finite_generator_gives_nan():
    a = np.full((3, 3, 2), np.nan)
    a[:, :, 1] = 0.0
    phi, psi = expm_affine(a, np.zeros((3, 2)), 1.0)
    assert np.all(np.isnan(phi[:, :, 0])) and np.all(np.isnan(psi[:, 0]))
    np.testing.assert_array_equal(phi[:, :, 1], np.eye(3))
