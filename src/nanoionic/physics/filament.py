"""Filaments: tunnelling gaps, metallic crossover, ion drift in the gap, growth direction,
current compliance and quantised point contacts (review Sec. 2.1, 2.2, 5.1).

Every function is vectorised (numpy broadcasting) and finite for any finite input.
"""

from __future__ import annotations

import numpy as np

from nanoionic._core.units import G0, Q_E
from nanoionic.physics.hopping import log_hopping_rate


def tunnel_gap_conductance(gap, contact_conductance, decay_length):
    """Conductance of a tunnelling gap between a filament tip and an electrode [S]:
    G = G_c·exp(-gap/λ).

    Low-bias limit of Simmons' formula (J. Appl. Phys. 34, 1793 (1963), Eq. 20 with the
    prefactor lumped into G_c): λ = ħ/(2·sqrt(2·m·φ)) is ~0.1 nm for φ ≈ 4 eV, larger (0.2–0.3 nm)
    for the lowered effective barriers used by gap-type ECM/VCM compact models (Menzel et al.,
    Phys. Chem. Chem. Phys. 15, 6945 (2013), Eq. 19; Yu & Wong, IEEE TED 58, 1352 (2011)).

    Parameters
    ----------
    gap : tip–electrode distance [m], ≥ 0 (negative values are taken as 0: a closed contact).
    contact_conductance : G_c, the conductance of a closed contact [S].
    decay_length : λ [m].
    """
    g = np.maximum(np.asarray(gap, dtype=float), 0.0)
    return contact_conductance * np.exp(-g / decay_length)


def drift_velocity(field, hop_distance, barrier, temperature, attempt_frequency):
    """Net drift velocity of ions hopping in a field [m/s] (Mott & Gurney, "Electronic
    Processes in Ionic Crystals" (1940); as in Menzel 2013, Eq. 13):

        v = a·ν·[exp(-(E_a - q·a·E/2)/k_B T) - exp(-(E_a + q·a·E/2)/k_B T)]
          = 2·a·ν·exp(-E_a/k_B T)·sinh(q·a·E/(2·k_B T))

    for monovalent ions (Ag+, Cu+); each direction saturates smoothly at a·ν (a barrier cannot
    fall below zero, ``physics.hopping.log_hopping_rate``), so any field gives a finite velocity.
    Signed like the field.

    Parameters
    ----------
    field : electric field [V/m] (signed).
    hop_distance : a [m].
    barrier : E_a [J].
    temperature : T [K].
    attempt_frequency : ν [Hz].
    """
    work = 0.5 * Q_E * hop_distance * np.asarray(field, dtype=float)
    forward = np.exp(log_hopping_rate(barrier, work, temperature, attempt_frequency))
    backward = np.exp(log_hopping_rate(barrier, -work, temperature, attempt_frequency))
    return hop_distance * (forward - backward)


def cathode_growth_share(reduction_rate, gap, velocity):
    """Fraction of arriving ions that reach the cathode (or the tip of a filament grown from it)
    before they are reduced [1]: p_c = 1/(1 + Da), Da = k_red·gap/|v|.

    Da is the Damköhler number of the gap: reduction rate over transit rate. Da ≪ 1 (mobile
    ions, slow redox) → ions nucleate at the cathode and the filament grows from the cathode
    towards the anode; Da ≫ 1 (slow ions, fast reduction) → ions are reduced inside the
    dielectric close to the anode and the filament grows from the anode. Regimes after Yang,
    Gao, Li, Lu et al., Nat. Commun. 5, 4232 (2014) (review Sec. 2.1, Fig. 1); the 1/(1 + Da)
    form is the survival probability of a first-order reaction during transit, simplified to a
    rational function (illustrative).

    Parameters
    ----------
    reduction_rate : k_red [1/s].
    gap : transit distance [m].
    velocity : ion drift velocity [m/s].
    """
    transit = np.abs(np.asarray(velocity, dtype=float)) / np.maximum(np.asarray(gap, dtype=float), 1e-15)
    return transit / (transit + np.asarray(reduction_rate, dtype=float))


