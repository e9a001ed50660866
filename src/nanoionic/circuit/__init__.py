"""Arrays of devices: drives (per cell or per line), image stimuli, ideal and resistive crossbars."""

from nanoionic.circuit.crossbar import ArrayRun, run_ideal, run_resistive
from nanoionic.circuit.drive import CellDrive, LineDrive, cell_read, read_scheme, write_scheme
from nanoionic.circuit.nodal import Lines, Network, NodalSolver, OperatingPoint, Selector
from nanoionic.circuit.stimulus import FIG4_CASES, HI_PATTERN, PulseScheme, Scenario, frames_to_drive, load_image, noise_frames

__all__ = ["ArrayRun", "CellDrive", "FIG4_CASES", "HI_PATTERN", "LineDrive", "Lines", "Network", "NodalSolver",
           "OperatingPoint", "PulseScheme", "Scenario", "Selector", "cell_read", "frames_to_drive", "load_image", "noise_frames",
           "read_scheme", "run_ideal", "run_resistive", "write_scheme"]
