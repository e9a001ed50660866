"""Images → array drives: the SVDP paper's pixel pulse scheme, noise frames and the Fig. 4 cases.

An input frame is a (rows, cols) array of intensities in [0, 1]. Every input drives each pixel
with a write pulse of ``intensity × write_voltage`` (no pulse at intensity 0) for ``W``, a rest
``T1``, a read of every pixel at ``read_voltage`` for ``W`` and a rest ``T2`` (Wang et al.'s
S_target = 10/5 V: write 10 V, read 5 V; W = 100 ms, T1 = 100 ms, T2 = 300 ms). One read before
the first input gives the initial conductance map.

Noise frames: a fraction of the background pixels (intensity 0 in the image), drawn afresh for
every input from a seeded generator, shows up at ``noise_amplitude`` (S_noise = 6 V is 0.6 of
10 V).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from nanoionic._core.errors import param_error
from nanoionic._core.validation import check_seed
from nanoionic._core.units import format_quantity
from nanoionic.circuit.drive import CellDrive
from nanoionic.protocols.waveform import KIND

HI_PATTERN = np.array([[c == "#" for c in row] for row in (
    "........",
    ".#..#.#.",
    ".#..#...",
    ".####.#.",
    ".#..#.#.",
    ".#..#.#.",
    ".#..#.#.",
    "........",
)])
"""The 8×8 word "Hi" of the paper's Fig. 4 (True = word pixel; 19 of 64)."""


@dataclass(frozen=True)
class PulseScheme:
    """Timing and amplitudes of one input (Wang et al., Fig. 4)."""

    write_voltage: float = 10.0
    """Write amplitude of a full-intensity pixel [V]."""
    read_voltage: float = 5.0
    """Read voltage [V] (conductance = I/V at the end of the read)."""
    width: float = 0.1
    """W: write and read pulse width [s]."""
    gap_after_write: float = 0.1
    """T1: rest at 0 V between write and read [s]."""
    gap_after_read: float = 0.3
    """T2: rest at 0 V after the read [s]."""
    read_all: bool = False
    """True: every pixel is read in every input. False (the paper's S = write/read pairs): only
    the pixels written in that input are read; the others are left alone, and their conductance
    in the maps is what a read would give, looked at without disturbing them."""

    def __post_init__(self):
        for name in ("write_voltage", "read_voltage", "width"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value > 0):
                raise param_error(name, "PulseScheme", "a finite value > 0", value)
        for name in ("gap_after_write", "gap_after_read"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value >= 0):
                raise param_error(name, "PulseScheme", "a finite value >= 0 s", value)

    def pixel_protocol(self, intensities) -> str:
        """Protocol text of one pixel for its intensity in each input (the same drive as
        :func:`frames_to_drive` gives that pixel)."""
        w, r = format_quantity(self.width, "s"), format_quantity(self.read_voltage, "V")
        t1, t2 = format_quantity(self.gap_after_write, "s"), format_quantity(self.gap_after_read, "s")
        lines = [f"read {r} for {w}"]
        for x in np.asarray(intensities, dtype=float).ravel():
            write = f"pulse {format_quantity(x * self.write_voltage, 'V')} for {w}" if x > 0 else f"wait {w}"
            read = f"read {r} for {w}" if x > 0 or self.read_all else f"wait {w}"
            lines.append(f"{write}; wait {t1}; {read}; wait {t2}")
        return "\n".join(lines)


def check_frames(frames) -> np.ndarray:
    """(n_inputs, rows, cols) float intensities in [0, 1], or a clear error."""
    arr = np.asarray(frames, dtype=float)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[0] < 1 or min(arr.shape[1:]) < 1:
        raise param_error("frames", "stimulus", "an image (rows, cols) or frames (n_inputs, rows, cols)", np.shape(frames))
    if not np.all(np.isfinite(arr)):
        raise param_error("frames", "stimulus", "finite intensities in [0, 1]", "NaN or inf")
    if np.any((arr < 0) | (arr > 1)):
        raise param_error("frames", "stimulus", "intensities in [0, 1]", float(arr[(arr < 0) | (arr > 1)][0]))
    return arr


def frames_to_drive(frames, scheme: PulseScheme = PulseScheme()) -> CellDrive:
    """The per-cell drive of a sequence of input frames (see module docstring)."""
    frames = check_frames(frames)
    n, rows, cols = frames.shape
    zero = np.zeros((rows, cols))
    read = np.full((rows, cols), scheme.read_voltage)
    durations, volts, kinds, labels = [scheme.width], [read], [KIND["read"]], [-1]
    for k in range(n):
        read_k = read if scheme.read_all else np.where(frames[k] > 0, scheme.read_voltage, 0.0)
        per_input = [(scheme.width, frames[k] * scheme.write_voltage, KIND["pulse"] if np.any(frames[k] > 0) else KIND["wait"]),
                     (scheme.gap_after_write, zero, KIND["wait"]), (scheme.width, read_k, KIND["read"]),
                     (scheme.gap_after_read, zero, KIND["wait"])]
        for duration, v, kind in per_input:
            if duration > 0:
                durations.append(duration), volts.append(v), kinds.append(kind), labels.append(k)
    return CellDrive.build(durations, np.stack(volts), kind=kinds, label=labels, probe_voltage=scheme.read_voltage)


