"""Calibrate any model's parameters to measured or tabulated data (scipy least squares)."""

from nanoionic.fit.calibrate import (Bound, CalibrationResult, FreeParameter, Target, calibrate,
                                     residual_vector)

__all__ = ["Bound", "CalibrationResult", "FreeParameter", "Target", "calibrate", "residual_vector"]
