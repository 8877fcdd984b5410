"""Trivial predictions every world model is reported beside, and the tokenizer oracle.

Physics (future frames from context frames; all (n_future, H, W, 3) uint8):
- `copy_last_frame`: the last context frame, repeated.
- `mean_of_context`: the per-pixel mean of the context frames (rounded), repeated; with one
  context frame it equals copy-last-frame.
- `all_background`: the scene with its objects removed (`objects.background_image` of the context
  frames and their true masks: median background colour per pixel, inpainted where an object covered
  the pixel in every context frame), repeated. On sparse scenes it scores well on MSE/SSIM while
  getting every object wrong, which is why object-level metrics are reported too.

A reference beside them, not a baseline (it has seen the true future, so no model is expected to beat it):
- `tokenizer_round_trip`: the whole true episode (context + truth) through the tokenizer's encoder
  and decoder, future part kept: an oracle, the best a model generating in that tokenizer's latent
  space can do.

3D consistency (whole videos):
- `static_first_frame`: the first frame repeated; trivially epipolar-consistent (Sampson error 0) and
  without parallax, so pose recovery fails.
- `random_homography_warps`: every frame warped by its own random homography (each image corner
  moved by up to `strength` × the image size, uniformly). A homography of an image equals a rotation
  of the camera with changed intrinsics, so two-view epipolar geometry survives it (Sampson error
  barely moves); pose recovery with the known K is what it breaks.
- `random_local_warps`: every frame displaced by its own smooth random field (a `grid`×`grid` grid of
  N(0, (`amplitude`·size)²) offsets, cubic-upsampled): no single camera motion explains it, so it
  anchors the inconsistent end of the Sampson error.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch

from cosmos_flow.evaluation.objects import background_image
from cosmos_flow.video.tensors import frames_to_tensor, tensor_to_frames


def copy_last_frame(context: np.ndarray, n_future: int) -> np.ndarray:
    """The last context frame repeated `n_future` times."""
    return np.repeat(context[-1:], n_future, axis=0)


def mean_of_context(context: np.ndarray, n_future: int) -> np.ndarray:
    """The per-pixel mean of the context frames, rounded to uint8 and repeated."""
    mean = np.round(context.astype(np.float64).mean(axis=0)).astype(np.uint8)
    return np.repeat(mean[None], n_future, axis=0)


def all_background(context: np.ndarray, context_seg: np.ndarray, n_future: int) -> np.ndarray:
    """The scene without its objects (from the context frames and their true masks), repeated."""
    return np.repeat(background_image(context, context_seg)[None], n_future, axis=0)


@torch.no_grad()
def tokenizer_round_trip(tokenizer: torch.nn.Module, episode_frames: np.ndarray, condition_frames: int) -> np.ndarray:
    """Encode and decode the whole true episode; return the frames after the first `condition_frames`."""
    video = frames_to_tensor(episode_frames)[None]
    decoded = tokenizer.decode(tokenizer.encode(video))[0]
    return tensor_to_frames(decoded)[condition_frames:]


def static_first_frame(frames: np.ndarray) -> np.ndarray:
    """The first frame repeated for the video's length."""
    return np.repeat(frames[:1], len(frames), axis=0)


def random_homography_warps(frames: np.ndarray, rng: np.random.Generator, strength: float = 0.1) -> np.ndarray:
    """Each frame warped by an independent random homography (corners moved by up to `strength` × size)."""
    height, width = frames.shape[1:3]
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    warped = []
    for frame in frames:
        moved = corners + (rng.uniform(-strength, strength, (4, 2)) * (width, height)).astype(np.float32)
        homography = cv2.getPerspectiveTransform(corners, moved)
        warped.append(
            cv2.warpPerspective(
                frame, homography, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
            )
        )
    return np.stack(warped)


def random_local_warps(
    frames: np.ndarray, rng: np.random.Generator, amplitude: float = 0.02, grid: int = 4
) -> np.ndarray:
    """Each frame displaced by an independent smooth random field (`grid`² offsets of σ = `amplitude` × size)."""
    height, width = frames.shape[1:3]
    columns, rows = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    warped = []
    for frame in frames:
        offsets = [
            cv2.resize(
                rng.normal(0.0, amplitude * size, (grid, grid)).astype(np.float32),
                (width, height),
                interpolation=cv2.INTER_CUBIC,
            )
            for size in (width, height)
        ]
        warped.append(
            cv2.remap(frame, columns + offsets[0], rows + offsets[1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        )
    return np.stack(warped)
