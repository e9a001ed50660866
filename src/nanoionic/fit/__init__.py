"""Calibrate models to data: measured traces (``fit``, ``cross_validate``) and scalar targets
(``calibrate``), on one optimiser layer (DESIGN.md: fitting is a layer of its own)."""

from nanoionic.fit.calibrate import (Bound, CalibrationResult, FreeParameter, HeldOut, Target, calibrate,
                                     cross_validate_targets, residual_vector)
from nanoionic.fit.evaluate import Trace
from nanoionic.fit.measured import CrossValidation, cross_validate, fit
from nanoionic.fit.result import FitResult, TraceFit

__all__ = ["Bound", "CalibrationResult", "CrossValidation", "FitResult", "FreeParameter", "HeldOut", "Target", "Trace",
           "TraceFit", "calibrate", "cross_validate", "cross_validate_targets", "fit", "residual_vector"]
