"""Diffusion world model speed on CPU: training throughput per size, and seconds per generated clip against steps.

Usage: .venv/bin/python bench/bench_diffusion.py [--sizes tiny,small] [--frames 17] [--resolution 64] [--batch-size 8]
       [--sampling-steps 5,10,20,35] [--guidance 7] [--repeats 3] [--threads N]
  The window is the default profile's: `frames` frames at resolution x resolution through an 8x8x8 CV tokenizer
  (17 frames at 64x64 = 16 x 3 x 8 x 8 latents = 48 tokens at patch 1x2x2), 32 MiniLM-sized text tokens.
  Random weights: speed does not depend on what the model learned.
  - Training: forward + backward + AdamW on batches of `batch-size` clips, Text2World and Video2World
    (the random condition and mask channel included); steps/s and clips (samples)/s.
  - Generation: one whole clip through `DiffusionWorldModel.generate` (MiniLM text encoding, Heun sampling with
    classifier-free guidance, CV-tiny decoding), from text (Text2World) and continuing 9 frames (Video2World),
    for each number of sampling steps; seconds per clip.
  Each timed row runs --repeats times and the fastest run counts (the machine may be shared).
"""

from __future__ import annotations

import argparse
from functools import partial

import numpy as np
import torch
from timing import fastest

from cosmos_flow.diffusion import registry as dit_registry
from cosmos_flow.diffusion.denoiser import DiffusionDenoiser, video2world_from
from cosmos_flow.diffusion.edm import EDMConfig
from cosmos_flow.diffusion.generate import DiffusionWorldModel
from cosmos_flow.diffusion.objective import ConditionSampling, training_loss
from cosmos_flow.diffusion.registry import SIZES
from cosmos_flow.diffusion.saved import STAGES
from cosmos_flow.nn.text_encoder import TextEncoder
from cosmos_flow.tokenizer.model import CausalVideoTokenizer
from cosmos_flow.tokenizer.registry import get_config

TEMPORAL, SPATIAL, LATENT_CHANNELS = 8, 8, 16
TEXT_TOKENS, TEXT_DIM = 32, 384
PROMPT = "a red ball drops onto a table"


def training_speed(
    denoiser: DiffusionDenoiser, latent_shape: tuple[int, ...], batch_size: int, steps: int, repeats: int
) -> float:
    """Training steps per second (forward, backward, optimizer step)."""
    generator = torch.Generator().manual_seed(0)
    latents = torch.randn(batch_size, *latent_shape, generator=generator) * 0.5
    context, mask = (
        torch.randn(batch_size, TEXT_TOKENS, TEXT_DIM, generator=generator),
        torch.ones(batch_size, TEXT_TOKENS, dtype=torch.bool),
    )
    condition = ConditionSampling() if denoiser.config.condition_mask else None
    optimizer = torch.optim.AdamW(denoiser.parameters(), lr=1e-4)
    denoiser.train()

    def run():
        for _ in range(steps):
            loss = training_loss(denoiser, latents, context, mask, 0.1, condition, generator).loss.mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    run()  # warm-up
    seconds = fastest(run, repeats)
    denoiser.eval()
    return steps / seconds


def world_model(
    text2world: DiffusionDenoiser, video2world: DiffusionDenoiser, frames: int, resolution: int, guidance: float
) -> DiffusionWorldModel:
    tokenizer = CausalVideoTokenizer(get_config("cv-tiny-8x8x8")).eval()
    config = {"resolution": [resolution, resolution], "frames": frames, "fps": 8.0, "sampling": {"guidance": guidance}}
    return DiffusionWorldModel(
        "bench", "v2w", {"t2w": text2world, "v2w": video2world}, config, tokenizer, TextEncoder(max_tokens=TEXT_TOKENS)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="tiny,small", help=f"comma-separated sizes from {list(SIZES)}")
    parser.add_argument("--frames", type=int, default=17)
    parser.add_argument("--resolution", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--train-steps", type=int, default=5, help="training steps per timed run")
    parser.add_argument("--sampling-steps", default="5,10,20,35")
    parser.add_argument("--guidance", type=float, default=7.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    latent_shape = (
        LATENT_CHANNELS,
        1 + (args.frames - 1) // TEMPORAL,
        args.resolution // SPATIAL,
        args.resolution // SPATIAL,
    )
    print(
        f"window: {args.frames} frames at {args.resolution}x{args.resolution} = latents {latent_shape}; "
        f"torch threads {torch.get_num_threads()}"
    )
    past = np.random.default_rng(0).integers(
        0, 255, (1 + TEMPORAL, args.resolution, args.resolution, 3), dtype=np.uint8
    )
    steps_list = [int(steps) for steps in args.sampling_steps.split(",")]

    training_rows, generation_rows = [], []
    for size in args.sizes.split(","):
        torch.manual_seed(0)
        text2world = DiffusionDenoiser(
            dit_registry.get_config(
                size, text_dim=TEXT_DIM, max_grid=(latent_shape[1], latent_shape[2], latent_shape[3])
            ),
            EDMConfig(),
        )
        video2world = video2world_from(text2world)
        parameters = sum(parameter.numel() for parameter in text2world.parameters())
        for stage, denoiser in (("t2w", text2world), ("v2w", video2world)):
            steps_per_second = training_speed(denoiser, latent_shape, args.batch_size, args.train_steps, args.repeats)
            training_rows.append(
                (
                    f"{size} ({parameters / 1e6:.2f}M) {STAGES[stage]}",
                    f"{steps_per_second:.2f}",
                    f"{steps_per_second * args.batch_size:.1f}",
                )
            )
        model = world_model(text2world, video2world, args.frames, args.resolution, args.guidance)
        for steps in steps_list:
            t2w = fastest(partial(model.generate, None, PROMPT, args.frames, 0, steps=steps), args.repeats)
            v2w = fastest(partial(model.generate, past, PROMPT, args.frames - len(past), 0, steps=steps), args.repeats)
            generation_rows.append((size, steps, t2w, v2w))

    print(f"\ntraining (batch {args.batch_size}, forward + backward + AdamW)")
    width = max(len(row[0]) for row in training_rows)
    print(f"{'model':<{width}}  {'steps/s':>8}  {'samples/s':>9}")
    for name, steps, samples in training_rows:
        print(f"{name:<{width}}  {steps:>8}  {samples:>9}")
    print(
        f"\ngeneration (Heun, guidance {args.guidance}, one {args.frames}-frame clip; "
        f"Video2World continues {len(past)} frames)"
    )
    print(f"{'size':<6}  {'steps':>5}  {'Text2World s/clip':>17}  {'Video2World s/clip':>18}")
    for size, steps, t2w, v2w in generation_rows:
        print(f"{size:<6}  {steps:>5}  {t2w:>17.3f}  {v2w:>18.3f}")


if __name__ == "__main__":
    main()
