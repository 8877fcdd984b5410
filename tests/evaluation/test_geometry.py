"""Sampson error and pose success on synthetic two-view geometry and on a rendered orbit."""

import cv2
import numpy as np
import pytest

from cosmos_flow.evaluation.baselines import random_local_warps, static_first_frame
from cosmos_flow.evaluation.geometry import pair_pose_succeeds, pair_sampson_error, sampson_distances, video_geometry

K = np.array([[100.0, 0.0, 64.0], [0.0, 100.0, 64.0], [0.0, 0.0, 1.0]])
DIAGONAL = float(np.hypot(128, 128))


def two_views(count: int = 80, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random 3D points seen by two cameras with known K, R, t: (points in view 1, in view 2, true F)."""
    rng = np.random.default_rng(seed)
    world = np.column_stack([rng.uniform(-1.5, 1.5, count), rng.uniform(-1.5, 1.5, count), rng.uniform(3.0, 6.0, count)])
    rotation, _ = cv2.Rodrigues(np.array([0.02, -0.05, 0.01]))
    translation = np.array([0.3, 0.05, 0.02])
    first = world @ K.T
    second = (world @ rotation.T + translation) @ K.T
    tx = np.array([[0, -translation[2], translation[1]], [translation[2], 0, -translation[0]], [-translation[1], translation[0], 0]])
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


def test_pose_recovery_succeeds_on_a_real_pair_and_fails_on_random_matches():
    first, second, _ = two_views()
    noisy = second + np.random.default_rng(2).normal(0, 0.2, second.shape)
    assert pair_pose_succeeds(first, noisy, K)
    random_second = np.random.default_rng(3).uniform(0, 128, second.shape)
    assert not pair_pose_succeeds(first, random_second, K)
    assert not pair_pose_succeeds(first[:10], second[:10], K, min_inliers=15)


@pytest.fixture(scope="module")
def orbit_render():
    from cosmos_flow.simulation.engine import simulate
    from cosmos_flow.simulation.scenarios import make_scene

    episode = simulate(make_scene("orbit", 7, 9, "orbit"), 9, 12.0, 40, [(128, 128)])
    return episode.views[128].rgb, episode.views[128].intrinsics


def test_rendered_orbit_is_consistent_and_broken_videos_are_not(orbit_render):
    frames, intrinsics = orbit_render
    real = video_geometry(frames, intrinsics)
    assert real.pose_success and real.pairs == real.pairs_with_pose == 8 and real.sampson_error < 0.3
    warped = video_geometry(random_local_warps(frames, np.random.default_rng(0), amplitude=0.02), intrinsics)
    assert not warped.pose_success and warped.sampson_error > 2 * real.sampson_error
    still = video_geometry(static_first_frame(frames), intrinsics)
    assert still.sampson_error < 1e-6 and not still.pose_success  # no parallax, no pose
    with pytest.raises(ValueError, match="T>=2"):
        video_geometry(frames[:1], intrinsics)
