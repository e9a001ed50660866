"""Block-structured maps in the exact kernels: independent state blocks are applied separately
(a diagonal block by its own kernel) and give the same numbers as the dense product."""

from __future__ import annotations

import numpy as np
import pytest

from nanoionic.engine.exact_kernels import (apply_affine_maps_per_device, apply_affine_maps_shared,
                                            state_blocks)


def _mask(n, coupled):
    m = np.eye(n, dtype=bool)
    for i, j in coupled:
        m[i, j] = True
    return m


@pytest.mark.parametrize("n,coupled,blocks", [
    (1, [], [(0, 1, False)]),
    (3, [(0, 1), (1, 2)], [(0, 3, False)]),
    (7, [(0, 1), (2, 0)], [(0, 3, False), (3, 7, True)]),
    (4, [], [(0, 4, True)]),
    (5, [(3, 4)], [(0, 3, True), (3, 5, False)]),
    (5, [(0, 4)], [(0, 5, False)]),  # a corner coupling joins everything in between
])
def test_state_blocks(n, coupled, blocks):
    assert state_blocks(_mask(n, coupled)) == blocks


def _structured(rng, shape_prefix, n_s, structure):
    phi = rng.normal(size=shape_prefix + (n_s, n_s)) * 0.3
    if structure == "ions+traps":  # the interface-hopping layout: 3 coupled, 4 independent
        phi[..., :3, 3:] = 0.0
        phi[..., 3:, :3] = 0.0
        phi[..., 3:, 3:] *= np.eye(n_s - 3)
    elif structure == "diagonal":
        phi *= np.eye(n_s)
    return phi


@pytest.mark.parametrize("n_s,structure", [(7, "ions+traps"), (4, "diagonal"), (5, "dense")])
def test_shared_kernel_on_blocks_matches_the_dense_product(n_s, structure):
    rng = np.random.default_rng(3)
    phi = _structured(rng, (40,), n_s, structure)
    psi = rng.normal(size=(40, n_s))
    x0 = rng.normal(size=(n_s, 9000))
    x = x0.copy()
    out = apply_affine_maps_shared(x, phi, psi, [7, 39])
    ref, saved = x0.copy(), []
    for k in range(40):
        ref = phi[k] @ ref + psi[k][:, None]
        if k in (7, 39):
            saved.append(ref.copy())
    np.testing.assert_allclose(x, ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(out, np.array(saved), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n_s,structure", [(7, "ions+traps"), (4, "diagonal"), (5, "dense")])
def test_per_device_kernel_on_blocks_matches_the_dense_product(n_s, structure):
    rng = np.random.default_rng(4)
    m = 1500
    phi = np.moveaxis(_structured(rng, (3, m), n_s, structure), 1, -1)  # (U, ns, ns, m)
    psi = rng.normal(size=(3, n_s, m))
    seq = rng.integers(0, 3, size=25)
    x0 = rng.normal(size=(n_s, m + 10))
    x = x0.copy()
    out = apply_affine_maps_per_device(x, phi, psi, seq, [4, 24], None, 10)
    ref, saved = x0[:, 10:].copy(), []
    for k, u in enumerate(seq):
        ref = np.einsum("ijn,jn->in", phi[u], ref) + psi[u]
        if k in (4, 24):
            saved.append(ref.copy())
    np.testing.assert_allclose(x[:, 10:], ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(x[:, :10], x0[:, :10])
    np.testing.assert_allclose(out[:, :, 10:], np.array(saved), rtol=1e-12, atol=1e-12)
