"""Reproduction of the SVDP paper's Fig. 4 (S10–S12): an 8×8 ZnTPP/AlOx array filters the
background out of the word "Hi", plus the array-design checks the paper does not make
(sneak currents of a passive read with and without selectors).

Array pixels are the ZnTPP/AlOx preset with the parameter set's ``[pixel]`` geometry (area);
the material parameters are the single-device ones. The four cases are
``circuit.stimulus.FIG4_CASES``; every pixel is driven by its own signal (ideal mode), as in the
paper, where each pixel receives its converted photodetector signal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from nanoionic._core.errors import param_error
from nanoionic.circuit import FIG4_CASES, HI_PATTERN, Selector, cell_read, frames_to_drive
from nanoionic.reproductions._common import Reproduction, compare, load_targets
from nanoionic.simulation import Crossbar, Device, simulate

MAP_INPUTS = (0, 1, 5, 10, 20, 30)
"""Inputs after which the conductance maps are drawn (0 = before the first input)."""
SNEAK_SIZES = (2, 4, 8, 16, 32)
SNEAK_LINE_RESISTANCE = 2.0
"""Word/bit-line resistance per cell pitch of the sneak-path study [Ω]."""
SNEAK_SELECTOR = Selector(threshold_voltage=3.0, on_conductance=1e-2, off_conductance=1e-9, transition_width=0.1)
STEPS = tuple(FIG4_CASES) + ("sneak paths",)


def case_metrics(result, pattern: np.ndarray, noise_mask: np.ndarray | None, n_inputs: int) -> dict:
    """Word and noise mean conductance [µS] per read, their ends, and the end contrast."""
    g = result["conductance"].values * 1e6
    word = g[:, pattern].mean(axis=1)
    noise = g[:, noise_mask].mean(axis=1) if noise_mask is not None else None
    energy = result["energy"].values if "energy" in result else None
    return {
        "n_inputs": n_inputs,
        "word_initial_uS": float(word[0]), "word_final_uS": float(word[-1]),
        "noise_initial_uS": None if noise is None else float(noise[0]),
        "noise_final_uS": None if noise is None else float(noise[-1]),
        "contrast": float(word[-1] / noise[-1]) if noise is not None else None,
        "word_mean_uS": word.tolist(), "noise_mean_uS": None if noise is None else noise.tolist(),
        "word_energy_per_write_J": _energy_per_pulse(energy, pattern),
        "noise_energy_per_write_J": None if noise_mask is None else _energy_per_pulse(energy, noise_mask),
    }


def _energy_per_pulse(energy, mask) -> float | None:
    """Mean energy [J] of the pulses that delivered any to the masked cells."""
    if energy is None:
        return None
    e = energy[:, mask]
    delivered = e[np.abs(e) > 0]
    return float(delivered.mean()) if delivered.size else 0.0


def sneak_study(pixel: Device, sizes=SNEAK_SIZES, read_voltage: float = 5.0) -> dict:
    """Read the corner cell (0, 0) of N×N arrays of pristine pixels, every other line floating
    (sneak paths open): sensed current vs the cell's own current, without and with selectors."""
    out = {"size": list(sizes), "without_selector": [], "with_selector": []}
    for n in sizes:
        for key, selector in (("without_selector", None), ("with_selector", SNEAK_SELECTOR)):
            xb = Crossbar(pixel, n, n, mode="resistive", line_resistance=SNEAK_LINE_RESISTANCE, selector=selector)
            drive = cell_read(n, n, 0, 0, voltage=read_voltage, width=1e-3, unselected="floating")
            res = simulate(xb, drive, energy=False)
            sensed = float(res["sense_current"].values[0, 0])
            own = float(res["current"].values[0, 0, 0])
            out[key].append({"sensed_A": sensed, "cell_A": own, "sneak_A": sensed - own,
                             "sneak_fraction": (sensed - own) / sensed})
    return out


