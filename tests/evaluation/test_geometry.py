"""Sampson error, and camera poses against the true cameras, on synthetic two-view geometry and on rendered orbits."""

import cv2
import numpy as np
import pytest

from cosmos_flow.evaluation.baselines import random_local_warps, static_first_frame
from cosmos_flow.evaluation.geometry import (
    STATUS_OK,
    STATUS_STATIC,
    PoseCriteria,
    pair_pose_errors,
    pair_sampson_error,
    relative_pose,
    rotation_angle_deg,
    sampson_distances,
    video_geometry,
)

K = np.array([[100.0, 0.0, 64.0], [0.0, 100.0, 64.0], [0.0, 0.0, 1.0]])
DIAGONAL = float(np.hypot(128, 128))


ROTATION = cv2.Rodrigues(np.array([0.02, -0.05, 0.01]))[0]
TRANSLATION = np.array([0.3, 0.05, 0.02])


def two_views(
    count: int = 80, seed: int = 0, rotation: np.ndarray = ROTATION, translation: np.ndarray = TRANSLATION
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random 3D points seen by two cameras with known K, R, t: (points in view 1, in view 2, true F)."""
    rng = np.random.default_rng(seed)
    world = np.column_stack(
        [rng.uniform(-1.5, 1.5, count), rng.uniform(-1.5, 1.5, count), rng.uniform(3.0, 6.0, count)]
    )
    first = world @ K.T
    second = (world @ rotation.T + translation) @ K.T
    tx = np.array(
        [
            [0, -translation[2], translation[1]],
            [translation[2], 0, -translation[0]],
            [-translation[1], translation[0], 0],
        ]
    )
    fundamental = np.linalg.inv(K).T @ tx @ rotation @ np.linalg.inv(K)
    return first[:, :2] / first[:, 2:], second[:, :2] / second[:, 2:], fundamental


def test_true_fundamental_matrix_gives_zero_sampson_distance():
    first, second, fundamental = two_views()
    assert sampson_distances(fundamental, first, second).max() < 1e-12
    # Moving one point of view 2 along its epipolar line's normal by d pixels gives a distance of about d²/2
    # (Sampson splits the error between both images; the epipole is far, so image 1's share is ~equal).
    line = fundamental @ np.append(first[0], 1.0)
    moved = second.copy()
    moved[0] += 2.0 * line[:2] / np.linalg.norm(line[:2])
    assert 1.0 < sampson_distances(fundamental, first[:1], moved[:1])[0] <= 4.0 + 1e-9


def test_sampson_error_is_near_zero_for_true_matches_and_large_for_random_ones():
    first, second, _ = two_views()
    assert pair_sampson_error(first, second, DIAGONAL) < 1e-3  # percent of the diagonal
    random_second = np.random.default_rng(1).uniform(0, 128, second.shape)
    assert pair_sampson_error(first, random_second, DIAGONAL) > 1.0
    assert np.isnan(pair_sampson_error(first[:5], second[:5], DIAGONAL))  # too few matches to fit F


def test_relative_pose_of_two_world_to_camera_matrices():
    first, second = np.eye(4), np.eye(4)
    second[:3, :3], second[:3, 3] = ROTATION, TRANSLATION
    first[:3, 3] = [0.0, 0.0, 1.0]  # camera 1 sits 1 m behind the world origin
    rotation, translation = relative_pose(first, second)
    point = np.array([0.2, -0.1, 2.0])  # camera-1 coordinates
    assert np.allclose(rotation @ point + translation, ROTATION @ (point - first[:3, 3]) + TRANSLATION)
    assert rotation_angle_deg(ROTATION) == pytest.approx(np.degrees(np.linalg.norm([0.02, -0.05, 0.01])))


def test_pose_is_recovered_against_the_true_one_and_random_matches_are_not():
    first, second, _ = two_views()
    noisy = second + np.random.default_rng(2).normal(0, 0.2, second.shape)
    pose = pair_pose_errors(first, noisy, K, ROTATION, TRANSLATION, PoseCriteria())
    assert pose.posed and pose.rotation_error_deg < 1.0 and pose.translation_error_deg < 3.0
    # Compared with a wrong truth (the camera moved the other way), the same matches are far off.
    wrong = pair_pose_errors(first, noisy, K, ROTATION.T, -TRANSLATION, PoseCriteria())
    assert wrong.rotation_error_deg > 3.0 and wrong.translation_error_deg > 150.0
    random_second = np.random.default_rng(3).uniform(0, 128, second.shape)
    scrambled = pair_pose_errors(first, random_second, K, ROTATION, TRANSLATION, PoseCriteria())
    assert not scrambled.posed or scrambled.rotation_error_deg > 3.0 or scrambled.translation_error_deg > 25.0
    assert not pair_pose_errors(first[:10], second[:10], K, ROTATION, TRANSLATION, PoseCriteria(min_inliers=15)).posed


def test_a_pure_rotation_has_no_translation_direction():
    first, second, _ = two_views(translation=np.zeros(3))
    pose = pair_pose_errors(first, second, K, ROTATION, np.zeros(3), PoseCriteria())
    assert np.isnan(pose.translation_error_deg)
    assert not pose.posed or pose.rotation_error_deg < 1.0


@pytest.fixture(scope="module")
def orbit_render():
    from cosmos_flow.simulation.engine import simulate
    from cosmos_flow.simulation.scenarios import make_scene

    episode = simulate(make_scene("orbit", 7, 9, "orbit"), 9, 12.0, 40, [(128, 128)])
    return episode.views[128].rgb, episode.views[128].intrinsics, episode.world_to_camera


def test_rendered_orbit_recovers_its_true_cameras_and_broken_videos_do_not(orbit_render):
    frames, intrinsics, cameras = orbit_render
    real = video_geometry(frames, intrinsics, cameras)
    assert (
        real.pose_success
        and real.status == STATUS_OK
        and real.pairs == 8
        and real.pose_pairs == real.pairs_with_pose == 5
    )
    assert (
        real.rotation_error_deg < 2.0
        and real.translation_error_deg < 25.0
        and real.translation_defined
        and real.sampson_error < 0.3
    )
    # The same video scored against the camera path played backwards: the poses no longer agree.
    assert not video_geometry(frames, intrinsics, cameras[::-1]).pose_success
    warped = video_geometry(random_local_warps(frames, np.random.default_rng(0), amplitude=0.02), intrinsics, cameras)
    assert not warped.pose_success and warped.sampson_error > 2 * real.sampson_error
    still = video_geometry(static_first_frame(frames), intrinsics, cameras)
    assert (
        still.sampson_error < 1e-6
        and not still.pose_success
        and still.pairs_with_pose == 0
        and still.status == STATUS_STATIC
    )
    with pytest.raises(ValueError, match="T>=2"):
        video_geometry(frames[:1], intrinsics, cameras[:1])
    with pytest.raises(ValueError, match="one true camera per frame"):
        video_geometry(frames, intrinsics, cameras[:3])


def test_a_pan_is_judged_on_rotation_and_reports_no_translation():
    from cosmos_flow.simulation.engine import simulate
    from cosmos_flow.simulation.scenarios import make_scene

    episode = simulate(make_scene("orbit", 7, 9, "pan"), 9, 12.0, 40, [(128, 128)])
    view = episode.views[128]
    pan = video_geometry(view.rgb, view.intrinsics, episode.world_to_camera)
    assert not pan.translation_defined and np.isnan(pan.translation_error_deg)
    assert pan.pose_success and pan.rotation_error_deg < 2.0
