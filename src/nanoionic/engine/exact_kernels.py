"""Kernels of the exact method: a sequence of shared affine maps applied to many devices.

When every parameter is a scalar, the exact map ``x <- Phi_k x + psi_k`` of each constant-voltage
interval ``k`` is the same for all devices, so the rates are computed once per segment and the
update is memory-bound (DESIGN.md, Performance notes). The numba kernel is cache-blocked: a block
of :data:`BLOCK` devices (a few hundred kB of state) goes through all K maps while it sits in
cache, and blocks run in parallel. Without numba the same result comes from a numpy loop.
"""

from __future__ import annotations

import numpy as np

try:  # pragma: no cover - exercised only where numba is missing
    import numba
    from numba import prange

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover
    HAVE_NUMBA = False

BLOCK = 4096
"""Devices per cache block."""


def apply_affine_maps_shared(state: np.ndarray, phi_seq: np.ndarray, psi_seq: np.ndarray,
                             out_index) -> np.ndarray:
    """Apply K shared affine maps in order to every device, saving the state after chosen maps.

    Parameters
    ----------
    state : (n_states, n) float64, C-contiguous; updated in place to the state after all maps.
    phi_seq : (K, n_states, n_states) map matrices, applied in order k = 0 … K-1.
    psi_seq : (K, n_states) map offsets.
    out_index : increasing map indices after which the state is saved.

    Returns
    -------
    (len(out_index), n_states, n) states after the maps ``out_index``.
    """
    if state.dtype != np.float64 or not state.flags.c_contiguous:
        raise ValueError("state must be a C-contiguous float64 array")
    n_s, n = state.shape
    phi_seq = np.ascontiguousarray(phi_seq, dtype=np.float64).reshape(-1, n_s, n_s)
    psi_seq = np.ascontiguousarray(psi_seq, dtype=np.float64).reshape(-1, n_s)
    out_index = np.asarray(out_index, dtype=np.int64).reshape(-1)
    n_maps = phi_seq.shape[0]
    if out_index.size and (np.any(np.diff(out_index) <= 0) or out_index[0] < 0
                           or out_index[-1] >= n_maps):
        raise ValueError("out_index must be increasing map indices in [0, K)")
    slot = np.full(n_maps, -1, dtype=np.int64)
    slot[out_index] = np.arange(out_index.size)
    out = np.empty((out_index.size, n_s, n))
    if n_maps == 0 or n == 0:
        return out
    if HAVE_NUMBA:
        kernel = _KERNELS.get(n_s, _maps_general)
        kernel(state, phi_seq, psi_seq, slot, out)
    else:  # pragma: no cover
        _maps_numpy(state, phi_seq, psi_seq, slot, out)
    return out


def _maps_numpy(state, phi, psi, slot, out):
    for k in range(phi.shape[0]):
        state[...] = phi[k] @ state + psi[k][:, None]
        if slot[k] >= 0:
            out[slot[k]] = state


if HAVE_NUMBA:

    @numba.njit(parallel=True, cache=True, fastmath=False)
    def _maps_1(state, phi, psi, slot, out):  # pragma: no cover - compiled
        n = state.shape[1]
        for b in prange((n + BLOCK - 1) // BLOCK):
            j0 = b * BLOCK
            j1 = min(n, j0 + BLOCK)
            for k in range(phi.shape[0]):
                a = phi[k, 0, 0]
                c = psi[k, 0]
                for j in range(j0, j1):
                    state[0, j] = a * state[0, j] + c
                s = slot[k]
                if s >= 0:
                    for j in range(j0, j1):
                        out[s, 0, j] = state[0, j]

    @numba.njit(parallel=True, cache=True, fastmath=False)
    def _maps_2(state, phi, psi, slot, out):  # pragma: no cover - compiled
        n = state.shape[1]
        for b in prange((n + BLOCK - 1) // BLOCK):
            j0 = b * BLOCK
            j1 = min(n, j0 + BLOCK)
            for k in range(phi.shape[0]):
                a00, a01 = phi[k, 0, 0], phi[k, 0, 1]
                a10, a11 = phi[k, 1, 0], phi[k, 1, 1]
                c0, c1 = psi[k, 0], psi[k, 1]
                for j in range(j0, j1):
                    x0 = state[0, j]
                    x1 = state[1, j]
                    state[0, j] = a00 * x0 + a01 * x1 + c0
                    state[1, j] = a10 * x0 + a11 * x1 + c1
                s = slot[k]
                if s >= 0:
                    for i in range(2):
                        for j in range(j0, j1):
                            out[s, i, j] = state[i, j]

    @numba.njit(parallel=True, cache=True, fastmath=False)
    def _maps_3(state, phi, psi, slot, out):  # pragma: no cover - compiled
        n = state.shape[1]
        for b in prange((n + BLOCK - 1) // BLOCK):
            j0 = b * BLOCK
            j1 = min(n, j0 + BLOCK)
            for k in range(phi.shape[0]):
                a00, a01, a02 = phi[k, 0, 0], phi[k, 0, 1], phi[k, 0, 2]
                a10, a11, a12 = phi[k, 1, 0], phi[k, 1, 1], phi[k, 1, 2]
                a20, a21, a22 = phi[k, 2, 0], phi[k, 2, 1], phi[k, 2, 2]
                c0, c1, c2 = psi[k, 0], psi[k, 1], psi[k, 2]
                for j in range(j0, j1):
                    x0 = state[0, j]
                    x1 = state[1, j]
                    x2 = state[2, j]
                    state[0, j] = a00 * x0 + a01 * x1 + a02 * x2 + c0
                    state[1, j] = a10 * x0 + a11 * x1 + a12 * x2 + c1
                    state[2, j] = a20 * x0 + a21 * x1 + a22 * x2 + c2
                s = slot[k]
                if s >= 0:
                    for i in range(3):
                        for j in range(j0, j1):
                            out[s, i, j] = state[i, j]

    @numba.njit(parallel=True, cache=True, fastmath=False)
    def _maps_general(state, phi, psi, slot, out):  # pragma: no cover - compiled
        n_s, n = state.shape
        for b in prange((n + BLOCK - 1) // BLOCK):
            j0 = b * BLOCK
            j1 = min(n, j0 + BLOCK)
            buf = np.empty((n_s, j1 - j0))
            for k in range(phi.shape[0]):
                for i in range(n_s):
                    for j in range(j0, j1):
                        acc = psi[k, i]
                        for m in range(n_s):
                            acc += phi[k, i, m] * state[m, j]
                        buf[i, j - j0] = acc
                for i in range(n_s):
                    for j in range(j0, j1):
                        state[i, j] = buf[i, j - j0]
                s = slot[k]
                if s >= 0:
                    for i in range(n_s):
                        for j in range(j0, j1):
                            out[s, i, j] = state[i, j]

    _KERNELS = {1: _maps_1, 2: _maps_2, 3: _maps_3}
