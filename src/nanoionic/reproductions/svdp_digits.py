"""Beyond the paper: the SVDP array as a denoising front end for handwritten digits.

scikit-learn's 8×8 digits (1797 images, intensities 0–16 scaled to [0, 1]) are each shown to an
8×8 array of ZnTPP/AlOx pixels for ``N_FRAMES`` noisy frames: in every frame a random
``NOISE_FRACTION`` of the background pixels (intensity < 0.1) lights up at ``NOISE_AMPLITUDE``
(0.6 of 10 V = the paper's 6 V S_noise), drawn afresh per frame from a seeded generator. The
same frames drive three array behaviours:

* ``svdp``: the paper's scheme, a pixel's write pulse is intensity × 10 V (sub-threshold noise
  depresses, bright strokes potentiate);
* ``decay_only`` (case 3 style): every lit pixel gets the full 10 V write, so noise is forgotten
  only through spontaneous relaxation;
* ``integrator``: a plain rate-integrating synapse, G ∝ Σ intensity over the frames (linear, no
  threshold, no decay; a reference, not a device model).

Two noise regimes (``REGIMES``): sparse (a fresh random 30 % of the background each frame) and
persistent (the whole background every frame, the paper's case 4 situation). Metrics per
behaviour: contrast (mean over stroke pixels ≥ 0.5 / mean over background pixels), separation
(difference of the means over their pooled standard deviation), and the accuracy of a
nearest-centroid classifier trained on the clean training digits (intensities; and, second, the
clean digits passed through the same array) and tested on the maps, against the same classifier
on single raw noisy frames. All test digits run
at once as one 8 × (8·N_TEST) ideal array (cells are independent in ideal mode).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nanoionic.analysis import contrast, nearest_centroid_accuracy, signal_to_noise
from nanoionic.reproductions._common import Reproduction
from nanoionic.simulation import Crossbar, Device, simulate

N_TEST = 200
N_TRAIN_THROUGH_ARRAY = 600
"""Clean training digits also passed through each array (for the second set of centroids)."""
N_FRAMES = 30
NOISE_AMPLITUDE = 0.6
REGIMES = {"sparse": 0.3, "persistent": 1.0}
"""Noise regimes: fraction of background pixels lit per frame (sparse: fresh random 30 % each
frame; persistent: the whole background every frame, like the paper's case 4)."""
BACKGROUND_BELOW = 0.1
SIGNAL_FROM = 0.5
STEPS = ("digits",) + tuple(f"{r}: {b}" for r in REGIMES for b in ("svdp array", "decay-only array"))
BEHAVIOURS = ("raw_frame", "integrator", "decay_only", "svdp")


def digits(seed: int):
    """(train images, train labels, test images, test labels), intensities in [0, 1]."""
    from sklearn.datasets import load_digits

    data = load_digits()
    images, labels = data.images / 16.0, data.target
    order = np.random.default_rng(seed).permutation(len(labels))
    test, train = order[:N_TEST], order[N_TEST:]
    return images[train], labels[train], images[test], labels[test]


def noisy_frames(images: np.ndarray, n_frames: int, fraction: float, amplitude: float, seed: int) -> np.ndarray:
    """(n_frames, N, 8, 8): each frame lights a fresh random ``fraction`` of each image's
    background pixels at ``amplitude``."""
    rng = np.random.default_rng(seed)
    frames = np.repeat(images[None], n_frames, axis=0)
    noisy = (rng.random(frames.shape) < fraction) & (images[None] < BACKGROUND_BELOW)
    frames[noisy] = amplitude
    return frames


def tile(frames: np.ndarray) -> np.ndarray:
    """(..., N, r, c) images side by side → (..., r, N·c) one wide array."""
    *lead, n, r, c = frames.shape
    return np.moveaxis(frames, -3, -2).reshape(*lead, r, n * c)


def untile(maps: np.ndarray, n: int) -> np.ndarray:
    """Inverse of :func:`tile`: (..., r, N·c) → (..., N, r, c)."""
    *lead, r, nc = maps.shape
    return np.moveaxis(maps.reshape(*lead, r, n, nc // n), -2, -3)


def array_maps(pixel: Device, frames: np.ndarray) -> np.ndarray:
    """Final conductance maps [S] (N, 8, 8) of an ideal array driven by ``frames`` (F, N, 8, 8)."""
    wide = tile(frames)
    res = simulate(Crossbar(pixel, *wide.shape[1:]), wide, energy=False)
    return untile(res["conductance"].values[-1], frames.shape[1])


def behaviour_frames(name: str, frames: np.ndarray) -> np.ndarray:
    """What each array behaviour writes: svdp the intensities, decay-only full pulses on every
    lit pixel."""
    return frames if name == "svdp" else (frames > 0).astype(float)


def regime_metrics(pixel: Device, data, fraction: float, seed: int, tick) -> tuple[dict, dict]:
    """Metrics and maps of the four behaviours for one noise regime."""
    x_train, y_train, x_test, y_test = data
    frames = noisy_frames(x_test, N_FRAMES, fraction, NOISE_AMPLITUDE, seed)
    clean_train = np.repeat(x_train[None, :N_TRAIN_THROUGH_ARRAY], N_FRAMES, axis=0)
    maps, train_maps = {"raw_frame": frames[-1], "integrator": frames.sum(axis=0)}, {}
    for name in ("svdp", "decay_only"):
        maps[name] = array_maps(pixel, behaviour_frames(name, frames))
        train_maps[name] = array_maps(pixel, behaviour_frames(name, clean_train))
        tick(name)
    signal, background = x_test >= SIGNAL_FROM, x_test < BACKGROUND_BELOW
    m = {}
    for name in BEHAVIOURS:
        row = {"contrast": float(np.mean(contrast(maps[name], signal, background))),
               "separation": float(np.mean(signal_to_noise(maps[name], signal, background)))}
        if name == "raw_frame":  # every single noisy frame, not only the last
            row["accuracy"] = nearest_centroid_accuracy(x_train, y_train, frames.reshape(-1, 8, 8), np.tile(y_test, N_FRAMES))
        else:
            row["accuracy"] = nearest_centroid_accuracy(x_train, y_train, maps[name], y_test)
        if name in train_maps:
            row["accuracy_array_centroids"] = nearest_centroid_accuracy(
                train_maps[name], y_train[:N_TRAIN_THROUGH_ARRAY], maps[name], y_test)
        m[name] = row
    return m, {"frames": frames, "maps": maps}


def run(progress: Callable[[str], None] | None = None, device: Device | None = None, seed: int = 0) -> Reproduction:
    tick = progress or (lambda step: None)
    pixel = (device or Device("ZnTPP/AlOx")).pixel()
    data = digits(seed)
    tick("digits")
    m: dict = {"n_test": N_TEST, "n_frames": N_FRAMES, "noise_amplitude": NOISE_AMPLITUDE, "seed": seed,
               "accuracy_clean_test": nearest_centroid_accuracy(data[0], data[1], data[2], data[3])}
    figures: dict = {"clean": data[2], "labels": data[3]}
    for k, (regime, fraction) in enumerate(REGIMES.items()):
        m[regime], figures[regime] = regime_metrics(pixel, data, fraction, seed + 1 + k,
                                                     lambda b, r=regime: tick(f"{r}: {b.replace('_', '-')} array"))
        m[regime]["noise_fraction"] = fraction
    return Reproduction(metrics=m, data=figures, comparison=[], checks=claim_checks(m))


def claim_checks(m: dict) -> list[dict]:
    rows = []
    for regime in REGIMES:
        r = m[regime]
        svdp, decay, raw = r["svdp"], r["decay_only"], r["raw_frame"]
        rows.append((f"digits/{regime}", "SVDP contrast above decay-only", svdp["contrast"] > decay["contrast"],
                     f"svdp {svdp['contrast']:.2f}, decay-only {decay['contrast']:.2f}, raw frame {raw['contrast']:.2f}, "
                     f"integrator {r['integrator']['contrast']:.2f}"))
        rows.append((f"digits/{regime}", "nearest-centroid accuracy: SVDP maps at least as good as decay-only maps",
                     svdp["accuracy"] >= decay["accuracy"],
                     f"svdp {svdp['accuracy']:.1%}, decay-only {decay['accuracy']:.1%}, raw {raw['accuracy']:.1%}, "
                     f"integrator {r['integrator']['accuracy']:.1%} (clean {m['accuracy_clean_test']:.1%})"))
    return [{"id": i, "claim": c, "pass": bool(ok), "value": v, "role": "predicted"} for i, c, ok, v in rows]
