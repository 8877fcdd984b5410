"""Autoregressive world model speed: generation with and without the KV cache, and training throughput.

Usage: .venv/bin/python bench/bench_autoregressive.py [--size tiny] [--frames 17] [--resolution 64] [--repeats 3]
       [--generation-batches 1,4] [--threads N]
  The window is the default profile's: `frames` frames at resolution x resolution through an 8x8x8
  DV tokenizer with 1000 codes (17 frames at 64x64 = 3 x 8 x 8 = 192 tokens). Random weights:
  speed does not depend on what the model learned.
  - Generation: continue 2 or 1 condition latent frames (9 or 1 frames, as the evaluation
    conditions) to the full window, top-p 0.9, with the video model (stage 1) and the text
    model (stage 2, 32 text tokens), once with the KV cache and once recomputing the whole
    sequence for every token, for each batch size (1: one CLI request; more: several samples at
    once); tokens generated per second and the speed-up (target: at least 5x).
  - Training: forward + backward + AdamW step on batches of 8 clips, stage 1 (video) and stage 2
    (text cross-attention, 32 MiniLM-sized text tokens); tokens per second.
  Each timed row runs --repeats times and the fastest run counts (the machine may be shared).
"""

from __future__ import annotations

import argparse
import math

import torch
from timing import fastest

from cosmos_flow.autoregressive import registry as ar_registry
from cosmos_flow.autoregressive.gpt import ARTransformer, parameter_count
from cosmos_flow.autoregressive.objective import next_token_metrics
from cosmos_flow.autoregressive.registry import AR_SIZES
from cosmos_flow.autoregressive.sampling import SamplingParams, generate_tokens
from cosmos_flow.tokenizer.registry import get_config

TINY_DV = get_config("dv-tiny-8x8x8")  # the default profile's discrete tokenizer sets the vocabulary and grid
VOCAB, TEMPORAL, SPATIAL = math.prod(TINY_DV.fsq_levels), TINY_DV.temporal_compression, TINY_DV.spatial_compression
TEXT_TOKENS, TEXT_DIM = 32, 384
TARGET_SPEEDUP = 5.0  # generation with the KV cache against without, at the default window


def generation_speed(model: ARTransformer, condition_latents: int, batch: int, use_cache: bool, repeats: int) -> float:
    """Tokens generated per second (all rows of the batch together); a stage-2 model reads 32 text tokens."""
    frame_tokens = model.config.tokens_per_frame
    generator = torch.Generator().manual_seed(0)
    prefix = torch.randint(0, VOCAB, (batch, condition_latents * frame_tokens), generator=generator)
    context = torch.randn(batch, TEXT_TOKENS, TEXT_DIM, generator=generator) if model.has_text else None
    mask = torch.ones(batch, TEXT_TOKENS, dtype=torch.bool) if model.has_text else None
    made = batch * (model.config.max_tokens - prefix.shape[1])

    def run():
        sampling = SamplingParams(top_p=0.9)
        generate_tokens(
            model,
            prefix,
            model.config.max_tokens,
            sampling,
            context,
            mask,
            generator=torch.Generator().manual_seed(0),
            use_cache=use_cache,
        )

    return made / fastest(run, repeats)


def training_speed(model: ARTransformer, batch_size: int, steps: int, repeats: int) -> float:
    """Training tokens per second (forward, backward, optimizer step)."""
    generator = torch.Generator().manual_seed(0)
    tokens = torch.randint(0, VOCAB, (batch_size, model.config.max_tokens), generator=generator)
    context = torch.randn(batch_size, TEXT_TOKENS, TEXT_DIM, generator=generator) if model.has_text else None
    mask = torch.ones(batch_size, TEXT_TOKENS, dtype=torch.bool) if model.has_text else None
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    scored = torch.ones_like(tokens, dtype=torch.bool)
    model.train()

    def run():
        for _ in range(steps):
            loss = next_token_metrics(model.logits(tokens, context, mask), tokens, scored).loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    run()  # warm-up
    seconds = fastest(run, repeats)
    model.eval()
    return batch_size * tokens.shape[1] * steps / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="tiny", choices=list(AR_SIZES))
    parser.add_argument("--frames", type=int, default=17)
    parser.add_argument("--resolution", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=8, help="training batch")
    parser.add_argument("--generation-batches", default="1,4", help="comma-separated generation batch sizes")
    parser.add_argument("--steps", type=int, default=5, help="training steps per timed run")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    grid = (1 + (args.frames - 1) // TEMPORAL, args.resolution // SPATIAL, args.resolution // SPATIAL)
    torch.manual_seed(0)
    video = ARTransformer(ar_registry.get_config(args.size, VOCAB, grid)).eval()
    v2w = ARTransformer(ar_registry.get_config(args.size, VOCAB, grid, text_dim=TEXT_DIM)).eval()
    print(
        f"model {args.size}: {parameter_count(video):,} parameters (stage 2: {parameter_count(v2w):,}); "
        f"window {grid} = {video.config.max_tokens} tokens; torch threads {torch.get_num_threads()}"
    )

    rows, speedups = [], []
    for condition in sorted({min(latents, grid[0] - 1) for latents in (1, 2)}, reverse=True):
        for stage, model in (("stage 1", video), ("stage 2", v2w)):
            for batch in (int(size) for size in args.generation_batches.split(",")):
                with_cache = generation_speed(model, condition, batch, True, args.repeats)
                without_cache = generation_speed(model, condition, batch, False, args.repeats)
                what, speedup = (
                    f"generate {stage}, {condition} cond. latents, batch {batch}",
                    with_cache / without_cache,
                )
                speedups.append((what, speedup))
                rows += [
                    (f"{what}, KV cache", f"{with_cache:,.0f} tokens/s", f"{speedup:.1f}x"),
                    (f"{what}, no cache", f"{without_cache:,.0f} tokens/s", "1.0x"),
                ]
    rows += [
        (
            "train stage 1 (video)",
            f"{training_speed(video, args.batch_size, args.steps, args.repeats):,.0f} tokens/s",
            "",
        ),
        (
            "train stage 2 (+ text)",
            f"{training_speed(v2w, args.batch_size, args.steps, args.repeats):,.0f} tokens/s",
            "",
        ),
    ]
    print(
        f"generation: 1 or 2 condition latent frames (1 or 9 frames) -> {grid[0]} (top-p 0.9); "
        f"training: batch {args.batch_size}"
    )
    width = max(len(row[0]) for row in rows)
    print(f"{'what':<{width}}  {'speed':>18}  {'vs no cache':>11}")
    for name, speed, ratio in rows:
        print(f"{name:<{width}}  {speed:>18}  {ratio:>11}")
    for what, speedup in speedups:
        print(
            f"[{'met' if speedup >= TARGET_SPEEDUP else 'NOT met'}] {what}: "
            f"KV cache {speedup:.1f}x (target >= {TARGET_SPEEDUP:g}x)"
        )


if __name__ == "__main__":
    main()
