"""Saved models: save -> load, the WorldModel that turns frames into frames, windowed generation, and the CLI."""

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from cosmos_flow.autoregressive import generate as generate_module
from cosmos_flow.autoregressive import registry as ar_registry
from cosmos_flow.autoregressive.cli import ar
from cosmos_flow.autoregressive.generate import (
    ARWorldModel,
    load_world_model,
    usable_condition,
)
from cosmos_flow.autoregressive.gpt import ARTransformer
from cosmos_flow.autoregressive.sampling import SamplingParams, continue_tokens
from cosmos_flow.autoregressive.saved import ServingSpec, ar_artifact, load_ar_model
from cosmos_flow.datasets.world_model import ARWorldModelDataset
from cosmos_flow.model_store import save_model
from cosmos_flow.tokenizer.model import CausalVideoTokenizer
from cosmos_flow.tokenizer.registry import get_config
from cosmos_flow.tokenizer.saved import tokenizer_artifact
from cosmos_flow.video import probe, read_frames, write_video
from cosmos_flow.video.tensors import frames_to_tensor
from cosmos_flow.worldmodel.frames import fit_frames

SIZE, GRID = 32, (3, 4, 4)  # a 17-frame window at 32x32 through an 8x8x8 tokenizer
VOCAB = CausalVideoTokenizer(get_config("dv-tiny-8x8x8")).quantizer.codebook_size
ARCHITECTURE = {"dim": 48, "depth": 2, "heads": 4, "kv_heads": 2, "mlp_hidden": 64}


def _model(text_dim=None) -> ARTransformer:
    torch.manual_seed(0)
    model = ARTransformer(ar_registry.get_config("tiny", VOCAB, GRID, text_dim=text_dim, **ARCHITECTURE)).eval()
    for block in model.blocks if text_dim else []:  # as if stage 2 had trained: the text matters
        torch.nn.init.normal_(block.cross_attention.to_out.weight, std=0.5)
    return model


def _spec(stage: str) -> ServingSpec:
    context = {"kind": "minilm", "max_tokens": 8} if stage == "v2w" else None
    return ServingSpec(
        stage, "tokenizer_dv", (SIZE, SIZE), 8, 10.0, SamplingParams(temperature=1.0, top_p=0.9), context
    )


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    torch.manual_seed(0)
    save_model(folder / "tokenizer_dv", tokenizer_artifact(CausalVideoTokenizer(get_config("dv-tiny-8x8x8"))))
    save_model(folder / "ar_video", ar_artifact(_model(), _spec("video")))
    save_model(folder / "ar_v2w", ar_artifact(_model(384), _spec("v2w")))
    return folder


@pytest.fixture(scope="module")
def past_video(tmp_path_factory):
    frames = np.random.default_rng(0).integers(0, 255, (12, 48, 64, 3), dtype=np.uint8)
    return write_video(tmp_path_factory.mktemp("past") / "past.mp4", frames, fps=10)


def test_the_saved_spec_and_config_load_back_and_other_folders_are_refused(models_dir):
    saved = load_ar_model(models_dir / "ar_v2w")
    assert saved.spec == _spec("v2w") and saved.model.config == _model(384).config
    with pytest.raises(ValueError, match="not an autoregressive world model"):
        load_ar_model(models_dir / "tokenizer_dv")


def test_an_artifact_refuses_a_stage_that_does_not_fit_the_network():
    with pytest.raises(ValueError, match="save stage 1 as 'video'"):
        ar_artifact(_model(), _spec("v2w"))


def test_the_loaded_model_names_its_family_stage_and_window(models_dir):
    model = ARWorldModelDataset(str(models_dir / "ar_video")).load()  # as the catalog loads it
    assert isinstance(model, ARWorldModel)
    assert (model.family, model.stage, model.window_frames) == ("ar_world_model", "video", 17)


def test_generation_longer_than_the_window_slides_it_and_any_length_works(models_dir, monkeypatch):
    model = load_world_model(models_dir / "ar_video")
    conditions = []  # the condition tokens each window starts from

    def recording(network, condition, *arguments, **options):
        conditions.append(condition.clone())
        return continue_tokens(network, condition, *arguments, **options)

    monkeypatch.setattr(generate_module, "continue_tokens", recording)
    past = np.random.default_rng(2).integers(0, 255, (20, 48, 40, 3), dtype=np.uint8)  # another size: fitted
    long = model.generate(past, "", 29, seed=0, temperature=0.0)  # 4 windows of 8 new frames, the last cut
    assert long.shape == (29, SIZE, SIZE, 3)
    # Each later window continues from the last 9 frames made so far (the past's last frame included),
    # re-encoded by the tokenizer: windows start at frames 8, 16 and 24 of condition + generated.
    video = np.concatenate([usable_condition(past, model.resolution, 8, model.window_latents), long])
    assert len(conditions) == 4
    for start, condition in zip((8, 16, 24), conditions[1:], strict=True):
        expected = model.tokenizer.encode_indices(frames_to_tensor(video[start : start + 9])[None])
        assert torch.equal(condition, expected)
    assert model.generate(None, "", 5, seed=0).shape == (5, SIZE, SIZE, 3)  # from nothing


