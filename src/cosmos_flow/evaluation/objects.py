"""Object masks of generated frames without downloaded weights, and the object-level metrics on them.

A generated video has no segmentation, so it is segmented by colour against what the context frames
show (the context frames come with the simulator's ground-truth `seg`, object ids, -1 background):

- Background model: per pixel, the median colour of the context frames in which that pixel shows
  background; pixels covered by an object in every context frame are filled by OpenCV inpainting
  (Telea, radius `INPAINT_RADIUS`). The all-background baseline is this image.
- Object colours: per object id, the median colour of its pixels over the context frames.
- A pixel of a generated frame belongs to object k when k's colour is the nearest (Euclidean RGB
  distance) of all object colours, that distance is smaller than the pixel's distance to the
  background model, and the pixel differs from the background model by more than `min_contrast`
  (RGB units, 0-255). Objects not visible in any context frame cannot be found.

Metrics over the predicted frames (labels, T×H×W) against the ground-truth `seg` of the same frames:

- `mask_iou`: the mean over (frame, object) pairs whose union is non-empty of |P∩G| / |P∪G|;
  1.0 when no object is visible in either video.
- `centroid_error_px`: the mean Euclidean distance, in pixels, between the centroids of predicted and
  true masks over the (frame, object) pairs where both are non-empty (NaN when there are none).
- `object_missing_rate`: the fraction of (frame, object) pairs visible in the truth whose predicted
  mask is empty (objects that vanished); NaN when the truth shows no object.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

BACKGROUND = -1
INPAINT_RADIUS = 3


@dataclass
class SceneAppearance:
    """What the context frames say the scene looks like: the empty scene and each object's colour."""

    background: np.ndarray  # (H, W, 3) uint8
    object_colours: dict[int, np.ndarray]  # object id -> (3,) float RGB


def background_image(frames: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """The scene with its objects removed: per-pixel median of background pixels, inpainted where never seen."""
    _check_frames_and_seg(frames, seg)
    is_background = seg == BACKGROUND
    masked = np.where(is_background[..., None], frames.astype(np.float32), np.nan)
    seen = is_background.any(axis=0)
    background = np.zeros(frames.shape[1:], dtype=np.float32)
    if seen.any():
        background[seen] = np.nanmedian(masked[:, seen], axis=0)
    background = np.clip(np.round(background), 0, 255).astype(np.uint8)
    if seen.all():
        return background
    if not seen.any():
        raise ValueError(
            "the context frames show no background pixel at all, so there is nothing to build a background from"
        )
    return cv2.inpaint(background, (~seen).astype(np.uint8), INPAINT_RADIUS, cv2.INPAINT_TELEA)


def object_colours(frames: np.ndarray, seg: np.ndarray) -> dict[int, np.ndarray]:
    """The median RGB colour of each object id's pixels over all given frames."""
    _check_frames_and_seg(frames, seg)
    return {
        int(object_id): np.median(frames[seg == object_id].astype(np.float32), axis=0)
        for object_id in np.unique(seg)
        if object_id != BACKGROUND
    }


def scene_appearance(context_frames: np.ndarray, context_seg: np.ndarray) -> SceneAppearance:
    """Background model and object colours learned from the context frames and their true masks."""
    return SceneAppearance(background_image(context_frames, context_seg), object_colours(context_frames, context_seg))


def segment_frames(frames: np.ndarray, appearance: SceneAppearance, min_contrast: float = 30.0) -> np.ndarray:
    """Label every pixel of (T, H, W, 3) frames with an object id or -1 (see the module docstring)."""
    if frames.ndim != 4 or frames.shape[1:] != appearance.background.shape:
        raise ValueError(
            f"frames must be (T, H, W, 3) at the background's size {appearance.background.shape}, got {frames.shape}"
        )
    pixels = frames.astype(np.float32)
    to_background = np.linalg.norm(pixels - appearance.background.astype(np.float32), axis=-1)
    labels = np.full(frames.shape[:3], BACKGROUND, dtype=np.int32)
    if not appearance.object_colours:
        return labels
    ids = np.array(list(appearance.object_colours), dtype=np.int32)
    colours = np.stack(list(appearance.object_colours.values()))
    to_objects = np.linalg.norm(pixels[..., None, :] - colours, axis=-1)  # (T, H, W, objects)
    nearest = to_objects.argmin(axis=-1)
    nearest_distance = np.take_along_axis(to_objects, nearest[..., None], axis=-1)[..., 0]
    is_object = (to_background > min_contrast) & (nearest_distance < to_background)
    labels[is_object] = ids[nearest[is_object]]
    return labels


def mask_iou(predicted: np.ndarray, truth: np.ndarray) -> float:
    """Mean per-(frame, object) IoU of label maps (T, H, W); object ids are those of either map."""
    intersections, unions = _overlaps(predicted, truth)
    present = unions > 0
    if not present.any():
        return 1.0
    return float((intersections[present] / unions[present]).mean())


def centroid_error(predicted: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """(mean centroid distance in pixels where both masks exist, fraction of true masks left empty)."""
    _check_labels(predicted, truth)
    distances, missing, visible = [], 0, 0
    for object_id in object_ids(truth):
        for frame in range(truth.shape[0]):
            true_centroid = _centroid(truth[frame] == object_id)
            if true_centroid is None:
                continue
            visible += 1
            predicted_centroid = _centroid(predicted[frame] == object_id)
            if predicted_centroid is None:
                missing += 1
            else:
                distances.append(float(np.hypot(*(predicted_centroid - true_centroid))))
    mean_distance = float(np.mean(distances)) if distances else float("nan")
    return mean_distance, (missing / visible if visible else float("nan"))


def _overlaps(predicted: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Intersection and union pixel counts, shaped (objects, frames)."""
    _check_labels(predicted, truth)
    ids = sorted(set(object_ids(predicted)) | set(object_ids(truth)))
    if not ids:
        return np.zeros((0, truth.shape[0])), np.zeros((0, truth.shape[0]))
    ids_axis = np.array(ids)[:, None, None, None]
    in_predicted, in_truth = predicted[None] == ids_axis, truth[None] == ids_axis
    return (in_predicted & in_truth).sum(axis=(2, 3)).astype(float), (in_predicted | in_truth).sum(axis=(2, 3)).astype(
        float
    )


def _centroid(mask: np.ndarray) -> np.ndarray | None:
    rows, columns = np.nonzero(mask)
    if rows.size == 0:
        return None
    return np.array([rows.mean(), columns.mean()])


def object_ids(labels: np.ndarray) -> list[int]:
    """The object ids present in a label map (background left out), ascending."""
    return [int(value) for value in np.unique(labels) if value != BACKGROUND]


def _check_labels(predicted: np.ndarray, truth: np.ndarray) -> None:
    if predicted.shape != truth.shape or predicted.ndim != 3:
        raise ValueError(f"label maps must both be (T, H, W) of one shape, got {predicted.shape} and {truth.shape}")


def _check_frames_and_seg(frames: np.ndarray, seg: np.ndarray) -> None:
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.shape[:3] != seg.shape:
        raise ValueError(f"frames (T, H, W, 3) and seg (T, H, W) must match, got {frames.shape} and {seg.shape}")
