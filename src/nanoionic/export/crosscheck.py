"""Drive one waveform through nanoionic's engine and through an external simulator running the
exported model (ngspice on the SPICE subcircuit, VACASK on the Verilog-A module), and measure
how far apart the currents and states are.

Normalised RMS differences: current ‖I_ext - I_ni‖_rms / ‖I_ni‖_rms; each state
‖x_ext - x_ni‖_rms / (max - min of x_ni), floored at 1 % of the state's bound range (a state
that barely moves is not judged against its own tiny swing).

Drives are given to each simulator in its own form: a sine as a native sine source (a
piecewise-linear table of thousands of points makes VACASK restart its integrator at every
breakpoint, and those restarts alone shift the state by ~1e-4), and to nanoionic as a PWL of
``SINE_POINTS`` points per period (interpolation error < 3e-7 of the amplitude).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nanoionic._core.errors import NanoionicError
from nanoionic.engine import integrate
from nanoionic.export.expressions import number
from nanoionic.export.ngspice import run_netlist
from nanoionic.export.spice import library, pwl_source, subckt_name
from nanoionic.export.vacask import run_transient
from nanoionic.export.verilog_a import module
from nanoionic.protocols.waveform import Waveform

SINE_POINTS = 2048
"""Points per period of the PWL that stands for a sine in nanoionic."""


class CrossCheckError(NanoionicError, RuntimeError):
    """A cross-check could not compare the two simulators (e.g. one stopped early)."""


@dataclass(frozen=True)
class Sine:
    """V(t) = amplitude·sin(2π·frequency·t) [V, Hz] for ``periods`` periods."""

    amplitude: float
    frequency: float
    periods: float = 2.0
    ramp_steps = 1
    """nanoionic sub-intervals per PWL ramp: thousands of tiny ramps, one Richardson-extrapolated
    sub-interval each is accurate to ~1e-7."""

    @property
    def duration(self) -> float:
        return self.periods / self.frequency

    def points(self):
        n = int(np.ceil(SINE_POINTS * self.periods))
        t = np.linspace(0.0, self.duration, n + 1)
        return t, self.amplitude * np.sin(2 * np.pi * self.frequency * t)

    def spice(self, name: str) -> str:
        return f"V{name} {name} 0 SIN(0 {number(self.amplitude)} {number(self.frequency)})"

    def vacask(self, name: str) -> str:
        return (f'v{name} ({name} 0) vsource type="sine" sinedc=0 ampl={number(self.amplitude)} '
                f"freq={number(self.frequency)}")


@dataclass(frozen=True)
class Pwl:
    """A piecewise-linear drive through (times [s], volts [V]); times strictly increasing."""

    times: tuple
    volts: tuple
    ramp_steps = None
    """nanoionic refines each (few, long) ramp adaptively."""

    @classmethod
    def of(cls, times, volts) -> "Pwl":
        return cls(tuple(map(float, times)), tuple(map(float, volts)))

    @property
    def duration(self) -> float:
        return self.times[-1]

    def points(self):
        return np.asarray(self.times), np.asarray(self.volts)

    def spice(self, name: str) -> str:
        return pwl_source(name, name, "0", self.times, self.volts)

    def vacask(self, name: str) -> str:
        wave = ", ".join(f"{number(t)}, {number(v)}" for t, v in zip(self.times, self.volts))
        return f'v{name} ({name} 0) vsource type="pwl" wave=[{wave}]'


@dataclass(frozen=True)
class CrossCheck:
    """Both simulators' traces at the external simulator's time points and their normalised RMS
    differences."""

    time: np.ndarray
    voltage: np.ndarray
    current_external: np.ndarray
    current_nanoionic: np.ndarray
    states_external: dict
    states_nanoionic: dict
    current_nrms: float
    state_nrms: dict

    @property
    def worst(self) -> float:
        """The largest of the normalised RMS differences."""
        return max([self.current_nrms, *self.state_nrms.values()])


def nrms(test: np.ndarray, reference: np.ndarray, scale: float) -> float:
    """‖test - reference‖_rms / scale."""
    return float(np.sqrt(np.mean((test - reference) ** 2)) / scale)


def pwl_waveform(times, volts) -> Waveform:
    """The piecewise-linear waveform through (times [s], volts [V]) as nanoionic segments."""
    times, volts = np.asarray(times, float), np.asarray(volts, float)
    return Waveform.from_segments(np.diff(times), volts[:-1], volts[1:])


def crosscheck_spice(model, params, drive, *, step: float, method: str = "auto", ramp_steps: int | None = None,
                     spice_options: str = "reltol=1e-6 abstol=1e-15 vntol=1e-9") -> CrossCheck:
    """``drive`` (Sine or Pwl) through ``model`` in nanoionic and in ngspice (trapezoidal, time steps
    ≤ ``step`` [s]), compared at ngspice's accepted time points (its ``interp`` output option
    lags the sources by up to a step, so it is not used)."""
    cm = model.compact(params)
    netlist = "\n".join([library(cm), drive.spice("in"), f"X1 in 0 {subckt_name(cm)}",
                         f".options {spice_options}"])
    vectors = ["v(in)", "i(vin)", *(f"v(x1.x_{s.name})" for s in cm.states)]
    out = run_netlist(netlist, vectors, analysis=f".tran {step!r} {drive.duration!r} 0 {step!r} uic")
    return compare(model, params, drive, out["time"], -out["i(vin)"],
                   {s.name: out[f"v(x1.x_{s.name})"] for s in cm.states}, method, ramp_steps)


def crosscheck_verilog_a(model, params, drive, *, max_step: float, method: str = "auto", ramp_steps: int | None = None,
                         reltol: float = 1e-6, tran_method: str = "trap") -> CrossCheck:
    """The same drive through the exported Verilog-A, compiled by OpenVAF and run by VACASK
    (time steps ≤ ``max_step`` [s]); compared at VACASK's time points."""
    cm = model.compact(params)
    netlist = "\n".join(["nanoionic cross-check", 'load "model.osdi"', "model vsource vsource",
                         f"model dev {subckt_name(cm)}", "ground 0", drive.vacask("in"), "x1 (in 0) dev"])
    analysis = (f'options tran_method="{tran_method}" reltol={reltol!r}\n'
                f"  analysis tran1 tran step={max_step!r} stop={drive.duration!r} maxstep={max_step!r}")
    out = run_transient(module(cm), netlist, analysis=analysis)
    return compare(model, params, drive, out["time"], -out["vin:flow(br)"],
                   {s.name: out[f"x1:x_{s.name}"] for s in cm.states}, method, ramp_steps)


