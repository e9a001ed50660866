"""Fields in a dielectric stack under an applied voltage."""

from __future__ import annotations


def bilayer_fields(voltage, d1, eps1, d2, eps2):
    """Fields [V/m] in two series dielectric layers under ``voltage`` [V].

    Continuity of the displacement field (ε1·E1 = ε2·E2) and E1·d1 + E2·d2 = V give
    E1 = V / (d1 + d2·ε1/ε2) and E2 = E1·ε1/ε2.

    Parameters
    ----------
    voltage : applied voltage [V].
    d1, d2 : layer thicknesses [m].
    eps1, eps2 : relative permittivities [1].
    """
    e1 = voltage / (d1 + d2 * eps1 / eps2)
    return e1, e1 * eps1 / eps2