def run(progress: Callable[[str], None] | None = None, device: Device | None = None, seed: int = 0) -> Reproduction:
    """Simulate the four Fig. 4 cases and the sneak-path study."""
    tick = progress or (lambda step: None)
    pixel = (device or Device("ZnTPP/AlOx")).pixel()
    crossbar = Crossbar(pixel, *HI_PATTERN.shape)
    m: dict = {"pixel_area_m2": float(pixel.params.area)}
    data: dict = {"pattern": HI_PATTERN}
    for name, case in FIG4_CASES.items():
        res = simulate(crossbar, frames_to_drive(case.frames(HI_PATTERN, seed=seed), case.scheme))
        m[name] = case_metrics(res, HI_PATTERN, case.noise_mask(HI_PATTERN), case.n_inputs)
        m[name]["description"] = case.description
        data[name] = res
        tick(name)
    m["case3_to_case4_contrast"] = m["case3"]["contrast"] / m["case4"]["contrast"]
    read_all = replace(FIG4_CASES["case3"], scheme=replace(FIG4_CASES["case3"].scheme, read_all=True))
    res = simulate(crossbar, frames_to_drive(read_all.frames(HI_PATTERN, seed=seed), read_all.scheme))
    m["case3_read_every_input"] = case_metrics(res, HI_PATTERN, read_all.noise_mask(HI_PATTERN), read_all.n_inputs)
    m["sneak"] = sneak_study(pixel)
    data["sneak"] = m["sneak"]
    tick("sneak paths")
    rows = compare(m, load_targets("svdp_filter"))
    return Reproduction(metrics=m, data=data, comparison=rows, checks=claim_checks(m))


STILL_RISING = 0.05
"""Share of the case-2 word rise the last ten of 30 inputs must still add (issue 15)."""
VISIBLE_RELAXATION = 0.05
"""Fall of case 3's unstimulated noise pixels over the 30 inputs that counts as visible (issue 15)."""
FLAT = 1e-4
"""Relative change per input below which a relaxed series counts as flat (the 0-V release from the
Stern layer creeps it up by ~1e-6 once the free population has relaxed)."""


def half_fall_inputs(series) -> int:
    """Number of inputs after which a falling series has done half of its total fall."""
    x = np.asarray(series, dtype=float)
    return int(np.argmax(x <= x[0] - 0.5 * (x[0] - x[-1])))


def claim_checks(m: dict) -> list[dict]:
    c2, c3, c4 = m["case2"], m["case3"], m["case4"]
    sneak = m["sneak"]
    ratio = [w["sneak_A"] / s["sneak_A"] for w, s in zip(sneak["without_selector"], sneak["with_selector"])]
    word2 = np.array(c2["word_mean_uS"])
    last10 = (word2[-1] - word2[-11]) / (word2[-1] - word2[0])
    noise3 = np.array(c3["noise_mean_uS"])
    fall3 = 1.0 - noise3[-1] / noise3[0]
    reads3 = m["case3_read_every_input"]
    rows = [
        ("S10", "case 2: word conductance rises with every input", bool(np.all(np.diff(word2) > 0)),
         f"{c2['word_initial_uS']:.1f} -> {c2['word_final_uS']:.1f} uS"),
        ("S10", f"case 2: 'a continuous increase': the last ten inputs still add >= {STILL_RISING:.0%} of the rise",
         bool(last10 >= STILL_RISING and np.all(np.diff(word2[-11:]) > 0)),
         f"first input {(word2[1] - word2[0]) / (word2[-1] - word2[0]):.0%}, last ten {last10:.0%} of the rise"),
        ("S11", f"case 3: noise pixels relax by themselves at 0 V, by >= {VISIBLE_RELAXATION:.0%} and never rising "
                f"(by more than {FLAT:.0e} of their value)",
         bool(np.all(np.diff(noise3) <= FLAT * noise3[0]) and fall3 >= VISIBLE_RELAXATION),
         f"{noise3[0]:.1f} -> {noise3[-1]:.1f} uS ({-fall3:+.0%}; half of the fall within {half_fall_inputs(noise3)} inputs); "
         f"read at 5 V every input instead: -> {reads3['noise_final_uS']:.1f} uS"),
        ("S11", "case 3: contrast below half of case 4's", m["case3_to_case4_contrast"] < 0.5,
         f"{c3['contrast']:.2f} vs {c4['contrast']:.2f} (ratio {m['case3_to_case4_contrast']:.2f})"),
        ("S12", "case 4: noise pixels fall with every input", bool(np.all(np.diff(c4["noise_mean_uS"]) < 0)),
         f"{c4['noise_initial_uS']:.1f} -> {c4['noise_final_uS']:.2f} uS"),
        ("array", "selectors cut the sneak current of a floating-line read by > 100x (N >= 8)",
         all(r > 100 for n, r in zip(sneak["size"], ratio) if n >= 8),
         ", ".join(f"{n}x{n}: {r:.3g}x" for n, r in zip(sneak["size"], ratio))),
    ]
    fitted = ("continuous increase", "relax by themselves")  # bounded in the calibration (svdp_calibration)
    return [{"id": i, "claim": c, "pass": bool(ok), "value": v,
             "role": "fitted" if any(f in c for f in fitted) else "predicted"} for i, c, ok, v in rows]


