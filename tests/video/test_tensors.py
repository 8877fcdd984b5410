"""uint8 frames <-> model tensors in [-1, 1]."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cosmos_flow.video.tensors import frames_to_tensor, tensor_to_frames


def test_round_trip_is_exact_and_layout_is_channels_first():
    frames = np.random.default_rng(0).integers(0, 256, (5, 7, 9, 3), dtype=np.uint8)
    video = frames_to_tensor(frames)
    assert video.shape == (3, 5, 7, 9) and video.dtype == torch.float32
    assert video[1, 2, 3, 4] == pytest.approx(frames[2, 3, 4, 1] / 127.5 - 1.0)
    np.testing.assert_array_equal(tensor_to_frames(video), frames)


def test_range_ends_map_to_minus_one_and_one():
    frames = np.zeros((1, 2, 2, 3), dtype=np.uint8)
    frames[0, 1] = 255
    video = frames_to_tensor(frames)
    assert video.min() == -1.0 and video.max() == 1.0


def test_out_of_range_values_are_clamped_and_rounded():
    video = torch.tensor([-3.0, 5.0, 0.0, 0.004]).view(1, 1, 1, 4).expand(3, 1, 1, 4)
    frames = tensor_to_frames(video)
    assert frames.dtype == np.uint8 and frames.shape == (1, 1, 4, 3)
    # 0.0 -> 127.5 rounds half to even (128); 0.004 -> 128.01 rounds to 128.
    assert frames[0, 0, :, 0].tolist() == [0, 255, 128, 128]


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match="uint8"):
        frames_to_tensor(np.zeros((2, 4, 4, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="3, T, H, W"):
        tensor_to_frames(torch.zeros(4, 2, 4, 4))
