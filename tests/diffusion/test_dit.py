"""The DiT: shapes, AdaLN-Zero start, text and noise conditioning, the mask channel added for Video2World, sizes."""

import pytest
import torch

from cosmos_flow.diffusion.denoiser import DiffusionDenoiser, video2world_from
from cosmos_flow.diffusion.dit import DiT, DiTConfig
from cosmos_flow.diffusion.edm import EDMConfig
from cosmos_flow.diffusion.registry import get_config


def test_a_fresh_dit_maps_latents_to_latents_and_starts_at_zero(make_config, make_text):
    torch.manual_seed(0)
    net = DiT(make_config())
    x = torch.randn(2, 4, 3, 4, 6)
    context, mask = make_text(2)
    out = net(x, torch.tensor([0.1, -0.5]), context, mask)
    assert out.shape == x.shape
    assert torch.count_nonzero(out) == 0  # AdaLN-Zero and a zero output layer: every block starts as the identity


def test_the_output_depends_on_noise_level_text_and_every_token(make_config, make_text, make_random):
    net = make_random(DiT(make_config())).eval()
    x = torch.randn(1, 4, 3, 4, 4)
    context, mask = make_text(1)
    base = net(x, torch.tensor([0.0]), context, mask)
    assert not torch.allclose(base, net(x, torch.tensor([0.5]), context, mask))
    assert not torch.allclose(base, net(x, torch.tensor([0.0]), context + 1, mask))
    # Padding tokens are masked out: changing them changes nothing.
    padded = context.clone()
    padded[:, -1] += 5
    assert torch.allclose(base, net(x, torch.tensor([0.0]), padded, mask), atol=1e-6)
    # Attention mixes tokens: a change in the last latent frame reaches the first.
    changed = x.clone()
    changed[:, :, -1] += 1
    assert not torch.allclose(base[:, :, 0], net(changed, torch.tensor([0.0]), context, mask)[:, :, 0])


def test_null_text_replaces_only_the_dropped_captions(make_config, make_text):
    net = DiT(make_config())
    context, mask = make_text(3)
    dropped_context, dropped_mask = net.drop_text(context, mask, torch.tensor([False, True, False]))
    assert torch.equal(dropped_context[0], context[0]) and torch.equal(dropped_mask[2], mask[2])
    assert torch.equal(dropped_context[1, 0], net.null_text[0, 0]) and dropped_mask[1].tolist() == [
        True,
        False,
        False,
        False,
        False,
    ]


def test_adaln_lora_shares_one_modulation_and_adds_a_low_rank_term_per_block(make_config, make_text, make_random):
    full, lora = DiT(make_config()), DiT(make_config(adaln_lora_rank=4))
    per_block = sum(p.numel() for p in full.blocks[0].modulation.parameters())
    assert sum(p.numel() for p in lora.blocks[0].modulation.parameters()) == 32 * 4 + 4 * 9 * 32 < per_block
    net = make_random(lora).eval()
    context, mask = make_text(1)
    assert net(torch.randn(1, 4, 1, 4, 4), torch.tensor([0.2]), context, mask).shape == (1, 4, 1, 4, 4)


def test_bad_sizes_are_refused_with_the_fix(make_config, make_text):
    net = DiT(make_config())
    context, mask = make_text(1)
    with pytest.raises(ValueError, match="not divisible by the patch"):
        net(torch.randn(1, 4, 1, 5, 4), torch.zeros(1), context, mask)
    with pytest.raises(ValueError, match="exceeds the model's max_grid"):
        net(torch.randn(1, 4, 5, 4, 4), torch.zeros(1), context, mask)
    with pytest.raises(ValueError, match="divisible by heads"):
        DiTConfig(dim=30, heads=4)


def test_video2world_starts_from_text2world_with_a_silent_mask_channel(make_config, make_text, make_random):
    text2world = DiffusionDenoiser(make_config(), EDMConfig(), torch.randn(4), torch.rand(4) + 0.5)
    make_random(text2world)
    video2world = video2world_from(text2world)
    assert video2world.config.in_channels == 5 and torch.equal(video2world.latent_std, text2world.latent_std)
    assert torch.count_nonzero(video2world.net.patch_embed.weight[:, 4]) == 0
    x = torch.randn(2, 4, 3, 4, 4)
    mask = torch.zeros(2, 1, 3, 4, 4)
    mask[:, :, 0] = 1
    context, context_mask = make_text(2)
    c_noise = torch.tensor([0.1, 0.3])
    assert torch.allclose(
        video2world.net(torch.cat([x, mask], 1), c_noise, context, context_mask),
        text2world.net(x, c_noise, context, context_mask),
        atol=1e-6,
    )
    with pytest.raises(ValueError, match="already a Video2World"):
        video2world_from(video2world)


@pytest.mark.parametrize(
    ("size", "low", "high"),
    [
        ("tiny", 0.7e6, 1.2e6),
        ("small", 4e6, 8e6),
        ("base", 100e6, 150e6),
        ("cosmos-7b", 6.9e9, 7.6e9),
        ("cosmos-14b", 13.5e9, 14.8e9),
    ],
)
def test_registry_sizes_have_the_expected_parameter_counts(size, low, high):
    text_dim = {"text_dim": 384} if size in ("tiny", "small", "base") else {}
    config = get_config(size, **text_dim)
    with torch.device("meta"):  # no memory: Cosmos-14B is 57 GB in float32
        net = DiT(config)
    count = sum(parameter.numel() for parameter in net.parameters())
    assert low < count < high, f"{size}: {count:,} parameters"


def test_cosmos_shapes_match_the_released_models():
    assert (get_config("cosmos-7b").depth, get_config("cosmos-7b").dim, get_config("cosmos-7b").heads) == (
        28,
        4096,
        32,
    )
    assert (get_config("cosmos-14b").depth, get_config("cosmos-14b").dim, get_config("cosmos-14b").heads) == (
        36,
        5120,
        40,
    )


def test_an_unknown_size_is_refused():
    with pytest.raises(ValueError, match="unknown diffusion model size"):
        get_config("huge")
