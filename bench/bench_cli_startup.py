"""Start-up cost of the `cosmos-flow` command line: wall time and peak memory of commands that should start fast.

Usage: .venv/bin/python bench/bench_cli_startup.py [--repeats 5]
  Runs each command --repeats times under /usr/bin/time -v and prints the median wall seconds and the median peak
  resident memory (MB): `cosmos-flow --help`, `cosmos-flow generate --help`, `cosmos-flow probe <a sample video>`,
  and, for contrast, `cosmos-flow generate diffusion --help` (which loads torch).
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
from pathlib import Path

from cosmos_flow.video.samples import sample_video_path

COMMAND = [str(Path(sys.executable).with_name("cosmos-flow"))]


def measure(arguments: list[str]) -> tuple[float, float]:
    """(wall seconds, peak resident MB) of one run under /usr/bin/time -v."""
    finished = subprocess.run(["/usr/bin/time", "-v", *COMMAND, *arguments], capture_output=True, text=True)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", finished.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", finished.stderr)
    if wall is None or rss is None:
        raise RuntimeError(f"/usr/bin/time printed no figures for {arguments}: {finished.stderr[-300:]}")
    hours, minutes, seconds = int(wall.group(1) or 0), int(wall.group(2)), float(wall.group(3))
    return hours * 3600 + minutes * 60 + seconds, int(rss.group(1)) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5, help="runs of each command; the medians are printed")
    args = parser.parse_args()
    commands = {
        "cosmos-flow --help": ["--help"],
        "cosmos-flow generate --help": ["generate", "--help"],
        "cosmos-flow probe bikes.mp4": ["probe", str(sample_video_path("bikes"))],
        "cosmos-flow generate diffusion --help": ["generate", "diffusion", "--help"],
    }
    print(f"{'command':<40}{'wall s (median)':>16}{'peak MB (median)':>18}")
    for name, arguments in commands.items():
        runs = [measure(arguments) for _ in range(args.repeats)]
        wall = statistics.median(run[0] for run in runs)
        peak = statistics.median(run[1] for run in runs)
        print(f"{name:<40}{wall:>16.2f}{peak:>18.0f}")


if __name__ == "__main__":
    main()
