"""fit: the losses by hand, and ``ni.fit`` / ``cross_validate`` / ``FitResult`` on small synthetic
traces (polarity found from the data, batch isolation of a too-slow parameter set, prediction
of a held-out trace, the TOML a device loads, one clear error per kind of bad input, budgets,
determinism).

The synthetic traces are ZnTPP/AlOx pulse trains (a linear model: the exact method, ~0.1 s a
fit) with 2 % multiplicative Gaussian noise: a fit "at the noise level" has an NRMS within
[0.5, 1.5]·2 % (for n samples the NRMS of the noise itself is 2 % ± 2 %/√(2n), ±0.25 % here).
The log loss's floor is set below every current, the noise being purely multiplicative.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import re
import tomllib

import numpy as np
import pytest

import nanoionic as ni
from nanoionic._core.errors import ParameterError
from nanoionic.data import Measurement
from nanoionic.engine._plan import MAX_STEPS, OK
from nanoionic.fit.evaluate import Trace, prepare, simulate_batch
from nanoionic.fit.instrument import instrument_model, with_instrument
from nanoionic.fit.loss import nrms, trace_residuals

NOISE = 0.02
FLOOR = 1e-16
"""[A] below every simulated current: the noise is multiplicative only."""
DEVICE = "ZnTPP/AlOx"
FREE = {"conductance_density": (10.0, 1e4, "log"), "sinh_voltage": (0.5, 50.0, "log")}
OFF = {"conductance_density": 3 * 341.815, "sinh_voltage": 2.81601 / 3}  # the preset's values ×3 and ÷3


def pulses(levels, reps=4):
    """Each level ``reps`` times as a 100 ms pulse followed by a 100 ms read at 1 V, sampled at
    the end of every segment (32 samples for four levels)."""
    v = np.array([x for level in levels for _ in range(reps) for x in (level, 1.0)])
    return 0.1 * np.arange(1, v.size + 1), v


def synthetic(levels, *, seed=1, mirror=False, name="pulses") -> Measurement:
    """The preset's current along the pulse train with 2 % noise; ``mirror``: the device is wired
    the other way round (it sees -V, the ammeter reads -I)."""
    dev = ni.Device(DEVICE)
    t, v = pulses(levels)
    sign = -1.0 if mirror else 1.0
    drive = Measurement(t, sign * v, np.zeros_like(t), interpolation="step")
    i = ni.simulate(dev, drive.waveform(), save=drive.sample_times()).current.values
    noisy = sign * i * (1 + NOISE * np.random.default_rng(seed).standard_normal(t.size))
    return Measurement(t, v, noisy, interpolation="step", name=name)


@pytest.fixture(scope="module")
def train():
    return synthetic((8.0, 12.0, 4.0, 10.0), seed=1, name="train")


@pytest.fixture(scope="module")
def other():
    return synthetic((6.0, 11.0, 9.0, 5.0), seed=2, name="other")


def at_noise_level(value):
    return 0.5 * NOISE < value < 1.5 * NOISE


# ----------------------------------------------------------------------------------- losses
def test_linear_loss_sum_of_squares_is_the_squared_nrms():
    """meas (1, -2, 2), sim (1.3, -2, 1.6): Σ(sim - meas)² = 0.09 + 0 + 0.16 = 0.25, Σ meas² = 9,
    so NRMS = √(0.25/9) = 1/6 and the residuals' sum of squares is 1/36."""
    meas, sim = np.array([1.0, -2.0, 2.0]), np.array([1.3, -2.0, 1.6])
    r = trace_residuals(sim[:, None], meas, np.ones(3), "linear", 1.0)
    assert r.shape == (3, 1)
    assert np.sum(r**2) == pytest.approx(1 / 36, rel=1e-14)
    assert nrms(sim, meas) == pytest.approx(1 / 6, rel=1e-14)
    assert np.sum(trace_residuals(np.zeros((3, 1)), meas, np.ones(3), "linear", 1.0) ** 2) == pytest.approx(1.0)


