"""Column contracts of the project's tables (docs/ARCHITECTURE.md, "Data contracts").

Other pipelines, tests and users rely on these names and types: add columns freely, never rename.
Each contract maps a column to a pandas dtype; nullable columns use pandas' nullable dtypes.
"""

from __future__ import annotations

import pandas as pd

CONTRACTS: dict[str, dict[str, str]] = {
    "videos": {
        "video_id": "string",
        "path": "string",
        "source": "string",
        "width": "int64",
        "height": "int64",
        "fps": "float64",
        "num_frames": "int64",
        "duration_s": "float64",
        "codec": "string",
        "has_audio": "bool",
        "episode_id": "string",  # the simulation episode a `sim` video shows; null otherwise
    },
    "episodes": {
        "episode_id": "string",
        "scenario": "string",
        "split": "string",
        "seed": "int64",
        "num_frames": "int64",
        "width": "int64",
        "height": "int64",
        "fps": "float64",
        "caption": "string",
    },
    "shots": {
        "video_id": "string",
        "shot_index": "int64",
        "start_frame": "int64",
        "end_frame": "int64",  # exclusive
        "detector": "string",
        "boundary_probability": "float64",
    },
    "clips": {
        "clip_id": "string",
        "video_id": "string",
        "path": "string",  # the transcoded clip; null unless kept
        "start_frame": "int64",
        "end_frame": "int64",  # exclusive
        "start_s": "float64",
        "end_s": "float64",
        "fps": "float64",
        "width": "int64",
        "height": "int64",
        "num_frames": "int64",
        "motion_score": "float64",
        "quality_score": "float64",
        "text_score": "float64",
        "video_type": "string",
        "caption": "string",
        "cluster_id": "Int64",
        "duplicate_of": "string",
        "kept": "bool",
        "reject_reason": "string",
    },
    "quarantine": {
        "path": "string",
        "stage": "string",
        "reason": "string",
    },
}

VIDEO_SOURCES = ("user", "sample", "sim")
REJECT_REASONS = (
    "too_short",
    "static",
    "abrupt_motion",
    "low_quality",
    "text_overlay",
    "unwanted_type",
    "duplicate",
    "decode_error",
)


class ContractError(ValueError):
    """A table does not have the columns its contract names."""


def empty_table(contract: str) -> pd.DataFrame:
    """A table with the contract's columns and types and no rows."""
    columns = CONTRACTS[contract]
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})


def conform(frame: pd.DataFrame, contract: str, where: str = "table") -> pd.DataFrame:
    """Check `frame` has every contract column and cast them to the contract's types.

    Contract columns come first, in contract order; extra columns follow unchanged.
    """
    columns = CONTRACTS[contract]
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise ContractError(f"{where} lacks the {contract} contract's columns {missing}")
    try:
        frame = frame.astype(columns)
    except (TypeError, ValueError) as error:
        raise ContractError(f"{where} does not fit the {contract} contract's types: {error}") from None
    extras = [name for name in frame.columns if name not in columns]
    return frame[list(columns) + extras].reset_index(drop=True)
