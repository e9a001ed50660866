"""Crossbar physics: ideal mode = single devices, Kirchhoff's law, R -> 0 limit, a dense
reference solve, sneak-path suppression by selectors, energy, errors."""

import numpy as np
import pytest
import scipy.optimize
from hypothesis import given, settings
from hypothesis import strategies as st

import nanoionic as ni
from nanoionic import IntegrationError, ParameterError
from nanoionic.models.base import conductance
from nanoionic.circuit import (HI_PATTERN, Lines, Network, NodalSolver, PulseScheme, Selector, cell_read,
                               frames_to_drive, read_scheme, write_scheme)

PIXEL = ni.Device("ZnTPP/AlOx").pixel()


def test_ideal_array_equals_single_devices_pixel_by_pixel():
    frames = ni.FIG4_CASES["case4"].with_inputs(4).frames(seed=0)
    res = ni.simulate(ni.Crossbar(PIXEL, 8, 8), frames)
    scheme = PulseScheme()
    for (i, j) in [(1, 1), (0, 0), (3, 2)]:  # word, noise, word
        single = ni.read_conductance(ni.simulate(PIXEL, scheme.pixel_protocol(frames[:, i, j]), save="reads")).values
        np.testing.assert_allclose(res["conductance"].values[:, i, j], single, rtol=1e-10)


def test_ideal_array_energy_matches_a_finely_sampled_single_device():
    res = ni.simulate(ni.Crossbar(PIXEL, 1, 1), "pulse 10 V for 100 ms; read 5 V for 100 ms")
    fine = ni.simulate(PIXEL, "pulse 10 V for 100 ms", save=np.linspace(0, 0.1, 4001))
    p = fine["current"].values * fine["voltage"].values
    reference = np.sum(0.5 * (p[1:] + p[:-1]) * np.diff(fine["time"].values))
    assert res["energy"].values[0, 0, 0] == pytest.approx(reference, rel=1e-6)


def test_per_cell_parameters_spread_the_response_and_are_seeded():
    dev = PIXEL.replace()
    dev = ni.Device("ZnTPP/AlOx", variability={"conductance_density": 0.1}).pixel()
    frames = ni.FIG4_CASES["case2"].with_inputs(2).frames()
    a = ni.simulate(ni.Crossbar(dev, 8, 8), frames, seed=5)["conductance"].values
    b = ni.simulate(ni.Crossbar(dev, 8, 8), frames, seed=5)["conductance"].values
    np.testing.assert_array_equal(a, b)
    assert np.std(a[-1][HI_PATTERN]) > 0


def resistive(n, r_line, selector=None, **kw):
    return ni.Crossbar(PIXEL, n, n, mode="resistive", line_resistance=r_line, selector=selector, **kw)


def test_kirchhoff_holds_at_every_node_during_writes_and_reads():
    targets = np.where(HI_PATTERN, 10.0, 0.0)
    drive = write_scheme(targets, scheme="V/3", width=0.05, gap=0.05)
    res = ni.simulate(resistive(8, 2.5, driver_resistance=10.0, sense_resistance=10.0), drive)
    assert res.attrs["max_kcl_residual"] < 1e-9
    res = ni.simulate(resistive(8, 2.5, selector=Selector()), read_scheme(8, 8, voltage=5.0, width=1e-3))
    assert res.attrs["max_kcl_residual"] < 1e-9


@given(n=st.integers(2, 6), r_line=st.floats(0.1, 50.0), r_drv=st.one_of(st.just(0.0), st.floats(0.1, 100.0)),
       v=st.floats(0.5, 8.0))
@settings(max_examples=15, deadline=None)
def test_current_in_equals_current_out(n, r_line, r_drv, v):
    """Drivers of >= 0.1 Ohm or ideal (0): below ~1 mOhm float64 node voltages resolve the driver
    current only to ~1e-8 relative (the solver then stops at that floor, see nodal.py)."""
    net = Network(n, n, Lines(r_line, r_line, r_drv, r_drv), None)
    state = PIXEL.model.initial_state(PIXEL.params, n * n)
    op = NodalSolver(net).solve(lambda x: PIXEL.model.current(state, x, PIXEL.params),
                                np.full(n, v), np.zeros(n))
    assert op.kcl_residual < 1e-9
    assert np.sum(op.driver_current) == pytest.approx(np.sum(op.sense_current), rel=1e-9)
    assert np.all(op.cell_voltage <= v) and np.all(op.cell_voltage > 0)


