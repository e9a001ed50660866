"""Metrics computed from results (no simulation here)."""

from nanoionic.analysis.filtering import contrast, nearest_centroid_accuracy, signal_to_noise, standardize

__all__ = ["contrast", "nearest_centroid_accuracy", "signal_to_noise", "standardize"]
