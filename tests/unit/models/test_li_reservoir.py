"""Coupled Li reservoir: the inventory is conserved exactly under any drive of the four terminals,
devices couple only through it, and multi-terminal protocols are checked."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nanoionic as ni
from nanoionic.models.li_reservoir import total_li

DEVICE = ni.Device("LixMoS2/4-channel")
step = st.tuples(st.sampled_from(["pulse", "wait", "sweep"]), st.floats(-6.0, 6.0), st.floats(1e-4, 2e-2))


def protocol_text(steps):
    parts = []
    for kind, v, t in steps:
        if kind == "wait" or abs(v) < 1e-3:
            parts.append(f"wait {t!r} s")
        elif kind == "pulse":
            parts.append(f"pulse {v!r} V for {t!r} s")
        else:
            parts.append(f"sweep 0 V -> {v!r} V -> 0 V at {abs(v) / t!r} V/s")
    return "; ".join(parts)


@given(drives=st.dictionaries(st.sampled_from(["D0", "D1", "D2", "D3"]), st.lists(step, min_size=1, max_size=4),
                              min_size=1, max_size=4),
       region=st.integers(0, 4), inventory=st.floats(0.05, 3.0))
@settings(max_examples=25, deadline=None)
def test_li_inventory_is_conserved_to_1e_12(drives, region, inventory):
    dev = DEVICE.replace(initial_region=region, initial_inventory=inventory)
    res = ni.simulate(dev, {k: protocol_text(v) for k, v in drives.items()})
    states = np.stack([res[k].values for k in dev.model.state_names])
    total = total_li(states)
    np.testing.assert_allclose(total, inventory, rtol=1e-12, atol=0)
    assert np.all(states >= 0.0)


def test_devices_couple_only_through_the_inventory():
    """A channel with no Li anywhere near it does not move, whatever its neighbours do."""
    dev = DEVICE.replace(initial_region=0, initial_inventory=1.0)
    res = ni.simulate(dev, {"D0": "repeat 5 { pulse 5 V for 10 ms; wait 10 ms }"})
    assert res["channel_3"].values[-1] < 1e-9
    assert res["channel_0"].values[-1] > 0.1


def test_multi_terminal_protocol_errors():
    with pytest.raises(ni.ParameterError, match="terminal"):
        ni.simulate(DEVICE, {"D7": "wait 1 ms"})
    with pytest.raises(ni.ParameterError, match="dict"):
        ni.simulate(DEVICE, "pulse 5 V for 1 ms")
    with pytest.raises(ni.ParameterError, match="two terminals"):
        ni.simulate(ni.Device("WOx/mobility"), {"D0": "wait 1 ms"})
    with pytest.raises(ni.ParameterError, match="method"):
        ni.simulate(DEVICE, {"D0": "wait 1 ms"}, method="exact")
