"""Video tokenizers end to end: train (or load), evaluate on held-out clips, stream long videos.

Usage: .venv/bin/python bench/bench_tokenizer.py [--env bench] [--configs NAME ...] [--max-steps N | --minutes M]
       .venv/bin/python bench/bench_tokenizer.py --model-dir DIR [--model-dir DIR ...]
  It trains the profile's two tokenizers (`--env`, default bench: conf/base merged with
  conf/bench/parameters_tokenizer.yml; --configs names other registry configs) on the project's
  training clips, with the profile's data parameters, steps, learning rate and warm-up (--max-steps
  overrides the steps; --minutes turns a time budget into steps after two short timed calibration
  runs and caps them), or loads saved tokenizers (--model-dir). Then it evaluates on held-out
  sim clips (split test) and held-out real clips (scenario real, split test), each beside the
  resampling baseline of the same size, and measures the peak memory (VmHWM, in a fresh process
  each) of a streaming encode+decode of a 100-frame and a 1,000-frame 64x64 video.
  Prints one table, then whether the targets are met:
    CV >= baseline + 3 dB on held-out sim (8x8x8), DV within 3 dB of its CV twin,
    codebook usage >= 50%, streaming memory flat (1,000 vs 100 frames within 10%).
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from profiles import profile_parameters

from cosmos_flow.manifests.training_clips import REAL_SCENARIO, load_clip_frames, training_clip_table
from cosmos_flow.model_store import load_model, save_model
from cosmos_flow.tokenizer.data import TokenizerDataModule, TokenizerDataParams
from cosmos_flow.tokenizer.evaluate import evaluate_tokenizer
from cosmos_flow.tokenizer.registry import get_config
from cosmos_flow.tokenizer.saved import load_tokenizer, tokenizer_artifact
from cosmos_flow.tokenizer.streaming import decode_stream, encode_stream
from cosmos_flow.tokenizer.train import TokenizerTrainParams, train_tokenizer

ROOT = Path(__file__).resolve().parents[1]
CALIBRATION_STEPS = (5, 125)
BENCH_SET = {"max_steps", "val_every_steps", "progress_bar"}  # training settings the benchmark decides
MEMORY_FRAMES = (100, 1000)
MEMORY_SIZE = 64
TARGET_GAIN_DB, TARGET_DV_GAP_DB, TARGET_USAGE, TARGET_MEMORY_GROWTH = 3.0, 3.0, 0.5, 0.10


def clip_table() -> pd.DataFrame:
    """The training clip table of the project's data, with paths made absolute (frames load from anywhere)."""
    table = training_clip_table(
        pd.read_parquet(ROOT / "data/03_primary/clips.parquet"),
        pd.read_parquet(ROOT / "data/02_intermediate/videos.parquet"),
        pd.read_parquet(ROOT / "data/01_raw/sim/episodes.parquet"),
    )
    for column in ("path", "frames_path"):
        table[column] = [str(ROOT / value) if isinstance(value, str) and value else value for value in table[column]]
    return table


def train(
    name: str, table: pd.DataFrame, settings: dict, max_steps: int | None, minutes: float | None
) -> tuple[object, int, float]:
    """(tokenizer, steps, minutes of the real run) for registry config `name`."""
    config = get_config(name)
    data = TokenizerDataModule(table, TokenizerDataParams(**settings["data"]))
    # Every training setting of the profile (loss weights, spread term, clipping...) but the run's
    # length, validation cadence and progress bar, which the benchmark sets itself.
    train_settings = {key: value for key, value in settings[config.kind]["train"].items() if key not in BENCH_SET}
    max_steps = max_steps or settings[config.kind]["train"]["max_steps"]

    def run(steps: int):
        params = TokenizerTrainParams(
            max_steps=steps, val_every_steps=steps, seed=settings["seed"], progress_bar=False, **train_settings
        )
        return train_tokenizer(config, params, data)

    steps = max_steps
    if minutes is not None:
        # Two thrown-away runs of different lengths: their difference is the time of the extra steps
        # alone, without the fixed cost of starting a run (timed from one 5-step run, --minutes 29
        # trained 12.5 minutes).
        # 120 timed steps, not 40: with two benchmarks side by side, 40 steps overestimated the step
        # time and --minutes 29 trained 26.3 and 22.9 minutes (with 120: 27.8 and 29.0).
        short, long = (_seconds(lambda count=count: run(count)) for count in CALIBRATION_STEPS)
        seconds_per_step = (long - short) / (CALIBRATION_STEPS[1] - CALIBRATION_STEPS[0])
        steps = min(steps, max(1, int(minutes * 60 / seconds_per_step)))
    start = time.perf_counter()
    model = run(int(steps))
    return model, int(steps), (time.perf_counter() - start) / 60


