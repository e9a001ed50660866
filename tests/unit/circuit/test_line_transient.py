"""Crossbar transient on a time grid (circuit.line_transient): the block Gauss-Seidel fast path
for ohmic cells equals the sparse Newton solver, Kirchhoff's law holds, and bad grids are refused."""

import numpy as np
import pytest

from nanoionic._core.errors import ParameterError
from nanoionic.circuit.line_transient import _Network, line_transient
from nanoionic.circuit.nodal import Lines, Network, NodalSolver
from nanoionic.models.registry import get_model

LINES = Lines(word_segment=1.0, bit_segment=1.0, driver_resistance=10.0, sense_resistance=10.0)


def _drive(n, n_t=401, stop=0.5):
    """Half a 1 Hz sine (positive) on the word lines, row amplitudes 0.8..1.5 V; row 1 floating."""
    times = np.linspace(0.0, stop, n_t)
    v_rows = np.sin(2 * np.pi * 1.0 * times)[:, None] * np.linspace(0.8, 1.5, n)[None, :]
    v_rows[:, 1] = np.nan  # a floating word line
    return times, v_rows, np.zeros((n_t, n))


def test_fast_path_equals_newton_solver_and_meets_kcl():
    model = get_model("linear-drift-biolek")
    params = model.Params()
    rng = np.random.default_rng(3)
    state = rng.uniform(0.0, 1.0, (1, 36))
    v_row, v_col = np.array([1.0, np.nan, -0.5, 0.7, 0.0, 1.2]), np.array([0.0, 0.3, 0.0, 0.0, -0.2, 0.0])
    fast = _Network(model, params, LINES, 6, 6, 1e-13)
    assert fast.fast
    v_fast = fast.cell_voltages(state, v_row, v_col)
    op = NodalSolver(Network(6, 6, LINES, None)).solve(lambda v: model.current(state, v, params), v_row, v_col)
    np.testing.assert_allclose(v_fast, op.cell_voltage.ravel(), rtol=0, atol=1e-10)


def test_transient_fast_and_newton_paths_agree():
    model = get_model("linear-drift-joglekar")
    params = model.Params()
    times, v_rows, v_cols = _drive(5)
    x0 = model.initial_state(params, 25)
    fast = line_transient(model, params, LINES, times, v_rows, v_cols, x0)
    slow_lines = Lines(1.0, 1.0, 10.0, 0.0)  # a zero sense resistance turns the fast path off
    assert not _Network(model, params, slow_lines, 5, 5, 1e-12).fast
    assert fast.newton_solves == 0 and fast.sweeps > 0
    # same network through Newton: compare on the same lines by forcing the slow path
    net = _Network(model, params, LINES, 5, 5, 1e-12)
    net.fast = False
    v_newton = net.cell_voltages(fast.state, v_rows[-1], v_cols[-1])
    v_fast = _Network(model, params, LINES, 5, 5, 1e-13).cell_voltages(fast.state, v_rows[-1], v_cols[-1])
    np.testing.assert_allclose(v_fast, v_newton, atol=1e-10)
    assert np.ptp(fast.state) > 0.05  # the drive moves the states


def test_step_refinement_converges_at_second_order():
    """Heun's method: halving the step cuts the final-state error by ~4."""
    model = get_model("linear-drift-biolek")
    params = model.Params()
    finals = []
    for n_t in (101, 201, 401, 801):
        times, v_rows, v_cols = _drive(4, n_t=n_t)
        finals.append(line_transient(model, params, LINES, times, v_rows, v_cols, model.initial_state(params, 16)).state)
    e1, e2 = np.abs(finals[1] - finals[3]).max(), np.abs(finals[2] - finals[3]).max()
    assert 3.0 < e1 / e2 < 6.0, (e1, e2)


@pytest.mark.parametrize("times", [[0.0], [0.0, 0.0, 1.0], [[0.0, 1.0]], [0.0, np.inf, 2.0]])
def test_bad_time_grids_are_refused(times):
    model = get_model("linear-drift-biolek")
    with pytest.raises(ParameterError, match="times"):
        line_transient(model, model.Params(), LINES, times, np.zeros((3, 2)), np.zeros((3, 2)), np.zeros((1, 4)))


def _bad_inputs():
    ok = dict(times=[0.0, 0.5, 1.0], v_rows=np.zeros((3, 2)), v_cols=np.zeros((3, 2)), state0=np.zeros((1, 4)))
    return [
        ({"v_rows": np.zeros(3)}, "v_rows"),
        ({"v_rows": np.full((3, 2), np.inf)}, "v_rows"),
        ({"v_cols": np.zeros((3, 0))}, "v_cols"),
        ({"state0": np.zeros((1, 3))}, "state0"),
        ({"state0": np.full((1, 4), np.nan)}, "state0"),
        ({"probes": [10]}, "probes"),
        ({"probes": [-1]}, "probes"),
        ({"tol": np.nan}, "tol"),
    ], ok


@pytest.mark.parametrize("change, name", _bad_inputs()[0])
def test_bad_drives_states_and_probes_are_named(change, name):
    model = get_model("linear-drift-biolek")
    args = {**_bad_inputs()[1], **change}
    probes = args.pop("probes", None)
    tol = args.pop("tol", 1e-10)
    with pytest.raises(ParameterError, match=f"'{name}' parameter of line_transient"):
        line_transient(model, model.Params(), LINES, args["times"], args["v_rows"], args["v_cols"], args["state0"],
                       probes=probes, tol=tol)


def test_cells_as_conductive_as_the_lines_fall_back_to_newton():
    """100 Ohm cells on 1 kOhm line segments: block Gauss-Seidel does not converge within
    MAX_SWEEPS, the Newton solver takes over and gives the same transient as Newton throughout."""
    model = get_model("linear-drift-biolek")
    params = model.Params(on_resistance=100.0, off_resistance=200.0)
    lines = Lines(1e3, 1e3, 10.0, 10.0)
    times, v_rows, v_cols = _drive(4, n_t=41)
    x0 = model.initial_state(params, 16)
    first = line_transient(model, params, lines, times, v_rows, v_cols, x0)
    assert first.newton_solves > 0
    net = _Network(model, params, lines, 4, 4, 1e-10)
    net.fast = False
    np.testing.assert_allclose(first.cell_current.ravel(),
                               model.current(first.state, net.cell_voltages(first.state, v_rows[-1], v_cols[-1]), params),
                               rtol=1e-8, atol=1e-15)
