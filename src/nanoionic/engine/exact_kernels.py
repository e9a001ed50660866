"""Kernels of the exact method: a sequence of shared affine maps applied to many devices.

When every parameter is a scalar, the exact map ``x <- Phi_k x + psi_k`` of each constant-voltage
interval ``k`` is the same for all devices, so the rates are computed once per segment and the
update is memory-bound (DESIGN.md, Performance notes). The numba kernel is cache-blocked: a block
of :data:`BLOCK` devices (a few hundred kB of state) goes through all K maps while it sits in
cache, and blocks run in parallel. Without numba the same result comes from a numpy loop.
"""

from __future__ import annotations

import numpy as np

from nanoionic._core.threads import threads_for

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
    if not HAVE_NUMBA:  # pragma: no cover
        _maps_numpy(state, phi_seq, psi_seq, slot, out)
        return out
    with threads_for(n * n_maps):
        for i0, i1, diagonal in state_blocks(np.any(phi_seq != 0.0, axis=0)):
            rows = slice(i0, i1)
            if diagonal:
                d = np.arange(i0, i1)
                _maps_diagonal(state[rows], np.ascontiguousarray(phi_seq[:, d, d]),
                               np.ascontiguousarray(psi_seq[:, rows]), slot, out[:, rows])
            else:
                kernel = _KERNELS.get(i1 - i0, _maps_general)
                kernel(state[rows], np.ascontiguousarray(phi_seq[:, rows, rows]),
                       np.ascontiguousarray(psi_seq[:, rows]), slot, out[:, rows])
    return out


