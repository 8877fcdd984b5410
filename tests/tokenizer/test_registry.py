"""Every named configuration builds and runs on its smallest valid input; saved tokenizers reload bit-identically."""

from __future__ import annotations

import pytest
import torch

from cosmos_flow.model_store import ModelArtifact, save_model
from cosmos_flow.tokenizer import (
    TOKENIZER_CONFIGS,
    CausalVideoTokenizer,
    get_config,
    load_tokenizer,
    tokenizer_artifact,
)

TINY = [name for name in TOKENIZER_CONFIGS if "-tiny-" in name]


@pytest.mark.parametrize("name", list(TOKENIZER_CONFIGS))
def test_config_builds_and_runs(name):
    torch.manual_seed(0)
    config = get_config(name)
    assert config.name == name
    model = CausalVideoTokenizer(config).eval()
    tc, sc = config.temporal_compression, config.spatial_compression
    video = torch.rand(1, 3, 1 + tc, sc, sc) * 2 - 1
    with torch.no_grad():
        reconstruction, aux = model(video)
    assert reconstruction.shape == video.shape
    assert aux["latent"].shape == (1, *model.latent_shape(1 + tc, sc, sc)) == (1, config.latent_dim, 2, 1, 1)
    assert torch.isfinite(reconstruction).all()
    assert ("indices" in aux) == (config.kind == "dv")


def test_named_families():
    assert set(TINY) == {
        f"{kind}-tiny-{factors}" for kind in ("cv", "dv") for factors in ("8x8x8", "4x8x8", "8x16x16", "4x4x4", "2x4x4")
    }
    two = get_config("cv-tiny-2x4x4")
    assert (two.temporal_compression, two.spatial_compression, two.wavelet_levels) == (
        2,
        4,
        1,
    )  # one 2x2x2 wavelet level, then one spatial downsampling
    assert CausalVideoTokenizer(two).latent_shape(17, 64, 64) == (16, 9, 16, 16)
    for name in TINY:
        parameters = sum(p.numel() for p in CausalVideoTokenizer(get_config(name)).parameters())
        assert 300_000 <= parameters <= 800_000, (name, parameters)
    assert get_config("dv-tiny-8x8x8").fsq_levels == [4, 4, 4, 4]
    cosmos = get_config("cosmos-dv-8x16x16")
    assert (cosmos.base_channels, cosmos.channel_multipliers, cosmos.num_res_blocks, cosmos.fsq_levels) == (
        128,
        [2, 4, 4],
        2,
        [8, 8, 8, 5, 5, 5],
    )
    assert get_config("cosmos-cv-8x8x8").latent_dim == 16


def test_get_config_overrides_and_errors():
    config = get_config("cv-tiny-8x8x8", base_channels=8, attention=False)
    assert (config.base_channels, config.attention) == (8, False)
    assert TOKENIZER_CONFIGS["cv-tiny-8x8x8"].base_channels != 8  # the registry entry is untouched
    with pytest.raises(ValueError, match="unknown tokenizer config 'cv-huge'.*cv-tiny-8x8x8"):
        get_config("cv-huge")
    with pytest.raises(ValueError, match="the fields are"):
        get_config("cv-tiny-8x8x8", width=3)


@pytest.mark.parametrize("name", ["cv-tiny-4x8x8", "dv-tiny-8x8x8"])
def test_saved_tokenizer_reloads_bit_identically(tmp_path, name):
    torch.manual_seed(0)
    model = CausalVideoTokenizer(get_config(name))
    with torch.no_grad():  # move off the zero init so every tensor matters
        for parameter in model.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.05)
    model.eval()
    save_model(tmp_path / "tok", tokenizer_artifact(model, extra_config={"steps": 3}))
    reloaded = load_tokenizer(str(tmp_path / "tok"))
    assert not reloaded.training and reloaded.config == model.config
    video = torch.rand(1, 3, 9, 8, 8, generator=torch.Generator().manual_seed(1)) * 2 - 1
    with torch.no_grad():
        expected, _ = model(video)
        actual, _ = reloaded(video)
    assert torch.equal(actual, expected)
    assert (tmp_path / "tok" / "card.md").read_text().startswith("# Causal video tokenizer")


def test_load_rejects_other_models(tmp_path):
    with pytest.raises(ValueError, match="not a tokenizer"):
        load_tokenizer(ModelArtifact(state_dict={}, config={"model": "world_model"}))
    with pytest.raises(FileNotFoundError):
        load_tokenizer(tmp_path / "missing")
    save_model(tmp_path / "other", ModelArtifact(state_dict={}, config={"model": "world_model"}))
    with pytest.raises(ValueError, match="other holds a 'world_model' model, not a tokenizer"):
        load_tokenizer(tmp_path / "other")
