"""Parameter sets: TOML files with citations, loaded and validated into a model's Params."""

from nanoionic.parameters.sets_io import (ParameterSet, load_parameter_set, preset_names,
                                          resolve_preset)

__all__ = ["ParameterSet", "load_parameter_set", "preset_names", "resolve_preset"]
