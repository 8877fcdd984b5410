"""Clip captions: a pluggable captioner turns a clip's frames into one sentence.

Every captioner has `caption(frames, fps) -> str` with frames (T, H, W, 3) uint8 RGB, the same
analysis frames the curation filters get. Two are built in:

- `MeasuredCaptioner` (the default) says in plain words what can be measured: duration,
  brightness, dominant colours, camera motion and subject motion. No model, deterministic.
- `TransformersCaptioner` captions a few frames with a local image-to-text model that the
  `transformers` library loads from a folder (BLIP, GIT, vision-encoder-decoder models); it never
  downloads anything.

`make_captioner(kind, **options)` builds one by name, for a Kedro parameter to choose.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from cosmos_flow.curation.motion import MotionAnalysis, MotionParams, analyze_motion
from cosmos_flow.curation.quality import crop_borders, luma, resize_short_side
from cosmos_flow.curation.sampling import centred_indices, spread_indices

LOGGER = logging.getLogger(__name__)


class Captioner(Protocol):
    """Anything that describes a clip's frames, shown at `fps`, in one sentence."""

    def caption(self, frames: np.ndarray, fps: float) -> str: ...


# --------------------------------------------------------------------------- words for measures


def word_for(value: float, scale: tuple[tuple[float, str], ...]) -> str:
    """The word of the first (upper bound, word) step of `scale` that `value` is below (NaN: the last)."""
    for upper, word in scale:
        if value < upper:
            return word
    return scale[-1][1]


BRIGHTNESS_WORDS = ((50.0, "dark"), (100.0, "dim"), (170.0, "moderately lit"), (np.inf, "bright"))  # mean luma
# Speeds in diag/s (see motion.py): a pan at 0.05 diag/s crosses the picture's diagonal in 20 s.
CAMERA_PACE_WORDS = ((0.05, "slowly"), (0.2, "steadily"), (np.inf, "quickly"))
SUBJECT_PACE_WORDS = ((0.05, "slightly"), (0.15, "moderately"), (np.inf, "fast"))
CAMERA_STILL_SPEED = 0.01  # below this mean camera velocity the camera is not going anywhere ...
CAMERA_SHAKE_SPEED = 0.03  # ... but if its per-pair speed is above this, it shakes
SUBJECT_STILL_SPEED = 0.01  # subject motion below this: nothing moves ...
SUBJECT_STILL_SHARE = 0.15  # ... nor below this share of the camera's speed (flow error and parallax grow with it)

# Hue sectors in degrees (upper bound, name); red wraps around 360.
HUE_NAMES = ((15, "red"), (40, "orange"), (70, "yellow"), (165, "green"), (195, "cyan"), (255, "blue"),
             (290, "purple"), (340, "pink"), (361, "red"))  # fmt: skip
GREY_SATURATION = 0.2  # below this saturation a colour is a shade of grey
DOMINANT_SHARE = 0.15  # a colour named in the caption covers at least this share of the pixels
COLOUR_SAMPLE_FRAMES = 8
COLOUR_SAMPLE_SHORT_SIDE = 32


def colour_name(hue: float, saturation: float, value: float) -> str:
    """A plain name for one HSV colour (hue in degrees, saturation and value in [0, 1])."""
    if value < 0.2:
        return "black"
    if saturation < GREY_SATURATION:
        return "white" if value >= 0.8 else "grey" if value >= 0.45 else "dark grey"
    name = word_for(hue, HUE_NAMES)
    if name == "orange" and value < 0.6:
        return "brown"  # dark orange is what people call brown
    return f"dark {name}" if value < 0.45 else name


def dominant_colours(frames: np.ndarray, most: int = 2) -> list[str]:
    """Names of the (at most `most`) colours covering at least DOMINANT_SHARE of a few sampled frames.

    Each pixel is named (HSV histogram over a small fixed palette, not k-means: deterministic and
    cheap); the names with the largest shares win. An empty list means no colour dominates.
    """
    picks = spread_indices(len(frames), COLOUR_SAMPLE_FRAMES)
    sample = frames[picks]
    if min(sample.shape[1:3]) > COLOUR_SAMPLE_SHORT_SIDE:
        sample = resize_short_side(sample, COLOUR_SAMPLE_SHORT_SIDE)
    hsv = cv2.cvtColor(sample.reshape(-1, 1, 3).astype(np.float32) / 255.0, cv2.COLOR_RGB2HSV).reshape(-1, 3)
    names, counts = np.unique([colour_name(*pixel) for pixel in hsv], return_counts=True)
    order = np.argsort(-counts, kind="stable")
    return [str(names[i]) for i in order[:most] if counts[i] >= DOMINANT_SHARE * len(hsv)]


def camera_phrase(motion: MotionAnalysis) -> str:
    """'static camera', 'the camera shakes', or where and how fast it goes ('the camera pans right slowly')."""
    dx, dy = motion.camera_velocity
    speed = float(np.hypot(dx, dy))
    if speed < CAMERA_STILL_SPEED:
        return "the camera shakes" if motion.camera_speed >= CAMERA_SHAKE_SPEED else "static camera"
    pace = word_for(speed, CAMERA_PACE_WORDS)
    horizontal, vertical = ("right" if dx > 0 else "left"), ("down" if dy > 0 else "up")
    if abs(dx) >= 2 * abs(dy):
        return f"the camera pans {horizontal} {pace}"
    if abs(dy) >= 2 * abs(dx):
        return f"the camera tilts {vertical} {pace}"
    return f"the camera moves {vertical} and to the {horizontal} {pace}"