def compare(model, params, drive, t_ext, i_ext, x_ext: dict, method: str = "auto",
            ramp_steps: int | None = None) -> CrossCheck:
    """Integrate nanoionic along ``drive`` saving at the external simulator's times ``t_ext`` [s]
    and compare with its current ``i_ext`` [A] and states ``x_ext`` (name → array). ``method`` and
    ``ramp_steps`` (default: the drive's) go to ``engine.integrate``. Raises CrossCheckError if the
    external run stopped before the end of the drive."""
    cm = model.compact(params)
    times, volts = drive.points()
    if t_ext[-1] < float(times[-1]) * (1 - 1e-9):
        raise CrossCheckError(f"the external simulator stopped at t = {t_ext[-1]:.6g} s, before the end of the drive "
                              f"({times[-1]:.6g} s)")
    ramp_steps = drive.ramp_steps if ramp_steps is None else ramp_steps
    keep = (t_ext >= 0) & (t_ext <= float(times[-1]) * (1 + 1e-12))
    t = t_ext[keep]
    traj = integrate(model, params, pwl_waveform(times, volts), method=method, save=t, ramp_steps=ramp_steps)
    v = np.interp(t, times, volts)
    # the trajectory holds every time of t (they are breakpoints); interpolation just picks them
    states = np.array([np.interp(t, traj.time, traj.state[:, k, 0]) for k in range(len(cm.states))])
    i_ni = model.current(states, v, params)
    x_ni = {s.name: states[k] for k, s in enumerate(cm.states)}
    x_ext = {s.name: np.asarray(x_ext[s.name])[keep] for s in cm.states}
    state_nrms = {}
    for s in cm.states:
        swing = max(float(np.ptp(x_ni[s.name])), 0.01 * (s.high - s.low))
        state_nrms[s.name] = nrms(x_ext[s.name], x_ni[s.name], swing)
    i_ext = np.asarray(i_ext)[keep]
    return CrossCheck(t, v, i_ext, i_ni, x_ext, x_ni, nrms(i_ext, i_ni, float(np.sqrt(np.mean(i_ni ** 2)))), state_nrms)
