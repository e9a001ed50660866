"""Compact formulas (models.compact) equal each exportable model's own equations, and the
printers emit what ngspice and Verilog-A expect."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanoionic.export.expressions import render, wrap
from nanoionic.export.spice import library, subckt_name
from nanoionic.export.verilog_a import module
from nanoionic.models.compact import CompactModel, CompactState, NotExportableError, evaluate
from nanoionic.models.registry import MODELS, get_model
from nanoionic.parameters import load_parameter_set
from nanoionic.physics.conduction import series_divided_voltage

SVDP_PRESETS = ("ZnTPP/AlOx", "NiTPP/AlOx", "CoTPP/AlOx", "FeTPPCl/AlOx", "H2TPP/AlOx")
REVIEW_PRESETS = {"vcm-filament": "W/WOx/Pd", "wox-mobility": "WOx/mobility", "taox-thermal": "TaOx/thermal",
                  "diffusive-drift": "Ag:SiOxNy+drift", "metaplastic-filament": "TaOx/metaplastic"}
FILAMENT_PRESETS = {"ecm-filament": ("Ag/SiO2/Pt",), "vcm-gap": ("Ta2O5/VCM-gap",),
                    "threshold-switch": ("NbO2/selector", "VO2/selector"), "quantum-contact": ("Nb/ZnO/Pt-QPC",),
                    "interface-vcm": ("Pt/Nb:SrTiO3",)}
CASES = ([("linear-drift-joglekar", None), ("linear-drift-biolek", None)] + [("interface-hopping", p) for p in SVDP_PRESETS]
         + [(name, p) for name, preset in REVIEW_PRESETS.items() for p in (None, preset)]
         + [(name, p) for name, presets in FILAMENT_PRESETS.items() for p in (None, *presets)])
# states that are fractions of one inventory (their sum is at most 1): populations, or the two
# filament lengths of ecm-filament (grown from either electrode, the gap is the rest)
INVENTORY_MODELS = ("interface-hopping", "vcm-filament", "ecm-filament")
# states that are counts (quantum-contact's atoms, 0..12): uniform over their range
COUNT_MODELS = ("quantum-contact",)
# models exported only for some parameters: (model, parameter values that stop it, what the error names)
REFUSALS = [("threshold-switch", {"series_resistance": 1e3},
             r"threshold-switch.*series_resistance = 1000 Ohm.*C_th·dθ/dt = G\(θ, V_d\)·V_d².*implicit root")]


def _setup(name, preset):
    model = get_model(name)
    return model, (model.Params() if preset is None else load_parameter_set(preset).params)


def _random_states(model, rng, n):
    """States inside the model's bounds: uniform on [low, high] when the range is at most 1,
    spread logarithmically over it when it is wider (a temperature rise in K, a mobility gain);
    fractions of one inventory uniform on the simplex (the implicit compartment included)."""
    if model.name in INVENTORY_MODELS:
        return rng.dirichlet(np.ones(model.n_states + 1), n).T[:model.n_states]
    u = rng.uniform(0.0, 1.0, (model.n_states, n))
    out = np.empty_like(u)
    for k, (low, high) in enumerate(model.state_bounds):
        span = high - low
        uniform = span <= 1.0 or model.name in COUNT_MODELS
        out[k] = low + (span * u[k] if uniform else np.expm1(u[k] * np.log1p(span)))
    return out


@pytest.mark.parametrize("name,preset", CASES)
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), scale=st.sampled_from([0.1, 1.0, 1.5]))
def test_compact_formulas_equal_the_model(name, preset, seed, scale):
    model, params = _setup(name, preset)
    cm = model.compact(params)
    rng = np.random.default_rng(seed)
    state = _random_states(model, rng, 64)
    v = rng.uniform(-1.5, 1.5, 64) * scale * model.operating_voltage
    current, rates = evaluate(cm, state, v)
    ref = model.rates(state, v, 0.0, params)
    floor = 1e-12 * np.max(np.abs(ref), axis=0, keepdims=True) + 1e-300
    assert np.all(np.abs(rates - ref) <= 1e-9 * np.abs(ref) + floor)
    if cm.series_resistance > 0:  # the compact current is the element's; solve the divider like SPICE does
        vd = series_divided_voltage(v, lambda u: evaluate(cm, state, v, u)[0], cm.series_resistance)
        current = evaluate(cm, state, v, vd)[0]
    np.testing.assert_allclose(current, model.current(state, v, params), rtol=1e-10, atol=1e-30)


@pytest.mark.parametrize("name,preset", CASES)
def test_initial_states_match(name, preset):
    model, params = _setup(name, preset)
    cm = model.compact(params)
    np.testing.assert_allclose([s.initial for s in cm.states], model.initial_state(params, 1)[:, 0])


NOT_EXPLICIT = {"jart-vcm-v1b": r"jart-vcm-v1b.*implicit series equation V = V_S \+ I·\(R_disc.*no closed form"}
"""Two-terminal models whose current has no closed form, and the equation their refusal names."""


def test_every_two_terminal_model_exports_and_the_others_say_why():
    for name, cls in MODELS.items():
        model = cls()
        if name in NOT_EXPLICIT:
            with pytest.raises(NotExportableError, match=NOT_EXPLICIT[name]):
                model.compact(model.Params())
        elif model.terminals:
            with pytest.raises(NotExportableError, match=f"{name}.*couples the terminals {model.terminals[0]}"):
                model.compact(model.Params())
        else:
            assert model.compact(model.Params()).name == name
    # two-terminal models that some parameters make non-explicit say which equation stops them
    for name, values, reason in REFUSALS:
        model = get_model(name)
        with pytest.raises(NotExportableError, match=reason):
            model.compact(dataclasses.replace(model.Params(), **values))


def test_per_device_parameters_are_refused_with_their_names():
    model = get_model("linear-drift-biolek")
    params = model.Params(on_resistance=np.array([100.0, 200.0]))
    with pytest.raises(NotExportableError, match="on_resistance"):
        model.compact(params)


@pytest.mark.parametrize("text,message", [
    ("x.real", "Attribute"), ("foo(x)", "only the functions"), ("a < b < c", "chained"),
    ("x +", "cannot parse"), ("[x]", "List"),
])
def test_expressions_outside_the_neutral_syntax_are_refused(text, message):
    with pytest.raises(NotExportableError, match=message):
        CompactModel("toy", {}, (CompactState("x", text, 0.0, 0.0, 1.0),), current="vd")


def test_undefined_names_are_refused():
    with pytest.raises(NotExportableError, match=r"undefined names \['y'\]"):
        CompactModel("toy", {}, (CompactState("x", "y * v", 0.0, 0.0, 1.0),), current="vd")
    with pytest.raises(NotExportableError, match="vd"):  # vd is only defined for the current
        CompactModel("toy", {}, (CompactState("x", "vd", 0.0, 0.0, 1.0),), current="vd")


def test_printing_maps_power_ternary_and_names():
    out = render("where(a > 0, a ** 2, -b)", lambda n: f"P_{n}", "test")
    assert out == "(((P_a > 0.0)) ? (pow(P_a, 2.0)) : ((-P_b)))"
    assert render("sin(a)", lambda n: f"P_{n}", "test") == "sin(P_a)"  # quantum-contact's pinning


def test_wrap_keeps_indentation_and_all_words():
    line = "    " + " ".join(f"w{k}" for k in range(100))
    wrapped = wrap(line, width=40, continuation="+ ")
    assert wrapped.startswith("    w0")
    assert all(len(x) <= 40 for x in wrapped.splitlines())
    assert wrapped.replace("\n+ ", " ").split() == line.split()


def test_spice_and_verilog_a_name_states_params_and_series_resistance():
    model, params = _setup("interface-hopping", "ZnTPP/AlOx")
    cm = model.compact(params)
    lib, va = library(cm), module(cm)
    c0 = f"{model.initial_state(params, 1)[1, 0]:.6g}"  # pristine coordinated fraction
    assert f".subckt {subckt_name(cm)} p n params:" in lib and "Rs p d {p_r_s}" in lib
    assert "Cx_c x_c 0 1 IC={x0_c}" in lib and f"x0_c={c0}" in lib
    assert "Cx_h4 x_h4 0 1 IC={x0_h4}" in lib  # the hole-trap occupancies are states too
    assert f"module {subckt_name(cm)}(p, n);" in va and f"parameter real x0_c = {c0};" in va
    assert "I(p, d) <+ V(p, d) / p_r_s;" in va
    frozen = library(cm, frozen=True)
    assert "Cx_" not in frozen and f"x_c={c0}" in frozen
