"""Poole–Frenkel conduction and Joule heating with a lumped thermal capacitance and conductance
(review Sec. 2.2: threshold switching from Joule heating and Poole–Frenkel conduction)."""

from __future__ import annotations

import numpy as np

from nanoionic._core.units import EPS_0, K_B, Q_E


def poole_frenkel_lowering(voltage, thickness, permittivity):
    """Field lowering of a trap barrier Δφ = sqrt(q·E/(π·ε0·ε_r)) [V] at E = |V|/d
    (Frenkel, Phys. Rev. 54, 647 (1938)).

    Parameters
    ----------
    voltage : voltage across the film [V].
    thickness : d [m].
    permittivity : high-frequency relative permittivity ε_r [1].
    """
    e = np.abs(np.asarray(voltage, dtype=float)) / thickness
    return np.sqrt(Q_E * e / (np.pi * EPS_0 * permittivity))


def poole_frenkel_conductance(voltage, temperature, prefactor, trap_depth, thickness, permittivity):
    """Chord conductance I/V of Poole–Frenkel emission [S]:
    G = G_pf·exp(-q·(φ_B - Δφ(V))/(k_B·T)), Δφ from ``poole_frenkel_lowering``.

    The exponent is floored at zero (the lowering cannot exceed the trap depth: then every trap
    is emptied and G = G_pf), which keeps it finite at any field. As used for NbOx/TaOx threshold
    switches by Slesazeck et al., RSC Adv. 5, 102318 (2015), Eq. 1, and Gibson et al., Appl. Phys.
    Lett. 108, 023505 (2016).

    Parameters
    ----------
    voltage : V [V].
    temperature : T [K].
    prefactor : G_pf [S].
    trap_depth : φ_B [J].
    thickness : d [m].
    permittivity : ε_r [1].
    """
    barrier = np.maximum(trap_depth - Q_E * poole_frenkel_lowering(voltage, thickness, permittivity), 0.0)
    return prefactor * np.exp(-barrier / (K_B * np.asarray(temperature, dtype=float)))


def saturating_heat_target(power, thermal_resistance, max_rise):
    """Steady temperature rise of a lumped thermal node [K]: θ* = P·R_th/(1 + P·R_th/θ_max).

    Newton's law of cooling (θ* = P·R_th) saturating smoothly at θ_max (where a real film melts
    or evaporates), so extreme power gives a finite temperature. Same form as
    ``models.taox_thermal``.
    """
    heat = np.maximum(np.asarray(power, dtype=float), 0.0) * thermal_resistance
    return heat / (1.0 + heat / max_rise)


def thermal_rate(theta, power, thermal_resistance, thermal_time, max_rise):
    """dθ/dt [K/s] of C_th·dθ/dt = P - θ/R_th (τ_th = R_th·C_th), with the saturating target.

    Parameters
    ----------
    theta : temperature rise above ambient [K].
    power : Joule power I·V [W].
    thermal_resistance : R_th [K/W].
    thermal_time : τ_th [s].
    max_rise : θ_max [K].
    """
    return (saturating_heat_target(power, thermal_resistance, max_rise) - theta) / thermal_time


def power_at_rise(theta, thermal_resistance, max_rise):
    """Inverse of ``saturating_heat_target``: the power [W] that holds a steady rise θ [K]."""
    theta = np.asarray(theta, dtype=float)
    return theta / (thermal_resistance * np.maximum(1.0 - theta / max_rise, 1e-300))
