"""Metrics computed from results (no simulation here)."""

from nanoionic.analysis.filtering import contrast, nearest_centroid_accuracy, signal_to_noise, standardize
from nanoionic.analysis.retention import fit_stretched_exponential, stretched_exponential

__all__ = ["contrast", "fit_stretched_exponential", "nearest_centroid_accuracy", "signal_to_noise", "standardize",
           "stretched_exponential"]
