"""Protocols: text grammar → typed steps → piecewise waveform."""
