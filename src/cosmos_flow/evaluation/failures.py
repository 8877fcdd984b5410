"""Generation failures: objects that vanish, and objects that appear from nowhere, in a predicted video.

Cosmos's paper counts the generations in which objects vanish or appear from nowhere (fewer than 2%
of 100 AR-13B generations). Here the events are counted per predicted video, from its label maps
(`objects.segment_frames`, T×H×W object ids, -1 background) against the true `seg` of the same frames:

- a **vanishing**: an object that the truth shows, whose predicted mask is empty in at least
  `min_frames` consecutive frames in which the truth shows it; every such run counts once;
- an **appearance**: a predicted blob (a 4-connected component of one object's label) at least
  `MIN_BLOB_FRACTION` of that object's size in the context frames (and at least `MIN_BLOB_PIXELS`
  pixels) that does not touch the object's true mask grown by `TOLERANCE_PX` pixels, in at least
  `min_frames` consecutive frames (a duplicated object, an object where the truth has none, an object
  left behind where the truth moved away); every such run, per object, counts once.

Requiring two frames keeps single-frame flicker of the colour segmenter out. The blob size keeps out
what the colour segmenter finds in the true frames themselves: scored against their own truth, the
future frames of 40 test episodes hold stray blobs of up to 19 pixels (scene parts near an object's
colour), while a whole object at 64×64 covers 20-200.  A video *fails* when it has at least one event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import cv2
import numpy as np

from cosmos_flow.evaluation.objects import object_ids

MIN_FRAMES = 2
MIN_BLOB_FRACTION = 0.5
MIN_BLOB_PIXELS = 4
TOLERANCE_PX = 2


@dataclass
class FailureEvents:
    """The failure events of one predicted video."""

    vanishings: int
    appearances: int

    @property
    def total(self) -> int:
        return self.vanishings + self.appearances

    @property
    def failed(self) -> bool:
        return self.total > 0


def long_runs(flags: np.ndarray, min_length: int) -> int:
    """How many maximal runs of consecutive True values in a 1-D array are at least `min_length` long."""
    runs, length = 0, 0
    for flag in (*np.asarray(flags, dtype=bool).tolist(), False):
        if flag:
            length += 1
            continue
        runs += length >= min_length
        length = 0
    return runs


def vanishings(predicted: np.ndarray, truth: np.ndarray, min_frames: int = MIN_FRAMES) -> int:
    """Runs of at least `min_frames` consecutive frames in which a truly visible object has no predicted pixel."""
    events = 0
    for object_id in object_ids(truth):
        visible = (truth == object_id).any(axis=(1, 2))
        missing = visible & ~(predicted == object_id).any(axis=(1, 2))
        events += long_runs(missing, min_frames)
    return events


def appearances(
    predicted: np.ndarray,
    truth: np.ndarray,
    object_sizes: Mapping[int, float] | None = None,
    min_frames: int = MIN_FRAMES,
) -> int:
    """Runs of at least `min_frames` consecutive frames in which an object has a predicted blob away from its true mask.

    `object_sizes` (object id -> pixels, e.g. its size in the context frames) sets each object's smallest
    blob, `MIN_BLOB_FRACTION` of it; objects without a size use `MIN_BLOB_PIXELS`.
    """
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * TOLERANCE_PX + 1, 2 * TOLERANCE_PX + 1))
    events = 0
    for object_id in object_ids(predicted):
        smallest = max(MIN_BLOB_PIXELS, MIN_BLOB_FRACTION * (object_sizes or {}).get(object_id, 0.0))
        stray = [
            _has_stray_blob(predicted[t] == object_id, truth[t] == object_id, kernel, smallest)
            for t in range(len(predicted))
        ]
        events += long_runs(np.array(stray), min_frames)
    return events


def object_sizes(seg: np.ndarray) -> dict[int, float]:
    """Each object's median pixel count over the frames (T×H×W labels) in which it is visible."""
    sizes = {}
    for object_id in object_ids(seg):
        counts = (seg == object_id).sum(axis=(1, 2))
        sizes[object_id] = float(np.median(counts[counts > 0]))
    return sizes


def failure_events(predicted: np.ndarray, truth: np.ndarray, sizes: Mapping[int, float] | None = None) -> FailureEvents:
    """Vanishings and appearances of a predicted video's label maps against the true ones (both T×H×W).

    `sizes` as in `appearances`.
    """
    if predicted.shape != truth.shape or predicted.ndim != 3:
        raise ValueError(f"label maps must both be (T, H, W) of one shape, got {predicted.shape} and {truth.shape}")
    return FailureEvents(vanishings(predicted, truth), appearances(predicted, truth, sizes))


def _has_stray_blob(
    predicted_mask: np.ndarray, true_mask: np.ndarray, kernel: np.ndarray, min_blob_pixels: float
) -> bool:
    if predicted_mask.sum() < min_blob_pixels:
        return False
    allowed = cv2.dilate(true_mask.astype(np.uint8), kernel).astype(bool)
    count, components, stats, _ = cv2.connectedComponentsWithStats(predicted_mask.astype(np.uint8), connectivity=4)
    return any(
        stats[label, cv2.CC_STAT_AREA] >= min_blob_pixels and not allowed[components == label].any()
        for label in range(1, count)
    )