def test_vanishing_line_resistance_matches_ideal_mode():
    drive = write_scheme(np.where(HI_PATTERN, 10.0, 0.0), scheme="V/2", width=0.1, gap=0.1)
    ideal = ni.simulate(ni.Crossbar(PIXEL, 8, 8), drive)
    tiny = ni.simulate(resistive(8, 1e-6), drive)
    for name in ("final_mobile", "final_coordinated", "final_interfacial"):
        np.testing.assert_allclose(tiny[name].values, ideal[name].values, rtol=1e-6, atol=1e-12)
    reads = read_scheme(8, 8, voltage=5.0, width=1e-3)
    i_ideal = ni.simulate(ni.Crossbar(PIXEL, 8, 8), reads)["current"].values
    i_tiny = ni.simulate(resistive(8, 1e-6), reads)["current"].values
    np.testing.assert_allclose(i_tiny, i_ideal, rtol=1e-6, atol=1e-6 * np.max(np.abs(i_ideal)))


def test_zero_line_resistance_is_an_exact_short():
    """0 Ω lines merge a line's nodes: all-zero resistances reproduce ideal mode to round-off, and
    0 Ω lines behind 10 Ω drivers and sense resistors match 0.1 mΩ lines (with Kirchhoff's law
    met to 1e-9); a 1 nΩ stand-in for the short used to leave a 15 % residual and 2 % errors."""
    reads = read_scheme(8, 8, voltage=5.0, width=1e-2)
    ideal = ni.simulate(ni.Crossbar(PIXEL, 8, 8), reads)
    short = ni.simulate(ni.Crossbar(PIXEL, 8, 8, mode="resistive"), reads)
    np.testing.assert_allclose(short["current"].values, ideal["current"].values, rtol=1e-12)
    lines = dict(driver_resistance=10.0, sense_resistance=10.0)
    zero = ni.simulate(ni.Crossbar(PIXEL, 8, 8, mode="resistive", line_resistance=0.0, **lines), reads)
    near = ni.simulate(ni.Crossbar(PIXEL, 8, 8, mode="resistive", line_resistance=1e-4, **lines), reads)
    assert zero.attrs["max_kcl_residual"] < 1e-9
    sense = near["sense_current"].values
    np.testing.assert_allclose(zero["sense_current"].values, sense, rtol=1e-5, atol=1e-6 * np.abs(sense).max())
    np.testing.assert_allclose(zero["sense_current"].values, zero["current"].values.sum(axis=-2), rtol=1e-9)


def dense_reference(n, r_line, v_rows, v_cols, state, selector=None):
    """Independent KCL equations written node by node, solved by MINPACK's hybrid method."""
    model, p = PIXEL.model, PIXEL.params
    g = 1.0 / r_line

    def cell(x):
        return model.current(state, x, p)

    def equations(u):
        word, bit = u[:n * n].reshape(n, n), u[n * n:2 * n * n].reshape(n, n)
        mid = u[2 * n * n:].reshape(n, n) if selector else bit
        res_w, res_b = np.zeros((n, n)), np.zeros((n, n))
        i_cell = cell((word - mid).ravel()).reshape(n, n)
        for i in range(n):
            for j in range(n):
                left = v_rows[i] if j == 0 else word[i, j - 1]
                right = word[i, j + 1] if j < n - 1 else None
                res_w[i, j] = g * (word[i, j] - left) + (g * (word[i, j] - right) if right is not None else 0) + i_cell[i, j]
                below = v_cols[j] if i == n - 1 else bit[i + 1, j]
                above = bit[i - 1, j] if i > 0 else None
                i_in = selector.current(mid[i, j] - bit[i, j]) if selector else i_cell[i, j]
                res_b[i, j] = g * (bit[i, j] - below) + (g * (bit[i, j] - above) if above is not None else 0) - i_in
        out = [res_w.ravel() * 1e3, res_b.ravel() * 1e3]
        if selector:
            out.append((i_cell - selector.current(mid - bit)).ravel() * 1e3)
        return np.concatenate(out)

    u0 = np.concatenate([np.repeat(v_rows, n), np.zeros(n * n)] + ([np.repeat(v_rows, n) / 2] if selector else []))
    sol = scipy.optimize.root(equations, u0, method="hybr", options={"xtol": 1e-13})
    assert np.max(np.abs(equations(sol.x))) < 1e-11  # residual currents < 1e-14 A
    word = sol.x[:n * n].reshape(n, n)
    mid = sol.x[2 * n * n:].reshape(n, n) if selector else sol.x[n * n:2 * n * n].reshape(n, n)
    return cell((word - mid).ravel()).reshape(n, n)


