"""The trained tokenizers on a clip no test and no training set has seen, through the user's command.

Usage: .venv/bin/python bench/bench_unseen_clip.py [--models data/06_models] [--keep DIR]
  Draws a 64x64, 33-frame, 12 fps clip of simple coloured objects (an orange disc rolling right, a
  blue square falling, a green disc bouncing) on a vertical gradient with a darker floor band,
  writes it losslessly, runs `cosmos-flow tokenizer reconstruct` with tokenizer_cv and tokenizer_dv,
  and prints the PSNR and SSIM each reports. --keep writes the clip and the reconstructions to DIR.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from cosmos_flow.video.ffmpeg_binary import ffmpeg_executable

SIZE, FRAMES, FPS = 64, 33, 12


def coloured_objects_clip() -> np.ndarray:
    """uint8 [T, H, W, 3]: three objects moving over a gradient, none of them shaped or coloured like the
    simulator's."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    background = np.stack([90 + 60 * yy / SIZE, 110 + 50 * yy / SIZE, 150 - 30 * yy / SIZE], axis=-1)
    background[48:] *= 0.7
    frames = []
    for t in range(FRAMES):
        frame = background.copy()
        frame[(xx - (8 + 1.3 * t)) ** 2 + (yy - 44) ** 2 <= 16] = (235, 140, 30)
        top = min(4 + 0.05 * t * t, 40)
        frame[(yy >= top) & (yy < top + 7) & (xx >= 40) & (xx < 47)] = (40, 60, 220)
        frame[(xx - 24) ** 2 + (yy - (20 + 14 * abs(np.sin(t / 5)))) ** 2 <= 12] = (60, 200, 70)
        frames.append(np.clip(frame, 0, 255).astype(np.uint8))
    return np.stack(frames)


def write_lossless(frames: np.ndarray, path: Path) -> None:
    command = [
        ffmpeg_executable(),
        "-y",
        "-loglevel",
        "error",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{SIZE}x{SIZE}",
        "-r",
        str(FPS),
        "-i",
        "-",
    ]
    subprocess.run([*command, "-c:v", "libx264rgb", "-crf", "0", str(path)], input=frames.tobytes(), check=True)


def reconstruct(model: Path, clip: Path, output: Path) -> tuple[float, float]:
    """(PSNR dB, SSIM) as `cosmos-flow tokenizer reconstruct` prints them."""
    result = subprocess.run(
        [sys.executable, "-m", "cosmos_flow", "tokenizer", "reconstruct", str(model), str(clip), str(output)],
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"PSNR ([\d.]+) dB\s+SSIM ([\d.]+)", result.stdout)
    if found is None:
        raise RuntimeError(f"no PSNR in the command's output: {result.stdout!r} {result.stderr!r}")
    return float(found.group(1)), float(found.group(2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=Path, default=Path("data/06_models"))
    parser.add_argument("--keep", type=Path, default=None, help="write the clip and the reconstructions here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        clip = folder / "coloured_objects.mp4"
        write_lossless(coloured_objects_clip(), clip)
        print(f"{'tokenizer':<14}{'PSNR dB':>9}{'SSIM':>8}")
        for name in ("tokenizer_cv", "tokenizer_dv"):
            psnr, ssim = reconstruct(args.models / name, clip, folder / f"{name}.mp4")
            print(f"{name:<14}{psnr:>9.2f}{ssim:>8.4f}")


if __name__ == "__main__":
    main()
