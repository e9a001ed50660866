"""Load parameter sets (DESIGN.md: ``[meta]`` with model, stack, source, calibration notes;
``[values]`` in SI, energies may be written "1.2 eV"; optional ``[pixel]`` geometry overrides for
array pixels of the same material; optional ``[provenance]``: per parameter where its value comes
from, one of PROVENANCE_KINDS then ": " and the source; optional ``[standard_errors]`` of the
fitted values, in the values' units). A set may name another with ``meta.inherits`` and override
some values: that is how the metal variants share the ZnTPP material calibration.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nanoionic._core.errors import ParameterError, param_error, unknown_name_error
from nanoionic._core.units import EV, parse_quantity
from nanoionic.models.base import make_params
from nanoionic.models.registry import get_model

SETS_DIR = Path(__file__).parent / "sets"

PRESETS = {
    "ZnTPP/AlOx": "ZnTPP-AlOx_WangSVDP.toml",
    "NiTPP/AlOx": "NiTPP-AlOx_WangSVDP.toml",
    "CoTPP/AlOx": "CoTPP-AlOx_WangSVDP.toml",
    "FeTPPCl/AlOx": "FeTPPCl-AlOx_WangSVDP.toml",
    "H2TPP/AlOx": "H2TPP-AlOx_WangSVDP.toml",
    "W/WOx/Pd": "WOx_ChangLu2011.toml",
    "WOx/mobility": "WOx_DuLu2015.toml",
    "TaOx/thermal": "TaOx_KimLu2015.toml",
    "Ag:SiOxNy+drift": "AgSiOxNy-TaOx_WangYang2017.toml",
    "TaOx/metaplastic": "TaOx_metaplastic.toml",
    "LixMoS2/4-channel": "LixMoS2_ZhuLu2019.toml",
    "AgNP/Pt-3-terminal": "AgNP-Pt_modulatory.toml",
    "Ag/SiO2/Pt": "AgSiO2-Pt_ECM.toml",
    "Ta2O5/VCM-gap": "TaOx_VCMgap.toml",
    "NbO2/selector": "NbO2_selector.toml",
    "VO2/selector": "VO2_selector.toml",
    "Nb/ZnO/Pt-QPC": "NbZnOPt_QPC.toml",
    "VTEAM/default": "VTEAM_default.toml",
    "Yakopcic/knowm-LTspice": "Yakopcic_knowm.toml",
    "Yakopcic/Xyce-level3": "Yakopcic_Xyce-level3.toml",
    "StanfordPKU/v1.0.0": "StanfordPKU_JiangWong2014.toml",
    "JART-VCM-v1b/HfO2-TiOx": "JART-VCM-v1b_Bengel2020.toml",
    "Pt/Nb:SrTiO3": "Pt-NbSrTiO3_interface.toml",
}


PROVENANCE_KINDS = ("literature", "paper", "fitted", "assumed")
"""Where a parameter value comes from: a cited measurement or handbook, the modelled paper itself,
a fit (with a standard error), or a choice of ours that nothing measured (said so)."""


@dataclass(frozen=True)
class ParameterSet:
    """A validated parameter set: model name, Params instance, metadata, pixel overrides, and
    per-parameter provenance and standard errors (SI) where the file gives them."""

    name: str
    model: str
    params: Any
    meta: dict = field(default_factory=dict)
    pixel: dict = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)
    standard_errors: dict = field(default_factory=dict)

    def with_values(self, **values) -> "ParameterSet":
        """A copy with some parameter values replaced (validated)."""
        owner = f"device {self.name!r}"
        merged = {**dataclasses.asdict(self.params), **values}
        params = make_params(type(self.params), owner, merged)
        return dataclasses.replace(self, params=params)

    def pixel_params(self):
        """Params of an array pixel: the same material with the ``[pixel]`` geometry."""
        return self.with_values(**self.pixel).params


def preset_names() -> list[str]:
    """Names of the built-in presets, e.g. "ZnTPP/AlOx"."""
    return list(PRESETS)


def resolve_preset(name: str) -> Path:
    """Path of a preset by name, or of a TOML file path given directly."""
    if name in PRESETS:
        return SETS_DIR / PRESETS[name]
    path = Path(name)
    if path.suffix == ".toml":
        if not path.is_file():
            raise param_error("preset", "Device", "a preset name or an existing parameter TOML file",
                              f"{name} ({'a directory' if path.is_dir() else 'no such file'})")
        return path
    raise unknown_name_error("device preset", name, PRESETS)


def _read(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"Parameter file {str(path)!r} is not valid TOML: {exc}") from None


def _to_si(params_cls: type, key: str, value: Any, owner: str) -> Any:
    """Convert a TOML value (number, list, or text with a unit such as "1.2 eV") to SI."""
    if not isinstance(value, str):
        return value
    fields = {f.name: f for f in dataclasses.fields(params_cls)}
    if key not in fields:
        raise unknown_name_error(f"parameter of {owner}", key, fields)
    unit = fields[key].metadata.get("unit", "")
    if unit == "J" and value.strip().endswith("eV"):
        return parse_quantity(value, "eV", name=key) * EV
    return parse_quantity(value, unit, name=key)


TABLES = ("values", "pixel", "provenance", "standard_errors")
"""The tables of a parameter file besides [meta]; an inheriting file overrides its parent's entries."""


