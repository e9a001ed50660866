"""nanoionic: ionic memristive devices from their physics.

Public API::

    import nanoionic as ni
    dev = ni.Device("ZnTPP/AlOx")
    res = ni.simulate(dev, "repeat 10 { sweep 0 V -> 10 V -> 0 V at 0.01 V/s }")
    fitted = ni.fit(dev, ni.read_measurement("sweep.csv"), {"conductance_density": (1, 1e4, "log")})
"""

from nanoionic._core.errors import (IntegrationError, NanoionicError, ParameterError,
                                    ProtocolSyntaxError)
from nanoionic.data import Measurement, read_csv_trace, read_measurement, read_scope, read_smu_sweep
from nanoionic.engine import Trajectory, integrate
from nanoionic.fit import FitResult, FreeParameter, Trace, cross_validate, fit
from nanoionic.io import load_result, save_result
from nanoionic.models.registry import get_model, model_names
from nanoionic.parameters import load_parameter_set, preset_names
from nanoionic.protocols import compile_protocol, parse_protocol
from nanoionic.circuit import FIG4_CASES, HI_PATTERN, PulseScheme, Selector, frames_to_drive, read_scheme, write_scheme
from nanoionic.simulation import Crossbar, Device, read_conductance, simulate, simulate_array

__all__ = [
    "Crossbar", "FIG4_CASES", "HI_PATTERN", "PulseScheme", "Selector", "frames_to_drive", "read_scheme",
    "simulate_array", "write_scheme", "Device", "IntegrationError", "NanoionicError", "ParameterError", "ProtocolSyntaxError",
    "FitResult", "FreeParameter", "Measurement", "Trace", "cross_validate", "fit", "read_csv_trace", "read_measurement",
    "read_scope", "read_smu_sweep",
    "Trajectory", "compile_protocol", "get_model", "integrate", "load_parameter_set", "load_result",
    "model_names", "parse_protocol", "preset_names", "read_conductance", "save_result", "simulate",
]
