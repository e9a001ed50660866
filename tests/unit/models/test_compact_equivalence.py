"""The compact (export) formulas of every exportable standard model equal its numpy ``rates`` and
``current``: property test over random states and voltages, defaults and presets.

Both sides are written as the same expression (same smoothing, same clipping), so they agree to
round-off; the tolerance is 1e-12 relative (measured worst cases: ~2e-13 on the rates where a
window is close to its zero, 1e-16 on the currents).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanoionic.models.compact import NotExportableError, evaluate
from nanoionic.models.registry import get_model
from nanoionic.parameters import load_parameter_set

CASES = [("vteam", None), ("vteam-exp", None), ("vteam", "VTEAM/default"), ("yakopcic", None),
         ("yakopcic", "Yakopcic/Xyce-level3"), ("stanford-pku", None), ("stanford-pku", "StanfordPKU/v1.0.0")]


def _setup(name, preset):
    model = get_model(name)
    return model, (model.Params() if preset is None else load_parameter_set(preset).params)


@pytest.mark.parametrize("name,preset", CASES)
@settings(max_examples=60, deadline=None)
@given(fracs=st.lists(st.floats(-0.02, 1.02), min_size=1, max_size=16),
       volts=st.lists(st.floats(-3.0, 3.0), min_size=1, max_size=16))
def test_compact_equals_numpy(name, preset, fracs, volts):
    model, params = _setup(name, preset)
    k = min(len(fracs), len(volts))
    (lo, hi), = model.state_bounds
    x = np.array([lo + (hi - lo) * np.array(fracs[:k])])
    x = np.maximum(x, lo) if name == "yakopcic" else x  # below x_min the windows are not needed
    v = model.operating_voltage * np.array(volts[:k])
    cm = model.compact(params)
    i_c, r_c = evaluate(cm, x, v)
    i_n, r_n = model.current(x, v, params), model.rates(x, v, 0.0, params)
    assert np.all(np.isfinite(i_c)) and np.all(np.isfinite(r_c))
    np.testing.assert_allclose(i_c, i_n, rtol=1e-12, atol=0)
    np.testing.assert_allclose(r_c, r_n, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("name,preset", CASES)
def test_compact_initial_state_and_bounds_match_the_model(name, preset):
    model, params = _setup(name, preset)
    cm = model.compact(params)
    assert [s.name for s in cm.states] == list(model.state_names)
    np.testing.assert_array_equal([s.initial for s in cm.states], model.initial_state(params, 1)[:, 0])
    assert [(s.low, s.high) for s in cm.states] == list(model.state_bounds)


def test_current_is_zero_at_zero_volts_in_compact_form():
    for name, preset in CASES:
        model, params = _setup(name, preset)
        x = model.initial_state(params, 3)
        i_c, _ = evaluate(model.compact(params), x, np.zeros(3))
        assert np.all(i_c == 0.0), name


def test_jart_says_which_equation_stops_the_export():
    model = get_model("jart-vcm-v1b")
    with pytest.raises(NotExportableError, match="implicit series equation"):
        model.compact(model.Params())
