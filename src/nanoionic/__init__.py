"""nanoionic: ionic memristive devices from their physics.

Public API::

    import nanoionic as ni
    dev = ni.Device("ZnTPP/AlOx")
    res = ni.simulate(dev, "repeat 10 { sweep 0 V -> 10 V -> 0 V at 0.01 V/s }")
"""

from nanoionic._core.errors import (IntegrationError, NanoionicError, ParameterError,
                                    ProtocolSyntaxError)
from nanoionic.engine import Trajectory, integrate
from nanoionic.io import load_result, save_result
from nanoionic.models.registry import get_model, model_names
from nanoionic.parameters import load_parameter_set, preset_names
from nanoionic.protocols import compile_protocol, parse_protocol
from nanoionic.simulation import Device, read_conductance, simulate

__all__ = [
    "Device", "IntegrationError", "NanoionicError", "ParameterError", "ProtocolSyntaxError",
    "Trajectory", "compile_protocol", "get_model", "integrate", "load_parameter_set", "load_result",
    "model_names", "parse_protocol", "preset_names", "read_conductance", "save_result", "simulate",
]
