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


def context_frames(count: int = 3, size: int = 16) -> np.ndarray:
    return np.random.default_rng(count).integers(0, 256, (count, size, size, 3), dtype=np.uint8)


def rgb(*values: int) -> list[list[int]]:
    """A row of grey pixels: each value in all three channels."""
    return [[value] * 3 for value in values]


# Three 1x3 context frames with different values per frame and per pixel (expected values by hand).
CONTEXT = np.array([[rgb(10, 200, 0)], [rgb(20, 100, 1)], [rgb(31, 0, 1)]], dtype=np.uint8)


def test_copy_last_frame_repeats_the_last_context_frame():
    future = copy_last_frame(CONTEXT, 2)
    assert future.dtype == np.uint8
    np.testing.assert_array_equal(future, np.array([[rgb(31, 0, 1)], [rgb(31, 0, 1)]], dtype=np.uint8))


def test_mean_of_context_is_the_rounded_per_pixel_mean():
    # Per pixel over time: (10+20+31)/3 = 20.33 -> 20; (200+100+0)/3 = 100 (no uint8 overflow in the sum);
    # (0+1+1)/3 = 0.67 -> 1.
    np.testing.assert_array_equal(
        mean_of_context(CONTEXT, 2), np.array([[rgb(20, 100, 1)], [rgb(20, 100, 1)]], dtype=np.uint8)
    )
    # Halves round to even (numpy's rounding): 11.5 -> 12, 12.5 -> 12, 0.5 -> 0, 254.5 -> 254.
    halves = np.array([[rgb(10, 12, 0, 254)], [rgb(13, 13, 1, 255)]], dtype=np.uint8)
    np.testing.assert_array_equal(mean_of_context(halves, 1), np.array([[rgb(12, 12, 0, 254)]], dtype=np.uint8))
    # The mean is per channel, not over the colour: a red pixel stays red.
    red = np.array([[[[200, 0, 50]]], [[[100, 10, 50]]]], dtype=np.uint8)
    np.testing.assert_array_equal(mean_of_context(red, 1), np.array([[[[150, 5, 50]]]], dtype=np.uint8))
    single = np.array([[rgb(7, 255)]], dtype=np.uint8)
    np.testing.assert_array_equal(mean_of_context(single, 2), np.array([[rgb(7, 255)], [rgb(7, 255)]], dtype=np.uint8))


def test_all_background_is_the_median_of_the_background_pixels():
    # Three 1x3 frames; object 0 (value 250) covers pixel 0 in frame 2 and pixel 2 in frames 0 and 1.
    context = np.array([[rgb(10, 30, 250)], [rgb(20, 40, 250)], [rgb(250, 80, 60)]], dtype=np.uint8)
    seg = np.array([[[-1, -1, 0]], [[-1, -1, 0]], [[0, -1, -1]]], dtype=np.int32)
    # Pixel 0: median of (10, 20) = 15; pixel 1: median of (30, 40, 80) = 40 (the mean would be 50);
    # pixel 2: only frame 2 shows the background there, 60.
    np.testing.assert_array_equal(
        all_background(context, seg, 2), np.array([[rgb(15, 40, 60)], [rgb(15, 40, 60)]], dtype=np.uint8)
    )


def test_all_background_removes_the_objects_seen_in_the_context():
    context = np.full((2, 12, 12, 3), 90, dtype=np.uint8)
    seg = np.full((2, 12, 12), -1, dtype=np.int32)
    for t, column in enumerate((1, 6)):
        context[t, 4:8, column : column + 4] = (250, 0, 0)
        seg[t, 4:8, column : column + 4] = 0
    future = all_background(context, seg, 3)
    assert future.shape == (3, 12, 12, 3) and (future == 90).all()
    # A pixel the object covers in every context frame is filled in from its surroundings.
    seg[:, 5, 7] = 0
    context[:, 5, 7] = (250, 0, 0)
    assert (all_background(context, seg, 1) == 90).all()


class NegatingTokenizer(torch.nn.Module):
    """A stand-in tokenizer whose round trip is known: encode keeps the video, decode negates it (v -> 255 - v)."""

    def __init__(self):
        super().__init__()
        self.encoded_shapes = []

    def encode(self, video):
        self.encoded_shapes.append(tuple(video.shape))
        return video

    def decode(self, latent):
        return -latent


def test_tokenizer_round_trip_encodes_the_whole_episode_and_keeps_its_decoded_future():
    episode = np.array([[rgb(0, 10)], [rgb(20, 30)], [rgb(40, 50)], [rgb(60, 255)]], dtype=np.uint8)
    tokenizer = NegatingTokenizer()
    future = tokenizer_round_trip(tokenizer, episode, condition_frames=1)
    assert tokenizer.encoded_shapes == [(1, 3, 4, 1, 2)]  # all four frames, condition frames included
    np.testing.assert_array_equal(future, np.array([[rgb(235, 225)], [rgb(215, 205)], [rgb(195, 0)]], dtype=np.uint8))
    np.testing.assert_array_equal(
        tokenizer_round_trip(tokenizer, episode, condition_frames=3), np.array([[rgb(195, 0)]], dtype=np.uint8)
    )


def test_tokenizer_round_trip_runs_a_real_tokenizer():
    torch.manual_seed(0)
    tokenizer = CausalVideoTokenizer(get_config("cv-tiny-8x8x8")).eval()
    episode = np.random.default_rng(0).integers(0, 256, (9, 16, 16, 3), dtype=np.uint8)
    future = tokenizer_round_trip(tokenizer, episode, condition_frames=1)
    assert future.shape == (8, 16, 16, 3) and future.dtype == np.uint8


def test_static_first_frame_repeats_the_first_frame():
    np.testing.assert_array_equal(static_first_frame(CONTEXT), np.array([[rgb(10, 200, 0)]] * 3, dtype=np.uint8))


@pytest.mark.parametrize(
    "warp", [lambda f, rng: random_homography_warps(f, rng, 0.1), lambda f, rng: random_local_warps(f, rng, 0.05)]
)
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