def filter_image(image, *, n_inputs: int = 30, noise: float = 0.3, noise_amplitude: float = 0.6,
                 shape: tuple[int, int] | None = None, seed: int = 0, device: Device | None = None,
                 progress: Callable[[int, int], None] | None = None):
    """Run an image (path or intensity array in [0, 1]) through an SVDP array of its own size
    (or ``shape``) for ``n_inputs`` noisy frames: a fresh random ``noise`` fraction of the dark
    pixels (intensity 0) lights up at ``noise_amplitude`` in every frame.

    Returns (metrics dict, result Dataset, frames, image intensities). Signal pixels are those with intensity
    >= 0.5, background the others; contrast = mean signal / mean background conductance.
    """
    from nanoionic.analysis import contrast, signal_to_noise
    from nanoionic.circuit import load_image, noise_frames
    from nanoionic.circuit.stimulus import check_frames, resize

    if isinstance(image, (str, bytes)) or hasattr(image, "__fspath__"):
        img = load_image(image, shape)
    else:
        img = check_frames(image)[0]
        img = img if shape is None else resize(img, shape)
    if not isinstance(n_inputs, (int, np.integer)) or n_inputs < 1:
        raise param_error("inputs", "filter", "an integer >= 1", n_inputs)
    frames = noise_frames(img, n_inputs, fraction=noise, amplitude=noise_amplitude, seed=seed)
    signal, background = img >= 0.5, img < 0.5
    if not signal.any() or not background.any():
        raise param_error("image", "filter", "both bright (>= 0.5) and dark (< 0.5) pixels", "a uniform image")
    pixel = (device or Device("ZnTPP/AlOx")).pixel()
    res = simulate(Crossbar(pixel, *img.shape), frames, progress=progress)
    g = res["conductance"].values
    metrics = {"shape": list(img.shape), "n_inputs": n_inputs, "noise_fraction": noise, "noise_amplitude": noise_amplitude,
               "seed": seed, "signal_pixels": int(signal.sum()),
               "signal_initial_uS": float(g[0][signal].mean() * 1e6), "signal_final_uS": float(g[-1][signal].mean() * 1e6),
               "background_initial_uS": float(g[0][background].mean() * 1e6),
               "background_final_uS": float(g[-1][background].mean() * 1e6),
               "contrast": float(contrast(g[-1], signal, background)),
               "contrast_raw_last_frame": float(contrast(frames[-1], signal, background)),
               "separation": float(signal_to_noise(g[-1], signal, background)),
               "contrast_per_input": contrast(g, signal, background).tolist()}
    return metrics, res, frames, img
