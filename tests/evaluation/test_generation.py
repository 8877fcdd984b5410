"""World models as prediction sources: selection, resizing, seeds, generation options, and the 3D videos."""

import numpy as np
import pytest

from cosmos_flow.evaluation.consistency import model_video
from cosmos_flow.evaluation.generation import case_seed, evaluated_world_models, physics_predictor, resize_frames
from cosmos_flow.evaluation.physics import EpisodeCase
from cosmos_flow.worldmodel.protocol import WorldModel

CALLS: list[dict] = []


class SmallWorldModel:
    """Generates at 32×32: a flat frame whose grey level is the seed modulo 256; records what it was given."""

    resolution = (32, 32)
    temporal_compression = 8
    family = "small_world_model"

    def __init__(self, name: str, stage: str):
        self.name, self.stage = name, stage

    def generate(self, past_frames, caption, n_future, seed, **options):
        CALLS.append({"past": None if past_frames is None else past_frames.shape, "seed": seed, "options": options})
        return np.full((n_future, 32, 32, 3), seed % 256, dtype=np.uint8)


@pytest.fixture
def models():
    CALLS.clear()
    return [SmallWorldModel("small_v2w", "v2w"), None, SmallWorldModel("small_t2w", "t2w")]


def episode_case(condition_frames: int = 9) -> EpisodeCase:
    frames = np.random.default_rng(0).integers(0, 256, (17, 64, 64, 3), dtype=np.uint8)
    return EpisodeCase(
        "drop_test_0003", "drop", "a ball", condition_frames, frames, np.full((17, 64, 64), -1, np.int32), None
    )


def test_the_given_models_are_evaluated_sorted_and_unsaved_ones_left_out(models):
    assert all(isinstance(model, WorldModel) for model in models if model is not None)
    chosen = evaluated_world_models(models)
    assert [model.name for model in chosen] == ["small_t2w", "small_v2w"]  # None: not saved yet
    assert chosen[0].text_only and not chosen[1].text_only
    assert [model.name for model in evaluated_world_models(models, only=["small_v2w"])] == ["small_v2w"]
    assert evaluated_world_models([None, None]) == []


def test_predictions_are_resized_both_ways_and_seeded_per_case(models):
    (model,) = evaluated_world_models(models, only=["small_v2w"])
    predict = physics_predictor(model, seed=5)
    future = predict(episode_case())
    assert future.shape == (8, 64, 64, 3) and CALLS[-1]["past"] == (9, 32, 32, 3)
    expected_seed = case_seed(5, "drop_test_0003", 9)
    assert CALLS[-1]["seed"] == expected_seed and (future == expected_seed % 256).all()
    assert case_seed(5, "drop_test_0003", 1) != expected_seed and CALLS[-1]["options"] == {}


def test_generation_options_of_the_model_family_go_to_its_generate(models):
    options = {"small_world_model": {"steps": 3}, "other_world_model": {"temperature": 0.5}}
    (model,) = evaluated_world_models(models, options, only=["small_v2w"])
    physics_predictor(model, seed=0)(episode_case())
    assert CALLS[-1]["options"] == {"steps": 3}


def test_wrong_output_shape_is_one_readable_error(models):
    (model,) = evaluated_world_models(models, only=["small_v2w"])
    model.model.resolution = (16, 16)  # claims a resolution it does not produce
    with pytest.raises(ValueError, match="fix its generate"):
        physics_predictor(model, seed=0)(episode_case())


def test_3d_videos_continue_the_first_frame_or_start_from_text(models):
    text_model, video_model = evaluated_world_models(models)
    frames = episode_case().frames
    from_text = model_video(text_model, frames, "a scene", seed=7, size=(128, 128))
    assert from_text.shape == (17, 128, 128, 3) and CALLS[-1]["past"] is None
    continued = model_video(video_model, frames, "a scene", seed=7, size=(128, 128))
    assert continued.shape == (17, 128, 128, 3) and CALLS[-1]["past"] == (1, 32, 32, 3)
    assert np.abs(continued[0].astype(int) - resize_frames(frames[:1], (128, 128))[0]).max() == 0