def compliance_factor(current, compliance, sharpness: float = 4.0):
    """Factor c ∈ (0, 1] that limits a current to a compliance I_cc [1]:
    c = (1 + (|I|/I_cc)^m)^(-1/m), so that |I|·c < I_cc and I·c → I_cc smoothly.

    A source-measure unit in compliance lowers the device voltage until I ≤ I_cc; the device
    then sees V·c. ``sharpness`` m sets how sharp the corner is (m = 4: within 16 % of the hard
    limit at I = I_cc, within 0.4 % at 2·I_cc). Illustrative smooth form (a hard min() would give
    the engine a kink).

    Parameters
    ----------
    current : unlimited current [A].
    compliance : I_cc [A], > 0.
    """
    r = np.minimum(np.abs(np.asarray(current, dtype=float)) / compliance, 1e30)
    return np.exp(-np.log1p(np.exp(sharpness * np.log(np.maximum(r, 1e-300)))) / sharpness)


def mott_crossover(density, critical_density, width):
    """Weight of metallic conduction w ∈ (0, 1) at defect density n [1]: a logistic in ln(n/n_c)
    of ``width`` (in ln units). Mott criterion: defect wavefunctions overlap and conduction turns
    metallic at n_c^(1/3)·a_B ≈ 0.26 (Mott, "Metal–Insulator Transitions" (1990)); for oxygen
    vacancies in TaOx the review (Sec. 2.2, refs. 42–43) gives n_c ≈ 5e20 cm⁻³.

    Parameters
    ----------
    density : n [m⁻³], ≥ 0.
    critical_density : n_c [m⁻³].
    width : transition width in ln(n/n_c) [1].
    """
    x = (np.log(np.maximum(np.asarray(density, dtype=float), 1e-300)) - np.log(critical_density)) / width
    return 0.5 * (1.0 + np.tanh(0.5 * np.clip(x, -700.0, 700.0)))


def hopping_conductance(density, critical_density, conductance_at_critical, localisation_length):
    """Defect-to-defect tunnelling (hopping) conductance [S]: G = G_c·exp(-2·(R - R_c)/ξ) with
    R = n^(-1/3) the mean defect spacing and R_c = n_c^(-1/3) (Miller & Abrahams, Phys. Rev. 120,
    745 (1960): hop rate ∝ exp(-2R/ξ)); equals G_c at the Mott density.

    Parameters
    ----------
    density : n [m⁻³], ≥ 0 (0 gives G = 0).
    critical_density : n_c [m⁻³].
    conductance_at_critical : G_c [S].
    localisation_length : ξ [m].
    """
    n = np.maximum(np.asarray(density, dtype=float), 0.0)
    spacing = np.where(n > 0, np.cbrt(np.maximum(n, 1e-300)), 1e-300) ** -1.0
    exponent = -2.0 * (np.minimum(spacing, 1e3) - critical_density ** (-1.0 / 3.0)) / localisation_length
    return conductance_at_critical * np.exp(np.minimum(exponent, 700.0))


def quantised_staircase(atoms, step, width, n_steps: int):
    """Conductance of an atomic point contact [S]: G = step·G0·Σ_{k=1..N} σ((n - k + 1/2)/w), a
    smooth staircase whose plateaus n ∈ (k - 1/2 + 3w, k + 1/2 - 3w) sit within ~e^(-1/(2w))
    of k·step·G0.

    Each atom added to the narrowest cross-section opens one conduction channel: G = n·G0,
    G0 = 2e²/h (Landauer; van Wees et al., PRL 60, 848 (1988)); in resistive-switching filaments
    integer and half-integer multiples are observed (review Sec. 5.1, Fig. 13b; Zhu et al.,
    Adv. Mater. 24, 3941 (2012)), hence ``step`` = 1 or 1/2. Steps centred at half-integer atom
    counts, so an integer count sits mid-plateau.

    Parameters
    ----------
    atoms : n, atom count at the constriction (continuous) [1].
    step : conductance per channel [G0].
    width : w, smoothing of each step [atoms].
    n_steps : N, largest number of channels.
    """
    n = np.asarray(atoms, dtype=float)
    k = np.arange(1, n_steps + 1).reshape((-1,) + (1,) * n.ndim)
    x = np.clip((n - k + 0.5) / width, -700.0, 700.0)
    return step * G0 * (0.5 * (1.0 + np.tanh(0.5 * x))).sum(axis=0)
