"""Load parameter sets (DESIGN.md: ``[meta]`` with model, stack, source, calibration notes;
``[values]`` in SI, energies may be written "1.2 eV"; optional ``[pixel]`` geometry overrides for
array pixels of the same material). A set may name another with ``meta.inherits`` and override
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


@dataclass(frozen=True)
class ParameterSet:
    """A validated parameter set: model name, Params instance, metadata and pixel overrides."""

    name: str
    model: str
    params: Any
    meta: dict = field(default_factory=dict)
    pixel: dict = field(default_factory=dict)

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


def _merged_tables(path: Path, seen: tuple = ()) -> tuple[dict, dict, dict]:
    data = _read(path)
    meta = dict(data.get("meta", {}))
    values, pixel = {}, {}
    parent = meta.get("inherits")
    if parent:
        if parent in seen:
            raise ParameterError(f"Parameter file {str(path)!r} inherits from itself via {parent!r}.")
        p_meta, values, pixel = _merged_tables(SETS_DIR / parent, seen + (parent,))
        meta = {**{k: v for k, v in p_meta.items() if k == "model"}, **meta}
    values.update(data.get("values", {}))
    pixel.update(data.get("pixel", {}))
    return meta, values, pixel


def load_parameter_set(name: str, **overrides) -> ParameterSet:
    """Load a preset (e.g. "ZnTPP/AlOx") or a TOML file, apply ``overrides`` and validate.

    Each override is a parameter name with a value in SI (scalar or per-device array).
    """
    path = resolve_preset(name)
    meta, values, pixel = _merged_tables(path)
    model_name = meta.get("model")
    if not model_name:
        raise ParameterError(f"Parameter file {str(path)!r} has no [meta] model name.")
    model = get_model(model_name)
    owner = f"device {name!r}"
    values = {k: _to_si(model.Params, k, v, owner) for k, v in values.items()}
    pixel = {k: _to_si(model.Params, k, v, owner) for k, v in pixel.items()}
    params = make_params(model.Params, owner, {**values, **overrides})
    make_params(model.Params, owner, {**values, **pixel})  # validate the pixel geometry too
    return ParameterSet(name=name, model=model_name, params=params, meta=meta, pixel=pixel)