def motion_clause(motion: MotionAnalysis) -> str:
    """Camera and subject motion together, e.g. 'the camera pans right slowly while subjects move moderately'."""
    camera = camera_phrase(motion)
    if motion.subject_speed < max(SUBJECT_STILL_SPEED, SUBJECT_STILL_SHARE * motion.camera_speed):
        return f"{camera}, nothing moves" if camera == "static camera" else f"{camera} over a still scene"
    subjects = f"subjects move {word_for(motion.subject_speed, SUBJECT_PACE_WORDS)}"
    return f"{camera}, {subjects}" if camera == "static camera" else f"{camera} while {subjects}"


# --------------------------------------------------------------------------- captioners


class MeasuredCaptioner:
    """Describes what is measured, e.g. 'A 4.2-second bright clip, mostly grey and dark green; the
    camera pans right slowly while subjects move moderately.'"""

    def __init__(self, motion_params: MotionParams | None = None):
        self.motion_params = motion_params or MotionParams()

    def caption(self, frames: np.ndarray, fps: float, motion: MotionAnalysis | None = None) -> str:
        """The clip's sentence. Pass `motion` when the motion filter already ran, to skip a second flow pass."""
        if motion is None:
            motion = analyze_motion(frames, fps, self.motion_params)
        duration = len(frames) / fps
        picture = crop_borders(frames)  # letterbox bars are neither dark picture nor black things
        brightness = word_for(float(luma(picture).mean()), BRIGHTNESS_WORDS)
        colours = dominant_colours(picture)
        palette = f"mostly {' and '.join(colours)}" if colours else "in many colours"
        return f"A {duration:.1f}-second {brightness} clip, {palette}; {motion_clause(motion)}."


def sample_frame_indices(num_frames: int, count: int) -> list[int]:
    """`count` frame indices spread evenly over a clip, each at the middle of its share (1: the middle frame)."""
    return centred_indices(num_frames, max(1, min(count, num_frames))).tolist()


class TransformersCaptioner:
    """Captions a clip with a local `transformers` image-to-text model.

    model_path: a folder written by `save_pretrained` for both the model and its processor (e.g. a
        BLIP or GIT captioning model). Nothing is ever downloaded.
    num_frames: frames sampled evenly through the clip; their distinct captions are joined by '; '.
    prompt: optional text the caption starts with (conditional captioning, e.g. 'a video of').
    """

    def __init__(
        self,
        model_path: str | Path,
        num_frames: int = 1,
        prompt: str | None = None,
        max_new_tokens: int = 30,
        device: str = "cpu",
    ):
        self.model_path = Path(model_path)
        if not (self.model_path / "config.json").is_file():
            raise FileNotFoundError(
                f"no captioning model at {self.model_path}: expected a folder with config.json, the weights and the "
                "processor files, as written by model.save_pretrained(folder) and processor.save_pretrained(folder); "
                "download one there first, or use the 'measured' captioner"
            )
        # transformers takes seconds to import: only this captioner pays for it.
        from transformers import AutoConfig, AutoModelForImageTextToText, AutoProcessor
        from transformers.models.auto.modeling_auto import MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES

        model_type = AutoConfig.from_pretrained(self.model_path, local_files_only=True).model_type
        if model_type not in MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES:
            raise ValueError(
                f"{self.model_path} holds a {model_type!r} model, which is no image-to-text model; "
                "point model_path at a captioning model such as BLIP or GIT"
            )
        try:
            self.processor = AutoProcessor.from_pretrained(self.model_path, local_files_only=True)
            self.model = AutoModelForImageTextToText.from_pretrained(self.model_path, local_files_only=True)
        except (OSError, ValueError, KeyError) as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise ValueError(f"the captioning model at {self.model_path} cannot be loaded: {first_line}") from error
        self.model.to(device).eval()
        self.device = device
        self.num_frames = num_frames
        self.prompt = prompt
        self.max_new_tokens = max_new_tokens
        LOGGER.info("captioning with %s from %s", type(self.model).__name__, self.model_path)

    def caption(self, frames: np.ndarray, fps: float) -> str:
        import torch  # already imported by transformers, so free here

        images = [frames[index] for index in sample_frame_indices(len(frames), self.num_frames)]
        text = {} if self.prompt is None else {"text": [self.prompt] * len(images)}
        inputs = self.processor(images=images, return_tensors="pt", **text).to(self.device)
        with torch.inference_mode():
            tokens = self.model.generate(**inputs, max_new_tokens=self.max_new_tokens, do_sample=False)
        captions = [caption.strip() for caption in self.processor.batch_decode(tokens, skip_special_tokens=True)]
        return "; ".join(dict.fromkeys(caption for caption in captions if caption))


CAPTIONERS = {"measured": MeasuredCaptioner, "transformers": TransformersCaptioner}


def make_captioner(kind: str, **options) -> Captioner:
    """The captioner named `kind` (a key of CAPTIONERS), built with `options`."""
    if kind not in CAPTIONERS:
        raise ValueError(f"unknown captioner kind {kind!r}; known kinds: {', '.join(sorted(CAPTIONERS))}")
    return CAPTIONERS[kind](**options)
