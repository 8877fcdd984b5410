"""Generation failures: objects that vanish for two frames or more, and blobs away from their true object."""

import numpy as np

from cosmos_flow.evaluation.failures import appearances, failure_events, long_runs, object_sizes, vanishings

T, SIZE = 5, 24


def disc_labels(centres, object_id: int = 0, radius: int = 3) -> np.ndarray:
    """Label maps with one disc per frame at `centres` (None: no disc in that frame)."""
    rows, columns = np.mgrid[:SIZE, :SIZE]
    labels = np.full((len(centres), SIZE, SIZE), -1, dtype=np.int32)
    for t, centre in enumerate(centres):
        if centre is not None:
            labels[t][(rows - centre[0]) ** 2 + (columns - centre[1]) ** 2 <= radius**2] = object_id
    return labels


TRUTH = disc_labels([(8, 8)] * T)


def test_long_runs_counts_runs_of_at_least_the_given_length():
    assert long_runs(np.array([1, 1, 0, 1, 0, 1, 1, 1], bool), 2) == 2
    assert long_runs(np.array([1, 0, 1, 0], bool), 2) == 0 and long_runs(np.array([1, 0, 1], bool), 1) == 2
    assert long_runs(np.zeros(0, bool), 2) == 0


def test_an_object_missing_two_frames_in_a_row_is_one_vanishing_and_a_single_frame_is_flicker():
    gone_twice = disc_labels([(8, 8), None, None, (8, 8), (8, 8)])
    assert vanishings(gone_twice, TRUTH) == 1
    flicker = disc_labels([(8, 8), None, (8, 8), None, (8, 8)])
    assert vanishings(flicker, TRUTH) == 0
    # An object the truth does not show is not missing when the prediction lacks it too.
    assert vanishings(disc_labels([None] * T), disc_labels([None] * T)) == 0


def test_a_blob_away_from_its_true_object_is_an_appearance_but_edge_noise_and_specks_are_not():
    moved_far = disc_labels([(8, 8), (8, 8), (18, 18), (18, 18), (18, 18)])
    assert appearances(moved_far, TRUTH) == 1
    shifted_within_tolerance = disc_labels([(8, 10)] * T)
    assert appearances(shifted_within_tolerance, TRUTH) == 0
    specks = TRUTH.copy()
    specks[:, 20, 20] = 0  # one stray pixel in every frame
    assert appearances(specks, TRUTH) == 0
    from_nowhere = disc_labels([None, None, (8, 8), (8, 8), None])
    assert appearances(from_nowhere, disc_labels([None] * T)) == 1


def test_a_stray_blob_must_be_half_the_objects_size_to_count():
    sizes = object_sizes(disc_labels([(8, 8)], radius=4))  # a disc of 49 pixels
    assert sizes == {0: 49.0}
    small_stray = TRUTH.copy()
    small_stray[:, 18:22, 18:22] = 0  # 16 pixels far from the object, in every frame
    assert appearances(small_stray, TRUTH) == 1  # without sizes, any blob of 4 pixels counts
    assert appearances(small_stray, TRUTH, sizes) == 0
    large_stray = TRUTH.copy()
    large_stray[:, 16:21, 16:21] = 0  # 25 pixels: more than half of 49
    assert appearances(large_stray, TRUTH, sizes) == 1


def test_a_perfect_prediction_has_no_failure_and_a_duplicated_object_fails():
    assert not failure_events(TRUTH, TRUTH).failed
    duplicated = TRUTH.copy()
    duplicated[:, 16:21, 16:21] = 0  # a second copy of object 0, far from the true one
    events = failure_events(duplicated, TRUTH)
    assert events.failed and (events.vanishings, events.appearances) == (0, 1)