def noise_frames(image, n_inputs: int, *, fraction: float, amplitude: float, seed: int | None) -> np.ndarray:
    """``n_inputs`` copies of ``image`` (intensities in [0, 1]) in which a random ``fraction`` of
    the background pixels (intensity 0) shows ``amplitude``, drawn afresh for every input."""
    image = check_frames(image)
    if image.shape[0] != 1:
        raise param_error("image", "noise_frames", "one 2-D image", image.shape)
    if not isinstance(n_inputs, (int, np.integer)) or n_inputs < 1:
        raise param_error("n_inputs", "noise_frames", "an integer >= 1", n_inputs)
    if not (np.isfinite(fraction) and 0 <= fraction <= 1):
        raise param_error("noise fraction", "noise_frames", "a fraction in [0, 1]", fraction)
    if not (np.isfinite(amplitude) and 0 <= amplitude <= 1):
        raise param_error("noise amplitude", "noise_frames", "an intensity in [0, 1]", amplitude)
    rng = np.random.default_rng(check_seed(seed, "noise_frames"))
    frames = np.repeat(image, n_inputs, axis=0)
    background = image[0] == 0
    noisy = (rng.random(frames.shape) < fraction) & background
    frames[noisy] = amplitude
    return frames


@dataclass(frozen=True)
class Scenario:
    """One of the paper's Fig. 4 cases: which pixels get which pulses, for how many inputs."""

    name: str
    description: str
    n_inputs: int
    noise_fraction: float = 0.0
    """Fraction of background pixels that are noise pixels."""
    noise_amplitude: float = 0.0
    """Intensity of noise pixels' write pulses (0 = they get only the reads) [1]."""
    scheme: PulseScheme = PulseScheme()

    def frames(self, pattern=HI_PATTERN, seed: int | None = 0) -> np.ndarray:
        """The scenario's input frames on ``pattern`` (True = word pixel)."""
        image = np.asarray(pattern, dtype=float)
        return noise_frames(image, self.n_inputs, fraction=self.noise_fraction, amplitude=self.noise_amplitude, seed=seed)

    def noise_mask(self, pattern=HI_PATTERN) -> np.ndarray | None:
        """Background pixels that count as noise pixels (None if the case has none)."""
        return ~np.asarray(pattern, dtype=bool) if self.noise_fraction > 0 else None

    def with_inputs(self, n_inputs: int) -> "Scenario":
        return replace(self, n_inputs=n_inputs)


FIG4_CASES = {
    "case1": Scenario("case1", "word only, a single input, no background", n_inputs=1),
    "case2": Scenario("case2", "word only, 30 inputs at S_target = 10/5 V, no background", n_inputs=30),
    "case3": Scenario("case3", "word 30 inputs; background noise pixels get no pulses (no S_noise, so no "
                      "write and no 5 V read) and relax on their own; their conductance is probed without "
                      "disturbing them", n_inputs=30, noise_fraction=1.0, noise_amplitude=0.0),
    "case4": Scenario("case4", "word 30 inputs at S_target = 10/5 V; noise pixels S_noise = 6/5 V",
                      n_inputs=30, noise_fraction=1.0, noise_amplitude=0.6),
}
"""The four cases of Wang et al.'s Fig. 4 (paper text: cases 1 and 2 have no background; case 3
leaves the background noise to spontaneous decay; case 4 trains it with 6 V pulses)."""


def load_image(path, shape: tuple[int, int] | None = None) -> np.ndarray:
    """A PNG (or any format matplotlib reads) as intensities in [0, 1], grey = luminance mean,
    optionally block-resized to ``shape`` (rows, cols) by area averaging / nearest repetition."""
    import matplotlib.image as mpimg

    path = Path(path)
    if not path.is_file():
        raise param_error("image", "load_image", "an existing image file", str(path))
    try:
        img = np.asarray(mpimg.imread(path), dtype=float)
    except (OSError, ValueError, SyntaxError) as exc:
        raise param_error("image", "load_image", f"a readable PNG ({exc})", str(path)) from None
    if img.ndim == 3:
        img = img[..., :3].mean(axis=2) if img.shape[2] >= 3 else img[..., 0]
    if img.max() > 1:
        img = img / 255.0
    img = check_frames(img)[0]
    return img if shape is None else resize(img, shape)


def resize(image, shape: tuple[int, int]) -> np.ndarray:
    """Resize an intensity image to ``shape`` (rows, cols): each output pixel is the mean of the
    input pixels whose centres fall in it (nearest input pixel when upsampling)."""
    image = check_frames(image)[0]
    rows, cols = (int(s) for s in shape)
    if rows < 1 or cols < 1:
        raise param_error("shape", "resize", "positive (rows, cols)", shape)
    out = np.empty((rows, cols))
    r_idx = np.minimum((np.arange(image.shape[0]) + 0.5) * rows // image.shape[0], rows - 1).astype(int)
    c_idx = np.minimum((np.arange(image.shape[1]) + 0.5) * cols // image.shape[1], cols - 1).astype(int)
    total = np.zeros((rows, cols))
    count = np.zeros((rows, cols))
    np.add.at(total, (r_idx[:, None], c_idx[None, :]), image)
    np.add.at(count, (r_idx[:, None], c_idx[None, :]), 1.0)
    empty = count == 0
    nearest_r = np.minimum(((np.arange(rows) + 0.5) * image.shape[0] / rows).astype(int), image.shape[0] - 1)
    nearest_c = np.minimum(((np.arange(cols) + 0.5) * image.shape[1] / cols).astype(int), image.shape[1] - 1)
    out[:] = np.where(empty, image[nearest_r[:, None], nearest_c[None, :]], total / np.maximum(count, 1))
    return out
