"""Array drives and image stimuli: shapes, the paper's pulse scheme, seeds, bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nanoionic import ParameterError, compile_protocol
from nanoionic.circuit import (FIG4_CASES, HI_PATTERN, CellDrive, LineDrive, PulseScheme, cell_read, frames_to_drive,
                               noise_frames, read_scheme, write_scheme)
from nanoionic.circuit.stimulus import load_image, resize
from nanoionic.protocols.waveform import KIND


def test_hi_pattern_is_the_word_hi():
    assert HI_PATTERN.shape == (8, 8)
    assert HI_PATTERN.sum() == 19
    assert not HI_PATTERN[0].any() and not HI_PATTERN[-1].any()


def test_frames_to_drive_follows_the_papers_scheme():
    frames = np.zeros((2, 8, 8))
    frames[:, HI_PATTERN] = 1.0
    drive = frames_to_drive(frames, PulseScheme())
    # initial read, then per input: write, T1, read, T2
    assert drive.n_segments == 1 + 2 * 4
    np.testing.assert_allclose(drive.duration, [0.1] + [0.1, 0.1, 0.1, 0.3] * 2)
    assert list(drive.kind[:5]) == [KIND["read"], KIND["pulse"], KIND["wait"], KIND["read"], KIND["wait"]]
    write = drive.v_start[1]
    assert np.all(write[HI_PATTERN] == 10.0) and np.all(write[~HI_PATTERN] == 0.0)
    # only written pixels are read (the paper's S = write/read pairs), all of them initially
    assert np.all(drive.v_start[0] == 5.0)
    assert np.all(drive.v_start[3][HI_PATTERN] == 5.0) and np.all(drive.v_start[3][~HI_PATTERN] == 0.0)
    assert drive.probe_voltage == 5.0


def test_pixel_protocol_text_gives_the_same_drive_as_the_frames():
    frames = FIG4_CASES["case4"].with_inputs(3).frames(seed=1)
    scheme = PulseScheme()
    direct = frames_to_drive(frames, scheme)
    grid = np.empty(frames.shape[1:], dtype=object)
    for (i, j), _ in np.ndenumerate(grid):
        grid[i, j] = compile_protocol(scheme.pixel_protocol(frames[:, i, j]))
    merged = CellDrive.from_waveforms(grid)
    np.testing.assert_allclose(merged.duration, direct.duration, rtol=1e-12)
    np.testing.assert_allclose(merged.v_start, direct.v_start)
    np.testing.assert_array_equal(merged.kind == KIND["read"], direct.kind == KIND["read"])


@given(seed=st.integers(0, 2**32 - 1), fraction=st.floats(0, 1), n=st.integers(1, 5))
@settings(max_examples=30, deadline=None)
def test_noise_frames_are_seeded_and_touch_only_the_background(seed, fraction, n):
    image = HI_PATTERN.astype(float)
    a = noise_frames(image, n, fraction=fraction, amplitude=0.6, seed=seed)
    b = noise_frames(image, n, fraction=fraction, amplitude=0.6, seed=seed)
    np.testing.assert_array_equal(a, b)
    assert np.all(a[:, HI_PATTERN] == 1.0)
    assert set(np.unique(a[:, ~HI_PATTERN])) <= {0.0, 0.6}
    if fraction == 1.0:
        assert np.all(a[:, ~HI_PATTERN] == 0.6)


def test_noise_frames_change_from_input_to_input():
    frames = noise_frames(HI_PATTERN.astype(float), 4, fraction=0.3, amplitude=0.6, seed=3)
    assert not np.array_equal(frames[0], frames[1])


@pytest.mark.parametrize("kwargs, name", [
    ({"fraction": 1.5, "amplitude": 0.6}, "noise fraction"),
    ({"fraction": -0.1, "amplitude": 0.6}, "noise fraction"),
    ({"fraction": 0.3, "amplitude": 2.0}, "noise amplitude"),
])
def test_bad_noise_parameters_are_named(kwargs, name):
    with pytest.raises(ParameterError, match=name):
        noise_frames(HI_PATTERN.astype(float), 3, seed=0, **kwargs)


@pytest.mark.parametrize("seed", [None, -1, 0.5])
def test_noise_frames_need_a_seed(seed):
    with pytest.raises(ParameterError, match="'seed' parameter of noise_frames"):
        noise_frames(HI_PATTERN.astype(float), 3, fraction=0.3, amplitude=0.6, seed=seed)


def test_bad_images_are_rejected_clearly():
    bad = np.zeros((8, 8))
    bad[2, 2] = np.nan
    with pytest.raises(ParameterError, match="finite intensities"):
        frames_to_drive(bad)
    with pytest.raises(ParameterError, match=r"intensities in \[0, 1\]"):
        frames_to_drive(np.full((8, 8), 2.0))
    with pytest.raises(ParameterError, match="frames"):
        frames_to_drive(np.zeros((2, 2, 2, 2)))


def test_png_round_trip_and_resize(tmp_path):
    import matplotlib.image as mpimg
    path = tmp_path / "hi.png"
    mpimg.imsave(path, np.kron(HI_PATTERN.astype(float), np.ones((4, 4))), cmap="gray", vmin=0, vmax=1)
    img = load_image(path, shape=(8, 8))
    assert img.shape == (8, 8)
    np.testing.assert_allclose(img, HI_PATTERN.astype(float), atol=0.02)
    np.testing.assert_allclose(resize(HI_PATTERN.astype(float), (16, 16))[::2, ::2], HI_PATTERN.astype(float))
    with pytest.raises(ParameterError, match="image"):
        load_image(tmp_path / "missing.png")


def test_write_scheme_v2_biases_half_selected_lines():
    targets = np.zeros((3, 3))
    targets[1, [0, 2]] = 10.0
    drive = write_scheme(targets, scheme="V/2", width=0.1)
    assert drive.n_segments == 1
    cells = drive.rows[0][:, None] - drive.cols[0][None, :]
    assert np.all(cells[targets == 10.0] == 10.0)
    assert np.max(np.abs(cells[targets == 0.0])) == 5.0
    v3 = write_scheme(targets, scheme="V/3", width=0.1)
    cells3 = v3.rows[0][:, None] - v3.cols[0][None, :]
    assert np.max(np.abs(cells3[targets == 0.0])) == pytest.approx(10 / 3)


def test_line_drive_checks():
    with pytest.raises(ParameterError, match="at least one driven line"):
        LineDrive.build([1e-3], np.full((1, 2), np.nan), np.full((1, 2), np.nan))
    with pytest.raises(ParameterError, match="duration"):
        LineDrive.build([-1.0], np.zeros((1, 2)), np.zeros((1, 2)))
    with pytest.raises(ParameterError, match="floating"):
        cell_read(3, 3, 0, 0, voltage=1.0, width=1e-3).ideal_cell_voltages()
    assert read_scheme(4, 3, voltage=1.0, width=1e-3).n_segments == 4


@pytest.mark.parametrize("make, name", [
    (lambda: LineDrive.build([0.01], [[5.0, 0.0]], [[0.0, 0.0]], selected_row=[7]), "selected_row"),
    (lambda: LineDrive.build([0.01], [[5.0, 0.0]], [[0.0, 0.0]], label=[1, 2]), "label"),
    (lambda: CellDrive.build([0.01], np.zeros((1, 2, 2)), label=[0.5]), "label"),
    (lambda: write_scheme(np.ones((2, 2)), width="1 ms"), "width"),
])
def test_drive_builders_check_indices_and_widths(make, name):
    with pytest.raises(ParameterError, match=f"'{name}' parameter"):
        make()
