"""What every model family promises, written once and run over every family (as diffusers tests its models):

- save then load gives the same tensors and the same outputs (tokenizers, the DiT denoiser, the GPT; both stages);
- a loaded world model is a `WorldModel`: uint8 frames of the asked length at its resolution, within one window
  and beyond it, and the same seed gives the same frames while another seed gives others;
- causality where it applies: a tokenizer's early latents and a GPT's early logits never see later inputs.

Tiny random models; family-specific behaviour stays in each family's own tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
import torch

from cosmos_flow.autoregressive import registry as ar_registry
from cosmos_flow.autoregressive.gpt import ARTransformer
from cosmos_flow.autoregressive.sampling import SamplingParams as ARSampling
from cosmos_flow.autoregressive.saved import ServingSpec, ar_artifact, load_ar_model
from cosmos_flow.datasets.world_model import ARWorldModelDataset, DiffusionWorldModelDataset
from cosmos_flow.diffusion.denoiser import DiffusionDenoiser, FrameCondition, video2world_from
from cosmos_flow.diffusion.dit import DiTConfig
from cosmos_flow.diffusion.edm import EDMConfig
from cosmos_flow.diffusion.samplers import SamplingParams as DiffusionSampling
from cosmos_flow.diffusion.saved import diffusion_artifact, load_denoiser
from cosmos_flow.model_store import ModelArtifact, save_model
from cosmos_flow.tokenizer.model import CausalVideoTokenizer
from cosmos_flow.tokenizer.registry import get_config as tokenizer_config
from cosmos_flow.tokenizer.saved import load_tokenizer, tokenizer_artifact
from cosmos_flow.worldmodel.protocol import WorldModel

SIZE = 32  # frames of the world models: 17-frame windows at 32x32 through 8x8x8 tokenizers
TEXT = {"kind": "minilm", "max_tokens": 8}


def _seeded(*shape: int, seed: int = 3) -> torch.Tensor:
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed))


# ---- one entry per saved family: build, save, load, and outputs on a fixed input -------------------------------


@dataclass
class Family:
    name: str
    build: Callable[[], torch.nn.Module]
    artifact: Callable[[torch.nn.Module], ModelArtifact]
    load: Callable[[object], torch.nn.Module]
    outputs: Callable[[torch.nn.Module], torch.Tensor]


def _tokenizer(name: str) -> CausalVideoTokenizer:
    torch.manual_seed(0)
    return CausalVideoTokenizer(tokenizer_config(name)).eval()


def _tokenizer_outputs(model: CausalVideoTokenizer) -> torch.Tensor:
    video = _seeded(1, 3, 9, 16, 16).clamp(-1, 1)
    return model.decode(model.encode(video))


def _denoiser(stage: str) -> DiffusionDenoiser:
    torch.manual_seed(0)
    config = DiTConfig(latent_channels=16, dim=32, depth=1, heads=2, text_dim=384, max_grid=(4, 4, 4), frequency_dim=32)
    text2world = DiffusionDenoiser(config, EDMConfig(), torch.randn(16) * 0.1, torch.rand(16) + 0.5)
    with torch.no_grad():  # a random output layer, so outputs depend on every input
        text2world.net.final.linear.weight.normal_(std=0.1)
    return (text2world if stage == "t2w" else video2world_from(text2world)).eval()


def _denoiser_artifact(stage: str) -> Callable[[DiffusionDenoiser], ModelArtifact]:
    def artifact(denoiser: DiffusionDenoiser) -> ModelArtifact:
        sampling = DiffusionSampling(steps=2, guidance=1.0)
        return diffusion_artifact(denoiser, stage, TEXT, 17, (SIZE, SIZE), 8.0, sampling)

    return artifact


def _denoiser_outputs(denoiser: DiffusionDenoiser) -> torch.Tensor:
    x, context, mask = _seeded(1, 16, 3, 4, 4), _seeded(1, 8, 384, seed=4), torch.ones(1, 8, dtype=torch.bool)
    condition = None
    if denoiser.config.condition_mask:
        given = torch.zeros(1, 1, 3, 1, 1)
        given[:, :, 0] = 1
        condition = FrameCondition(given, x, torch.full((1,), 0.01), torch.zeros_like(x))
    return denoiser(x, torch.ones(1), context, mask, condition)


AR_GRID = (3, 4, 4)  # latent frames x cells of a 17-frame window at 32x32
AR_VOCAB = CausalVideoTokenizer(tokenizer_config("dv-tiny-8x8x8")).quantizer.codebook_size


def _gpt(stage: str) -> ARTransformer:
    torch.manual_seed(0)
    text_dim = 384 if stage == "v2w" else None
    shape = {"dim": 48, "depth": 2, "heads": 4, "kv_heads": 2, "mlp_hidden": 64}
    model = ARTransformer(ar_registry.get_config("tiny", AR_VOCAB, AR_GRID, text_dim=text_dim, **shape)).eval()
    for block in model.blocks if text_dim else []:  # as if stage 2 had trained: the text matters
        torch.nn.init.normal_(block.cross_attention.to_out.weight, std=0.5)
    return model


def _spec(stage: str) -> ServingSpec:
    context = TEXT if stage == "v2w" else None
    return ServingSpec(stage, "tokenizer_dv", (SIZE, SIZE), 8, 8.0, ARSampling(temperature=1.0, top_p=0.9), context)


def _gpt_outputs(model: ARTransformer) -> torch.Tensor:
    tokens = torch.randint(0, AR_VOCAB, (1, 48), generator=torch.Generator().manual_seed(0))
    if model.has_text:
        return model.logits(tokens, _seeded(1, 3, 384), torch.ones(1, 3, dtype=torch.bool))
    return model.logits(tokens)


FAMILIES = [
    Family("tokenizer_cv", lambda: _tokenizer("cv-tiny-8x8x8"), tokenizer_artifact, load_tokenizer, _tokenizer_outputs),
    Family("tokenizer_dv", lambda: _tokenizer("dv-tiny-8x8x8"), tokenizer_artifact, load_tokenizer, _tokenizer_outputs),
    *[
        Family(
            f"diffusion_{stage}",
            lambda stage=stage: _denoiser(stage),
            _denoiser_artifact(stage),
            lambda source: load_denoiser(source)[0],
            _denoiser_outputs,
        )
        for stage in ("t2w", "v2w")
    ],
    *[
        Family(
            f"ar_{stage}",
            lambda stage=stage: _gpt(stage),
            lambda model, stage=stage: ar_artifact(model, _spec(stage)),
            lambda source: load_ar_model(source).model,
            _gpt_outputs,
        )
        for stage in ("video", "v2w")
    ],
]


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory):
    """Every family saved as the pipelines lay them out, with the tokenizers the world models name."""
    folder = tmp_path_factory.mktemp("models")
    for family in FAMILIES:
        save_model(folder / family.name, family.artifact(family.build()))
    return folder


@pytest.mark.parametrize("family", FAMILIES, ids=lambda family: family.name)
def test_save_then_load_gives_the_same_tensors(models_dir, family):
    saved, loaded = family.build().state_dict(), family.load(models_dir / family.name).state_dict()
    assert loaded.keys() == saved.keys()
    for name, tensor in saved.items():
        assert torch.equal(loaded[name], tensor), name


@pytest.mark.parametrize("family", FAMILIES, ids=lambda family: family.name)
def test_save_then_load_gives_the_same_outputs(models_dir, family):
    with torch.no_grad():
        expected, actual = family.outputs(family.build()), family.outputs(family.load(models_dir / family.name))
    assert expected.std() > 0  # a constant output would prove nothing
    torch.testing.assert_close(actual, expected, rtol=0, atol=0)


# ---- every saved world model, loaded as the catalog loads it --------------------------------------------------

WORLD_MODELS = [
    ("diffusion_t2w", DiffusionWorldModelDataset),
    ("diffusion_v2w", DiffusionWorldModelDataset),
    ("ar_video", ARWorldModelDataset),
    ("ar_v2w", ARWorldModelDataset),
]


@pytest.fixture(scope="module", params=WORLD_MODELS, ids=lambda entry: entry[0])
def world_model(models_dir, request) -> WorldModel:
    name, dataset = request.param
    return dataset(str(models_dir / name)).load()


def _past(world_model: WorldModel) -> np.ndarray | None:
    """Nine past frames for a model that continues video; None for one that starts from text."""
    if world_model.stage == "t2w":
        return None
    return np.random.default_rng(1).integers(0, 255, (9, SIZE, SIZE, 3), dtype=np.uint8)


def _frames_in(world_model: WorldModel, windows: int) -> int:
    """New frames that fill `windows` 17-frame windows: from text 17 then 8 more a window (1 + 8k in all); after
    nine past frames 8 a window."""
    return 1 + 8 * (windows + 1) if world_model.stage == "t2w" else 8 * windows


def test_a_loaded_world_model_fits_the_protocol(world_model):
    assert isinstance(world_model, WorldModel)
    assert world_model.resolution == (SIZE, SIZE) and world_model.temporal_compression == 8


@pytest.mark.parametrize("windows", [1, 2])  # within one window, and beyond it
def test_generate_gives_uint8_frames_of_the_asked_length(world_model, windows):
    n_future = _frames_in(world_model, windows)
    frames = world_model.generate(_past(world_model), "a red ball falls", n_future, seed=0)
    assert frames.shape == (n_future, SIZE, SIZE, 3) and frames.dtype == np.uint8


def test_the_same_seed_gives_the_same_frames_and_another_seed_others(world_model):
    past, n_future = _past(world_model), _frames_in(world_model, 1)
    frames = world_model.generate(past, "a red ball falls", n_future, seed=3)
    assert np.array_equal(frames, world_model.generate(past, "a red ball falls", n_future, seed=3))
    assert not np.array_equal(frames, world_model.generate(past, "a red ball falls", n_future, seed=4))


# ---- causality, where the family is causal ---------------------------------------------------------------------


def _scrambled_tokenizer(name: str) -> CausalVideoTokenizer:
    """Every weight random (zero-initialized residual branches would make causality too easy), in float64."""
    model = _tokenizer(name).double()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.1)
    return model


@pytest.mark.parametrize("name", ["cv-tiny-8x8x8", "dv-tiny-8x16x16", "cv-tiny-4x8x8", "cv-tiny-2x4x4"])
def test_a_tokenizer_encodes_and_decodes_causally(name):
    model = _scrambled_tokenizer(name)
    tc, sc = model.config.temporal_compression, model.config.spatial_compression
    video = _seeded(1, 3, 1 + 2 * tc, 2 * sc, 2 * sc).double().clamp(-1, 1)
    with torch.no_grad():
        latent = model.encoder(video)
        assert torch.allclose(model.encoder(video[:, :, : 1 + tc]), latent[:, :, :2], atol=1e-10, rtol=0)
        future = video.clone()
        future[:, :, -1] = -future[:, :, -1]
        changed = model.encoder(future)
        assert torch.equal(changed[:, :, :2], latent[:, :, :2])
        assert not torch.allclose(changed[:, :, 2], latent[:, :, 2])  # the last latent frame does see it
        decoded = model.decode(latent)
        assert torch.allclose(model.decode(latent[:, :, :2]), decoded[:, :, : 1 + tc], atol=1e-10, rtol=0)
        assert torch.allclose(model.decode(latent[:, :, :1]), decoded[:, :, :1], atol=1e-10, rtol=0)


def test_a_discrete_tokenizer_stays_causal_through_its_quantizer():
    model = _scrambled_tokenizer("dv-tiny-8x8x8")
    video = _seeded(1, 3, 17, 16, 16).double().clamp(-1, 1)
    with torch.no_grad():
        assert torch.equal(model.encode_indices(video[:, :, :9]), model.encode_indices(video)[:, :2])


@pytest.mark.parametrize("stage", ["video", "v2w"])
def test_a_gpt_never_sees_later_tokens(stage):
    model = _gpt(stage)
    tokens = torch.randint(0, AR_VOCAB, (2, 48), generator=torch.Generator().manual_seed(1))
    changed = tokens.clone()
    changed[:, 20] = (tokens[:, 20] + 7) % AR_VOCAB
    context = (_seeded(2, 3, 384), torch.ones(2, 3, dtype=torch.bool)) if model.has_text else (None, None)
    with torch.no_grad():
        before, after = model.logits(tokens, *context), model.logits(changed, *context)
    # Position i predicts token i from tokens < i: positions up to 20 cannot see token 20.
    assert torch.equal(before[:, :21], after[:, :21])
    assert not torch.allclose(before[:, 21:], after[:, 21:])
