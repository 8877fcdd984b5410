"""Saved models, generation through the WorldModel protocol, and `cosmos-flow generate diffusion`, on tiny random
models saved in a temporary models folder (random tokenizer, random DiTs, the bundled MiniLM text encoder)."""

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from cosmos_flow.datasets.world_model import DiffusionWorldModelDataset
from cosmos_flow.diffusion.cli import diffusion
from cosmos_flow.diffusion.denoiser import DiffusionDenoiser, FrameCondition, video2world_from
from cosmos_flow.diffusion.dit import DiTConfig
from cosmos_flow.diffusion.edm import EDMConfig
from cosmos_flow.diffusion.generate import load_world_model
from cosmos_flow.diffusion.samplers import SamplingParams
from cosmos_flow.diffusion.saved import diffusion_artifact, load_denoiser
from cosmos_flow.model_store import save_model
from cosmos_flow.tokenizer.model import CausalVideoTokenizer
from cosmos_flow.tokenizer.registry import get_config
from cosmos_flow.tokenizer.saved import tokenizer_artifact
from cosmos_flow.video import probe, read_frames, write_video
from cosmos_flow.worldmodel.protocol import WorldModel

SIZE = 32


@pytest.fixture(scope="module")
def saved_models(tmp_path_factory):
    """(models folder, {stage: the denoiser object that was saved}): tokenizer_cv, diffusion_t2w and diffusion_v2w
    as the pipeline lays them out, with random weights."""
    folder = tmp_path_factory.mktemp("models")
    torch.manual_seed(0)
    save_model(folder / "tokenizer_cv", tokenizer_artifact(CausalVideoTokenizer(get_config("cv-tiny-8x8x8"))))
    config = DiTConfig(latent_channels=16, dim=32, depth=1, heads=2, text_dim=384, max_grid=(4, 4, 4), frequency_dim=32)
    text2world = DiffusionDenoiser(config, EDMConfig(), torch.randn(16) * 0.1, torch.rand(16) + 0.5)
    with torch.no_grad():  # random output layers, so samples depend on text, noise and condition
        text2world.net.final.linear.weight.normal_(std=0.1)
    video2world = video2world_from(text2world)
    common = {
        "text_encoder": {"kind": "minilm", "max_tokens": 8},
        "frames": 17,
        "resolution": (SIZE, SIZE),
        "fps": 8.0,
        "sampling": SamplingParams(steps=2, guidance=1.0),
    }
    save_model(folder / "diffusion_t2w", diffusion_artifact(text2world, "t2w", **common))
    save_model(folder / "diffusion_v2w", diffusion_artifact(video2world, "v2w", **common))
    return folder, {"t2w": text2world.eval(), "v2w": video2world.eval()}


@pytest.fixture(scope="module")
def models_dir(saved_models):
    return saved_models[0]


@pytest.fixture(scope="module")
def video2world_model(models_dir):
    return load_world_model(models_dir / "diffusion_v2w")


@pytest.fixture(scope="module")
def past_video(tmp_path_factory):
    """12 frames of a bright square moving right over a smooth gradient, as an mp4."""
    frames = np.broadcast_to(
        np.linspace(30, 200, SIZE, dtype=np.uint8)[None, None, :, None], (12, SIZE, SIZE, 3)
    ).copy()
    for index in range(12):
        frames[index, 10:18, index : index + 8] = 250
    return write_video(tmp_path_factory.mktemp("past") / "past.mp4", frames, fps=8)


@pytest.mark.parametrize("stage", ["t2w", "v2w"])
def test_save_then_load_gives_the_saved_model(saved_models, stage):
    models_dir, saved = saved_models
    saved = saved[stage]
    loaded, config = load_denoiser(models_dir / f"diffusion_{stage}")
    assert (
        config["stage"] == stage and config["tokenizer"] == "tokenizer_cv" and len(config["latent_stats"]["mean"]) == 16
    )
    # Every tensor (weights and latent statistics) as saved, and no more or fewer of them.
    expected, actual = saved.state_dict(), loaded.state_dict()
    assert actual.keys() == expected.keys()
    for name, tensor in expected.items():
        assert torch.equal(actual[name], tensor), name
    # The same outputs as the saved object on a fixed input (and not a constant: the output layer is random).
    generator = torch.Generator().manual_seed(3)
    x, context, mask = (
        torch.randn(1, 16, 3, 4, 4, generator=generator),
        torch.randn(1, 8, 384, generator=generator),
        torch.ones(1, 8, dtype=torch.bool),
    )
    condition = None
    if stage == "v2w":
        condition_frames = torch.zeros(1, 1, 3, 1, 1)
        condition_frames[:, :, 0] = 1
        condition = FrameCondition(condition_frames, x, torch.full((1,), 0.01), torch.zeros_like(x))
    with torch.no_grad():
        expected_out = saved(x, torch.ones(1), context, mask, condition)
        actual_out = loaded(x, torch.ones(1), context, mask, condition)
    torch.testing.assert_close(actual_out, expected_out, rtol=0, atol=0)
    with pytest.raises(ValueError, match="not a diffusion world model"):
        load_denoiser(models_dir / "tokenizer_cv")


