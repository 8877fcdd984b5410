"""Saved models, generation through the WorldModel protocol, and `cosmos-flow generate diffusion`, on tiny random
models saved in a temporary models folder (random tokenizer, random DiTs, the bundled MiniLM text encoder)."""

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

from cosmos_flow.datasets.world_model import DiffusionWorldModelDataset
from cosmos_flow.diffusion.cli import diffusion
from cosmos_flow.diffusion.denoiser import DiffusionDenoiser, video2world_from
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


def test_load_denoiser_refuses_a_folder_of_another_model(models_dir):
    with pytest.raises(ValueError, match="not a diffusion world model"):
        load_denoiser(models_dir / "tokenizer_cv")


def test_a_video2world_model_names_its_family_and_stage(models_dir):
    model = DiffusionWorldModelDataset(str(models_dir / "diffusion_v2w")).load()  # as the catalog loads it
    assert (model.family, model.stage) == ("diffusion_world_model", "v2w")


def test_sampling_options_override_the_saved_defaults(video2world_model):
    past = np.random.default_rng(0).integers(0, 255, (9, SIZE, SIZE, 3), dtype=np.uint8)
    default = video2world_model.generate(past, "a red ball rolls", n_future=8, seed=0)
    assert not np.array_equal(default, video2world_model.generate(past, "a red ball rolls", 8, 0, steps=1))


def test_a_video2world_model_starts_from_text_through_its_text2world_sibling(video2world_model):
    assert video2world_model.generate(None, "a red ball rolls", n_future=17, seed=0).shape == (17, SIZE, SIZE, 3)


def test_lengths_it_cannot_make_and_text2world_continuations_are_refused(models_dir, video2world_model):
    past = np.random.default_rng(0).integers(0, 255, (9, SIZE, SIZE, 3), dtype=np.uint8)
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
    past = read_frames(past_video)[-condition:]  # its end: the frames a continuation follows
    assert np.abs(written[:condition].astype(int) - past.astype(int)).mean() < 6  # the condition frames, as given
    first = 12 - condition
    frames_word = "frames" if condition > 1 else "frame"
    assert f"conditioning on {condition} {frames_word} from {first / 8:.2f}-{11 / 8:.2f} s of past.mp4 (8 -> 8 fps" in (
        result.stdout
    )


def test_cli_start_picks_where_the_condition_begins(models_dir, past_video, tmp_path):
    out = tmp_path / "from_start.mp4"
    arguments = ["--prompt", "a square", "--video", past_video, "--start", 0.25, "--condition-frames", 1]
    result = _run(*arguments, "--frames", 9, "--steps", 1, "--models-dir", models_dir, "--out", out)
    assert result.exit_code == 0, result.output
    third = read_frames(past_video)[2]  # 0.25 s at 8 fps
    assert np.abs(read_frames(out)[0].astype(int) - third.astype(int)).mean() < 6
    assert "conditioning on 1 frame from 0.25-0.25 s of past.mp4" in result.stdout


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--prompt", "a ball", "--video", "missing.mp4"], "error: missing.mp4 does not exist"),
        (["--prompt", "a ball", "--frames", 20], "error: N=20 frames cannot be made"),
        (["--prompt", "   "], "error: the prompt is empty"),
        (["--prompt", "a ball", "--condition-frames", 9], "error: --condition-frames and --start need a past video"),
        (["--prompt", "a ball", "--start", 1.0], "error: --condition-frames and --start need a past video"),
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
    assert result.exit_code == 1 and "has 12 frames at 8 fps but 17 condition frames" in result.stderr
    result = _run("--prompt", "a ball", "--models-dir", models_dir)
    assert result.exit_code == 1 and result.stderr.startswith("error: no output file")


@pytest.mark.parametrize(("case", "words"), [("truncated", "probably truncated"), ("text_as_mp4", "is not a video")])
def test_cli_refuses_a_broken_past_video_with_its_diagnosis(models_dir, bad_input_corpus, tmp_path, case, words):
    video, _ = bad_input_corpus[case]
    result = _run("--prompt", "a ball", "--video", video, "--models-dir", models_dir, "--out", tmp_path / "out.mp4")
    assert result.exit_code == 1 and words in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "out.mp4").exists()


def test_cli_writes_the_format_the_output_name_says(models_dir, tmp_path):
    out = tmp_path / "t2w.gif"
    result = _run("--prompt", "a ball", "--frames", 9, "--steps", 1, "--models-dir", models_dir, "--out", out)
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:6] == b"GIF89a" and Image.open(out).n_frames == 9


@pytest.mark.parametrize("name", ["out.avi", "out.webm", "frames"])
def test_cli_refuses_an_output_name_of_another_format_before_any_work(models_dir, tmp_path, name):
    result = _run("--prompt", "a ball", "--models-dir", models_dir, "--out", tmp_path / name)
    assert result.exit_code == 1 and "but only .mp4, .gif can be written here; rename it." in result.stderr
    assert not (tmp_path / name).exists()


def test_cli_says_when_a_long_prompt_is_cut(models_dir, tmp_path):
    prompt = "a red ball falls onto a grey floor and bounces twice before it rolls away to the left"
    arguments = ["--prompt", prompt, "--frames", 9, "--steps", 1, "--models-dir", models_dir]
    result = _run(*arguments, "--out", tmp_path / "long.mp4")
    assert result.exit_code == 0, result.output
    assert "tokens long; the text encoder reads its first 8" in result.stdout
    short = _run(
        "--prompt", "a red ball", "--frames", 9, "--steps", 1, "--models-dir", models_dir, "--out", tmp_path / "s.mp4"
    )
    assert "tokens long" not in short.stdout
