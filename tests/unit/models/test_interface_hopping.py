"""Physics checks specific to the SVDP interface-hopping model (models/interface_hopping.py)."""

from __future__ import annotations

import numpy as np
import pytest

from nanoionic.models.interface_hopping import (MAIN, N_IONS, RELEASE_CLASSES, TRAP_CLASSES, InterfaceHoppingModel,
                                                compartment_generator, log_rates, trap_class_rates)
from nanoionic.parameters import load_parameter_set
from nanoionic.physics.trapping import capture_drive

MODEL = InterfaceHoppingModel()
ZN = load_parameter_set("ZnTPP/AlOx").params
NI = load_parameter_set("NiTPP/AlOx").params
MOBILE, COORD, INTERFACE = range(3)
IONS = slice(0, N_IONS)
TRAPS = slice(N_IONS, N_IONS + TRAP_CLASSES)


def _state(mobile, coordinated, interfacial, trapped=0.0, main=0.0):
    """One device's full state (O2- fractions with ``main`` in every main-area class, then every
    trap class at occupancy ``trapped``)."""
    return np.array([[mobile], [coordinated], [interfacial]] + [[main]] * (RELEASE_CLASSES - 1)
                    + [[trapped]] * TRAP_CLASSES)


def _trap_steady_state(v, p):
    """Occupancy u/(u + r_t·e^(-β|V|)) every trap class relaxes to at ``v`` [V]."""
    u = capture_drive(v, p.trap_voltage)
    return u / (u + p.trap_release_ratio * np.exp(-p.trap_hold * abs(v)))


def _rates(v, p):
    """(release, recapture, coordination, dissociation, drift, return) [1/s]."""
    return np.exp(np.array(log_rates(v, p), dtype=float))


def _detailed_balance(v, p):
    """Steady state (m, c, d, main...): the main-area classes only release (recaptured ions rejoin
    the edge), so they end empty; the star network edge <-> m <-> {c, d} balances every link."""
    k1, k2, k3, k4, k5, k6 = _rates(v, p)
    m_over_b = k1 / k2
    rel = np.array([m_over_b, m_over_b * k3 / k4, m_over_b * k5 / k6])
    return np.concatenate([rel / (1.0 + rel.sum()), np.zeros(RELEASE_CLASSES - 1)])


def _doping(x, p):
    """Conduction-weighted O2- content g0 + m + c + w·d (the low-field conductance ∝ this)."""
    return p.residual_fraction + x[MOBILE] + x[COORD] + p.interface_weight * x[INTERFACE]


# ------------------------------------------------------------------ equilibrium

@pytest.mark.parametrize("v", [-10.0, -3.0, 0.0, 3.0, 5.0, 8.0, 10.0])
def test_detailed_balance_is_a_zero_of_the_rates(v):
    x = _state(*_detailed_balance(v, ZN)[:3], trapped=_trap_steady_state(v, ZN))
    r = MODEL.rates(x, v, 0.0, ZN)[:, 0]
    q = compartment_generator(v, ZN)
    scale = np.abs(q).max() * x[IONS].max()  # size of the individual fluxes
    assert np.all(np.abs(r[IONS]) <= 1e-12 * scale), (r, scale)
    trap_scale = trap_class_rates(ZN)[:, 0] * (capture_drive(v, ZN.trap_voltage) + ZN.trap_release_ratio)
    assert np.all(np.abs(r[TRAPS]) <= 1e-12 * trap_scale)
    assert np.all(x >= 0) and x[IONS].sum() <= 1.0  # at +V the ITO-side layer can hold all O2- (b ~ 1e-28)


@pytest.mark.parametrize("v", [-10.0, -3.0, 0.0, 3.0, 5.0, 6.0, 8.0, 10.0, 15.0])
def test_long_segment_reaches_detailed_balance(v):
    """affine_map over 50 slowest relaxation times lands on the equilibrium of the rates.

    Regression guard: an augmented-matrix scipy expm missed it when |A|*dt was huge (mobile
    fraction 5.2e-6 instead of 2.3e-6 at 10 V, 5e-7 instead of 1.6e-9 at 15 V)."""
    star = _star_generator(compartment_generator(v, ZN))
    slowest = np.sort(np.abs(np.linalg.eigvals(star)))[1]  # [0] is the conserved inventory
    t = 50.0 / slowest
    x0 = MODEL.initial_state(ZN, 1)
    x_end = MODEL.segment(x0, v, t, ZN)[:, 0]
    # the main classes only release: each decays as exp(-k_rel,j·t) (closed form)
    for j in range(1, RELEASE_CLASSES):
        k_j = np.exp(log_rates(v, ZN, j)[0])
        assert x_end[2 + j] == pytest.approx(x0[2 + j, 0] * np.exp(-k_j * t), rel=1e-6, abs=1e-12)
    if np.all(x_end[MAIN] < 1e-12):  # what they released has joined the star network's equilibrium
        np.testing.assert_allclose(x_end[:3], _detailed_balance(v, ZN)[:3], rtol=1e-6, atol=1e-12)


