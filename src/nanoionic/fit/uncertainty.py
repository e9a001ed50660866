"""Standard errors, correlations and identifiability from the Jacobian at the optimum.

For least squares with residuals r (m) and Jacobian J (m × p) in the optimiser's coordinates,
the asymptotic covariance is C = s²·(JᵀJ)⁻¹ with s² = rᵀr/(m − p), the residual variance
[Seber & Wild, *Nonlinear Regression* (Wiley, 1989), §2.1]. Through the SVD J = U·S·Vᵀ,
C = s²·V·S⁻²·Vᵀ. A singular value far below the largest one is a direction in parameter space
that the data do not determine: its right singular vector names the parameters that move
together along it (a degenerate combination). Such parameters get an infinite standard error
rather than the finite, meaningless one a pseudo-inverse would give. The columns of J are
scaled to unit norm before the SVD (Brun et al., Water Res. 35, 1015 (2001), collinearity), so
a parameter in amperes beside one in ln units does not look like a degeneracy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SINGULAR_RATIO = 1e-4
"""A singular value below this fraction of the largest marks an undetermined direction."""
CORRELATION_LIMIT = 0.95
"""|correlation| above this is reported as a strongly correlated pair."""
NULL_COMPONENT = 0.2
"""A parameter takes part in an undetermined direction if its component exceeds this."""


@dataclass
class Identifiability:
    """What the data determine.

    singular_values : of the column-normalised Jacobian, largest first.
    undetermined : names of the parameters in directions with singular value < SINGULAR_RATIO·max.
    directions : each undetermined direction as {name: component} (components > NULL_COMPONENT).
    correlated : (name, name, correlation) pairs with |correlation| > CORRELATION_LIMIT.
    """

    singular_values: np.ndarray
    undetermined: list[str] = field(default_factory=list)
    directions: list[dict[str, float]] = field(default_factory=list)
    correlated: list[tuple[str, str, float]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.undetermined and not self.correlated

    def describe(self) -> str:
        if self.ok:
            return "every free parameter is determined by the data (no near-zero singular value, no |correlation| > 0.95)"
        lines = []
        for d in self.directions:
            combo = " ".join(f"{c:+.2f}·{n}" for n, c in d.items())
            lines.append(f"undetermined combination: {combo}")
        for a, b, rho in self.correlated:
            lines.append(f"correlated: {a} and {b} (ρ = {rho:+.3f})")
        return "\n".join(lines)


@dataclass(frozen=True)
class Block:
    """Rows of the residual vector that belong to one trace: ``n`` samples, ``parts`` residual
    rows per sample (2 for the mix loss: linear then log, each a contiguous run of n rows), of
    which ``n_used`` have a non-zero weight."""

    n: int
    parts: int
    n_used: int


def covariance(jac: np.ndarray, residuals: np.ndarray, names: list[str],
               blocks: list[Block] | None = None, known_scale: bool = False) -> tuple[np.ndarray, Identifiability]:
    """Covariance (p × p, optimiser coordinates; inf on undetermined parameters) and the report.

    Without ``blocks`` every residual is one sample of one variance: C = s²·(JᵀJ)⁻¹ with
    s² = rᵀr/(m − p). With ``blocks`` (one per trace) each trace has its own residual variance,
    and the two residuals of a sample under the mix loss their covariance, estimated from the
    trace's residuals over its samples with non-zero weight (degrees of freedom shared out in
    proportion): C = B⁻¹·(Σ_traces Σ_parts Σ_pq·J_pᵀJ_q)·B⁻¹ with B = JᵀJ (the sandwich form of
    weighted least squares with known weights [Seber & Wild, §2.1.4]); for one trace with one part
    it is the formula above. With ``known_scale`` the residuals are already divided by their
    standard deviations (targets with stated tolerances): C = (JᵀJ)⁻¹. Directions that the data do not determine (singular values below
    SINGULAR_RATIO of the largest, and the p − m directions when there are fewer residuals than
    parameters) make their parameters' variances infinite.
    """
    m, p = jac.shape
    norms = np.linalg.norm(jac, axis=0)
    norms = np.where(norms > 0, norms, 1.0)
    _, sv, vt = np.linalg.svd(jac / norms, full_matrices=True)  # columns scaled: units do not matter
    sv = np.concatenate([sv, np.zeros(p - sv.size)])  # fewer residuals than parameters: zero directions
    smax = sv[0] if sv.size and sv[0] > 0 else 1.0
    weak = sv < SINGULAR_RATIO * smax
    strong = ~weak
    b_inv = ((vt[strong].T / sv[strong] ** 2) @ vt[strong]) / np.outer(norms, norms)  # (JᵀJ)⁺
    cov = b_inv if known_scale else b_inv @ _meat(jac, residuals, blocks, p) @ b_inv
    report = Identifiability(singular_values=sv)
    involved = np.zeros(p, dtype=bool)
    for k in np.flatnonzero(weak):
        part = np.abs(vt[k]) > NULL_COMPONENT
        involved |= part
        report.directions.append({names[i]: float(vt[k, i]) for i in np.flatnonzero(part)})
    report.undetermined = [names[i] for i in np.flatnonzero(involved)]
    cov[involved, :] = np.inf
    cov[:, involved] = np.inf
    corr = correlation(cov)
    for i in range(p):
        for j in range(i + 1, p):
            if np.isfinite(corr[i, j]) and abs(corr[i, j]) > CORRELATION_LIMIT:
                report.correlated.append((names[i], names[j], float(corr[i, j])))
    return cov, report


def _meat(jac: np.ndarray, residuals: np.ndarray, blocks: list[Block] | None, p: int) -> np.ndarray:
    """Σ over traces of Σ_pq Σ_pq·J_pᵀJ_q (the middle of the sandwich)."""
    m = jac.shape[0]
    if blocks is None:
        blocks = [Block(m, 1, m)]
    if sum(b.n * b.parts for b in blocks) != m:
        raise ValueError("covariance: the blocks do not add up to the residual rows")
    used = sum(b.n_used for b in blocks)
    meat = np.zeros((p, p))
    row = 0
    for b in blocks:
        r = residuals[row:row + b.n * b.parts].reshape(b.parts, b.n)
        j = jac[row:row + b.n * b.parts].reshape(b.parts, b.n, p)
        dof = max(b.n_used - p * b.n_used / max(used, 1), 1.0)
        sigma = (r @ r.T) / dof  # (parts, parts) residual covariance of this trace
        for a in range(b.parts):
            for c in range(b.parts):
                meat += sigma[a, c] * (j[a].T @ j[c])
        row += b.n * b.parts
    return meat


def correlation(cov: np.ndarray) -> np.ndarray:
    """Correlation matrix of a covariance (NaN where a variance is infinite)."""
    sd = np.sqrt(np.diag(cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(sd, sd)
    corr[~np.isfinite(corr)] = np.nan
    np.fill_diagonal(corr, 1.0)
    return corr