def _merged_tables(path: Path, seen: tuple = ()) -> tuple[dict, dict[str, dict]]:
    data = _read(path)
    meta = dict(data.get("meta", {}))
    tables: dict[str, dict] = {t: {} for t in TABLES}
    parent = meta.get("inherits")
    if parent:
        if parent in seen:
            raise ParameterError(f"Parameter file {str(path)!r} inherits from itself via {parent!r}.")
        p_meta, tables = _merged_tables(SETS_DIR / parent, seen + (parent,))
        meta = {**{k: v for k, v in p_meta.items() if k == "model"}, **meta}
    for t in TABLES:
        tables[t].update(data.get(t, {}))
    return meta, tables


def _check_provenance(provenance: dict, params_cls: type, owner: str) -> dict[str, str]:
    """Each entry names a parameter and starts with one of PROVENANCE_KINDS."""
    names = {f.name for f in dataclasses.fields(params_cls)}
    for key, text in provenance.items():
        if key.removeprefix("pixel.") not in names:
            raise unknown_name_error(f"parameter in [provenance] of {owner}", key, names)
        if not (isinstance(text, str) and text.split(":")[0].strip() in PROVENANCE_KINDS):
            raise param_error(f"provenance.{key}", owner, f"text starting with one of {', '.join(PROVENANCE_KINDS)}", text)
    return dict(provenance)


def load_parameter_set(name: str, **overrides) -> ParameterSet:
    """Load a preset (e.g. "ZnTPP/AlOx") or a TOML file, apply ``overrides`` and validate.

    Each override is a parameter name with a value in SI (scalar or per-device array).
    """
    path = resolve_preset(name)
    meta, tables = _merged_tables(path)
    model_name = meta.get("model")
    if not model_name:
        raise ParameterError(f"Parameter file {str(path)!r} has no [meta] model name.")
    model = get_model(model_name)
    owner = f"device {name!r}"
    values, pixel = ({k: _to_si(model.Params, k, v, owner) for k, v in tables[t].items()} for t in ("values", "pixel"))
    params = make_params(model.Params, owner, {**values, **overrides})
    make_params(model.Params, owner, {**values, **pixel})  # validate the pixel geometry too
    errors = {}
    for key, se in tables["standard_errors"].items():  # "pixel.area": the error of the [pixel] value
        base = key.removeprefix("pixel.")
        if base not in (pixel if key.startswith("pixel.") else values):
            raise param_error(f"standard_errors.{key}", owner, "the error of a value the file sets", se)
        errors[key] = se = _to_si(model.Params, base, se, owner)
        if not (isinstance(se, (int, float)) and not isinstance(se, bool) and se >= 0):
            raise param_error(f"standard_errors.{key}", owner, "a number >= 0 (inf: not determined)", se)
    provenance = _check_provenance(tables["provenance"], model.Params, owner)
    return ParameterSet(name=name, model=model_name, params=params, meta=meta, pixel=pixel, provenance=provenance,
                        standard_errors=errors)
