"""Thermally activated, field-lowered ion hopping (Arrhenius / Mott–Gurney).

The SVDP paper (Wang et al., Eq. in the text) writes the escape frequency of an O2- ion from an
M–O site as ``v = v0·exp(-(E_MO - ε·q·a/2)/(k_B·T))``: the applied field ε lowers the barrier by
half the work q·ε·a done over one hop of length a. These functions return such rates, saturating
smoothly at the attempt frequency when the field would push the barrier below zero (a barrier
cannot be negative), so extreme voltages give finite rates.
"""

from __future__ import annotations

import numpy as np

from nanoionic._core.units import K_B


def softplus_barrier(barrier, width):
    """Smooth max(barrier, 0) [J] with rounding ``width`` [J]: stays finite for any input."""
    x = np.asarray(barrier) / width
    return width * (np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x))))


def field_work(charge, hop_distance, field):
    """Barrier lowering q·a·E/2 [J] for charge [C], hop distance [m] and field [V/m]."""
    return 0.5 * charge * hop_distance * field


def log_cosh(x):
    """log(cosh(x)) without overflow."""
    ax = np.abs(x)
    return ax + np.log1p(np.exp(-2.0 * ax)) - np.log(2.0)


def log_hopping_rate(barrier, lowering, temperature, attempt_frequency):
    """Natural log of the hop rate ln(ν·exp(-(E - ΔE)/k_B T)) [ln(1/s)], saturating at ν.

    Parameters
    ----------
    barrier : zero-field barrier E [J].
    lowering : field work ΔE [J] (signed: negative raises the barrier).
    temperature : T [K].
    attempt_frequency : ν [Hz].
    """
    kt = K_B * temperature
    effective = softplus_barrier(np.asarray(barrier) - lowering, kt)
    return np.log(attempt_frequency) - effective / kt


def log_symmetric_hopping_rate(barrier, lowering, temperature, attempt_frequency):
    """ln of the escape rate over a barrier lowered in whichever direction the field points.

    The forward and backward hops sum to ν·exp(-E/kT)·cosh(ΔE/kT) (the factor 2 of the sum is
    absorbed in ν); the effective barrier E - kT·ln cosh(ΔE/kT) is floored smoothly at zero.
    """
    kt = K_B * temperature
    effective = softplus_barrier(np.asarray(barrier) - kt * log_cosh(np.asarray(lowering) / kt), kt)
    return np.log(attempt_frequency) - effective / kt