def test_zero_weight_removes_a_sample():
    """Weights (1, 1, 0): Σ w·meas² = 5, Σ w·(sim - meas)² = 0.09 whatever the third sample is."""
    meas, w = np.array([1.0, -2.0, 2.0]), np.array([1.0, 1.0, 0.0])
    for third in (1.6, 2.0, -1e6):
        sim = np.array([1.3, -2.0, third])
        for loss in ("linear", "log", "mix"):
            r = trace_residuals(sim[:, None], meas, w, loss, 1e-3)
            assert np.all(r[2::3] == 0.0)  # the third sample of each part
        r = trace_residuals(sim[:, None], meas, w, "linear", 1.0)
        assert np.sum(r**2) == pytest.approx(0.09 / 5, rel=1e-14)
        assert nrms(sim, meas, w) == pytest.approx(math.sqrt(0.09 / 5), rel=1e-14)


def test_log_loss_is_the_log_ratio_far_above_the_floor():
    """asinh(I/2f) = sign(I)·[ln(|I|/f) + (f/I)² + O((f/I)⁴)]: with |I| >= 1e-3 A and f = 1e-12 A
    the difference of two values is ln(I_sim/I_meas) to 1e-18; tolerance 1e-12 (float64)."""
    meas = np.array([1e-3, -2e-3, 5e-3, -1e-2])
    ratio = np.array([1.02, 0.5, 3.0, 1.0])
    r = trace_residuals((meas * ratio)[:, None], meas, np.ones(4), "log", 1e-12)[:, 0]
    assert np.allclose(r * math.sqrt(4), np.sign(meas) * np.log(ratio), rtol=0, atol=1e-12)
    assert np.sum(r**2) == pytest.approx(np.mean(np.log(ratio) ** 2), rel=1e-10)


def test_log_loss_is_finite_and_smooth_through_zero_and_sign_changes():
    """d asinh(I/2f)/dI = 1/√(4f² + I²) <= 1/(2f): the residual is Lipschitz in I_sim with that
    constant (divided by √n), so it passes zero and changes sign without a jump."""
    f = 1e-9
    sim = np.linspace(-10 * f, 10 * f, 2001)
    for meas in (0.0, 3 * f, -3 * f):
        r = trace_residuals(sim[None, :], np.array([meas]), np.ones(1), "log", f)[0]
        assert np.all(np.isfinite(r))
        assert np.max(np.abs(np.diff(r))) <= (sim[1] - sim[0]) / (2 * f) * (1 + 1e-9)
    assert trace_residuals(np.zeros((1, 1)), np.zeros(1), np.ones(1), "log", f)[0, 0] == 0.0
    # opposite signs far above the floor: |r| = 2·asinh(|I|/2f) ≈ 2·ln(|I|/f) = 2 ln 1e6
    r = trace_residuals(np.array([[-1e-3]]), np.array([1e-3]), np.ones(1), "log", 1e-9)[0, 0]
    assert r == pytest.approx(-2 * math.log(1e6), rel=1e-12)


def test_mix_loss_weighs_each_part_by_half():
    meas, sim = np.array([1.0, -2.0, 2.0]), np.array([1.3, -2.0, 1.6])
    parts = {loss: np.sum(trace_residuals(sim[:, None], meas, np.ones(3), loss, 1e-3) ** 2)
             for loss in ("linear", "log", "mix")}
    assert parts["mix"] == pytest.approx(0.5 * parts["linear"] + 0.5 * parts["log"], rel=1e-14)


# ------------------------------------------------------------------------- polarity "auto"
def test_polarity_auto_finds_a_mirrored_device():
    """Data of a device wired the other way round, fitted from a start off by ×3 without mirroring
    them: the fit picks polarity -1 and reaches the noise level. (With polarity +1 it cannot:
    the model's negative-bias branch has another shape; its best NRMS is ~0.28.)"""
    meas = synthetic((8.0, 12.0, 4.0, 10.0), mirror=True)
    res = ni.fit(DEVICE, meas, FREE, start=OFF, floor=FLOOR, n_starts=32, max_simulations=400)
    assert res.nuisance["polarity"] == -1
    assert res.converged, res.message
    assert at_noise_level(res.nrms["pulses"]), res.nrms
    wrong = ni.fit(DEVICE, meas, FREE, start=OFF, floor=FLOOR, n_starts=32, max_simulations=400,
                   nuisance={"polarity": 1})
    assert wrong.nuisance["polarity"] == 1 and wrong.nrms["pulses"] > 5 * NOISE


