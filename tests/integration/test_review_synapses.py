"""Review Sec. 3 behaviours (issue 4, first part): STM -> LTM, PPF, SRDP and STDP emerge from the
vcm-filament, wox-mobility, taox-thermal and diffusive-drift models; numbers as in metrics.json."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nanoionic.report import write_reproduction


@pytest.fixture(scope="module")
def review(tmp_path_factory):
    out = tmp_path_factory.mktemp("review-synapses")
    rep, _ = write_reproduction("review-synapses", out)
    return rep.metrics, out


def test_stm_to_ltm_consolidation(review):
    m, _ = review
    r5, r40 = m["retention"]["5"], m["retention"]["40"]
    assert 0.0 < r5["beta"] <= 1.0 and 0.0 < r40["beta"] <= 1.0
    assert r40["tau_s"] > 5 * r5["tau_s"]  # 40 pulses: much slower decay
    assert r40["retained_after_300s"] > 1.5 * r5["retained_after_300s"]
    assert r40["gain"] > r5["gain"] > 1.0
    assert r5["rms"] < 0.1 and r40["rms"] < 0.1  # the stretched exponential describes the curves


@pytest.mark.parametrize("tag", ["wox", "taox"])
def test_paired_pulse_facilitation_falls_with_interval(review, tag):
    ratio = np.array(review[0][tag]["ppf"]["ratio"])
    assert np.all(ratio > 1.0)
    assert np.all(np.diff(ratio) < 0)
    assert ratio[0] - 1.0 > 2.0 * (ratio[-1] - 1.0) or ratio[0] > ratio[-1] + 0.1


@pytest.mark.parametrize("tag", ["wox", "taox", "diffusive"])
def test_srdp_higher_rate_larger_change(review, tag):
    change = np.array(review[0][tag]["srdp"]["change"])
    assert np.all(change > 0)
    assert np.all(np.diff(change) > 0)
    assert change[-1] > 1.5 * change[0]


@pytest.mark.parametrize("tag", ["wox", "taox", "diffusive"])
def test_stdp_window_sign_and_decay(review, tag):
    stdp = review[0][tag]["stdp"]
    dt, change = np.array(stdp["dt_s"]), np.array(stdp["change"])
    pos, neg = change[dt > 0], change[dt < 0][::-1]
    assert np.all(pos > 0) and np.all(neg < 0)
    assert np.all(np.diff(pos) < 0) and np.all(np.diff(-neg) < 0)
    assert abs(pos[-1]) < 0.2 * pos[0] and abs(neg[-1]) < 0.2 * abs(neg[0])  # decays with |dt|
    assert 0.05 < stdp["initial_state"] < 0.95


def test_outputs_figures_protocols_and_claims(review):
    m, out = review
    data = json.loads((out / "metrics.json").read_text())
    assert all(c["pass"] for c in data["claims"]), [c for c in data["claims"] if not c["pass"]]
    for stem in ("review_fig5_retention", "review_ppf", "review_srdp", "review_stdp", "review_metaplasticity",
                 "review_coupling", "review_modulation"):
        assert (out / f"{stem}.png").exists()
    text = (out / "protocols" / "wox_stdp_pre_then_post.txt").read_text()
    assert "pulse -1.4 V for 1 ms" in text and "pulse 1.4 V for 1 ms" in text


def test_diffusive_element_is_volatile_and_gates_the_drift_memristor():
    """The Ag bridge forms under a 2 V spike and relaxes at rest; a 1 V spike neither bridges the
    gap nor moves the drift memristor (threshold), a 2 V one does."""
    import nanoionic as ni
    dev = ni.Device("Ag:SiOxNy+drift")
    res = ni.simulate(dev, "pulse 2 V for 10 us; wait 2 ms")
    bridge = res["bridge"].values
    assert bridge.max() > 0.5 and bridge[-1] < 0.01 * bridge.max()
    low = ni.simulate(dev, "pulse 1 V for 10 us", save="end")
    high = ni.simulate(dev, "pulse 2 V for 10 us", save="end")
    w0 = dev.params.initial_state
    d_low = abs(low["filament_fraction"].values[-1] - w0)
    d_high = high["filament_fraction"].values[-1] - w0
    assert d_high > 1e-4 and d_high > 1e3 * d_low


def test_metaplastic_states_and_programming_history(review):
    r = review[0]["metaplasticity"]
    a, b = r["states"]["A"], r["states"]["B"]
    assert a["conductance_S"] == pytest.approx(b["conductance_S"], rel=1e-6)  # same conductance
    assert a["change"] < 0 < b["change"]  # opposite response to one identical pulse
    assert np.all(np.diff(r["set_plasticity"]) > 0)  # higher SET voltage: more plastic later
    assert np.all(np.diff(r["reset_plasticity"]) < 0)  # stronger RESET: less residual, less plastic
    np.testing.assert_allclose(r["compared_at_S"], 2e-6, rtol=1e-4)  # all compared at one conductance


def test_coupled_reservoir_competition_cooperation_network(review):
    r = review[0]["coupling"]
    comp, coop, net = r["competition"], r["cooperation"], r["network"]
    gain_alone = comp["channel1_alone_uS"] - comp["initial_uS"]
    gain_after = comp["channel1_after_channel0_uS"] - comp["initial_uS"]
    assert 0 <= gain_after < 0.5 * gain_alone  # competition for limited Li
    assert coop["channel1_after_channel0_uS"] - coop["initial_uS"] > 10 * (coop["channel1_alone_uS"] - coop["initial_uS"])
    changes = np.array(net["relative_change"])
    assert changes[1] > 1.0 and np.all(np.abs(np.delete(changes, 1)) > 1e-3)  # one programmed, all change
    assert r["max_inventory_drift"] < 1e-12


def test_modulatory_terminal_sets_the_pulse_count(review):
    r = review[0]["modulation"]
    v = r["v_mod_V"]
    sets = {m: p for m, p in zip(v, r["set_pulses"])}
    resets = {m: p for m, p in zip(v, r["reset_pulses"])}
    assert [sets[m] for m in (0.0, 2.0, 4.0, 6.0, 8.0)] == sorted((sets[m] for m in (0.0, 2.0, 4.0, 6.0, 8.0)), reverse=True)
    assert sets[8.0] < sets[0.0] / 4  # strong help from V_mod = 8 V
    assert sets[-2.0] is None or sets[-2.0] > sets[0.0]  # suppressed
    assert resets[-4.0] < resets[-2.0] < resets[0.0]  # negative V_mod speeds rupture
    assert resets[2.0] is None or resets[2.0] > resets[0.0]
