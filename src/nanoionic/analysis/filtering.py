"""Image-filter metrics: contrast, signal/background separation and nearest-centroid accuracy.

Maps are arrays whose last two axes are (rows, cols); ``signal`` and ``background`` are boolean
masks of the same (rows, cols) or broadcastable shape.
"""

from __future__ import annotations

import numpy as np

from nanoionic._core.errors import param_error


def _masked_means(maps, mask):
    maps = np.asarray(maps, dtype=float)
    mask = np.broadcast_to(np.asarray(mask, dtype=bool), maps.shape)
    count = mask.sum(axis=(-2, -1))
    if np.any(count == 0):
        raise param_error("mask", "filter metrics", "at least one pixel in every map", "an empty mask")
    return np.where(mask, maps, 0.0).sum(axis=(-2, -1)) / count, mask, count


def contrast(maps, signal, background) -> np.ndarray:
    """Mean over signal pixels / mean over background pixels, per map."""
    s, _, _ = _masked_means(maps, signal)
    b, _, _ = _masked_means(maps, background)
    return s / b


def signal_to_noise(maps, signal, background) -> np.ndarray:
    """Separation of signal and background pixels, per map: (mean_s - mean_b) /
    sqrt((var_s + var_b) / 2) (a d' that stays finite for a uniform background)."""
    maps = np.asarray(maps, dtype=float)
    s, s_mask, s_count = _masked_means(maps, signal)
    b, b_mask, b_count = _masked_means(maps, background)
    var_s = np.where(s_mask, (maps - s[..., None, None]) ** 2, 0.0).sum(axis=(-2, -1)) / s_count
    var_b = np.where(b_mask, (maps - b[..., None, None]) ** 2, 0.0).sum(axis=(-2, -1)) / b_count
    return (s - b) / np.maximum(np.sqrt(0.5 * (var_s + var_b)), 1e-300)


def standardize(vectors) -> np.ndarray:
    """Rows shifted to zero mean and scaled to unit norm, so that Euclidean nearest-centroid
    becomes correlation matching and works for intensities and conductances alike."""
    x = np.asarray(vectors, dtype=float)
    x = x.reshape(x.shape[0], -1) - x.reshape(x.shape[0], -1).mean(axis=1, keepdims=True)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-300)


def nearest_centroid_accuracy(train, train_labels, test, test_labels) -> float:
    """Accuracy of a nearest-centroid classifier (scikit-learn's NearestCentroid on standardized
    vectors) trained on ``train`` and scored on ``test``."""
    from sklearn.neighbors import NearestCentroid

    clf = NearestCentroid().fit(standardize(train), np.asarray(train_labels))
    return float(np.mean(clf.predict(standardize(test)) == np.asarray(test_labels)))
