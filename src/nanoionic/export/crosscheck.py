"""Drive one waveform through nanoionic's engine and through ngspice on the exported subcircuit,
and measure how far apart the currents and states are.

Normalised RMS differences: current ‖I_spice - I_ni‖_rms / ‖I_ni‖_rms; each state
‖x_spice - x_ni‖_rms / (max - min of x_ni), floored at 1 % of the state's bound range (a state
that barely moves is not judged against its own tiny swing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nanoionic.engine import integrate
from nanoionic.export.ngspice import run_netlist
from nanoionic.export.spice import library, pwl_source, subckt_name
from nanoionic.protocols.waveform import Waveform


@dataclass(frozen=True)
class CrossCheck:
    """Both simulators' traces on ngspice's output grid and their normalised RMS differences."""

    time: np.ndarray
    voltage: np.ndarray
    current_ngspice: np.ndarray
    current_nanoionic: np.ndarray
    states_ngspice: dict
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


def crosscheck(model, params, times, volts, *, step: float, method: str = "auto",
               spice_options: str = "reltol=1e-6 abstol=1e-15 vntol=1e-9") -> CrossCheck:
    """Run the PWL waveform (times [s], volts [V]) through ``model`` in both simulators.

    ngspice writes its results on a uniform grid of ``step`` [s] (``.options interp``); nanoionic
    saves its states at the same times and computes the current from them.
    """
    cm = model.compact(params)
    netlist = "\n".join([library(cm), pwl_source("in", "in", "0", times, volts),
                         f"X1 in 0 {subckt_name(cm)}", f".options interp {spice_options}"])
    vectors = ["v(in)", "i(vin)", *(f"v(x1.x_{s.name})" for s in cm.states)]
    t_end = float(times[-1])
    out = run_netlist(netlist, vectors, analysis=f".tran {step!r} {t_end!r} 0 {step!r} uic")
    t = out["time"]
    keep = t <= t_end * (1 + 1e-12)
    t = t[keep]
    traj = integrate(model, params, pwl_waveform(times, volts), method=method, save=t)
    v = np.interp(t, times, volts)
    # the trajectory holds every time of t (they are breakpoints); interpolation just picks them
    states = np.array([np.interp(t, traj.time, traj.state[:, k, 0]) for k in range(len(cm.states))])
    i_ni = model.current(states, v, params)
    i_sp = -out["i(vin)"][keep]
    x_ni = {s.name: states[k] for k, s in enumerate(cm.states)}
    x_sp = {s.name: out[f"v(x1.x_{s.name})"][keep] for s in cm.states}
    state_nrms = {}
    for s in cm.states:
        swing = max(float(np.ptp(x_ni[s.name])), 0.01 * (s.high - s.low))
        state_nrms[s.name] = nrms(x_sp[s.name], x_ni[s.name], swing)
    return CrossCheck(t, v, i_sp, i_ni, x_sp, x_ni, nrms(i_sp, i_ni, float(np.sqrt(np.mean(i_ni ** 2)))), state_nrms)
