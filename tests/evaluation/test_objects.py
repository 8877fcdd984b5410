"""Object masks by colour, mask IoU and centroid error on hand-made scenes with known answers."""

import numpy as np
import pytest

from cosmos_flow.evaluation.objects import (
    background_image,
    centroid_error,
    mask_iou,
    object_colours,
    scene_appearance,
    segment_frames,
)

GREY, RED, BLUE = (120, 120, 120), (220, 30, 30), (30, 40, 200)


def square_labels(frames: int, size: int, corner: tuple[int, int], side: int, object_id: int = 0) -> np.ndarray:
    labels = np.full((frames, size, size), -1, dtype=np.int32)
    labels[:, corner[0] : corner[0] + side, corner[1] : corner[1] + side] = object_id
    return labels


def disc_labels(size: int, centre: tuple[float, float], radius: float) -> np.ndarray:
    rows, columns = np.mgrid[:size, :size]
    return np.where((rows - centre[0]) ** 2 + (columns - centre[1]) ** 2 <= radius**2, 0, -1)[None].astype(np.int32)


def paint(labels: np.ndarray, colours: dict[int, tuple[int, int, int]]) -> np.ndarray:
    frames = np.empty((*labels.shape, 3), dtype=np.uint8)
    frames[:] = GREY
    for object_id, colour in colours.items():
        frames[labels == object_id] = colour
    return frames


def test_identical_masks_have_iou_one_and_no_centroid_error():
    labels = square_labels(3, 32, (4, 6), 8)
    assert mask_iou(labels, labels) == 1.0
    assert centroid_error(labels, labels) == (0.0, 0.0)


def test_shifted_square_has_the_analytic_iou():
    side, shift = 10, 3
    truth = square_labels(2, 40, (10, 10), side)
    predicted = square_labels(2, 40, (10, 10 + shift), side)
    # Overlap (side - shift) * side, union (side + shift) * side.
    assert mask_iou(predicted, truth) == pytest.approx((side - shift) / (side + shift))


def test_shifted_disc_iou_matches_the_lens_area():
    radius, distance = 12.0, 6.0
    truth, predicted = disc_labels(64, (32, 26), radius), disc_labels(64, (32, 26 + distance), radius)
    lens = 2 * radius**2 * np.arccos(distance / (2 * radius)) - distance / 2 * np.sqrt(4 * radius**2 - distance**2)
    analytic = lens / (2 * np.pi * radius**2 - lens)
    assert mask_iou(predicted, truth) == pytest.approx(analytic, abs=0.02)


def test_iou_averages_over_objects_and_frames_with_a_non_empty_union():
    truth = square_labels(2, 20, (0, 0), 4, object_id=0)
    truth[1] = -1  # object 0 gone in frame 1 in both videos: that pair does not count
    predicted = truth.copy()
    truth[0, 10:14, 10:14] = 1  # object 1 only in the truth: IoU 0
    assert mask_iou(predicted, truth) == pytest.approx(0.5)
    assert mask_iou(np.full_like(truth, -1), np.full_like(truth, -1)) == 1.0


def test_centroid_error_is_the_shift_and_vanished_objects_are_counted():
    truth = square_labels(2, 40, (10, 10), 6)
    shifted = square_labels(2, 40, (13, 14), 6)
    error, missing = centroid_error(shifted, truth)
    assert error == pytest.approx(5.0) and missing == 0.0
    shifted[1] = -1
    error, missing = centroid_error(shifted, truth)
    assert error == pytest.approx(5.0) and missing == 0.5
    assert np.isnan(centroid_error(np.full_like(truth, -1), truth)[0])


def test_background_is_recovered_where_seen_and_inpainted_where_always_covered():
    labels = np.stack([square_labels(1, 24, (4, 2 + 6 * t), 4)[0] for t in range(3)])
    frames = paint(labels, {0: RED})
    assert (background_image(frames, labels) == GREY).all()  # every pixel is background in some frame
    still = square_labels(3, 24, (8, 8), 5)
    filled = background_image(paint(still, {0: RED}), still)
    assert np.abs(filled.astype(int) - GREY).max() <= 2  # inpainted from the grey around it


def test_segmentation_finds_objects_by_colour_and_ignores_background_changes():
    context = square_labels(1, 32, (2, 2), 6, 0)
    context[0, 20:26, 20:26] = 1
    appearance = scene_appearance(paint(context, {0: RED, 1: BLUE}), context)
    assert set(object_colours(paint(context, {0: RED, 1: BLUE}), context)) == {0, 1}
    moved = square_labels(2, 32, (10, 12), 6, 0)
    moved[:, 0:5, 25:30] = 1
    frames = paint(moved, {0: RED, 1: BLUE})
    frames[:, 28:, :] = np.clip(np.array(GREY) + 10, 0, 255)  # a faint change of the background is not an object
    labels = segment_frames(frames, appearance, min_contrast=30.0)
    assert mask_iou(labels, moved) == 1.0
    with pytest.raises(ValueError, match="background's size"):
        segment_frames(frames[:, :16], appearance)
