"""Batched matrix exponentials of many small matrices (one per device), compiled with numba.

The exact method with per-device parameters needs, for every distinct constant-voltage interval,
the affine map of every device: with dx/dt = A x + b over dt,

    exp([[A·dt, b·dt], [0, 0]]) = [[Phi, psi], [0, 1]],    x(t + dt) = Phi x(t) + psi.

``scipy.linalg.expm`` on an (n, 4, 4) stack costs several µs per matrix in Python-level loops;
this module evaluates the same scaling-and-squaring algorithm with the diagonal Padé approximants
of degree 3, 5, 7, 9 or 13 of Higham [N. J. Higham, "The scaling and squaring method for the
matrix exponential revisited", SIAM J. Matrix Anal. Appl. 26, 1179 (2005), Algorithm 2.3] in a
compiled loop over devices (parallel over blocks of devices). The degree and the number of
squarings are chosen per matrix from its 1-norm, so stiff matrices (norms up to ~1e17 here) get
~55 squarings; backward error is at the unit-roundoff level as in Higham's analysis.

Without numba the functions fall back to ``scipy.linalg.expm``.
"""

from __future__ import annotations

import math

import numpy as np

try:  # pragma: no cover - exercised only where numba is missing
    import numba
    from numba import prange

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover
    HAVE_NUMBA = False

BLOCK = 256
"""Matrices per parallel work item."""

_THETA = np.array([1.495585217958292e-2, 2.539398330063230e-1, 9.504178996162932e-1,
                   2.097847961257068e0, 5.371920351148152e0])
"""Largest 1-norm for which the Padé approximant of degree 3, 5, 7, 9, 13 is accurate to u."""

_PADE = np.zeros((5, 14))
_PADE[0, :4] = [120.0, 60.0, 12.0, 1.0]
_PADE[1, :6] = [30240.0, 15120.0, 3360.0, 420.0, 30.0, 1.0]
_PADE[2, :8] = [17297280.0, 8648640.0, 1995840.0, 277200.0, 25200.0, 1512.0, 56.0, 1.0]
_PADE[3, :10] = [17643225600.0, 8821612800.0, 2075673600.0, 302702400.0, 30270240.0, 2162160.0,
                 110880.0, 3960.0, 90.0, 1.0]
_PADE[4, :] = [64764752532480000.0, 32382376266240000.0, 7771770303897600.0,
               1187353796428800.0, 129060195264000.0, 10559470521600.0, 670442572800.0,
               33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0]


def expm_batched(mats: np.ndarray) -> np.ndarray:
    """exp of each matrix of an (n, M, M) stack (float64), as an (n, M, M) array."""
    mats = np.ascontiguousarray(mats, dtype=np.float64)
    if mats.ndim != 3 or mats.shape[1] != mats.shape[2]:
        raise ValueError("mats must be shaped (n, M, M)")
    if not HAVE_NUMBA:  # pragma: no cover
        import scipy.linalg
        return scipy.linalg.expm(mats)
    out = np.empty_like(mats)
    _expm_stack(mats, out)
    return out


def expm_affine(a: np.ndarray, b: np.ndarray, dt, phi_out: np.ndarray | None = None,
                psi_out: np.ndarray | None = None):
    """Exact affine maps of dx/dt = A x + b over dt for a batch of devices.

    Parameters
    ----------
    a : (m, m, n) generators A [1/s], device axis last.
    b : (m, n) offsets b [1/s].
    dt : scalar or (n,) interval durations [s].
    phi_out, psi_out : optional C-contiguous float64 outputs shaped (m, m, n) and (m, n) (may be
        views into a larger table, as long as they are contiguous).

    Returns
    -------
    (Phi (m, m, n), psi (m, n)) with exp([[A dt, b dt], [0, 0]]) = [[Phi, psi], [0, 1]].
    """
    a = np.ascontiguousarray(a, dtype=np.float64)
    b = np.ascontiguousarray(b, dtype=np.float64)
    m, _, n = a.shape
    dt = np.ascontiguousarray(np.broadcast_to(np.asarray(dt, dtype=np.float64), (n,)))
    if phi_out is None:
        phi_out = np.empty((m, m, n))
    if psi_out is None:
        psi_out = np.empty((m, n))
    if not HAVE_NUMBA:  # pragma: no cover
        import scipy.linalg
        aug = np.zeros((n, m + 1, m + 1))
        aug[:, :m, :m] = np.moveaxis(a, -1, 0) * dt[:, None, None]
        aug[:, :m, m] = b.T * dt[:, None]
        e = scipy.linalg.expm(aug)
        phi_out[...] = np.moveaxis(e[:, :m, :m], 0, -1)
        psi_out[...] = e[:, :m, m].T
        return phi_out, psi_out
    _expm_affine(a, b, dt, phi_out, psi_out)
    return phi_out, psi_out