# -------------------------------------------------------------------------- batch isolation
def test_a_too_slow_parameter_set_fails_alone():
    """Yakopcic with A_p = 1e15 /s (the preset has 4000 /s) switches in femtoseconds: rk45 cannot
    finish the sine in 500 steps. In a batch of three it is isolated (the batch is split until
    it runs alone) and reported with the max-steps status and NaN at every sample; the other two
    end up in runs of their own, so their currents equal single-device runs bit for bit."""
    dev = ni.Device("Yakopcic/knowm-LTspice")
    t = np.linspace(0.0, 0.02, 100)
    prep = prepare(Trace(Measurement(t, np.sin(2 * np.pi * 100 * t), np.zeros_like(t))))
    model = instrument_model(dev.model)
    base = with_instrument(dev.params, model.Params)
    rates = np.array([4000.0, 1e15, 8000.0])
    out = simulate_batch(model, dataclasses.replace(base, ap=rates), prep, 3, method="rk45", max_steps=500)
    assert out.current.shape == (100, 3)
    assert list(out.status) == [OK, MAX_STEPS, OK]
    assert np.all(np.isnan(out.current[:, 1]))
    for k in (0, 2):
        alone = simulate_batch(model, dataclasses.replace(base, ap=rates[k]), prep, 1, method="rk45", max_steps=500)
        assert alone.status[0] == OK
        assert np.array_equal(out.current[:, k], alone.current[:, 0])
    # the slow set alone: the same status, and a NaN column as long as the trace (not cut where
    # the engine stopped)
    alone = simulate_batch(model, dataclasses.replace(base, ap=1e15), prep, 1, method="rk45", max_steps=500)
    assert alone.current.shape == (100, 1) and np.all(np.isnan(alone.current)) and alone.status[0] == MAX_STEPS


# ------------------------------------------------------------- prediction and validation
@pytest.fixture(scope="module")
def fitted(train, other):
    return ni.fit(DEVICE, train, FREE, start=OFF, floor=FLOOR, n_starts=8, max_simulations=300, holdout=[other],
                  nuisance={"polarity": 1})


def test_fitted_trace_and_held_out_trace_are_at_the_noise_level(fitted, other):
    assert fitted.converged, fitted.message
    assert at_noise_level(fitted.nrms["train"])
    assert at_noise_level(fitted.holdout_nrms["other"])
    again = fitted.predict(other)
    assert np.array_equal(again.simulated, fitted.holdout[0].simulated)
    truth = ni.Device("ZnTPP/AlOx").params  # the synthetic traces come from the preset
    for name in ("conductance_density", "sinh_voltage"):
        assert abs(fitted.z_scores({name: getattr(truth, name)})[name]) < 4.0


def test_profile_is_the_quadratic_of_the_standard_errors(fitted):
    """Near the optimum cost(x) = cost* + ½·δᵀJᵀJ·δ. Moving one parameter by δ = k·SE with the
    other held costs ½·k²·SE²·(JᵀJ)_jj = ½·k²·s²/(1 - ρ²) for two parameters (SE² = s²·[(JᵀJ)⁻¹]_jj
    and [(JᵀJ)⁻¹]_jj·(JᵀJ)_jj = 1/(1 - ρ²)), with s² = 2·cost*/(m - p), m = 32 samples, p = 2.
    The profile spans ±3 SE in 7 points: k = -3 … 3. Tolerance 5 %: the cubic term of a log
    coordinate over ±3 SE is ~1 % here."""
    profiles = fitted.profile(n=7)
    s2 = 2 * fitted.cost / (32 - 2)
    rho = fitted.correlation[0, 1]
    for name, (values, cost) in profiles.items():
        x = np.log(values)
        se = fitted.x_standard_errors[name]
        assert np.allclose(np.diff(x), se, rtol=1e-9)
        assert values[3] == pytest.approx(fitted.values[name], rel=1e-12)
        assert cost[3] == pytest.approx(fitted.cost, rel=1e-9) and int(np.argmin(cost)) == 3
        k = np.array([-3, -2, -1, 1, 2, 3])
        rise = np.delete(cost, 3) - fitted.cost
        assert np.allclose(rise, 0.5 * k**2 * s2 / (1 - rho**2), rtol=0.05, atol=0.0)