def _star_generator(q):
    """The generator of m, c, d and the edge alone (the main classes receive nothing, so their
    columns are sources and the remaining block is itself a generator)."""
    keep = [0, 1, 2, q.shape[0] - 1]
    return q[np.ix_(keep, keep)]


# ------------------------------------------------------------------ potentiation vs depression

def _slow_manifold_doping_rate(v, p, x0):
    """d(doping)/dt after the fast c <-> m exchange at ``v`` has equilibrated (5 time constants).

    At the pristine state itself (m = d = 0) the only flux that changes m + c is release from the
    Stern layer, k_rel·b >= 0, so the sign of potentiation/depression shows once dissociated ions
    have had time to be recaptured; this is the rate on that slow manifold.
    """
    k = _rates(v, p)
    x = MODEL.segment(x0, v, 5.0 / (k[2] + k[3]), p)
    r = MODEL.rates(x, v, 0.0, p)[:, 0]
    return r[MOBILE] + r[COORD] + p.interface_weight * r[INTERFACE]


def test_pristine_instantaneous_change_is_release_minus_recapture():
    """From the as-prepared state, m + c changes only by release from every bound class (the
    edge and each main class j·spread deeper) minus recapture of the free ions into the edge."""
    x0 = MODEL.initial_state(ZN, 1)
    for v in (3.0, 5.0, 10.0):
        r = MODEL.rates(x0, v, 0.0, ZN)[:, 0]
        k = _rates(v, ZN)
        edge = 1.0 - x0[IONS].sum()
        released = k[0] * edge + sum(np.exp(log_rates(v, ZN, j)[0]) * x0[2 + j, 0] for j in range(1, RELEASE_CLASSES))
        flux = abs(r[COORD])  # m and c exchange this much; their sum cancels it to round-off
        expected = released - k[1] * x0[MOBILE, 0] - k[4] * x0[MOBILE, 0]
        assert r[MOBILE] + r[COORD] == pytest.approx(expected, rel=1e-9, abs=1e-14 * flux)
        assert np.all(r[MAIN] <= 0)  # the main release area only empties


def test_deeper_classes_release_more_slowly_by_their_extra_barrier():
    """Far below the migration limit (low bias: escape is the slow hop), class j escapes
    exp(-j·spread/kT) times as fast as the edge."""
    from nanoionic._core.units import K_B

    for v in (0.0, 1.0, 2.0):
        for j in range(1, RELEASE_CLASSES):
            ratio = np.exp(log_rates(v, ZN, j)[0] - log_rates(v, ZN, 0)[0])
            assert ratio == pytest.approx(np.exp(-j * ZN.release_spread / (K_B * ZN.temperature)), rel=0.01)


@pytest.mark.parametrize("v,sign", [(3.0, -1), (4.0, -1), (5.0, -1), (10.0, +1), (12.0, +1)])
def test_sign_of_change_comes_from_the_rates(v, sign):
    rate = _slow_manifold_doping_rate(v, ZN, MODEL.initial_state(ZN, 1))
    assert np.sign(rate) == sign, rate


def _stimulus_response(x0, v, p):
    """Relative change of the 1 V conductance across 10 x (pulse v 100 ms; wait 100 ms) with a
    1 s rest on either side (read 1 V for 10 ms before and after)."""
    seq = [(1.0, 0.01), (0.0, 1.0)] + [(v, 0.1), (0.0, 0.1)] * 10 + [(0.0, 1.0), (1.0, 0.01)]
    x, g = x0.copy(), []
    for k, (vk, dt) in enumerate(seq):
        x = MODEL.segment(x, vk, dt, p)
        if k in (0, len(seq) - 1):
            g.append(MODEL.current(x, 1.0, p)[0])
    return g[1] / g[0] - 1.0


def _threshold(x0, p, low=3.0, high=14.0, tol=0.02):
    assert _stimulus_response(x0, low, p) < 0 < _stimulus_response(x0, high, p)
    while high - low > tol:
        mid = 0.5 * (low + high)
        if _stimulus_response(x0, mid, p) < 0:
            low = mid
        else:
            high = mid
    return 0.5 * (low + high)


def test_threshold_depends_on_the_state():
    """SVDP: the depression/potentiation threshold moves up with the O2- already released."""
    x_low = _state(0.0, 0.1, 0.0, main=0.3)
    x_high = _state(0.0, 0.6, 0.0, main=0.13)
    v_low, v_high = _threshold(x_low, ZN), _threshold(x_high, ZN)
    assert 3.0 < v_low < v_high < 14.0
    assert v_high - v_low > 0.5, (v_low, v_high)  # 6.02 -> 7.73 V with the shipped preset
    # and the pristine threshold lies between them
    v_pristine = _threshold(MODEL.initial_state(ZN, 1), ZN)
    assert v_low < v_pristine < v_high


