"""Random filament formation: where the filament nucleates and how long a gap it must bridge,
with a confinement that concentrates the field at a defined site and restricts the ion path
(review Sec. 4, Figs. 11–12).

Picture: without confinement a filament nucleates at whichever of many random sites (surface
roughness, grain boundaries) concentrates the field most, and re-forms along a random path each
cycle, so the tip field enhancement β and the residual gap both scatter from cycle to cycle and
device to device (review Sec. 4, refs. 84, 92). Confinement c ∈ [0, 1] does two things, as the
review's examples do: it concentrates the field at one defined site (Cu nanocrystals, SiOx
nanodots, a graphene edge, Fig. 11: β_d = β0·(1 + c·(κ - 1))), and it restricts the migration
path (graphene nanopores, dislocations, Fig. 12: each random site stays open only with
probability 1 - c). The filament forms at the open site with the largest β; along a random path
the gap scatters by σ_g, along the defined path only by the site's own spread σ_s (its
size/shape from device to device; Choi et al., Nat. Mater. 17, 335 (2018), Fig. 12g: the etch
time sets the dislocation size). Distribution forms (log-normal roughness, maximum over sites)
are illustrative choices, not fitted.
"""

from __future__ import annotations

import numpy as np


def formation_draws(rng: np.random.Generator, n: int, *, confinement: float, n_sites: int, roughness: float,
                    base_enhancement: float, site_gain: float, gap: float, gap_spread: float,
                    site_spread: float) -> dict[str, np.ndarray]:
    """Per-formation draws of the tip enhancement β [1] and the residual gap [m].

    Parameters
    ----------
    rng : numpy Generator (the only source of randomness; same state → same draws).
    n : number of formations (devices, or cycles of one device).
    confinement : c ∈ [0, 1].
    n_sites : random nucleation sites per device (≥ 1).
    roughness : σ_r, log-normal spread of a random site's β [1].
    base_enhancement : β0, median β of a random site [1].
    site_gain : κ, β of the defined site at full confinement over β0 [1].
    gap : median residual gap [m].
    gap_spread : σ_g, log-normal spread of the gap along a random path [1].
    site_spread : σ_s, log-normal spread of the defined site's β and gap [1].

    Returns
    -------
    dict with ``tip_enhancement`` (n,), ``initial_gap`` (n,) [m] and ``defined_site`` (n,) bool
    (True where the filament formed at the defined site).
    """
    c = float(confinement)
    beta_random = base_enhancement * np.exp(roughness * rng.standard_normal((n, n_sites)))
    open_site = rng.random((n, n_sites)) >= c
    beta_random = np.where(open_site, beta_random, 0.0).max(axis=1)
    beta_defined = base_enhancement * (1.0 + c * (site_gain - 1.0)) * np.exp(site_spread * rng.standard_normal(n))
    defined = beta_defined >= beta_random
    path = np.where(defined, site_spread, gap_spread) * rng.standard_normal(n)
    return {"tip_enhancement": np.where(defined, beta_defined, beta_random),
            "initial_gap": gap * np.exp(path), "defined_site": defined}
