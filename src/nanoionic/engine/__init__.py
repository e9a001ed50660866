"""The integration engine: one entry point, batched over devices (DESIGN.md, Core interfaces)."""

from nanoionic.engine.integrate import STATUS_NAMES, Trajectory, integrate, trajectory_current

__all__ = ["STATUS_NAMES", "Trajectory", "integrate", "trajectory_current"]