if HAVE_NUMBA:

    @numba.njit(cache=True, fastmath=False, inline="always")
    def _matmul(x, y, out):  # pragma: no cover - compiled
        mm = x.shape[0]
        for i in range(mm):
            for j in range(mm):
                acc = 0.0
                for k in range(mm):
                    acc += x[i, k] * y[k, j]
                out[i, j] = acc

    @numba.njit(cache=True, fastmath=False)
    def _expm_one(x, w, out):  # pragma: no cover - compiled
        """exp(x) into out; x (M, M) is overwritten; w (8, M, M) scratch."""
        mm = x.shape[0]
        norm = 0.0
        for j in range(mm):
            col = 0.0
            for i in range(mm):
                col += abs(x[i, j])
            if col > norm:
                norm = col
        if not (norm < math.inf):
            for i in range(mm):
                for j in range(mm):
                    out[i, j] = math.nan
            return
        deg = 4
        for d in range(4):
            if norm <= _THETA[d]:
                deg = d
                break
        s = 0
        if deg == 4 and norm > _THETA[4]:
            s = int(math.ceil(math.log2(norm / _THETA[4])))
            scale = 2.0 ** (-s)
            for i in range(mm):
                for j in range(mm):
                    x[i, j] *= scale
        a2, a4, a6, u, v, t, q = w[0], w[1], w[2], w[3], w[4], w[5], w[6]
        c = _PADE[deg]
        _matmul(x, x, a2)
        if deg >= 1:
            _matmul(a2, a2, a4)
        if deg >= 2:
            _matmul(a4, a2, a6)
        if deg == 4:
            for i in range(mm):
                for j in range(mm):
                    t[i, j] = c[13] * a6[i, j] + c[11] * a4[i, j] + c[9] * a2[i, j]
                    q[i, j] = c[12] * a6[i, j] + c[10] * a4[i, j] + c[8] * a2[i, j]
            _matmul(a6, t, u)
            _matmul(a6, q, v)
            for i in range(mm):
                for j in range(mm):
                    u[i, j] += c[7] * a6[i, j] + c[5] * a4[i, j] + c[3] * a2[i, j]
                    v[i, j] += c[6] * a6[i, j] + c[4] * a4[i, j] + c[2] * a2[i, j]
                u[i, i] += c[1]
                v[i, i] += c[0]
        else:
            top = 2 * deg + 3  # degree 3, 5, 7, 9
            a8 = w[7]
            if deg == 3:
                _matmul(a4, a4, a8)
            for i in range(mm):
                for j in range(mm):
                    uu = c[3] * a2[i, j]
                    vv = c[2] * a2[i, j]
                    if top >= 5:
                        uu += c[5] * a4[i, j]
                        vv += c[4] * a4[i, j]
                    if top >= 7:
                        uu += c[7] * a6[i, j]
                        vv += c[6] * a6[i, j]
                    if top >= 9:
                        uu += c[9] * a8[i, j]
                        vv += c[8] * a8[i, j]
                    t[i, j] = uu
                    v[i, j] = vv
                t[i, i] += c[1]
                v[i, i] += c[0]
        _matmul(x, t if deg < 4 else u, q)  # q = U
        for i in range(mm):
            for j in range(mm):
                uu = q[i, j]
                vv = v[i, j]
                out[i, j] = vv + uu  # P
                t[i, j] = vv - uu  # Q
        _solve_inplace(t, out, w[7])
        for _ in range(s):
            _matmul(out, out, a2)
            for i in range(mm):
                for j in range(mm):
                    out[i, j] = a2[i, j]

    @numba.njit(cache=True, fastmath=False, inline="always")
    def _solve_inplace(qm, rhs, tmp):  # pragma: no cover - compiled
        """rhs <- qm^-1 rhs by LU with partial pivoting (qm is destroyed)."""
        mm = qm.shape[0]
        for k in range(mm):
            p = k
            big = abs(qm[k, k])
            for i in range(k + 1, mm):
                if abs(qm[i, k]) > big:
                    big = abs(qm[i, k])
                    p = i
            if p != k:
                for j in range(mm):
                    tq = qm[k, j]
                    qm[k, j] = qm[p, j]
                    qm[p, j] = tq
                    tr = rhs[k, j]
                    rhs[k, j] = rhs[p, j]
                    rhs[p, j] = tr
            piv = qm[k, k]
            for i in range(k + 1, mm):
                f = qm[i, k] / piv
                if f != 0.0:
                    for j in range(k + 1, mm):
                        qm[i, j] -= f * qm[k, j]
                    for j in range(mm):
                        rhs[i, j] -= f * rhs[k, j]
        for k in range(mm - 1, -1, -1):
            piv = qm[k, k]
            for j in range(mm):
                acc = rhs[k, j]
                for i in range(k + 1, mm):
                    acc -= qm[k, i] * rhs[i, j]
                rhs[k, j] = acc / piv

    @numba.njit(parallel=True, cache=True, fastmath=False)
    def _expm_stack(mats, out):  # pragma: no cover - compiled
        n, mm, _ = mats.shape
        for blk in prange((n + BLOCK - 1) // BLOCK):
            w = np.empty((8, mm, mm))
            x = np.empty((mm, mm))
            for d in range(blk * BLOCK, min(n, (blk + 1) * BLOCK)):
                for i in range(mm):
                    for j in range(mm):
                        x[i, j] = mats[d, i, j]
                _expm_one(x, w, out[d])

    @numba.njit(parallel=True, cache=True, fastmath=False)
    def _expm_affine(a, b, dt, phi, psi):  # pragma: no cover - compiled
        m = a.shape[0]
        n = a.shape[2]
        mm = m + 1
        for blk in prange((n + BLOCK - 1) // BLOCK):
            w = np.empty((8, mm, mm))
            x = np.empty((mm, mm))
            e = np.empty((mm, mm))
            for d in range(blk * BLOCK, min(n, (blk + 1) * BLOCK)):
                h = dt[d]
                for i in range(m):
                    for j in range(m):
                        x[i, j] = a[i, j, d] * h
                    x[i, m] = b[i, d] * h
                    x[m, i] = 0.0
                x[m, m] = 0.0
                _expm_one(x, w, e)
                for i in range(m):
                    for j in range(m):
                        phi[i, j, d] = e[i, j]
                    psi[i, d] = e[i, m]
