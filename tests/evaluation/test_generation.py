"""World models as prediction sources: discovery, resizing, seeds, generation options, and the 3D videos."""

import json

import numpy as np
import pytest

from cosmos_flow.evaluation.consistency import model_video
from cosmos_flow.evaluation.generation import case_seed, load_world_models, physics_predictor, resize_frames
from cosmos_flow.evaluation.physics import EpisodeCase
from cosmos_flow.worldmodel import registry

CALLS: list[dict] = []


class SmallWorldModel:
    """Generates at 32×32: a flat frame whose grey level is the seed modulo 256; records what it was given."""

    resolution = (32, 32)
    temporal_compression = 8
    name = "small"

    def generate(self, past_frames, caption, n_future, seed):
        CALLS.append({"past": None if past_frames is None else past_frames.shape, "seed": seed, "options": {}})
        return np.full((n_future, 32, 32, 3), seed % 256, dtype=np.uint8)


def load_small_world_model(folder):
    return SmallWorldModel()


def generate(model, past_frames, caption, n_future, seed, **options):
    """The family's module-level generate, which the evaluation calls when options are set."""
    frames = model.generate(past_frames, caption, n_future, seed)
    CALLS[-1]["options"] = options
    return frames


@pytest.fixture
def models_dir(tmp_path, monkeypatch):
    monkeypatch.setitem(registry.WORLD_MODEL_FAMILIES, "small_world_model", f"{__name__}:load_small_world_model")
    (tmp_path / "tokenizer_cv").mkdir()
    for name, stage, tokenizer in (
        ("small_v2w", "v2w", "tokenizer_cv"),
        ("small_t2w", "t2w", "tokenizer_cv"),
        ("orphan", "v2w", "missing_tokenizer"),
    ):
        (tmp_path / name).mkdir()
        (tmp_path / name / "config.json").write_text(
            json.dumps({"model": "small_world_model", "stage": stage, "tokenizer": tokenizer})
        )
    CALLS.clear()
    return tmp_path


def episode_case(condition_frames: int = 9) -> EpisodeCase:
    frames = np.random.default_rng(0).integers(0, 256, (17, 64, 64, 3), dtype=np.uint8)
    return EpisodeCase(
        "drop_test_0003", "drop", "a ball", condition_frames, frames, np.full((17, 64, 64), -1, np.int32), None
    )


def test_discovery_loads_every_usable_model_and_skips_broken_ones(models_dir):
    loaded = load_world_models(models_dir)
    assert [model.entry.name for model in loaded] == ["small_t2w", "small_v2w"]  # orphan has no tokenizer
    assert loaded[0].text_only and not loaded[1].text_only
    assert [model.entry.name for model in load_world_models(models_dir, only=["small_v2w"])] == ["small_v2w"]
    assert load_world_models(models_dir / "nowhere") == []


def test_predictions_are_resized_both_ways_and_seeded_per_case(models_dir):
    (model,) = load_world_models(models_dir, only=["small_v2w"])
    predict = physics_predictor(model, seed=5)
    future = predict(episode_case())
    assert future.shape == (8, 64, 64, 3) and CALLS[-1]["past"] == (9, 32, 32, 3)
    expected_seed = case_seed(5, "drop_test_0003", 9)
    assert CALLS[-1]["seed"] == expected_seed and (future == expected_seed % 256).all()
    assert case_seed(5, "drop_test_0003", 1) != expected_seed and CALLS[-1]["options"] == {}


def test_generation_options_go_to_the_family_generate(models_dir):
    (model,) = load_world_models(models_dir, {"small_world_model": {"steps": 3}}, only=["small_v2w"])
    physics_predictor(model, seed=0)(episode_case())
    assert CALLS[-1]["options"] == {"steps": 3}


def test_wrong_output_shape_is_one_readable_error(models_dir):
    (model,) = load_world_models(models_dir, only=["small_v2w"])
    model.model.resolution = (16, 16)  # claims a resolution it does not produce
    with pytest.raises(ValueError, match="fix its generate"):
        physics_predictor(model, seed=0)(episode_case())


def test_3d_videos_continue_the_first_frame_or_start_from_text(models_dir):
    text_model, video_model = load_world_models(models_dir)
    frames = episode_case().frames
    from_text = model_video(text_model, frames, "a scene", seed=7, size=(128, 128))
    assert from_text.shape == (17, 128, 128, 3) and CALLS[-1]["past"] is None
    continued = model_video(video_model, frames, "a scene", seed=7, size=(128, 128))
    assert continued.shape == (17, 128, 128, 3) and CALLS[-1]["past"] == (1, 32, 32, 3)
    assert np.abs(continued[0].astype(int) - resize_frames(frames[:1], (128, 128))[0]).max() == 0
