"""The tokenizer model: config validation, images, shape errors, DV indices (causality: test_model_contracts.py)."""

from __future__ import annotations

import pytest
import torch

from cosmos_flow.tokenizer import CausalVideoTokenizer, TokenizerConfig, get_config


def _scrambled(name: str, **overrides) -> CausalVideoTokenizer:
    """A float64 model with every weight random: zero-initialized residual branches would make the causality tests
    too easy."""
    torch.manual_seed(0)
    model = CausalVideoTokenizer(get_config(name, **overrides)).double().eval()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.1)
    return model


def _clip(model: CausalVideoTokenizer, latent_frames: int, latent_size: int = 2) -> torch.Tensor:
    config = model.config
    shape = (
        1,
        3,
        1 + (latent_frames - 1) * config.temporal_compression,
        latent_size * config.spatial_compression,
        latent_size * config.spatial_compression,
    )
    return torch.rand(shape, generator=torch.Generator().manual_seed(1), dtype=torch.float64) * 2 - 1


def test_image_is_a_one_frame_video():
    model = _scrambled("cv-tiny-8x8x8")
    video = _clip(model, latent_frames=3)
    with torch.no_grad():
        image_latent = model.encode(video[:, :, :1])
        assert image_latent.shape == (1, 16, 1, 2, 2)
        assert torch.allclose(image_latent, model.encode(video)[:, :, :1], atol=1e-10, rtol=0)
        assert model.decode(image_latent).shape == (1, 3, 1, 16, 16)


@pytest.mark.parametrize(
    ("frames", "height", "width", "message"),
    [
        (10, 16, 16, r"takes 1\+8k frames \(got 10\): pad or trim to 9 or 17"),
        (0, 16, 16, r"\(got 0\): pad or trim to 1"),
        (9, 20, 16, r"height that is a multiple of 8 \(got 20\): pad or crop to 16 or 24"),
        (9, 16, 4, r"width that is a multiple of 8 \(got 4\): pad or crop to 8"),
    ],
)
def test_shape_checks_name_the_fix(frames, height, width, message):
    model = CausalVideoTokenizer(get_config("cv-tiny-8x8x8"))
    with pytest.raises(ValueError, match=message):
        model.check_input(frames, height, width)
    with pytest.raises(ValueError, match=message):
        model.latent_shape(frames, height, width)


def test_latent_shape_and_tensor_checks():
    model = CausalVideoTokenizer(get_config("dv-tiny-8x16x16"))
    assert model.latent_shape(17, 32, 48) == (4, 3, 2, 3)
    assert model.latent_shape(1, 16, 16) == (4, 1, 1, 1)
    with pytest.raises(ValueError, match=r"\[batch, 3, frames"):
        model.encode(torch.zeros(3, 9, 16, 16))
    with pytest.raises(ValueError, match="takes 1\\+8k frames"):
        model.encode(torch.zeros(1, 3, 4, 16, 16))
    with pytest.raises(ValueError, match=r"\[batch, 4, t, h, w\]"):
        model.decode(torch.zeros(1, 16, 1, 1, 1))


def test_dv_indices_match_encode_and_decode():
    model = _scrambled("dv-tiny-8x8x8").float()
    video = _clip(model, latent_frames=2).float()
    with torch.no_grad():
        reconstruction, aux = model(video)
        indices = model.encode_indices(video)
        assert indices.shape == (1, 2, 2, 2) and indices.dtype == torch.int64
        assert torch.equal(aux["indices"], indices)
        assert torch.equal(model.quantizer.indices_to_codes(indices), model.encode(video))
        assert torch.equal(model.decode_indices(indices), model.decode(aux["latent"]))
        assert torch.equal(reconstruction, model.decode(aux["latent"]))
        assert indices.max() < 1000 and aux["latent"].abs().max() <= 1


def test_cv_has_no_indices():
    model = CausalVideoTokenizer(get_config("cv-tiny-4x8x8"))
    video = torch.zeros(1, 3, 5, 8, 8)
    reconstruction, aux = model(video)
    assert reconstruction.shape == video.shape and set(aux) == {"latent"}
    with pytest.raises(ValueError, match="continuous"):
        model.encode_indices(video)
    with pytest.raises(ValueError, match="continuous"):
        model.decode_indices(torch.zeros(1, 1, 1, 1, dtype=torch.long))


def test_gradients_reach_the_encoder_through_fsq():
    torch.manual_seed(0)
    model = CausalVideoTokenizer(get_config("dv-tiny-8x8x8"))
    video = torch.rand(1, 3, 9, 16, 16) * 2 - 1
    reconstruction, _ = model(video)
    (reconstruction - video).square().mean().backward()
    assert model.encoder.conv_in.last_conv.weight.grad.abs().sum() > 0


def test_config_round_trips_and_validates():
    config = get_config("dv-small-8x8x8")
    assert TokenizerConfig.from_dict(config.to_dict()) == config
    assert config.latent_dim == 6 and get_config("cv-small-8x8x8").latent_dim == 16
    base = {
        "kind": "cv",
        "temporal_compression": 8,
        "spatial_compression": 8,
        "base_channels": 8,
        "channel_multipliers": [1],
        "num_res_blocks": 1,
    }
    for overrides, message in [
        ({"temporal_compression": 6}, "power of two of at least 4"),
        ({"spatial_compression": 2}, "power of two of at least 4"),
        ({"spatial_compression": 32}, "needs 3 downsampling levels"),
        ({"kind": "vae"}, "'cv'"),
        ({"attention_heads": 3}, "must divide the mid-block width 8"),
        ({"norm_groups": 3}, "norm_groups"),
    ]:
        with pytest.raises(ValueError, match=message):
            TokenizerConfig(**{**base, **overrides})
    with pytest.raises(ValueError, match="unknown fields"):
        TokenizerConfig.from_dict({**base, "dropout": 0.1})
    with pytest.raises(ValueError, match=r"lacks the fields \['num_res_blocks'\]"):
        TokenizerConfig.from_dict({key: value for key, value in base.items() if key != "num_res_blocks"})