def _seconds(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def held_out_clips(table: pd.DataFrame, real: bool, max_short_side: int, limit: int | None) -> list[np.ndarray]:
    test = table[(table["split"] == "test") & ((table["scenario"] == REAL_SCENARIO) == real)]
    if limit is not None:
        test = test.head(limit)
    return [load_clip_frames(row, max_short_side) for _, row in test.iterrows()]


def streaming_peak_mb(model_dir: Path, frames: int) -> float:
    """Peak RSS (MB) of a fresh process that streams a `frames`-frame video through the tokenizer."""
    command = [sys.executable, __file__, "--memory-probe", str(model_dir), str(frames)]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])["peak_mb"]


def peak_rss_mb() -> float:
    """This process's peak resident memory, from /proc/self/status (VmHWM).

    Not getrusage's ru_maxrss: Linux carries it over from the parent across fork and exec, so
    a child of a big process reports the parent's size (1,269 MB for both 100 and 1,000 frames
    after training), whereas VmHWM belongs to the child's own address space.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    raise RuntimeError("/proc/self/status has no VmHWM line: the memory probe needs Linux")


def synthetic_frames(count: int):
    """A moving colour gradient, made one frame at a time (never held as a whole video)."""
    y, x = np.mgrid[:MEMORY_SIZE, :MEMORY_SIZE]
    for t in range(count):
        yield (np.stack([x * 4 + 3 * t, y * 4, x + y + t], axis=-1) % 256).astype(np.uint8)


def memory_probe(model_dir: str, frames: int) -> None:
    """The child of `streaming_peak_mb`: stream synthetic frames through encode+decode, print the peak RSS."""
    model = load_tokenizer(model_dir)
    decoded = sum(
        1 for _ in decode_stream(model, encode_stream(model, synthetic_frames(frames)), MEMORY_SIZE, MEMORY_SIZE)
    )
    if decoded != frames:
        raise RuntimeError(f"streamed {frames} frames but decoded {decoded}")
    print(json.dumps({"peak_mb": peak_rss_mb()}))


def measure(model, model_dir: Path, sim: list[np.ndarray], real: list[np.ndarray], max_frames: int) -> dict[str, float]:
    row = {f"sim_{key}": value for key, value in evaluate_tokenizer(model, sim, max_frames).items()}
    if real:
        row.update({f"real_{key}": value for key, value in evaluate_tokenizer(model, real, max_frames).items()})
    for frames in MEMORY_FRAMES:
        row[f"memory_{frames}"] = streaming_peak_mb(model_dir, frames)
    return row


COLUMNS = [
    ("config", "config", "{}"),
    ("params", "params", "{:,}"),
    ("steps", "steps", "{}"),
    ("min", "minutes", "{:.1f}"),
    ("sim PSNR", "sim_psnr", "{:.2f}"),
    ("SSIM", "sim_ssim", "{:.3f}"),
    ("base PSNR", "sim_baseline_psnr", "{:.2f}"),
    ("SSIM", "sim_baseline_ssim", "{:.3f}"),
    ("real PSNR", "real_psnr", "{:.2f}"),
    ("SSIM", "real_ssim", "{:.3f}"),
    ("base PSNR", "real_baseline_psnr", "{:.2f}"),
    ("SSIM", "real_baseline_ssim", "{:.3f}"),
    ("usage", "sim_codebook_usage", "{:.0%}"),
    ("enc fps", "sim_encode_fps", "{:.0f}"),
    ("dec fps", "sim_decode_fps", "{:.0f}"),
    ("MB 100f", "memory_100", "{:.0f}"),
    ("MB 1000f", "memory_1000", "{:.0f}"),
    ("+MB", "memory_growth_mb", "{:+.0f}"),
]


def print_table(rows: list[dict]) -> None:
    cells = [[header for header, _, _ in COLUMNS]]
    cells += [[form.format(row[key]) if row.get(key) is not None else "-" for _, key, form in COLUMNS] for row in rows]
    widths = [max(len(line[index]) for line in cells) for index in range(len(COLUMNS))]
    for line in cells:
        print(
            "  ".join(
                cell.rjust(width) if index else cell.ljust(width)
                for index, (cell, width) in enumerate(zip(line, widths, strict=True))
            )
        )


def target_lines(rows: list[dict]) -> list[str]:
    by_name = {row["config"]: row for row in rows}
    lines = []
    for row in rows:
        name = row["config"]
        if row["kind"] == "cv" and row["factors"] == (8, 8):
            gain = row["sim_psnr"] - row["sim_baseline_psnr"]
            lines.append(
                _verdict(
                    gain >= TARGET_GAIN_DB,
                    f"{name}: held-out sim PSNR {gain:+.2f} dB over the baseline (target >= +{TARGET_GAIN_DB:g})",
                )
            )
        if row["kind"] == "dv":
            twin = by_name.get(name.replace("dv", "cv", 1))
            if twin is not None:
                gap = twin["sim_psnr"] - row["sim_psnr"]
                lines.append(
                    _verdict(
                        gap <= TARGET_DV_GAP_DB,
                        f"{name}: {gap:.2f} dB below {twin['config']} on held-out sim (target <= {TARGET_DV_GAP_DB:g})",
                    )
                )
            usage = row["sim_codebook_usage"]
            lines.append(
                _verdict(
                    usage >= TARGET_USAGE,
                    f"{name}: codebook usage {usage:.0%} on held-out sim (target >= {TARGET_USAGE:.0%})",
                )
            )
        growth = row["memory_1000"] / row["memory_100"] - 1
        lines.append(
            _verdict(
                growth <= TARGET_MEMORY_GROWTH,
                f"{name}: streaming peak memory {row['memory_100']:.0f} MB at 100 frames, "
                f"{row['memory_1000']:.0f} MB at 1,000 ({growth:+.1%}, target within {TARGET_MEMORY_GROWTH:.0%})",
            )
        )
    return lines


def _verdict(met: bool, text: str) -> str:
    return f"[{'met' if met else 'NOT met'}] {text}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--env", default="bench", help="parameter profile merged over conf/base (base: the default run's settings)"
    )
    parser.add_argument(
        "--configs",
        nargs="+",
        help="registry configs to train (cosmos_flow.tokenizer.registry; default: the profile's cv and dv)",
    )
    parser.add_argument(
        "--model-dir",
        action="append",
        type=Path,
        default=[],
        help="evaluate this saved tokenizer instead of training (repeatable)",
    )
    parser.add_argument("--max-steps", type=int, help="training steps per config (default: the profile's)")
    parser.add_argument(
        "--minutes", type=float, help="training time per config (converted to steps; --max-steps caps it)"
    )
    parser.add_argument("--save-dir", type=Path, help="keep the trained tokenizers in SAVE_DIR/<config>")
    parser.add_argument("--sim-clips", type=int, help="evaluate on at most this many held-out sim clips (default: all)")
    parser.add_argument("--memory-probe", nargs=2, metavar=("MODEL_DIR", "FRAMES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_probe:
        memory_probe(args.memory_probe[0], int(args.memory_probe[1]))
        return
    logging.basicConfig(level=logging.WARNING)
    for noisy in ("pytorch_lightning", "lightning", "lightning.pytorch", "lightning_fabric"):
        logging.getLogger(noisy).setLevel(logging.ERROR)

    settings = profile_parameters("tokenizer", args.env)
    evaluation = settings["evaluation"]
    table = clip_table()
    sim = held_out_clips(table, real=False, max_short_side=evaluation["max_short_side"], limit=args.sim_clips)
    real = held_out_clips(table, real=True, max_short_side=evaluation["max_short_side"], limit=None)
    print(f"held-out clips: {len(sim)} sim, {len(real)} real (real at a short side of {evaluation['max_short_side']})")

    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        configs = args.configs or [settings[kind]["config"] for kind in ("cv", "dv")]
        jobs = [(str(folder), folder) for folder in args.model_dir] or [(name, None) for name in configs]
        for label, folder in jobs:
            if folder is None:
                model, steps, minutes = train(label, table, settings, args.max_steps, args.minutes)
                folder = (args.save_dir or Path(scratch)) / label
                save_model(folder, tokenizer_artifact(model, extra_config={"train_steps": steps}))
            else:
                model, minutes = load_tokenizer(folder), None
                steps = load_model(folder).config.get("train_steps")
            config = model.config
            row = {
                "config": config.name or label,
                "kind": config.kind,
                "factors": (config.temporal_compression, config.spatial_compression),
                "params": sum(parameter.numel() for parameter in model.parameters()),
                "steps": steps,
                "minutes": minutes,
                **measure(model, folder, sim, real, evaluation["max_frames"]),
            }
            row["memory_growth_mb"] = row["memory_1000"] - row["memory_100"]
            rows.append(row)
    print_table(rows)
    for line in target_lines(rows):
        print(line)


if __name__ == "__main__":
    main()
