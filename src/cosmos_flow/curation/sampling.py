"""Which frames of a clip to look at: indices spread evenly over it."""

from __future__ import annotations

import numpy as np


def spread_indices(length: int, count: int) -> np.ndarray:
    """`count` indices from first to last frame of `length`, evenly spaced (all frames if fewer)."""
    return np.unique(np.linspace(0, length - 1, min(length, count)).round().astype(int))


def centred_indices(length: int, count: int) -> np.ndarray:
    """The frame at the centre of each of `count` equal parts of `length` frames (repeats when
    `count` exceeds `length`)."""
    return np.minimum(((np.arange(count) + 0.5) * length / count).astype(int), length - 1)