@pytest.mark.parametrize("selector", [None, Selector(threshold_voltage=1.5, transition_width=0.2)])
def test_nodal_solver_agrees_with_a_dense_reference(selector):
    n, r = 3, 5.0
    state = PIXEL.model.initial_state(PIXEL.params, n * n)
    state[1] *= np.linspace(0.5, 1.5, n * n)
    v_rows, v_cols = np.array([6.0, 2.0, 0.0]), np.zeros(n)
    net = Network(n, n, Lines(r, r, r, r), selector)
    op = NodalSolver(net).solve(lambda x: PIXEL.model.current(state, x, PIXEL.params), v_rows, v_cols)
    ref = dense_reference(n, r, v_rows, v_cols, state, selector)
    np.testing.assert_allclose(op.cell_current, ref, rtol=1e-8, atol=1e-14)


def test_selectors_cut_sneak_currents_by_orders_of_magnitude():
    sneak = {}
    for key, sel in (("1R", None), ("1S1R", Selector(threshold_voltage=3.0, off_conductance=1e-9, transition_width=0.1))):
        res = ni.simulate(resistive(8, 2.0, selector=sel), cell_read(8, 8, 0, 0, voltage=5.0, width=1e-3), energy=False)
        sneak[key] = res["sense_current"].values[0, 0] - res["current"].values[0, 0, 0]
    assert sneak["1R"] > 0.5 * 1e-4
    assert sneak["1R"] / sneak["1S1R"] > 100


def test_half_selected_cells_are_disturbed_by_writes():
    targets = np.zeros((4, 4))
    targets[0, 0] = 10.0
    drive = write_scheme(targets, scheme="V/2", width=1.0)
    res = ni.simulate(resistive(4, 2.0), drive)
    state = np.stack([res[f"final_{k}"].values.ravel() for k in PIXEL.model.state_names])
    g = conductance(PIXEL.model, state, 5.0, PIXEL.params).reshape(4, 4)
    g0 = conductance(PIXEL.model, PIXEL.model.initial_state(PIXEL.params, 1), 5.0, PIXEL.params)[0]
    assert g[0, 0] > 1.2 * g0  # selected at 10 V: potentiated
    assert g[0, 1] < g0 and g[1, 0] < g0  # half-selected at 5 V: depressed (write disturb)
    # unselected at 0 V (no line current flows to it): exactly a lone pixel left at 0 V as long
    alone = ni.simulate(PIXEL, f"wait {float(np.sum(drive.duration))!r} s", save="end")
    x = np.array([[alone[k].values[-1]] for k in PIXEL.model.state_names])
    assert g[1, 1] == pytest.approx(conductance(PIXEL.model, x, 5.0, PIXEL.params)[0], rel=1e-6)


def test_non_converging_newton_names_the_time_and_the_worst_nodes(monkeypatch):
    import nanoionic.circuit.nodal as nodal
    monkeypatch.setattr(nodal, "MAX_NEWTON", 1)
    with pytest.raises(IntegrationError, match=r"at t = 0 s .*node \(row \d, col \d\)"):
        ni.simulate(resistive(4, 2.0), read_scheme(4, 4, voltage=5.0, width=1e-3))


@pytest.mark.parametrize("kwargs, name", [
    ({"line_resistance": -1.0, "mode": "resistive"}, "line_resistance"),
    ({"driver_resistance": float("nan"), "mode": "resistive"}, "driver_resistance"),
    ({"mode": "spice"}, "mode"),
    ({"line_resistance": 1.0}, "mode"),
])
def test_bad_crossbar_arguments(kwargs, name):
    with pytest.raises(ParameterError, match=name):
        ni.Crossbar(PIXEL, 4, 4, **kwargs)


@pytest.mark.parametrize("make, owner", [
    (lambda: ni.Crossbar(PIXEL, 10**6, 10**6), "Crossbar"),
    (lambda: read_scheme(10**5, 10**5, voltage=5.0, width=1e-3), "read_scheme"),
    (lambda: write_scheme(np.broadcast_to(1.0, (5000, 5000)), width=1e-3), "write_scheme"),  # a view: no memory
])
def test_arrays_beyond_4096_squared_cells_are_refused_up_front(make, owner):
    with pytest.raises(ParameterError, match=f"'rows x cols' parameter of {owner} must be at most 16,777,216 cells"):
        make()


def test_drive_of_the_wrong_size_and_cell_drives_on_passive_arrays_are_refused():
    frames = ni.FIG4_CASES["case2"].with_inputs(1).frames()
    with pytest.raises(ParameterError, match="4×4"):
        ni.simulate(ni.Crossbar(PIXEL, 4, 4), frames)
    with pytest.raises(ParameterError, match="LineDrive"):
        ni.simulate(resistive(8, 1.0), frames_to_drive(frames))


def test_multi_terminal_devices_are_not_crossbar_cells():
    with pytest.raises(ParameterError, match="two-terminal"):
        ni.Crossbar("LixMoS2/4-channel", 2, 2)
