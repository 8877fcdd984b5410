"""Episode seeds: disjoint between splits, and stable when the number of episodes changes.

Each episode's seed comes from (base seed, scenario, split, index within the split) through
numpy's SeedSequence, so adding training episodes never changes a test episode, and the three
splits draw from separate streams.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SPLITS = ("train", "val", "test")
_SPLIT_CODES = {"train": 0, "val": 1, "test": 2}


@dataclass(frozen=True)
class EpisodePlan:
    episode_id: str
    scenario: str
    split: str
    index: int
    seed: int


def scenario_code(scenario: str) -> int:
    """A stable integer for a scenario name (not Python's salted hash)."""
    return int.from_bytes(scenario.encode(), "little") % (2**31)


def episode_seed(base_seed: int, scenario: str, split: str, index: int) -> int:
    """A 63-bit seed: collisions between episodes are practically impossible."""
    sequence = np.random.SeedSequence([base_seed, scenario_code(scenario), _SPLIT_CODES[split], index])
    return int(sequence.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def plan_episodes(base_seed: int, counts: dict[str, dict[str, int]]) -> list[EpisodePlan]:
    """Every episode to render: counts[scenario][split] episodes each."""
    plans = []
    for scenario, per_split in counts.items():
        unknown = set(per_split) - set(SPLITS)
        if unknown:
            raise ValueError(f"unknown split(s) {sorted(unknown)} for scenario {scenario!r}; use {SPLITS}")
        for split in SPLITS:
            for index in range(int(per_split.get(split, 0))):
                plans.append(
                    EpisodePlan(
                        f"{scenario}_{split}_{index:04d}",
                        scenario,
                        split,
                        index,
                        episode_seed(base_seed, scenario, split, index),
                    )
                )
    return plans