def test_return_from_the_ito_interface_has_its_own_field_distance():
    """Only the return rate follows a_ret, and ln k_ret falls by q·a_ret·E_m/(k_B·T) per unit of
    field (raised under positive bias, lowered under negative: the RESET of the ITO-side layer)."""
    from dataclasses import replace

    from nanoionic._core.units import K_B, Q_E
    from nanoionic.physics.electrostatics import bilayer_fields
    longer = replace(ZN, return_distance=1.5 * ZN.return_distance)  # barriers stay > 0 (no saturation)
    for v in (-8.0, -2.0, 2.0):
        np.testing.assert_allclose(_rates(v, longer)[:5], _rates(v, ZN)[:5], rtol=1e-12)
        _, e_m = bilayer_fields(np.array(v), ZN.thickness_oxide, ZN.permittivity_oxide,
                                ZN.thickness_mtpp, ZN.permittivity_mtpp)
        slope = 2 * Q_E * e_m / 2 / (K_B * ZN.temperature)  # d ln k_ret / d a_ret [1/m], sign of -V
        expected = -slope * (longer.return_distance - ZN.return_distance)
        assert np.log(_rates(v, longer)[5] / _rates(v, ZN)[5]) == pytest.approx(float(expected), rel=1e-9)


# ------------------------------------------------------------------ metal centre

def test_higher_bond_energy_lowers_pristine_conductance_and_slows_release():
    assert NI.bond_energy > ZN.bond_energy
    x_zn, x_ni = MODEL.initial_state(ZN, 1), MODEL.initial_state(NI, 1)
    assert x_ni[COORD, 0] < x_zn[COORD, 0]
    for v in (1.0, 5.0):
        assert MODEL.current(x_ni, v, NI)[0] < MODEL.current(x_zn, v, ZN)[0]
    for v in (5.0, 10.0, 12.0):
        k_zn, k_ni = _rates(v, ZN), _rates(v, NI)
        assert k_ni[0] < k_zn[0]  # release (migration-limited part carries the metal shift)
        assert k_ni[3] < k_zn[3]  # M–O dissociation
    # dynamically: a 10 V, 10 ms pulse from pristine releases less O2- in NiTPP (by 100 ms the
    # ZnTPP Stern layer is nearly empty, so longer pulses compare inventories, not rates)
    gain = {}
    for name, p in (("zn", ZN), ("ni", NI)):
        x0 = MODEL.initial_state(p, 1)
        x1 = MODEL.segment(x0, 10.0, 0.01, p)
        gain[name] = x1[IONS, 0].sum() - x0[IONS, 0].sum()
    assert 0 < gain["ni"] < gain["zn"]


def test_only_the_metal_shift_differs_between_metals():
    k_zn, k_ni = _rates(0.0, ZN), _rates(0.0, NI)
    np.testing.assert_allclose(k_ni[[1, 2, 4, 5]], k_zn[[1, 2, 4, 5]], rtol=1e-12)


# ------------------------------------------------------------------ retention

def test_free_ions_relax_at_zero_bias_as_two_competing_first_order_steps():
    """At 0 V release, dissociation, drift and return are negligible (< 1e-3 /s), so the free
    population decays as m0·exp(-(k_rec + k_coord)·t), and the share k_coord/(k_rec + k_coord)
    of it is coordinated (closed form of two competing first-order steps)."""
    k = _rates(0.0, ZN)
    assert max(k[0], k[3], k[4], k[5]) < 1e-3 * min(k[1], k[2])
    x0 = _state(0.3, 0.2, 0.0, main=0.1)
    for t in (0.5, 5.0, 60.0):
        x = MODEL.segment(x0, 0.0, t, ZN)
        decay = np.exp(-(k[1] + k[2]) * t)
        assert x[MOBILE, 0] == pytest.approx(0.3 * decay, rel=1e-3, abs=1e-9)  # 0-V release keeps ~1e-11
        assert x[COORD, 0] == pytest.approx(0.2 + 0.3 * k[2] / (k[1] + k[2]) * (1 - decay), rel=1e-3)


def test_short_term_memory_is_volatile_and_the_consolidated_state_is_kept():
    """STM -> LTM: a free population fades within a minute at 0 V (part of it returns to the
    Stern layer for good), while a coordinated-only state stays put."""
    k = _rates(0.0, ZN)
    assert 1.0 / (k[1] + k[2]) < 20.0  # the free population's lifetime at 0 V [s]
    assert k[1] / (k[1] + k[2]) > 0.05  # a visible share is recaptured, not consolidated
    xc = _state(0.0, 0.5, 0.0)
    assert MODEL.segment(xc, 0.0, 60.0, ZN)[COORD, 0] == pytest.approx(0.5, rel=1e-2)
