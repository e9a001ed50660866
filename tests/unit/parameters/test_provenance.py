"""Parameter provenance: every value of the calibrated SVDP set says where it comes from, and
every fitted one carries the fit's standard error (issue 15)."""

import dataclasses
import math

import pytest

import nanoionic as ni
from nanoionic.parameters.sets_io import PROVENANCE_KINDS, load_parameter_set

SVDP = ["ZnTPP/AlOx", "NiTPP/AlOx", "CoTPP/AlOx", "FeTPPCl/AlOx", "H2TPP/AlOx"]


@pytest.mark.parametrize("name", SVDP)
def test_every_parameter_of_the_svdp_sets_states_its_provenance(name):
    ps = load_parameter_set(name)
    fields = {f.name for f in dataclasses.fields(ps.params)}
    assert fields | {f"pixel.{k}" for k in ps.pixel} == set(ps.provenance)
    assert all(text.split(":")[0] in PROVENANCE_KINDS for text in ps.provenance.values())


def test_fitted_values_carry_a_standard_error_and_nothing_else_does():
    """Every fitted value has its standard error; inf marks a value the targets do not determine
    (the calibration's identifiability report), which is said, not hidden."""
    ps = load_parameter_set("ZnTPP/AlOx")
    fitted = {k for k, text in ps.provenance.items() if text.startswith("fitted")}
    assert fitted == set(ps.standard_errors)
    assert all(se > 0 for se in ps.standard_errors.values())
    assert any(math.isfinite(se) for se in ps.standard_errors.values())


def test_metal_variants_cite_their_bond_energy():
    for name in SVDP[1:]:
        assert load_parameter_set(name).provenance["bond_energy"].startswith("literature: ")


def _write(tmp_path, extra: str):
    path = tmp_path / "set.toml"
    path.write_text('[meta]\nmodel = "linear-drift-biolek"\n[values]\non_resistance = 100.0\n' + extra)
    return str(path)


@pytest.mark.parametrize("extra, match", [
    ('[provenance]\non_resistance = "measured by us"\n', "provenance.on_resistance"),
    ('[provenance]\nnot_a_parameter = "fitted"\n', "not_a_parameter"),
    ('[standard_errors]\noff_resistance = 3.0\n', "standard_errors.off_resistance"),
    ('[standard_errors]\non_resistance = -1.0\n', "standard_errors.on_resistance"),
])
def test_bad_provenance_or_standard_errors_name_the_entry(tmp_path, extra, match):
    with pytest.raises(ni.ParameterError, match=match):
        load_parameter_set(_write(tmp_path, extra))


def test_standard_errors_accept_units(tmp_path):
    ps = load_parameter_set(_write(tmp_path, '[standard_errors]\non_resistance = "2 kOhm"\n[provenance]\non_resistance = "fitted"\n'))
    assert ps.standard_errors["on_resistance"] == pytest.approx(2000.0)
