"""First-order kinetics of conserved populations (compartment models): exact interval maps.

For a generator Q (columns sum to zero; dp/dt = Q·p) the interval map is P = exp(Q·dt), a
column-stochastic matrix. Plain scaling and squaring of exp(Q·dt) loses the slow rates when Q is
stiff: at the scaled step the diagonal 1 - k·h rounds to 1 once k·h < 1e-16, so a 10 V pulse with
rates from 1e-4 to 1e13 /s carries relative errors ~1e-5 (checked against 60-digit mpmath). Here
the squaring acts on F = P - I instead (F(2h) = 2F + F·F): every small transfer probability is
stored in its own entry, never as a difference from 1, and the result is accurate to round-off in
absolute terms [Higham, "Functions of Matrices" (2008), §10.3; the same device as expm1].
"""

from __future__ import annotations

import numpy as np

from nanoionic._core.threads import threads_for

try:  # compiled per-matrix loop; the numpy path below gives the same numbers
    import numba
except ImportError:  # pragma: no cover
    numba = None

TAYLOR_THETA = 0.25
"""Largest ‖Q·h‖₁ at which the degree-``TAYLOR_DEGREE`` Taylor series of exp(Q·h) - I is used."""
TAYLOR_DEGREE = 14


def transition_minus_identity(q: np.ndarray, dt) -> np.ndarray:
    """F = exp(Q·dt) - I for a stack of generators q shaped (K, N, N) and dt (K,) or scalar [s].

    Each matrix is scaled by 2^-s until ‖Q·h‖₁ ≤ 0.25, F(h) is summed as a Taylor series
    (degree 14) and squared back with F(2h) = 2F + F·F.
    """
    q = np.asarray(q, dtype=float)
    dt = np.broadcast_to(np.asarray(dt, dtype=float), q.shape[:1])
    qh = np.ascontiguousarray(q * dt[:, None, None])
    norm = np.max(np.sum(np.abs(qh), axis=1), axis=1)
    with np.errstate(divide="ignore"):
        squarings = np.where(norm > TAYLOR_THETA, np.ceil(np.log2(np.maximum(norm, 1e-300) / TAYLOR_THETA)), 0)
    squarings = squarings.astype(np.int64)
    if numba is not None:
        out = np.empty_like(qh)
        with threads_for(qh.shape[0] * 64):
            _f_stack(qh, squarings, out)
        return out
    return _f_stack_numpy(qh, squarings)  # pragma: no cover


def _f_stack_numpy(qh: np.ndarray, squarings: np.ndarray) -> np.ndarray:
    x = qh / (2.0 ** squarings)[:, None, None]
    f = x.copy()
    term = x.copy()
    for k in range(2, TAYLOR_DEGREE + 1):
        term = term @ x / k
        f += term
    for level in range(int(squarings.max(initial=0))):
        active = squarings > level
        fa = f[active]
        f[active] = 2.0 * fa + fa @ fa
    return f


if numba is not None:

    @numba.njit(parallel=True, cache=True)
    def _f_stack(qh, squarings, out):  # pragma: no cover - compiled
        n_mat, m = qh.shape[0], qh.shape[1]
        for k in numba.prange(n_mat):
            scale = 0.5 ** squarings[k]
            x = qh[k] * scale
            f = x.copy()
            term = x.copy()
            tmp = np.empty((m, m))
            for order in range(2, TAYLOR_DEGREE + 1):
                for i in range(m):
                    for j in range(m):
                        acc = 0.0
                        for l in range(m):
                            acc += term[i, l] * x[l, j]
                        tmp[i, j] = acc / order
                term[:, :] = tmp
                f += term
            for _ in range(squarings[k]):
                for i in range(m):
                    for j in range(m):
                        acc = 0.0
                        for l in range(m):
                            acc += f[i, l] * f[l, j]
                        tmp[i, j] = 2.0 * f[i, j] + acc
                f[:, :] = tmp
            out[k] = f


def compartment_affine_maps(q: np.ndarray, dt) -> tuple[np.ndarray, np.ndarray]:
    """Affine maps x' = Phi·x + psi of the first N-1 compartments, the last being 1 - Σx.

    Parameters
    ----------
    q : (K, N, N) generators [1/s]: q[i, j] is the rate from compartment j to i (i ≠ j), the
        diagonal minus the column sums.
    dt : (K,) or scalar interval durations [s].

    Returns
    -------
    Phi (K, N-1, N-1) and psi (K, N-1).
    """
    f = transition_minus_identity(q, dt)
    n = f.shape[1] - 1
    p_xx = f[:, :n, :n] + np.eye(n)
    p_xr = f[:, :n, n]
    return p_xx - p_xr[:, :, None], p_xr.copy()
