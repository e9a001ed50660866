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
    within the issue's tolerances, S7 rising at every step, the word pixel gradual."""
    out = cal.evaluate(cal.current_values())
    assert out["s2_first_uA"] == pytest.approx(270.0, rel=0.25) and out["s2_last_uA"] == pytest.approx(778.0, rel=0.25)
    assert out["s3_first_uA"] == pytest.approx(-80.0, rel=0.35) and out["s3_last_uA"] == pytest.approx(-10.0, rel=0.35)
    assert out["s2_min_step"] > 0 and out["s3_min_step"] > 0 and out["s3_ndr_drop"] > 0.05
    assert 6.0 <= out["s6_critical_V"] <= 7.0
    assert min(out["s7_lrs_rise"], out["s7_hrs_rise"], out["s7_area_rise"]) > 0
    assert out["word_min_step"] > 0 and out["word_first_share"] < 0.5
    assert np.isfinite(list(out.values())).all()
