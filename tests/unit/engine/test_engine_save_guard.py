"""A run whose saved time × state × device array would not fit in memory is refused up front."""

import pytest

import nanoionic as ni
from nanoionic.engine import integrate
from nanoionic.protocols import compile_protocol

TRAIN = "repeat 250 { pulse 10 V for 100 ms; wait 100 ms; read 5 V for 100 ms; wait 300 ms }"


def test_dense_save_of_a_million_devices_is_refused_with_advice():
    dev = ni.Device("ZnTPP/AlOx")
    # 1001 saved points (250 inputs x 4 segments + the start) x 1e6 devices x n_states float64 values
    gigabytes = 1001 * 1_000_000 * dev.model.n_states * 8 / 1e9
    with pytest.raises(ni.ParameterError, match=rf"'save'.*{gigabytes:.1f} GB.*save='reads', 'end'"):
        integrate(dev.model, dev.params, compile_protocol(TRAIN), n_devices=1_000_000)


def test_reads_of_a_thousand_devices_are_allowed():
    dev = ni.Device("ZnTPP/AlOx")
    traj = integrate(dev.model, dev.params, compile_protocol(TRAIN), n_devices=1000, save="reads")
    assert traj.state.shape == (250, dev.model.n_states, 1000)
