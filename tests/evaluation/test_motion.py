"""Physics-IQ-style motion masks and their IoUs on videos and masks with known answers."""

import numpy as np
import pytest

from cosmos_flow.evaluation.motion import (
    MotionMaskParams,
    frames_mse,
    motion_masks,
    spatial_iou,
    spatiotemporal_iou,
    weighted_spatial_iou,
)


def moving_square(frames: int = 6, size: int = 48, step: int = 4) -> np.ndarray:
    video = np.full((frames, size, size, 3), 100, dtype=np.uint8)
    for t in range(frames):
        video[t, 16:26, 4 + step * t : 14 + step * t] = 230
    return video


def test_motion_masks_follow_the_moving_square_and_a_still_video_has_none():
    video = moving_square()
    masks = motion_masks(video)
    assert not masks[0].any()  # no motion before the second frame
    assert all(masks[t].any() for t in range(1, len(video)))
    rows, columns = np.nonzero(masks[3])
    # Within the band the square swept so far (the running average remembers where it was) ...
    assert rows.min() >= 12 and rows.max() <= 29 and columns.max() <= 14 + 4 * 3 + 4
    assert masks[3, 20, 4 + 4 * 3 + 5]  # ... and covering where it is now
    assert not motion_masks(np.repeat(video[:1], 6, axis=0)).any()


def test_threshold_and_parameters_are_checked():
    faint = moving_square()
    faint[faint == 230] = 105  # 5 grey levels of contrast: under the threshold of 10
    assert not motion_masks(faint).any()
    with pytest.raises(ValueError, match="odd"):
        MotionMaskParams(blur_kernel=4)


def test_identical_videos_score_one_and_zero_mse():
    masks = motion_masks(moving_square())
    assert spatial_iou(masks, masks) == spatiotemporal_iou(masks, masks) == weighted_spatial_iou(masks, masks) == 1.0
    assert frames_mse(moving_square(), moving_square()) == 0.0
    empty = np.zeros((3, 4, 4), dtype=bool)
    assert spatial_iou(empty, empty) == spatiotemporal_iou(empty, empty) == weighted_spatial_iou(empty, empty) == 1.0


def test_ious_of_hand_made_masks():
    a = np.zeros((2, 1, 4), dtype=bool)
    b = np.zeros((2, 1, 4), dtype=bool)
    a[0, 0, [0, 1]] = True  # pixels 0, 1 move in frame 0
    a[1, 0, [0]] = True  # pixel 0 moves again in frame 1
    b[1, 0, [0, 1, 2]] = True  # pixels 0, 1, 2 move in frame 1
    assert spatial_iou(a, b) == pytest.approx(2 / 3)  # {0,1} vs {0,1,2}
    assert spatiotemporal_iou(a, b) == pytest.approx(1 / 5)  # one common voxel, five in the union
    # Moving-frame counts: a = [2, 1, 0, 0], b = [1, 1, 1, 0]: Σmin = 2, Σmax = 4.
    assert weighted_spatial_iou(a, b) == pytest.approx(0.5)


def test_mse_is_on_frames_scaled_to_unit_range():
    a = np.zeros((1, 2, 2, 3), dtype=np.uint8)
    b = np.full((1, 2, 2, 3), 51, dtype=np.uint8)  # 51 / 255 = 0.2
    assert frames_mse(a, b) == pytest.approx(0.04)