def test_text_changes_what_the_video2world_model_makes(models_dir):
    model = load_world_model(models_dir / "ar_v2w")
    past = np.random.default_rng(3).integers(0, 255, (1, SIZE, SIZE, 3), dtype=np.uint8)
    ball, box = (
        model.generate(past, caption, 8, seed=0, temperature=0.0)
        for caption in ("a red ball falls", "a blue box slides")
    )
    assert not np.array_equal(ball, box)
    with pytest.raises(ValueError, match="empty"):
        model.generate(past, " ", 8, seed=0)


def test_a_tokenizer_of_another_vocabulary_is_refused(models_dir):
    saved = load_ar_model(models_dir / "ar_video")
    other = CausalVideoTokenizer(get_config("dv-tiny-8x8x8", fsq_levels=[5, 5]))
    with pytest.raises(ValueError, match=f"25 codes but the model predicts {VOCAB}"):
        ARWorldModel(saved.model, other, saved.spec)


def _run(*arguments):
    return CliRunner().invoke(ar, [str(argument) for argument in arguments])


def test_cli_writes_the_condition_frames_then_the_generated_ones(models_dir, past_video, tmp_path):
    out = tmp_path / "out.mp4"
    result = _run(
        "--prompt",
        "a ball falls",
        "--video",
        past_video,
        "--frames",
        25,
        "--seed",
        1,
        "--top-p",
        0.8,
        "--temperature",
        0.9,
        "--models-dir",
        models_dir,
        "--out",
        out,
    )
    assert result.exit_code == 0, result.output
    info = probe(out)
    assert (info.num_frames, info.width, info.height) == (25, SIZE, SIZE)
    # The first 9 frames are the past video's last 9, fitted to the model (up to H.264 rounding).
    written = read_frames(out).astype(int)
    expected = read_frames(past_video)[-9:]
    assert np.abs(written[:9] - fit_frames(expected, (SIZE, SIZE)).astype(int)).mean() < 20


def test_cli_defaults_to_one_window_and_takes_the_video_model(models_dir, past_video, tmp_path):
    out = tmp_path / "default.mp4"
    result = _run(
        "--prompt",
        "x",
        "--video",
        past_video,
        "--condition-frames",
        1,
        "--model",
        "ar_video",
        "--models-dir",
        models_dir,
        "--out",
        out,
    )
    assert result.exit_code == 0, result.output
    assert probe(out).num_frames == 17


def test_cli_the_video_model_needs_no_prompt_and_says_one_given_is_ignored(models_dir, past_video, tmp_path):
    common = ["--video", past_video, "--condition-frames", 1, "--model", "ar_video", "--models-dir", models_dir]
    without = _run(*common, "--out", tmp_path / "without.mp4")
    assert without.exit_code == 0, without.output
    assert "prompt" not in without.output
    given = _run(*common, "--prompt", "a ball falls", "--out", tmp_path / "given.mp4")
    assert given.exit_code == 0 and "the prompt is ignored: ar_video reads no text" in given.output
    assert np.array_equal(read_frames(tmp_path / "without.mp4"), read_frames(tmp_path / "given.mp4"))


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--prompt", " "], "the prompt is empty; describe the scene with --prompt TEXT (ar_v2w reads it)."),
        (["--prompt", None], "the prompt is empty; describe the scene with --prompt TEXT (ar_v2w reads it)."),
        (
            ["--prompt", "x", "--video", None],
            "the autoregressive model continues a past video; pass it with --video PAST.mp4.",
        ),
        (["--condition-frames", 4], "do not fit a 8x temporal compression"),
        (
            ["--condition-frames", 17],
            "--condition-frames 17 fills the model's window of 17 frames; condition on at most 9 frames.",
        ),
        (["--frames", 9], "--frames 9 leaves no frame to generate after 9 condition frames; ask for more frames."),
        (["--top-p", 1.5], "--top-p must be in (0, 1], got 1.5"),
        (["--temperature", -1], "--temperature must be 0 (greedy) or more, got -1.0."),
        (["--temperature", "nan"], "--temperature must be 0 (greedy) or more, got nan."),
        (["--top-p", "nan"], "--top-p must be in (0, 1], got nan"),
        (["--top-k", 0], "--top-k must be at least 1, got 0."),
        (["--seed", 2**64], "--seed must be between 0 and 2^64 - 1, got 18446744073709551616."),
        (["--seed", -1], "--seed must be between 0 and 2^64 - 1, got -1."),
        (["--model", "ar_missing"], "there is no model ar_missing in"),
        (["--out", None], "no output file was given; pass --out OUT.mp4."),
    ],
)
def test_cli_bad_arguments_end_with_one_sentence(models_dir, past_video, tmp_path, arguments, message):
    options = {"--prompt": "a ball", "--video": past_video, "--models-dir": models_dir, "--out": tmp_path / "bad.mp4"}
    for name, value in zip(arguments[::2], arguments[1::2]):
        options[name] = value
    flat = [item for name, value in options.items() if value is not None for item in (name, value)]
    result = _run(*flat)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert not (tmp_path / "bad.mp4").exists()
