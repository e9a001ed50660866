"""fit.calibrate: recovers known parameters from synthetic data, deterministically, and rejects
bad starts with the project's error format."""

import math
import re

import numpy as np
import pytest

import nanoionic as ni
from nanoionic._core.units import EV
from nanoionic.fit import Bound, FreeParameter, Target, calibrate

TRAIN = "read 5 V for 100 ms; repeat 5 { pulse 10 V for 100 ms; wait 100 ms; read 5 V for 100 ms; wait 300 ms }"
BASE = ni.Device("ZnTPP/AlOx")
TRUE = {"release_barrier": BASE.params.release_barrier, "conductance_density": BASE.params.conductance_density}
FREE = [FreeParameter("release_barrier", TRUE["release_barrier"] - 0.2 * EV, TRUE["release_barrier"] + 0.2 * EV, "eV"),
        FreeParameter("conductance_density", 10.0, 1e4, "log")]


def evaluate(values):
    g = ni.read_conductance(ni.simulate(BASE.replace(**values), TRAIN, save="reads")).values
    return {"g_first_uS": g[0] * 1e6, "g_last_uS": g[-1] * 1e6}


def synthetic_targets():
    measured = evaluate(TRUE)
    return [Target(k, v, 0.01) for k, v in measured.items()]


def test_recovers_known_parameters_from_a_perturbed_start():
    start = {"release_barrier": TRUE["release_barrier"] + 0.03 * EV,
             "conductance_density": 1.5 * TRUE["conductance_density"]}
    result = calibrate(evaluate, FREE, synthetic_targets(), start, max_evaluations=60)
    assert result.cost < 1e-8
    for name, value in TRUE.items():
        assert result.values[name] == pytest.approx(value, rel=1e-4), name


def test_same_call_gives_the_same_numbers():
    start = {"release_barrier": TRUE["release_barrier"] - 0.02 * EV,
             "conductance_density": 0.8 * TRUE["conductance_density"]}
    targets = synthetic_targets()
    a = calibrate(evaluate, FREE, targets, start, max_evaluations=20)
    b = calibrate(evaluate, FREE, targets, start, max_evaluations=20)
    assert a.values == b.values and a.history == b.history


def test_target_and_bound_residuals():
    assert Target("x", 10.0, 0.1).residual(10.0 * math.e) == pytest.approx(10.0)
    assert Target("x", -10.0, 0.1).residual(5.0) > 10  # wrong sign is a large residual, not NaN
    assert Bound("y", low=0.0, scale=0.5).residual(-1.0) == pytest.approx(2.0)
    assert Bound("y", high=1.0).residual(0.5) == 0.0
    assert np.isfinite(Bound("y", low=0.0).residual(float("nan")))


def test_start_outside_its_range_names_the_parameter():
    start = {"release_barrier": 2.0 * EV, "conductance_density": 100.0}
    with pytest.raises(ni.ParameterError, match=r"start\['release_barrier'\]"):
        calibrate(evaluate, FREE, synthetic_targets(), start)


def test_missing_quantity_is_reported():
    with pytest.raises(ni.ParameterError, match="did not return"):
        calibrate(evaluate, FREE, [Target("nonexistent", 1.0, 0.1)],
                  {"release_barrier": 1.6 * EV, "conductance_density": 100.0}, max_evaluations=2)


SQUARE = [FreeParameter("a", 0.1, 10.0, "log")]


def _square(values):
    return {"y": values["a"] ** 2}


@pytest.mark.parametrize("make, name", [
    (lambda: Target("y", math.nan, 0.1), "value"),
    (lambda: Target("y", 0.0, 0.1), "value"),
    (lambda: Target("y", 1.0, 0.0), "tolerance"),
    (lambda: Target("y", 1.0, -0.1), "tolerance"),
    (lambda: Bound("y", low=math.nan), "low"),
    (lambda: Bound("y", low=5.0, high=1.0), "high"),
    (lambda: Bound("y"), "low"),
    (lambda: Bound("y", low=1.0, scale=0.0), "scale"),
    (lambda: FreeParameter("a", "1", 2.0), "low/high"),
    (lambda: calibrate(_square, SQUARE, [Target("y", 4.0, 0.1)], {"a": 1.0}, max_evaluations=0), "max_evaluations"),
    (lambda: calibrate(_square, SQUARE, [Target("y", 4.0, 0.1)], {"a": 1.0}, max_evaluations=1.5), "max_evaluations"),
    (lambda: calibrate(_square, SQUARE, [Target("y", 4.0, 0.1)], {"a": 1.0}, diff_step=math.nan), "diff_step"),
    (lambda: calibrate(_square, [], [Target("y", 4.0, 0.1)], {"a": 1.0}), "free"),
    (lambda: calibrate(_square, SQUARE * 2, [Target("y", 4.0, 0.1)], {"a": 1.0}), "free"),
    (lambda: calibrate(_square, SQUARE, [], {"a": 1.0}), "targets"),
    (lambda: calibrate(lambda v: None, SQUARE, [Target("y", 4.0, 0.1)], {"a": 1.0}), "evaluate"),
    (lambda: calibrate(lambda v: {"y": "x"}, SQUARE, [Target("y", 4.0, 0.1)], {"a": 1.0}), "evaluate(...)['y']"),
    (lambda: calibrate(_square, SQUARE, [Target("y", 4.0, 0.1)], {"a": "1"}), "start['a']"),
])
def test_bad_fit_inputs_name_the_argument(make, name):
    with pytest.raises(ni.ParameterError, match=f"'{re.escape(name)}' parameter"):
        make()


