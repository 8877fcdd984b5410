"""The motion filter on clips made from the real bikes sample: stills, pans, camera jumps, cuts."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from cosmos_flow.curation.motion import ABRUPT_MOTION, STATIC, MotionParams, analyze_motion
from cosmos_flow.video import read_frames, write_video
from cosmos_flow.video.samples import sample_video_path

FPS = 25.0
ANALYSIS_SIZE = (160, 68)  # bikes (640x272) decoded the way the pipeline would: small
# bikes.mp4 is a montage of six shots, not one take: hard cuts after frames 29, 75, 136, 186 and
# 241 (found by eye on the decoded frames, and by TransNetV2).
BIKES_CUT_PAIRS = (29, 75, 136, 186, 241)
BIKES_SHOTS = [(0, 30), (30, 76), (76, 137), (137, 187), (187, 242), (242, 250)]
# Shot 187-242: a bicycle parked by a wall while a passer-by walks across; the wall slides left
# through the picture at ~0.75 px/frame at 640x272, so the camera pans right, slowly.
BIKES_PAN_SHOT = (187, 242)
BIKES_PAN_SPEED = 0.75 * FPS / np.hypot(640, 272)  # diag/s, measured with DIS at full resolution

CROP_WIDTH, CROP_HEIGHT = 400, 224


@pytest.fixture(scope="module")
def bikes_small(bikes_path) -> np.ndarray:
    return read_frames(bikes_path, size=ANALYSIS_SIZE)


@pytest.fixture(scope="module")
def street(bikes_path) -> np.ndarray:
    """One full-resolution bikes frame with texture everywhere (a street behind railings)."""
    return read_frames(bikes_path, start=160, end=161)[0]


def camera_path(street: np.ndarray, offsets: list[int], size: tuple[int, int] = (128, 72)) -> np.ndarray:
    """A virtual camera: 400x224 crops of `street` whose left edge is at `offsets`, resized to `size`."""
    top = (street.shape[0] - CROP_HEIGHT) // 2
    crops = [street[top : top + CROP_HEIGHT, offset : offset + CROP_WIDTH] for offset in offsets]
    return np.stack([cv2.resize(crop, size, interpolation=cv2.INTER_AREA) for crop in crops])


def test_a_repeated_frame_is_static(street):
    analysis = analyze_motion(camera_path(street, [100] * 25), FPS)
    assert analysis.reject_reason == STATIC
    assert analysis.motion_score < 1e-3
    assert analysis.abrupt_pairs == ()


@pytest.mark.parametrize("crf", [18, 35, None], ids=["crf18", "crf35", "uncompressed"])
def test_sensor_and_compression_noise_on_a_still_stays_static(street, tmp_path, crf):
    """A still with fresh sensor noise (sigma 4) on every frame, encoded at a low and a high crf
    (flickering block noise) or left raw (the worst case: all the noise reaches the flow)."""
    still = camera_path(street, [100] * 25, size=(152, 64)).astype(np.float32)
    noise = np.random.default_rng(0).normal(0.0, 4.0, still.shape)
    frames = np.clip(still + noise, 0, 255).astype(np.uint8)
    if crf is not None:
        frames = read_frames(write_video(tmp_path / "still.mp4", frames, fps=FPS, crf=crf))
    analysis = analyze_motion(frames, FPS)
    assert analysis.reject_reason == STATIC, analysis.motion_score
    assert analysis.abrupt_pairs == ()


def test_a_smooth_pan_to_the_right_passes_with_its_direction_and_speed(street):
    step = 4  # source pixels per frame; the window slides right, so the picture slides left
    analysis = analyze_motion(camera_path(street, list(range(0, 30 * step, step))), FPS)
    assert analysis.reject_reason is None
    dx, dy = analysis.camera_velocity
    expected = step * FPS / np.hypot(CROP_WIDTH, CROP_HEIGHT)  # diag/s, whatever the frame size
    assert dx == pytest.approx(expected, rel=0.1)
    assert abs(dy) < 0.1 * dx
    assert analysis.subject_speed < 0.2 * dx  # the whole picture moves as one


def test_camera_jumps_every_four_frames_are_abrupt_exactly_at_the_jumps(street):
    offsets, offset = [], 0
    for index in range(30):
        offsets.append(offset)
        offset += 40 if index % 4 == 3 else 2  # a 40-pixel jump after frames 3, 7, 11, ...
    analysis = analyze_motion(camera_path(street, offsets), FPS)
    assert analysis.reject_reason == ABRUPT_MOTION
    assert analysis.abrupt_pairs == tuple(range(3, 29, 4))


def test_a_jump_the_flow_cannot_follow_is_abrupt_too(street):
    """Halfway through, the window teleports across the street: too far for any flow to track."""
    analysis = analyze_motion(camera_path(street, [0, 1, 2, 3, 4, 200, 201, 202, 203, 204]), FPS)
    assert analysis.reject_reason == ABRUPT_MOTION
    assert analysis.abrupt_pairs == (4,)


def test_jump_cuts_between_near_identical_shots_are_abrupt():
    """The music-video sample cuts after its frames 16 and 23 between two shots of the singer before the
    same backdrop, both with a still camera: no camera jump, but the flow cannot explain either cut.
    (TransNetV2 at Cosmos's 0.4 threshold misses both.)"""
    frames = read_frames(sample_video_path("test"), start=5, end=47, size=(128, 72))
    assert analyze_motion(frames, FPS).abrupt_pairs == (16 - 5, 23 - 5)


def test_a_flash_the_flow_cannot_explain_is_abrupt(street):
    frames = camera_path(street, [0] * 10).astype(np.int16)
    frames[5] += 90  # one over-exposed frame: the picture does not move, yet it changes
    analysis = analyze_motion(np.clip(frames, 0, 255).astype(np.uint8), FPS)
    assert analysis.abrupt_pairs == (4, 5)


@pytest.mark.parametrize("shot", BIKES_SHOTS, ids=[f"{start}-{end}" for start, end in BIKES_SHOTS])
def test_every_real_bikes_shot_passes(bikes_small, shot):
    start, end = shot
    analysis = analyze_motion(bikes_small[start:end], FPS)
    assert analysis.reject_reason is None, (analysis.motion_score, analysis.abrupt_pairs)


def test_the_bikes_pan_shot_pans_right_slowly(bikes_small):
    start, end = BIKES_PAN_SHOT
    analysis = analyze_motion(bikes_small[start:end], FPS)
    dx, dy = analysis.camera_velocity
    assert dx == pytest.approx(BIKES_PAN_SPEED, rel=0.35)
    assert abs(dy) < 0.2 * dx


def test_the_whole_bikes_montage_is_abrupt_at_its_cuts_and_only_there(bikes_small):
    analysis = analyze_motion(bikes_small, FPS)
    assert analysis.reject_reason == ABRUPT_MOTION
    assert analysis.abrupt_pairs == BIKES_CUT_PAIRS


def test_speeds_do_not_depend_on_frame_size_or_frame_rate(street):
    offsets = list(range(0, 40 * 3, 3))
    base = analyze_motion(camera_path(street, offsets), FPS)
    larger = analyze_motion(camera_path(street, offsets, size=(224, 126)), FPS)
    every_other = analyze_motion(camera_path(street, offsets[::2]), FPS / 2)
    for other in (larger, every_other):
        assert other.motion_score == pytest.approx(base.motion_score, rel=0.1)
        assert other.camera_velocity[0] == pytest.approx(base.camera_velocity[0], rel=0.1)


def test_letterbox_bars_do_not_hide_the_motion(street):
    offsets = list(range(0, 30 * 4, 4))
    frames = camera_path(street, offsets)
    boxed = np.zeros((len(frames), 72 + 2 * 30, 128, 3), dtype=np.uint8)
    boxed[:, 30:-30] = frames
    plain, letterboxed = analyze_motion(frames, FPS), analyze_motion(boxed, FPS)
    assert letterboxed.camera_velocity[0] == pytest.approx(plain.camera_velocity[0], rel=0.1)


def test_a_stricter_static_threshold_rejects_a_slow_pan(street):
    frames = camera_path(street, list(range(0, 30 * 4, 4)))
    assert analyze_motion(frames, FPS).reject_reason is None
    assert analyze_motion(frames, FPS, MotionParams(static_threshold=1.0)).reject_reason == STATIC


def test_a_single_frame_has_no_motion_and_bad_input_is_refused(street):
    single = analyze_motion(camera_path(street, [0]), FPS)
    assert single.reject_reason == STATIC and single.motion_score == 0.0
    with pytest.raises(ValueError, match="fps"):
        analyze_motion(camera_path(street, [0, 1]), 0.0)
    with pytest.raises(ValueError, match="uint8"):
        analyze_motion(camera_path(street, [0, 1]).astype(np.float32), FPS)
