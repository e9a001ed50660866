"""The ZnTPP/AlOx calibration's definition (reproductions/svdp_calibration.py) is consistent with
the shipped preset: a re-run can start, and the preset's values give the fitted numbers."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest

from nanoionic.reproductions import svdp_calibration as cal


def test_start_names_every_free_parameter_inside_its_bounds():
    assert list(cal.START) == [p.name for p in cal.FREE]
    for p in cal.FREE:
        assert p.low < cal.START[p.name] < p.high, p.name


def test_the_shipped_values_lie_inside_the_fit_bounds():
    shipped = cal.current_values()
    for p in cal.FREE:
        assert p.low < shipped[p.name] < p.high, (p.name, shipped[p.name])


def test_toml_lines_print_the_values_to_six_digits_with_energies_in_ev():
    shipped = cal.current_values()
    parsed = tomllib.loads("\n".join(line.split("   #")[0] for line in cal.toml_lines(shipped).splitlines()))
    assert parsed["release_barrier"].endswith(" eV")
    assert float(parsed["release_barrier"][:-3]) * cal.EV == pytest.approx(shipped["release_barrier"], rel=1e-6)
    assert parsed["area"] == pytest.approx(shipped["pixel.area"], rel=1e-6)  # the pixel's area
    assert parsed["trap_hold"] == pytest.approx(shipped["trap_hold"], rel=1e-6)


def test_the_shipped_values_meet_the_fitted_targets():
    """evaluate() at the shipped values (the fit's fixed ramp resolution): the Fig. 2 numbers
    within issue 2's tolerances, S7 rising at every step, the word pixel gradual and still rising
    over its last ten inputs, S9 fading and consolidating, the unstimulated pixel relaxing (issue
    15's thresholds)."""
    out = cal.evaluate(cal.current_values())
    assert out["s2_first_uA"] == pytest.approx(270.0, rel=0.25) and out["s2_last_uA"] == pytest.approx(778.0, rel=0.25)
    assert out["s3_first_uA"] == pytest.approx(-80.0, rel=0.35) and out["s3_last_uA"] == pytest.approx(-10.0, rel=0.35)
    assert out["s2_min_step"] > 0 and out["s3_min_step"] > 0 and out["s3_ndr_drop"] > 0.05
    assert 6.0 <= out["s6_critical_V"] <= 7.0
    assert min(out["s7_lrs_rise"], out["s7_hrs_rise"], out["s7_area_rise"]) > 0
    assert out["word_min_step"] > 0 and out["word_first_share"] < 0.5 and out["word_last10_share"] >= 0.05
    assert out["s9_retained_1"] < 0.9 and out["s9_consolidation_5"] >= 0.05 and out["s9_consolidation_20"] >= 0.05
    assert out["rest_relaxation"] >= 0.05
    assert np.isfinite(list(out.values())).all()


def test_the_calibration_record_matches_the_shipped_preset():
    """svdp_calibration.RECORD (written by the calibration run) holds the values the preset ships,
    their standard errors, and a cross-validation row for every group left out."""
    import json

    from nanoionic.parameters.sets_io import load_parameter_set

    record = json.loads(cal.RECORD.read_text())
    shipped = cal.current_values()
    ps = load_parameter_set("ZnTPP/AlOx")
    for name, entry in record["free"].items():
        assert entry["value"] == pytest.approx(shipped[name], rel=1e-5), name
        se = entry["standard_error"]  # null: not determined by the targets (inf in the TOML)
        assert ps.standard_errors[name] == (float("inf") if se is None else pytest.approx(se, rel=1e-3)), name
    groups = {g["group"] for g in record["cross_validation"]}
    assert groups == {t.group for t in cal.TARGETS} - {cal.GEOMETRY}
    for g in record["cross_validation"]:
        assert g["rows"] and all(set(r) >= {"quantity", "target", "predicted", "within"} for r in g["rows"])


def test_every_free_parameter_is_fitted_in_the_preset_provenance():
    from nanoionic.parameters.sets_io import load_parameter_set

    provenance = load_parameter_set("ZnTPP/AlOx").provenance
    assert {p.name for p in cal.FREE} == {k for k, v in provenance.items() if v.startswith("fitted")}


def test_the_readme_shows_the_recorded_cross_validation_table():
    """The README's cross-validation table is the record's, as report.cross_validation_markdown
    writes it (so it cannot drift from the numbers the calibration measured)."""
    from pathlib import Path

    from nanoionic.report import cross_validation_markdown
    from nanoionic.reproductions.svdp_device import cross_validation_table

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    lines = cross_validation_markdown(cross_validation_table())
    assert len(lines) > 5
    for line in lines[3:]:  # the header and every row
        assert line in readme, line