def test_a_simulation_that_only_returns_nan_is_an_error_not_a_fit():
    with pytest.raises(ni.ParameterError, match=r"non-finite values for \['y'\]"):
        calibrate(lambda v: {"y": math.nan}, SQUARE, [Target("y", 4.0, 0.1)], {"a": 1.0}, max_evaluations=20)


def _identity(values):
    return {"y": values["a"], "z": 2.0 * values["a"], "ab": values["a"] * values.get("b", 1.0)}


@pytest.mark.parametrize("scale", ["linear", "log"])
def test_standard_error_is_the_tolerance_propagated_to_the_parameter(scale):
    """y = a matched to 4 with a 10 % tolerance: residual ln(a/4)/0.1, so (closed form) the standard
    error of a is 0.1·a = 0.4 at the optimum, on either scale."""
    result = calibrate(_identity, [FreeParameter("a", 1.0, 10.0, scale)], [Target("y", 4.0, 0.1)], {"a": 3.0},
                       max_evaluations=40)
    assert result.values["a"] == pytest.approx(4.0, rel=1e-6)
    assert result.standard_errors["a"] == pytest.approx(0.4, rel=1e-3)
    assert result.identifiability.ok


def test_a_parameter_the_targets_cannot_see_is_reported_undetermined():
    """Only the product a·b is targeted: one direction is free, both get an infinite error."""
    free = [FreeParameter("a", 0.5, 8.0, "log"), FreeParameter("b", 0.5, 8.0, "log")]
    result = calibrate(_identity, free, [Target("ab", 4.0, 0.1)], {"a": 1.0, "b": 1.0}, max_evaluations=40)
    assert result.values["a"] * result.values["b"] == pytest.approx(4.0, rel=1e-3)
    assert sorted(result.identifiability.undetermined) == ["a", "b"]
    assert math.isinf(result.standard_errors["a"]) and math.isinf(result.standard_errors["b"])


def test_cross_validation_predicts_the_group_left_out():
    """y and z both follow from a: a fit on either predicts the other exactly; the rows say so."""
    from nanoionic.fit import cross_validate_targets

    targets = [Target("y", 4.0, 0.1, group="first"), Target("z", 8.0, 0.1, group="second"),
               Bound("ab", low=0.0, high=100.0, group="third")]
    free = [FreeParameter("a", 1.0, 10.0, "log"), FreeParameter("b", 0.5, 2.0)]
    held = cross_validate_targets(_identity, free, targets, {"a": 3.0, "b": 1.0}, max_evaluations=40)
    by_group = {h.group: h for h in held}
    assert sorted(by_group) == ["first", "second", "third"]
    (row,) = by_group["first"].rows
    assert row["quantity"] == "y" and row["predicted"] == pytest.approx(4.0, rel=1e-5) and row["within"]
    (row,) = by_group["second"].rows
    assert row["predicted"] == pytest.approx(8.0, rel=1e-5) and abs(row["error"]) < 1e-5
    (row,) = by_group["third"].rows
    assert row["within"] and row["error"] is None and row["target"] == [0.0, 100.0]


def test_cross_validation_needs_two_groups():
    from nanoionic.fit import cross_validate_targets

    with pytest.raises(ni.ParameterError, match="at least two groups"):
        cross_validate_targets(_identity, [FreeParameter("a", 1.0, 10.0)], [Target("y", 4.0, 0.1, group="g")], {"a": 3.0})


def test_cross_validation_can_leave_out_chosen_groups_only():
    from nanoionic.fit import cross_validate_targets

    targets = [Target("y", 4.0, 0.1, group="first"), Target("z", 8.0, 0.1, group="second")]
    held = cross_validate_targets(_identity, [FreeParameter("a", 1.0, 10.0)], targets, {"a": 3.0},
                                  leave_out=("second",), max_evaluations=40)
    assert [h.group for h in held] == ["second"]
    with pytest.raises(ni.ParameterError, match="leave_out"):
        cross_validate_targets(_identity, [FreeParameter("a", 1.0, 10.0)], targets, {"a": 3.0}, leave_out=("third",))