def test_the_world_model_protocol_generates_seeded_frames_window_by_window(models_dir, video2world_model):
    model = DiffusionWorldModelDataset(str(models_dir / "diffusion_v2w")).load()  # as the catalog loads it
    assert isinstance(model, WorldModel) and (model.family, model.stage) == ("diffusion_world_model", "v2w")
    assert model.resolution == (SIZE, SIZE) and model.temporal_compression == 8
    past = np.random.default_rng(0).integers(0, 255, (9, SIZE, SIZE, 3), dtype=np.uint8)
    one_window = video2world_model.generate(past, "a red ball rolls", n_future=8, seed=0)
    assert one_window.shape == (8, SIZE, SIZE, 3) and one_window.dtype == np.uint8
    assert np.array_equal(one_window, video2world_model.generate(past, "a red ball rolls", n_future=8, seed=0))
    assert not np.array_equal(one_window, video2world_model.generate(past, "a red ball rolls", n_future=8, seed=1))
    two_windows = video2world_model.generate(past, "a red ball rolls", n_future=16, seed=0, steps=1, guidance=0.0)
    assert two_windows.shape == (16, SIZE, SIZE, 3)
    from_text = video2world_model.generate(
        None, "a red ball rolls", n_future=17, seed=0
    )  # Text2World sibling starts it
    assert from_text.shape == (17, SIZE, SIZE, 3)
    with pytest.raises(ValueError, match="cannot be made"):
        video2world_model.generate(past, "a red ball rolls", n_future=5, seed=0)
    with pytest.raises(ValueError, match="starts from text alone"):
        load_world_model(models_dir / "diffusion_t2w").generate(past, "a red ball rolls", 8, 0)


def _run(*arguments):
    return CliRunner().invoke(diffusion, [str(argument) for argument in arguments])


def test_cli_text_to_video(models_dir, tmp_path):
    out = tmp_path / "t2w.mp4"
    result = _run(
        "--prompt", "a blue cube slides", "--frames", 17, "--steps", 2, "--models-dir", models_dir, "--out", out
    )
    assert result.exit_code == 0, result.output
    info = probe(out)
    assert (info.num_frames, info.width, info.height) == (17, SIZE, SIZE)


@pytest.mark.parametrize(
    ("extra", "frames"), [([], 17), (["--frames", 25], 25), (["--condition-frames", 1, "--frames", 9], 9)]
)
def test_cli_continues_a_past_video(models_dir, past_video, tmp_path, extra, frames):
    out = tmp_path / "v2w.mp4"
    result = _run(
        "--prompt",
        "a white square moves right",
        "--video",
        past_video,
        *extra,
        "--steps",
        1,
        "--models-dir",
        models_dir,
        "--out",
        out,
    )
    assert result.exit_code == 0, result.output
    written = read_frames(out)
    assert written.shape == (frames, SIZE, SIZE, 3)
    condition = 1 if "--condition-frames" in extra else 9  # K defaults to 9: the past video has 12 frames
    past = read_frames(past_video)[:condition]
    assert np.abs(written[:condition].astype(int) - past.astype(int)).mean() < 6  # the condition frames, as given


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--prompt", "a ball", "--video", "missing.mp4"], "error: missing.mp4 does not exist"),
        (["--prompt", "a ball", "--frames", 20], "error: N=20 frames cannot be made"),
        (["--prompt", "   "], "error: the prompt is empty"),
        (["--prompt", "a ball", "--condition-frames", 9], "error: --condition-frames needs a past video"),
        (["--prompt", "a ball", "--steps", 0], "error: --steps must be at least 1"),
        (["--prompt", "a ball", "--guidance", "inf"], "error: --guidance must be 0 (no guidance) or more, got inf"),
        (["--prompt", "a ball", "--seed", 2**64], "error: --seed must be between 0 and 2^64 - 1"),
    ],
)
def test_cli_bad_arguments_get_one_sentence(models_dir, tmp_path, arguments, message):
    result = _run(*arguments, "--models-dir", models_dir, "--out", tmp_path / "out.mp4")
    assert result.exit_code == 1 and result.stderr.startswith(message) and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.strip().endswith(".")


def test_cli_names_missing_models_and_unreachable_video_lengths(models_dir, past_video, tmp_path):
    result = _run("--prompt", "a ball", "--models-dir", tmp_path / "nothing", "--out", tmp_path / "out.mp4")
    assert (
        result.exit_code == 1
        and "diffusion_t2w is not a saved model" in result.stderr
        and "train the model first" in result.stderr
    )
    result = _run(
        "--prompt",
        "a ball",
        "--video",
        past_video,
        "--frames",
        12,
        "--models-dir",
        models_dir,
        "--out",
        tmp_path / "out.mp4",
    )
    assert result.exit_code == 1 and "N=12 frames cannot be made: with 9 condition frames" in result.stderr
    result = _run(
        "--prompt",
        "a ball",
        "--video",
        past_video,
        "--condition-frames",
        17,
        "--models-dir",
        models_dir,
        "--out",
        tmp_path / "out.mp4",
    )
    assert result.exit_code == 1 and "has 12 frames but 17 condition frames" in result.stderr
    result = _run("--prompt", "a ball", "--models-dir", models_dir)
    assert result.exit_code == 1 and result.stderr.startswith("error: no output file")
