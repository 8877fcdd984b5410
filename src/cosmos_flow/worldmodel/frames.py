"""Frame arithmetic both world-model families share: frame counts and frame geometry.

A causal tokenizer with temporal compression tc turns 1 + k*tc frames into 1 + k latent frames
(the first frame alone, then tc frames per latent). Generation conditions on 1 or 1 + tc frames
(one or two latent frames, as Cosmos's Video2World) and extends a video window by window, each
window conditioned on the end of what exists so far.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


def latent_frames(frames: int, temporal_compression: int) -> int:
    """Latent frames for `frames` video frames; ValueError unless frames = 1 + k * temporal_compression."""
    return _latents_for(frames, temporal_compression, "frames")


def condition_latent_frames(condition_frames: int, temporal_compression: int) -> int:
    """Latent frames of `condition_frames` condition frames (which must be 1 + k * temporal_compression)."""
    return _latents_for(condition_frames, temporal_compression, "condition frames")


def _latents_for(frames: int, tc: int, what: str) -> int:
    if tc < 1:
        raise ValueError(f"temporal compression must be at least 1, got {tc}")
    if frames < 1 or (frames - 1) % tc:
        raise ValueError(
            f"{frames} {what} do not fit a {tc}x temporal compression: use 1 + {tc}k ({_examples(1, tc, 0)})"
        )
    return 1 + (frames - 1) // tc


def default_condition_frames(available: int, temporal_compression: int) -> int:
    """The condition length to use when `available` frames are there: 1 + tc when that many exist, else 1."""
    if available < 1:
        raise ValueError(f"there are no frames to condition on ({available} available); give at least one frame")
    return 1 + temporal_compression if available >= 1 + temporal_compression else 1


def held_video(frames: np.ndarray, condition_frames: int, total_frames: int) -> np.ndarray:
    """The first `condition_frames` of `frames`, then the last of them held still up to `total_frames` frames.

    Encoded by the causal tokenizer this is the "held frame" a world model predicts relative to: the
    copy-last-frame guess in latent space. Its leading latent frames equal those of the true video
    (causality), so it carries the condition too.
    """
    if not 1 <= condition_frames <= min(len(frames), total_frames):
        raise ValueError(
            f"cannot hold frame {condition_frames} of a {len(frames)}-frame video over {total_frames} frames"
        )
    given = np.asarray(frames[:condition_frames])
    return np.concatenate([given, np.repeat(given[-1:], total_frames - condition_frames, axis=0)])


@dataclass(frozen=True)
class Window:
    """One step of a generation: a window of `latents` latent frames (`frames` video frames).

    The window starts at frame `start` of the whole video; its first `condition_frames` frames are
    copies of frames already there (0 for a text-only start); the model makes the rest, and the next
    `keep` of them are kept (the last window may make more than the total needs).
    """

    start: int
    condition_frames: int
    condition_latents: int
    latents: int
    frames: int
    keep: int

    @property
    def end(self) -> int:
        """The frame index just after the last frame this window adds."""
        return self.start + self.condition_frames + self.keep


def plan_generation(
    condition_frames: int,
    total_frames: int,
    window_latents: int,
    tc: int,
    extension_condition_frames: int | None = None,
) -> list[Window]:
    """The windows that make a `total_frames`-frame video (condition frames included) with a model of
    `window_latents` latents.

    condition_frames: 0 (text only), 1 or 1 + k*tc frames given at the start.
    extension_condition_frames: frames each later window conditions on (None: 1 + tc when the window
        still leaves new latents, else 1).
    total_frames must be condition_frames + k*tc with k >= 1 (1 + k*tc with k >= 0 without condition frames).
    """
    if window_latents < 1:
        raise ValueError(f"window_latents must be at least 1, got {window_latents}")
    _check_total(condition_frames, total_frames, tc)
    window_frames = 1 + (window_latents - 1) * tc
    if extension_condition_frames is None:
        extension_condition_frames = 1 + tc if window_latents > 2 else 1
    # A later window always continues from what exists, so it needs at least one frame of it.
    condition_latent_frames(extension_condition_frames, tc)
    windows: list[Window] = []
    made = condition_frames
    while made < total_frames:
        context = condition_frames if not windows else extension_condition_frames
        context_latents = 0 if context == 0 else condition_latent_frames(context, tc)
        if context_latents >= window_latents:
            raise ValueError(
                f"a window of {window_latents} latent frames has no room for new frames after {context} condition "
                "frames; condition on fewer frames or use a longer window"
            )
        keep = min(window_frames - context, total_frames - made)
        windows.append(Window(made - context, context, context_latents, window_latents, window_frames, keep))
        made += keep
    return windows


def _check_total(condition_frames: int, total_frames: int, tc: int) -> None:
    if condition_frames == 0:
        if total_frames < 1 or (total_frames - 1) % tc:
            raise ValueError(
                f"N={total_frames} frames cannot be made: without condition frames and {tc}x temporal compression, "
                f"N must be 1 + {tc}k ({_examples(1, tc, 0)})"
            )
        return
    condition_latent_frames(condition_frames, tc)
    if total_frames <= condition_frames or (total_frames - condition_frames) % tc:
        raise ValueError(
            f"N={total_frames} frames cannot be made: "
            f"with {condition_frames} condition frames and {tc}x temporal compression, "
            f"N must be {condition_frames} + {tc}k ({_examples(condition_frames, tc, 1)})"
        )


def _examples(first: int, step: int, start_k: int) -> str:
    return ", ".join(str(first + step * k) for k in range(start_k, start_k + 2)) + ", ..."


def fit_frames(frames: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """uint8 (T, H, W, 3) frames center-cropped to the aspect of size (H, W), then area-resized to it."""
    frames = np.asarray(frames)
    if frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"frames must be a (T, H, W, 3) uint8 array, got {frames.shape} {frames.dtype}")
    return np.stack([fit_frame(frame, size) for frame in frames])


def fit_frame(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """One (H, W, 3) frame center-cropped to the aspect of size (H, W), then area-resized to it."""
    target_h, target_w = size
    height, width = frame.shape[:2]
    # Crop the larger relative side so that the crop has exactly the target aspect (to within a pixel).
    if width * target_h > height * target_w:
        crop_h, crop_w = height, max(1, round(height * target_w / target_h))
    else:
        crop_h, crop_w = max(1, round(width * target_h / target_w)), width
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    crop = frame[top : top + crop_h, left : left + crop_w]
    if (crop_h, crop_w) == (target_h, target_w):
        return np.ascontiguousarray(crop)
    # INTER_AREA averages when shrinking; when enlarging it behaves like bilinear.
    return cv2.resize(crop, (target_w, target_h), interpolation=cv2.INTER_AREA)
