"""Parameter sets: presets load, validation names the parameter and the value, TOML errors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nanoionic._core.errors import ParameterError
from nanoionic._core.units import EV
from nanoionic.models.registry import MODELS
from nanoionic.parameters import load_parameter_set, preset_names, resolve_preset

ZN = "ZnTPP/AlOx"
METALS = {"NiTPP/AlOx": 3.793, "CoTPP/AlOx": 4.119, "FeTPPCl/AlOx": 4.239, "H2TPP/AlOx": 4.456}


@pytest.mark.parametrize("preset", preset_names())
def test_every_preset_loads_with_citation(preset):
    ps = load_parameter_set(preset)
    assert ps.name == preset
    assert ps.model in MODELS
    assert isinstance(ps.params, MODELS[ps.model].Params)
    assert ps.meta.get("source"), "every set cites its source"
    assert ps.meta.get("stack")
    assert resolve_preset(preset).is_file()
    for value in dataclasses.asdict(ps.params).values():
        assert np.isfinite(value)
    if ps.pixel:  # array-pixel geometry, where the set has one
        assert ps.pixel_params().area == pytest.approx(ps.pixel["area"])


def test_preset_list_has_the_five_porphyrins_and_the_review_devices():
    """Presets are listed on purpose: a set added or lost shows up here."""
    assert set(preset_names()) == {ZN, *METALS, "W/WOx/Pd", "WOx/mobility", "TaOx/thermal", "Ag:SiOxNy+drift",
                                  "TaOx/metaplastic", "LixMoS2/4-channel", "AgNP/Pt-3-terminal", "Ag/SiO2/Pt",
                                  "Ta2O5/VCM-gap", "NbO2/selector", "VO2/selector", "Nb/ZnO/Pt-QPC",
                                  "VTEAM/default", "Yakopcic/knowm-LTspice", "Yakopcic/Xyce-level3",
                                  "StanfordPKU/v1.0.0", "JART-VCM-v1b/HfO2-TiOx",
                                  "Pt/Nb:SrTiO3"}


@pytest.mark.parametrize("preset", list(METALS))
def test_metal_presets_inherit_zn_values_except_bond_energy(preset):
    zn = dataclasses.asdict(load_parameter_set(ZN).params)
    metal = dataclasses.asdict(load_parameter_set(preset).params)
    differing = {k for k in zn if zn[k] != metal[k]}
    assert differing == {"bond_energy"}
    assert metal["bond_energy"] == pytest.approx(METALS[preset] * EV, rel=1e-12)
    assert metal["bond_energy"] > zn["bond_energy"]
    assert load_parameter_set(preset).pixel == load_parameter_set(ZN).pixel
    assert load_parameter_set(preset).model == load_parameter_set(ZN).model


def test_energy_in_ev_text_is_converted_to_joules():
    p = load_parameter_set(ZN).params
    assert p.bond_energy == pytest.approx(1.648 * EV, rel=1e-12)
    assert 0.5 * EV < p.release_barrier < 3 * EV


@pytest.mark.parametrize("typo,suggestion", [("ZnTPP/AlOX", ZN), ("NiTPP/Alox", "NiTPP/AlOx"),
                                             ("ZnTP/AlOx", ZN)])
def test_unknown_preset_suggests_the_closest(typo, suggestion):
    with pytest.raises(ParameterError, match="Did you mean") as info:
        load_parameter_set(typo)
    assert repr(suggestion) in str(info.value)
    assert repr(typo) in str(info.value)


@pytest.mark.parametrize("name,value,shown", [
    ("area", -1e-9, "-1e-09"),
    ("area", 0.0, "0.0"),
    ("temperature", 0.0, "0.0"),
    ("temperature", -5.0, "-5.0"),
    ("release_barrier", float("nan"), "nan"),
    ("conductance_density", float("inf"), "inf"),
    ("pristine_mobile", 1.5, "1.5"),
])
def test_invalid_value_names_parameter_and_value(name, value, shown):
    with pytest.raises(ParameterError) as info:
        load_parameter_set(ZN, **{name: value})
    msg = str(info.value)
    assert f"'{name}'" in msg
    assert f"Got {shown}" in msg
    assert msg.startswith(f"The '{name}' parameter of ")


def test_unknown_parameter_name_is_named_with_suggestion():
    with pytest.raises(ParameterError) as info:
        load_parameter_set(ZN, releese_barrier=1e-19)
    msg = str(info.value)
    assert "'releese_barrier'" in msg
    assert "Did you mean 'release_barrier'?" in msg


def test_per_device_arrays_are_validated_elementwise():
    ok = load_parameter_set(ZN, area=np.array([1e-9, 2e-9, 3e-9]))
    np.testing.assert_array_equal(ok.params.area, [1e-9, 2e-9, 3e-9])
    with pytest.raises(ParameterError, match=r"'area'.*Got -2e-09"):
        load_parameter_set(ZN, area=np.array([1e-9, -2e-9, 3e-9]))
    with pytest.raises(ParameterError, match=r"'temperature'.*finite"):
        load_parameter_set(ZN, temperature=np.array([300.0, np.nan]))
    with pytest.raises(ParameterError, match=r"'area'.*1-D array"):
        load_parameter_set(ZN, area=np.full((2, 2), 1e-9))
    with pytest.raises(ParameterError, match=r"'area'.*a number"):
        load_parameter_set(ZN, area="big")


def test_with_values_revalidates():
    ps = load_parameter_set(ZN)
    assert ps.with_values(temperature=350.0).params.temperature == 350.0
    assert ps.params.temperature == 300.0  # frozen, unchanged
    with pytest.raises(ParameterError, match="'temperature'"):
        ps.with_values(temperature=-1.0)


def _write_set(tmp_path, values: str, meta: str = 'model = "interface-hopping"\nname = "test"') -> str:
    path = tmp_path / "custom.toml"
    path.write_text(f"[meta]\n{meta}\n\n[values]\n{values}\n")
    return str(path)


def test_toml_file_loads(tmp_path):
    ps = load_parameter_set(_write_set(tmp_path, 'area = 2e-9\nrelease_barrier = "1.5 eV"'))
    assert ps.params.area == 2e-9
    assert ps.params.release_barrier == pytest.approx(1.5 * EV)


@pytest.mark.parametrize("line,key", [
    ("temperature = -3.0", "temperature"),
    ("area = 0", "area"),
    ('release_barrier = "1.5 V"', "release_barrier"),
    ('release_barrier = "1.5 Q"', "release_barrier"),
    ("thickness_mtpp = nan", "thickness_mtpp"),
])
def test_toml_bad_value_names_the_key(tmp_path, line, key):
    with pytest.raises(ParameterError) as info:
        load_parameter_set(_write_set(tmp_path, line))
    assert f"'{key}'" in str(info.value)


def test_toml_unknown_key_is_named(tmp_path):
    with pytest.raises(ParameterError, match=r"'temprature'.*Did you mean 'temperature'"):
        load_parameter_set(_write_set(tmp_path, "temprature = 300.0"))


def test_toml_syntax_error_names_the_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[meta\nmodel = 'interface-hopping'\n")
    with pytest.raises(ParameterError, match="not valid TOML") as info:
        load_parameter_set(str(path))
    assert "broken.toml" in str(info.value)


def test_toml_without_model_is_rejected(tmp_path):
    with pytest.raises(ParameterError, match="model"):
        load_parameter_set(_write_set(tmp_path, "area = 1e-9", meta='name = "x"'))


def test_toml_unknown_model_suggests(tmp_path):
    with pytest.raises(ParameterError, match="Did you mean 'interface-hopping'"):
        load_parameter_set(_write_set(tmp_path, "area = 1e-9", meta='model = "interface-hoping"'))


def test_bad_pixel_geometry_is_rejected(tmp_path):
    path = tmp_path / "pix.toml"
    path.write_text('[meta]\nmodel = "interface-hopping"\n[values]\narea = 1e-9\n[pixel]\narea = -1.0\n')
    with pytest.raises(ParameterError, match=r"'area'.*-1"):
        load_parameter_set(str(path))
