"""Review Sec. 2, 4, 5 (issue 6): ECM vs VCM, threshold switching, quantised contacts, variability
and 1S1R from the models; every claim passes, figures and metrics are written, in < 2 min."""

import json

import pytest

from nanoionic.report import REPRODUCTIONS, write_reproduction


@pytest.fixture(scope="module")
def filaments(tmp_path_factory):
    out = tmp_path_factory.mktemp("review-filaments")
    rep, _ = write_reproduction("review-filaments", out)
    return rep, out


def test_registered():
    assert "review-filaments" in REPRODUCTIONS


def test_claims_pass_and_outputs_exist(filaments):
    rep, out = filaments
    data = json.loads((out / "metrics.json").read_text())
    assert all(c["pass"] for c in data["claims"]), [c for c in data["claims"] if not c["pass"]]
    assert all(r["pass"] for r in data["comparison"])
    for stem in ("review_fig1_2_ecm_vcm", "review_vcm_pulses", "review_threshold_switch", "review_fig13_quantised",
                 "review_fig11_12_variability", "review_1s1r_sneak"):
        assert (out / f"{stem}.png").exists()
    assert (out / "protocols" / "ecm_sweep.txt").exists()


def test_numbers(filaments):
    m = filaments[0].metrics
    assert m["ecm"]["on_off"] > 1e3 and m["ecm"]["set_jump_in_1pct"] >= 10
    assert m["threshold"]["min_dV_dI_ohm"] < 0
    assert m["quantised"]["integer"]["max_level_error"] < 0.02
    cv = m["variability"]["set_cv"]
    assert len(cv) >= 3 and all(a > b for a, b in zip(cv, cv[1:]))
