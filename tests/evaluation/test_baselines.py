"""The trivial predictions: each computed as its definition says."""

import numpy as np
import pytest
import torch

from cosmos_flow.evaluation.baselines import (
    all_background,
    copy_last_frame,
    mean_of_context,
    random_homography_warps,
    random_local_warps,
    static_first_frame,
    tokenizer_round_trip,
)
from cosmos_flow.tokenizer.model import CausalVideoTokenizer
from cosmos_flow.tokenizer.registry import get_config
from cosmos_flow.video.tensors import frames_to_tensor, tensor_to_frames


def context_frames(count: int = 3, size: int = 16) -> np.ndarray:
    return np.random.default_rng(count).integers(0, 256, (count, size, size, 3), dtype=np.uint8)


def test_copy_last_frame_repeats_the_last_context_frame():
    context = context_frames()
    future = copy_last_frame(context, 5)
    assert future.shape == (5, 16, 16, 3) and future.dtype == np.uint8
    assert all((frame == context[-1]).all() for frame in future)


def test_mean_of_context_is_the_rounded_pixel_mean_and_equals_copy_last_with_one_frame():
    context = np.zeros((2, 2, 2, 3), dtype=np.uint8)
    context[0], context[1] = 10, 13  # mean 11.5 rounds to 12 (half to even)
    assert (mean_of_context(context, 3) == 12).all()
    single = context_frames(1)
    assert (mean_of_context(single, 4) == copy_last_frame(single, 4)).all()


def test_all_background_removes_the_objects_seen_in_the_context():
    context = np.full((2, 12, 12, 3), 90, dtype=np.uint8)
    seg = np.full((2, 12, 12), -1, dtype=np.int32)
    for t, column in enumerate((1, 6)):
        context[t, 4:8, column : column + 4] = (250, 0, 0)
        seg[t, 4:8, column : column + 4] = 0
    future = all_background(context, seg, 3)
    assert future.shape == (3, 12, 12, 3) and (future == 90).all()


def test_tokenizer_round_trip_keeps_the_decoded_future_of_the_whole_episode():
    torch.manual_seed(0)
    tokenizer = CausalVideoTokenizer(get_config("cv-tiny-8x8x8")).eval()
    episode = np.random.default_rng(0).integers(0, 256, (9, 16, 16, 3), dtype=np.uint8)
    future = tokenizer_round_trip(tokenizer, episode, condition_frames=1)
    with torch.no_grad():
        expected = tensor_to_frames(tokenizer.decode(tokenizer.encode(frames_to_tensor(episode)[None]))[0])[1:]
    assert future.shape == (8, 16, 16, 3) and (future == expected).all()


def test_static_first_frame_repeats_the_first_frame():
    frames = context_frames(4)
    assert (static_first_frame(frames) == frames[0]).all()


@pytest.mark.parametrize("warp", [lambda f, rng: random_homography_warps(f, rng, 0.1), lambda f, rng: random_local_warps(f, rng, 0.05)])
def test_random_warps_are_seeded_and_independent_per_frame(warp):
    frame = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    frames = np.repeat(frame[None], 3, axis=0)
    first, again = warp(frames, np.random.default_rng(5)), warp(frames, np.random.default_rng(5))
    assert (first == again).all()
    assert not (first[0] == first[1]).all() and not (first[0] == frame).all()


def test_zero_strength_warps_change_nothing():
    frames = context_frames(2, 32)
    assert (random_homography_warps(frames, np.random.default_rng(0), 0.0) == frames).all()
    assert (random_local_warps(frames, np.random.default_rng(0), 0.0) == frames).all()