def test_cross_validate_two_traces(train, other):
    cv = ni.cross_validate(DEVICE, [train, other], FREE, start=OFF, floor=FLOOR, n_starts=8, max_simulations=300,
                           nuisance={"polarity": 1})
    assert len(cv.folds) == 2 and len(cv.predicted) == 2
    table = cv.table()
    # the keys the CLI table and plotting.cross_validation_figures read
    assert [set(row) for row in table] == [{"held_out", "fit_nrms", "predicted_nrms", "predicted_log_rms",
                                            "converged"}] * 2
    assert [row["held_out"] for row in table] == ["train", "other"]
    for fold, row, kept in zip(cv.folds, table, ("other", "train")):
        assert list(fold.nrms) == [kept] and row["fit_nrms"] == fold.nrms[kept]
        assert row["converged"] is True
        assert at_noise_level(row["predicted_nrms"]) and at_noise_level(row["fit_nrms"])
    assert "held out" in cv.summary()


def test_cross_validate_needs_two_traces(train):
    with pytest.raises(ParameterError, match=re.escape("'data' parameter of cross_validate must be at least 2 traces")):
        ni.cross_validate(DEVICE, [train], FREE)


def test_to_toml_is_a_device_with_the_fitted_values_and_the_data_hash(tmp_path, train):
    path = train.to_csv(tmp_path / "train.csv")
    meas = ni.read_measurement(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert meas.sha256 == digest
    res = ni.fit(DEVICE, meas, FREE, start=OFF, floor=FLOOR, n_starts=4, max_simulations=200, nuisance={"polarity": 1})
    out = res.to_toml(tmp_path / "fitted.toml")
    dev = ni.Device(str(out))
    preset = ni.Device(DEVICE)
    for f in dataclasses.fields(preset.params):
        expected = res.values.get(f.name, getattr(preset.params, f.name))
        assert getattr(dev.params, f.name) == expected, f.name  # repr round trip: exact
    record = tomllib.loads(out.read_text())["meta"]["fit"]
    assert record["data"][0]["sha256"] == digest and record["data"][0]["path"] == str(path)
    assert record["seed"] == 0 and record["converged"] is res.converged
    assert {name: spec["value"] for name, spec in record["free"].items()} == res.values
    # simulate runs it: the fitted trace again, to round-off (the fit's own path evaluates the
    # current through the instrument wrapper; 1e-12 leaves room for a different operation order)
    run = ni.simulate(dev, meas.waveform(), save=meas.sample_times())
    assert np.allclose(run.current.values, res.traces[0].simulated, rtol=1e-12, atol=0.0)


# ------------------------------------------------------------------------------- bad input
def _trace_of_wrong_state(train):
    return Trace(train, state0=np.zeros(3))


BAD = [
    (dict(free={"conductance_densty": (10.0, 1e4)}),
     "Unknown free parameter of fit 'conductance_densty'. Did you mean 'conductance_density'?"),
    (dict(free={"sinh_voltage": (5.0, 5.0)}),
     "The 'low/high' parameter of FreeParameter 'sinh_voltage' must be finite with low < high. Got (5.0, 5.0)"),
    (dict(free={"sinh_voltage": (5.0, 1.0)}),
     "The 'low/high' parameter of FreeParameter 'sinh_voltage' must be finite with low < high. Got (5.0, 1.0)"),
    (dict(free={"migration_distance": (1e-12, 1e-9, "log")}),
     "The 'free['migration_distance'].low' parameter of fit must be >= 1e-11 m (the parameter's physical range is "
     "[1e-11, 1e-07] m). Got 1e-12"),
    (dict(free={"conductance_density": (10.0, 1e13, "log")}),
     "The 'free['conductance_density'].high' parameter of fit must be <= 1e+12 S/m^2 (the parameter's physical range "
     "is [0, 1e+12] S/m^2). Got 10000000000000.0"),
    (dict(start={"conductance_density": 5.0}),
     "The start of free parameter 'conductance_density' of fit must lie in its bounds [10, 10000]. Got 5.0"),
    (dict(start={"area": 1e-8}), "Unknown start of fit (not a free parameter) 'area'."),
    (dict(data=[]), "The 'data' parameter of fit must be a Measurement, a Trace, or a non-empty list of them. "
     "Got 'list'"),
    (dict(data=lambda m: [m, "train.csv"]), "The 'data[1]' parameter of fit must be a Measurement or a Trace. "
     "Got 'str'"),
    (dict(loss="l2"), "The 'loss' parameter of fit must be one of linear, log, mix. Got 'l2'"),
    (dict(method="euler"), "The 'method' parameter of fit must be one of auto, exact, rk45, implicit. Got 'euler'"),
    (dict(floor=-1e-12), "The 'floor' parameter of fit must be None or a current > 0 A (the log loss's noise floor). "
     "Got -1e-12"),
    (dict(floor=0.0), "The 'floor' parameter of fit must be None or a current > 0 A"),
    (dict(seed=-1), "The 'seed' parameter of fit must be an integer >= 0 (every random draw takes a seed). Got -1"),
    (dict(seed=1.5), "The 'seed' parameter of fit must be an integer >= 0 (every random draw takes a seed). Got 1.5"),
    (dict(n_starts=-1), "The 'n_starts' parameter of fit must be an integer >= 0. Got -1"),
    (dict(nuisance={"curent_offset": 0.0}),
     "Unknown nuisance parameter of fit 'curent_offset'. Did you mean 'current_offset'?"),
    (dict(nuisance={"polarity": 0}), "The 'nuisance['polarity']' parameter of fit must be +1, -1 or 'auto'. Got 0"),
    (dict(nuisance={"polarity": True}),
     "The 'nuisance['polarity']' parameter of fit must be +1, -1 or 'auto'. Got True"),
    (dict(nuisance={"voltage_offset": 20.0}), "The 'nuisance['voltage_offset']' parameter of fit must be a number in "
     "[-10, 10] V. Got 20.0"),
    (dict(nuisance=["polarity"]), "The 'nuisance' parameter of fit must be a dict {name: value}. Got ['polarity']"),
    (dict(free={**FREE, "current_offset": (-1e-6, 1e-6)}, nuisance={"current_offset": 0.0}),
     "The 'nuisance['current_offset']' parameter of fit must be left out when the parameter is free"),
    # ZnTPP/AlOx has its own series resistance: the instrument adds none
    (dict(nuisance={"series_resistance": 10.0}), "The 'nuisance['series_resistance']' parameter of fit must be left "
     "out: the model has its own parameter of this name"),
    (dict(data=_trace_of_wrong_state), "The 'data[0].state0' parameter of fit must be a finite array of the model's 9 "
     "states ['mobile', 'coordinated', 'interfacial', 'bound_main_1', 'bound_main_2', 'trap_1', 'trap_2', 'trap_3', "
     "'trap_4']. Got (3,)"),
]


@pytest.mark.parametrize("change, message", BAD, ids=[re.sub(r"\W+", "_", m[:40]) for _, m in BAD])
def test_bad_input_is_one_clear_error(train, change, message):
    args = {"data": train, "free": FREE, **change}
    if callable(args["data"]):
        args["data"] = args["data"](train)
    data, free = args.pop("data"), args.pop("free")
    with pytest.raises(ParameterError) as err:
        ni.fit(DEVICE, data, free, **args)
    assert message in str(err.value)


# ------------------------------------------------------------------------ budgets, seeds
@pytest.mark.parametrize("budget", [dict(max_simulations=3), dict(max_time=1e-9)])
def test_a_spent_budget_returns_finite_values_and_says_so(train, budget):
    res = ni.fit(DEVICE, train, FREE, start=OFF, floor=FLOOR, n_starts=8, nuisance={"polarity": 1}, **budget)
    assert res.converged is False
    assert "budget was spent" in res.message
    assert all(math.isfinite(v) for v in res.values.values())
    assert all(not math.isnan(v) for v in res.standard_errors.values())
    assert all(math.isfinite(t.nrms) for t in res.traces)
    assert "NOT CONVERGED" in res.summary()


def test_the_simulation_budget_holds_everything(train, other):
    """max_simulations counts every simulation, the final Jacobian and the optimum's included:
    two traces, 2 free parameters, 40 simulations. (The budget stops the local fit here.)"""
    res = ni.fit(DEVICE, [train, other], FREE, start=OFF, floor=FLOOR, n_starts=16, max_simulations=40)
    assert res.converged is False and 30 < res.n_simulations <= 40


def test_same_seed_same_numbers_other_seed_still_finite(train):
    def run(seed):
        return ni.fit(DEVICE, train, FREE, start=OFF, floor=FLOOR, n_starts=8, max_simulations=200, seed=seed)

    a, b, c = run(7), run(7), run(8)
    assert a.values == b.values and a.standard_errors == b.standard_errors and a.cost == b.cost
    assert a.nuisance == b.nuisance and a.history == b.history
    assert np.array_equal(a.traces[0].simulated, b.traces[0].simulated)
    assert c.seed == 8 and all(math.isfinite(v) for v in c.values.values()) and math.isfinite(c.cost)