def state_blocks(coupling: np.ndarray) -> list[tuple[int, int, bool]]:
    """Split the states into contiguous blocks that no map couples: (first, end, diagonal).

    ``coupling[i, j]`` is True where some map has Phi[i, j] != 0. Consecutive single states that
    only map onto themselves are merged into one diagonal block, so e.g. three coupled
    populations followed by four independent occupancies give [(0, 3, False), (3, 7, True)].
    A fully coupled state gives one block.
    """
    n_s = coupling.shape[0]
    linked = coupling | coupling.T
    blocks: list[tuple[int, int, bool]] = []
    i0 = 0
    for k in range(1, n_s + 1):
        if k == n_s or not (linked[:k, k:].any()):
            if k - i0 == 1 and blocks and blocks[-1][2] and blocks[-1][1] == i0:
                blocks[-1] = (blocks[-1][0], k, True)
            else:
                blocks.append((i0, k, k - i0 == 1))
            i0 = k
    if n_s == 1:  # a 1-state model keeps its own kernel
        blocks = [(0, 1, False)]
    return blocks


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

    @numba.njit(parallel=True, cache=True, fastmath=False)
    def _maps_diagonal(state, a, c, slot, out):  # pragma: no cover - compiled
        n_s, n = state.shape
        for b in prange((n + BLOCK - 1) // BLOCK):
            j0 = b * BLOCK
            j1 = min(n, j0 + BLOCK)
            for k in range(a.shape[0]):
                for i in range(n_s):
                    ai = a[k, i]
                    ci = c[k, i]
                    for j in range(j0, j1):
                        state[i, j] = ai * state[i, j] + ci
                s = slot[k]
                if s >= 0:
                    for i in range(n_s):
                        for j in range(j0, j1):
                            out[s, i, j] = state[i, j]

    _KERNELS = {1: _maps_1, 2: _maps_2, 3: _maps_3}


# --------------------------------------------------------------------------- per-device maps

BLOCK_PER_DEVICE = 512
"""Devices per cache block of the per-device kernel (its slice of the map table stays in L2)."""


def apply_affine_maps_per_device(state: np.ndarray, phi_tab: np.ndarray, psi_tab: np.ndarray,
                                 seq, out_index, out: np.ndarray | None = None,
                                 offset: int = 0) -> np.ndarray:
    """Apply a sequence of per-device affine maps, drawn from a table of distinct maps.

    Parameters
    ----------
    state : (n_states, n) float64, C-contiguous; devices ``offset … offset+m-1`` are updated in
        place (m = the table's device count).
    phi_tab : (U, n_states, n_states, m) the U distinct maps' matrices, one per device.
    psi_tab : (U, n_states, m) their offsets.
    seq : (K,) table index of each map, applied in order k = 0 … K-1.
    out_index : increasing positions k after which the state is saved.
    out : optional (len(out_index), n_states, n) array receiving the saved states (columns
        ``offset … offset+m-1`` are written); allocated if None.
    offset : first device of ``state`` / ``out`` the table refers to.

    Returns
    -------
    out
    """
    if state.dtype != np.float64 or not state.flags.c_contiguous:
        raise ValueError("state must be a C-contiguous float64 array")
    n_s, n = state.shape
    phi_tab = np.ascontiguousarray(phi_tab, dtype=np.float64)
    psi_tab = np.ascontiguousarray(psi_tab, dtype=np.float64)
    n_u, m = phi_tab.shape[0], phi_tab.shape[-1]
    if phi_tab.shape != (n_u, n_s, n_s, m) or psi_tab.shape != (n_u, n_s, m):
        raise ValueError("phi_tab / psi_tab must be shaped (U, ns, ns, m) / (U, ns, m)")
    if offset < 0 or offset + m > n:
        raise ValueError("the table's devices must lie within the state")
    seq = np.ascontiguousarray(seq, dtype=np.int64).reshape(-1)
    if seq.size and (seq.min() < 0 or seq.max() >= n_u):
        raise ValueError("seq must index the table")
    out_index = np.asarray(out_index, dtype=np.int64).reshape(-1)
    n_maps = seq.size
    if out_index.size and (np.any(np.diff(out_index) <= 0) or out_index[0] < 0
                           or out_index[-1] >= n_maps):
        raise ValueError("out_index must be increasing map indices in [0, K)")
    if out is None:
        out = np.empty((out_index.size, n_s, n))
    elif out.shape != (out_index.size, n_s, n) or not out.flags.c_contiguous:
        raise ValueError("out must be a C-contiguous (len(out_index), ns, n) array")
    slot = np.full(n_maps, -1, dtype=np.int64)
    slot[out_index] = np.arange(out_index.size)
    if n_maps == 0 or m == 0:
        return out
    if HAVE_NUMBA:
        with threads_for(m * n_maps):
            for i0, i1, diagonal in state_blocks(np.any(phi_tab != 0.0, axis=(0, 3))):
                rows = slice(i0, i1)
                if diagonal:
                    d = np.arange(i0, i1)
                    _pd_diagonal(state[rows], np.ascontiguousarray(phi_tab[:, d, d]),
                                 np.ascontiguousarray(psi_tab[:, rows]), seq, slot, out[:, rows], offset)
                else:
                    kernel = _pd_3 if i1 - i0 == 3 else _pd_general
                    kernel(state[rows], np.ascontiguousarray(phi_tab[:, rows, rows]),
                           np.ascontiguousarray(psi_tab[:, rows]), seq, slot, out[:, rows], offset)
    else:  # pragma: no cover
        sl = slice(offset, offset + m)
        for k in range(n_maps):
            u = seq[k]
            state[:, sl] = np.einsum("ijn,jn->in", phi_tab[u], state[:, sl]) + psi_tab[u]
            if slot[k] >= 0:
                out[slot[k], :, sl] = state[:, sl]
    return out


if HAVE_NUMBA:

    @numba.njit(parallel=True, cache=True, fastmath=False)
    def _pd_3(state, phi, psi, seq, slot, out, offset):  # pragma: no cover - compiled
        m = phi.shape[3]
        bs = BLOCK_PER_DEVICE
        for b in prange((m + bs - 1) // bs):
            j0 = b * bs
            j1 = min(m, j0 + bs)
            for k in range(seq.shape[0]):
                u = seq[k]
                for j in range(j0, j1):
                    g = j + offset
                    x0 = state[0, g]
                    x1 = state[1, g]
                    x2 = state[2, g]
                    state[0, g] = phi[u, 0, 0, j] * x0 + phi[u, 0, 1, j] * x1 + phi[u, 0, 2, j] * x2 + psi[u, 0, j]
                    state[1, g] = phi[u, 1, 0, j] * x0 + phi[u, 1, 1, j] * x1 + phi[u, 1, 2, j] * x2 + psi[u, 1, j]
                    state[2, g] = phi[u, 2, 0, j] * x0 + phi[u, 2, 1, j] * x1 + phi[u, 2, 2, j] * x2 + psi[u, 2, j]
                s = slot[k]
                if s >= 0:
                    for i in range(3):
                        for j in range(j0, j1):
                            out[s, i, j + offset] = state[i, j + offset]

    @numba.njit(parallel=True, cache=True, fastmath=False)
    def _pd_general(state, phi, psi, seq, slot, out, offset):  # pragma: no cover - compiled
        n_s = state.shape[0]
        m = phi.shape[3]
        bs = BLOCK_PER_DEVICE
        for b in prange((m + bs - 1) // bs):
            j0 = b * bs
            j1 = min(m, j0 + bs)
            buf = np.empty((n_s, j1 - j0))
            for k in range(seq.shape[0]):
                u = seq[k]
                for i in range(n_s):
                    for j in range(j0, j1):
                        acc = psi[u, i, j]
                        for q in range(n_s):
                            acc += phi[u, i, q, j] * state[q, j + offset]
                        buf[i, j - j0] = acc
                for i in range(n_s):
                    for j in range(j0, j1):
                        state[i, j + offset] = buf[i, j - j0]
                s = slot[k]
                if s >= 0:
                    for i in range(n_s):
                        for j in range(j0, j1):
                            out[s, i, j + offset] = state[i, j + offset]

    @numba.njit(parallel=True, cache=True, fastmath=False)
    def _pd_diagonal(state, a, c, seq, slot, out, offset):  # pragma: no cover - compiled
        n_s = state.shape[0]
        m = a.shape[2]
        bs = BLOCK_PER_DEVICE
        for b in prange((m + bs - 1) // bs):
            j0 = b * bs
            j1 = min(m, j0 + bs)
            for k in range(seq.shape[0]):
                u = seq[k]
                for i in range(n_s):
                    for j in range(j0, j1):
                        state[i, j + offset] = a[u, i, j] * state[i, j + offset] + c[u, i, j]
                s = slot[k]
                if s >= 0:
                    for i in range(n_s):
                        for j in range(j0, j1):
                            out[s, i, j + offset] = state[i, j + offset]
